"""What a function's cold start leaves out, in fresh interpreters: a function that only reads or queues loads no
email renderer; use cases its usual first request does not need (reconciliation in a payment read, which runs only
for a payment waiting too long; disputes and refunds in the Stripe webhook; the invoice, report and money-back
emails in the notice worker) load where they are used on demand, and at an init ahead of requests
(shared/coldstart/__init__.py); the card routes load no Stripe event parsing, payment states or ACH port."""

import pytest

from tests.helpers import modules_loaded_after

EMAIL_RENDERING = {"shared.emails.receipts", "shared.emails.email_layout", "shared.domain.merchant"}


@pytest.mark.parametrize(
    "function", ["list_invoices", "get_invoice", "get_payment", "list_payments", "stripe_webhook", "ach_webhook"]
)
def test_reading_or_queueing_loads_no_email_renderer(function):
    assert EMAIL_RENDERING.isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


# What a function leaves to the request that needs it, each 0.05x of the floor or more on demand
# (docs/benchmarks.md): the Stripe webhook's first payment event, the notice worker's first receipt, a read of a
# payment that is not stale load none of it.
ON_USE = {
    "stripe_webhook": {
        "shared.services.disputes",
        "shared.services.refunds",
        "shared.services.saved_methods",
        "shared.services.reconciliation",
        "shared.processors.refunds",
    },
    "email_worker": {
        "shared.services.invoice_notices",
        "shared.services.problem_reports",
        "shared.services.money_back_notices",
        "shared.services.ach_account_notices",
        "shared.services.account_notices",
        "shared.services.autopay_notices",
    },
    "get_payment": {"shared.services.reconciliation"},
}


@pytest.mark.parametrize("function", sorted(ON_USE))
def test_on_demand_use_cases_load_where_they_are_used(function):
    assert ON_USE[function].isdisjoint(modules_loaded_after(f"import functions.{function}.app"))


@pytest.mark.parametrize("function", sorted(ON_USE))
def test_at_an_init_ahead_of_requests_they_are_loaded_into_the_snapshot(function):
    """No resumed instance's request pays for them (shared/coldstart.prime)."""
    snap_start = "import os\nos.environ['AWS_LAMBDA_INITIALIZATION_TYPE'] = 'snap-start'\n"
    assert ON_USE[function] <= modules_loaded_after(f"{snap_start}import functions.{function}.app")


STRIPE_EVENT_PARSING = {"shared.processors.stripe_events", "shared.domain.dispute_states", "shared.domain.declines"}


@pytest.mark.parametrize("function", ["delete_payment_method", "setup_payment_method"])
def test_card_routes_load_no_event_parsing_payment_states_or_ach_port(function):
    """The saved-card service (which the other saved-method routes share) names the webhook's CardSnapshot only
    as a type, the card port maps no payment status, and the customer lookup loads no ACH port: with the card
    adapter loaded, as their request loads it."""
    loaded = modules_loaded_after(f"import functions.{function}.app\nfrom shared.processors import stripe_cards")
    assert STRIPE_EVENT_PARSING.isdisjoint(loaded)
    assert {"shared.domain.payment_states", "shared.processors.ach"}.isdisjoint(loaded)
