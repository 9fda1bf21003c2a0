"""What a function's cold start leaves out, in fresh interpreters: a function that only reads or queues loads no
email renderer; a payment read leaves reconciliation (which runs only for a payment waiting too long) to the
request that needs it on demand, and loads it at an init ahead of requests (shared/coldstart.py); the card routes
load no Stripe event parsing, payment states or ACH port."""

import pytest

from tests.helpers import modules_loaded_after

EMAIL_RENDERING = {"shared.receipts", "shared.email_layout", "shared.merchant"}


@pytest.mark.parametrize("function", ["list_invoices", "get_invoice", "get_payment", "list_payments",
                                      "stripe_webhook", "ach_webhook"])
def test_reading_or_queueing_loads_no_email_renderer(function):
    assert EMAIL_RENDERING.isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


RECONCILIATION = "shared.services.reconciliation"  # 0.09x of the floor on demand (docs/benchmarks.md)


def test_on_demand_a_payment_read_leaves_reconciliation_to_a_stale_payment():
    assert RECONCILIATION not in modules_loaded_after("import functions.get_payment.app")


def test_at_an_init_ahead_of_requests_reconciliation_is_loaded_into_the_snapshot():
    snap_start = "import os\nos.environ['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'snap-start'\n"
    assert RECONCILIATION in modules_loaded_after(f"{snap_start}import functions.get_payment.app")


STRIPE_EVENT_PARSING = {"shared.processors.stripe_events", "shared.dispute_states", "shared.declines"}


@pytest.mark.parametrize("function", ["delete_payment_method", "setup_payment_method"])
def test_card_routes_load_no_event_parsing_payment_states_or_ach_port(function):
    """The saved-card service (which the other saved-method routes share) names the webhook's CardSnapshot only
    as a type, the card port maps no payment status, and the customer lookup loads no ACH port: with the card
    adapter loaded, as their request loads it."""
    loaded = modules_loaded_after(f"import functions.{function}.app\nfrom shared.processors import stripe_cards")
    assert STRIPE_EVENT_PARSING.isdisjoint(loaded)
    assert {"shared.payment_states", "shared.processors.ach"}.isdisjoint(loaded)
