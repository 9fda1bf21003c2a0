"""What a function's cold start leaves out, in fresh interpreters: a function that only reads or queues loads no
email renderer; use cases its usual first request does not need (reconciliation in a payment read, which runs
only for a payment waiting too long; disputes and refunds in the webhooks; the invoice, report and money-back
emails in the notice worker) load where they are used on demand, and at an init ahead of requests; the card
routes load no Stripe event parsing, payment states or ACH port."""

import pytest

from tests.helpers import modules_loaded_after

EMAIL_RENDERING = {"shared.receipts", "shared.email_layout", "shared.merchant"}


@pytest.mark.parametrize("function", ["list_invoices", "get_invoice", "get_payment", "list_payments",
                                      "stripe_webhook", "ach_webhook"])
def test_reading_or_queueing_loads_no_email_renderer(function):
    assert EMAIL_RENDERING.isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


# Use cases a function's usual first request does not need, imported where they are used
# (shared/init_type.load_ahead): the Stripe webhook's first payment event, the ACH worker's first payment
# transfer, the notice worker's first receipt, a read of a payment that is not stale.
ON_USE = {
    "stripe_webhook": {"shared.services.disputes", "shared.services.refunds", "shared.services.saved_methods"},
    "ach_event_worker": {"shared.services.refunds", "shared.services.bank_accounts", "shared.services.saved_methods",
                         "shared.processors.refunds"},
    "email_worker": {"shared.services.invoice_notices", "shared.services.problem_reports",
                     "shared.services.money_back_notices", "shared.ach_emails"},
    "get_payment": {"shared.services.reconciliation"},
}


@pytest.mark.parametrize("function", sorted(ON_USE))
def test_on_demand_use_cases_load_where_they_are_used(function):
    assert ON_USE[function].isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


def test_at_an_init_ahead_of_requests_they_are_loaded_into_the_snapshot():
    """No resumed instance's request pays for them (that each is named in its module's load_ahead is
    tests/unit/test_snapstart_priming.py's AST check)."""
    imports = "\n".join(f"import functions.{function}.app" for function in sorted(ON_USE))
    loaded = modules_loaded_after(f"import os\nos.environ['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'snap-start'\n{imports}")
    assert set().union(*ON_USE.values()) <= loaded


STRIPE_EVENT_PARSING = {"shared.processors.stripe_events", "shared.dispute_states", "shared.declines"}


@pytest.mark.parametrize("function", ["delete_payment_method", "setup_payment_method"])
def test_card_routes_load_no_event_parsing_payment_states_or_ach_port(function):
    """The saved-card service (which the other saved-method routes share) names the webhook's CardSnapshot only
    as a type, the card port maps no payment status, and the customer lookup loads no ACH port: with the card
    adapter loaded, as their request loads it."""
    loaded = modules_loaded_after(f"import functions.{function}.app\nfrom shared.processors import stripe_cards")
    assert STRIPE_EVENT_PARSING.isdisjoint(loaded)
    assert {"shared.payment_states", "shared.processors.ach"}.isdisjoint(loaded)
