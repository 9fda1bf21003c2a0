"""What a function's cold start leaves out, in fresh interpreters: a function that only reads or queues loads no
email renderer, and reading a payment does not load at import the reconciliation it runs only for a stale payment."""

import pytest

from tests.helpers import modules_loaded_after

EMAIL_RENDERING = {"shared.receipts", "shared.email_layout", "shared.merchant"}


@pytest.mark.parametrize("function", ["list_invoices", "get_invoice", "get_payment", "list_payments",
                                      "stripe_webhook", "ach_webhook"])
def test_reading_or_queueing_loads_no_email_renderer(function):
    assert EMAIL_RENDERING.isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


def test_reading_a_payment_loads_no_reconciliation_at_import():
    """It runs only for a payment waiting too long (tests/integration/test_payment_checks.py)."""
    assert "shared.services.reconciliation" not in modules_loaded_after("import functions.get_payment.app")
