import itertools

import pytest

from shared.domain.invoices import InvoiceMoney
from shared.domain.payment_states import Failure, Outcome, decide, refusal

INVOICE = InvoiceMoney(total=10000, fees=0, amount_paid=0, amount_pending=0)


def outcome(status, amount=4000, at=100, failure=None):
    return Outcome(status=status, amount=amount, occurred_at=at, failure=failure)


def test_success_of_a_pending_card_payment_counts_the_money_once():
    effect = decide("pending", 4000, None, outcome("succeeded"), INVOICE)
    assert (effect.payment_status, effect.paid_delta, effect.pending_delta, effect.credit_delta) == (
        "succeeded",
        4000,
        0,
        0,
    )


def test_processing_moves_money_into_pending_and_success_moves_it_to_paid():
    to_processing = decide("pending", 4000, None, outcome("processing"), INVOICE)
    assert to_processing.pending_delta == 4000 and to_processing.paid_delta == 0
    settled = decide("processing", 4000, None, outcome("succeeded"), InvoiceMoney(10000, 0, 0, 4000))
    assert settled.pending_delta == -4000 and settled.paid_delta == 4000


def test_failure_while_processing_returns_the_pending_money():
    effect = decide("processing", 4000, None, outcome("failed"), InvoiceMoney(10000, 0, 0, 4000))
    assert effect.payment_status == "failed" and effect.pending_delta == -4000 and effect.paid_delta == 0


@pytest.mark.parametrize("late", ["failed", "processing", "canceled", "succeeded"])
def test_nothing_moves_a_succeeded_payment(late):
    assert decide("succeeded", 4000, None, outcome(late), INVOICE) is None


def test_a_declined_card_can_still_succeed_with_another_card():
    effect = decide("failed", 4000, 100, outcome("succeeded", at=200), INVOICE)
    assert effect.payment_status == "succeeded" and effect.paid_delta == 4000


def test_an_older_decline_delivered_late_does_not_replace_the_newer_reason():
    assert decide("failed", 4000, 200, outcome("failed", at=100), INVOICE) is None
    assert decide("failed", 4000, 100, outcome("failed", at=200), INVOICE).record_failure


def test_money_beyond_what_is_owed_becomes_credit_not_lost():
    invoice = InvoiceMoney(total=10000, fees=0, amount_paid=8000, amount_pending=0)
    effect = decide("pending", 4000, None, outcome("succeeded"), invoice)
    assert (effect.paid_delta, effect.credit_delta, effect.anomaly) == (2000, 2000, "overpayment")


def test_success_reported_after_cancel_is_recorded_as_an_anomaly():
    effect = decide("canceled", 4000, None, outcome("succeeded"), INVOICE)
    assert effect.payment_status == "succeeded" and effect.anomaly == "succeeded_after_cancel"


def test_a_success_for_less_than_asked_counts_what_was_received_and_is_an_anomaly():
    effect = decide("pending", 4000, None, outcome("succeeded", amount=1), INVOICE)
    assert (effect.paid_delta, effect.amount, effect.anomaly) == (1, 1, "amount_mismatch")


def test_a_success_for_more_than_asked_counts_it_within_what_is_owed_and_keeps_the_rest_as_credit():
    effect = decide("pending", 4000, None, outcome("succeeded", amount=12000), INVOICE)
    assert (effect.paid_delta, effect.credit_delta, effect.amount, effect.anomaly) == (
        10000,
        2000,
        12000,
        "amount_mismatch",
    )


def test_the_amount_asked_for_is_no_anomaly():
    effect = decide("pending", 4000, None, outcome("succeeded"), INVOICE)
    assert (effect.amount, effect.anomaly) == (None, None)


@pytest.mark.parametrize("currency,refused", [(None, None), ("usd", None), ("USD", None), ("jpy", "currency_mismatch")])
def test_an_outcome_in_another_currency_is_refused(currency, refused):
    stated = Outcome(status="succeeded", amount=4000, occurred_at=1, currency=currency)
    assert refusal("usd", stated) == refused


def _replay(events):
    """Apply a sequence of outcomes like the webhook does; return final (status, paid, pending)."""
    status, paid, pending, last_failure = "pending", 0, 0, None
    for event in events:
        effect = decide(status, 4000, last_failure, event, InvoiceMoney(10000, 0, paid, pending))
        if effect is None:
            continue
        status, paid, pending = effect.payment_status, paid + effect.paid_delta, pending + effect.pending_delta
        if effect.record_failure:
            last_failure = event.occurred_at
    return status, paid, pending


def test_every_delivery_order_and_duplication_of_a_card_story_ends_the_same():
    story = [
        outcome("failed", at=1, failure=Failure("card_declined", "x")),
        outcome("processing", at=2),
        outcome("succeeded", at=3),
    ]
    expected = _replay(story)
    assert expected == ("succeeded", 4000, 0)
    for order in itertools.permutations(story + [story[2], story[0]]):
        assert _replay(order) == expected


def returned(status="succeeded", amount=4000, credited=0, paid=4000, at=200):
    return decide(
        status,
        amount,
        None,
        Outcome("failed", amount, at, Failure("R01", "x"), reverses_success=True),
        InvoiceMoney(10000, 0, paid, 0),
        credited=credited,
        paid=paid,
    )


def test_a_bank_return_takes_the_credit_part_first_then_what_it_paid():
    effect = returned(credited=1000, paid=3000)
    assert (effect.payment_status, effect.credit_delta, effect.paid_delta, effect.loss, effect.anomaly) == (
        "failed",
        -1000,
        -3000,
        0,
        None,
    )


@pytest.mark.parametrize("status", ["succeeded", "partially_refunded", "refunded"])
def test_a_bank_return_of_money_already_refunded_is_the_merchants_loss_and_an_anomaly(status):
    """The bank takes the whole debit back; what was already sent back to the client left twice."""
    held = {"succeeded": 4000, "partially_refunded": 1500, "refunded": 0}[status]
    effect = returned(status, paid=held)
    assert (effect.paid_delta, effect.loss, effect.anomaly) == (
        -held,
        4000 - held,
        "returned_after_refund" if held < 4000 else None,
    )


def test_a_return_of_a_payment_that_never_succeeded_releases_its_pending_money():
    effect = decide("processing", 4000, None, Outcome("failed", 4000, 5, reverses_success=True), INVOICE)
    assert (effect.payment_status, effect.pending_delta, effect.paid_delta, effect.loss) == ("failed", -4000, 0, 0)


def test_a_cancelled_transfer_releases_its_pending_money():
    effect = decide("processing", 4000, None, outcome("canceled"), InvoiceMoney(10000, 0, 0, 4000))
    assert (effect.payment_status, effect.pending_delta, effect.paid_delta) == ("canceled", -4000, 0)


def test_a_success_on_a_void_invoice_is_all_credit():
    effect = decide("canceled", 4000, None, outcome("succeeded"), INVOICE, void=True)
    assert (effect.paid_delta, effect.credit_delta, effect.anomaly) == (0, 4000, "succeeded_after_cancel")


def test_a_second_decline_in_the_same_second_replaces_the_reason():
    effect = decide("failed", 4000, 100, outcome("failed", at=100, failure=Failure("expired_card", "x")), INVOICE)
    assert effect is not None and effect.record_failure


def test_paying_exactly_what_is_owed_after_a_late_fee_is_no_credit():
    effect = decide("pending", 4500, None, outcome("succeeded", amount=4500), InvoiceMoney(4000, 500, 0, 0))
    assert (effect.paid_delta, effect.credit_delta, effect.anomaly) == (4500, 0, None)


def test_every_effect_says_exactly_what_moves():
    from shared.domain.payment_states import Effect

    paid = InvoiceMoney(10000, 0, 0, 0)
    assert decide("pending", 4000, None, outcome("succeeded"), paid) == Effect(
        "succeeded", paid_delta=4000, record_failure=False
    )
    assert decide("pending", 4000, None, outcome("processing"), paid) == Effect(
        "processing", pending_delta=4000, record_failure=False
    )
    assert decide(
        "processing", 4000, None, outcome("failed", failure=Failure("R01", "x")), InvoiceMoney(10000, 0, 0, 4000)
    ) == Effect("failed", pending_delta=-4000, record_failure=True)
    assert decide("pending", 4000, None, outcome("failed", failure=Failure("card_declined", "x")), paid) == Effect(
        "failed", record_failure=True
    )
    assert decide("failed", 4000, 50, outcome("failed", at=60, failure=Failure("expired_card", "x")), paid) == Effect(
        "failed", record_failure=True
    )
    assert decide("pending", 4000, None, outcome("canceled"), paid) == Effect("canceled", record_failure=False)


def test_a_success_on_an_invoice_already_paid_is_all_credit():
    effect = decide("pending", 4000, None, outcome("succeeded"), InvoiceMoney(10000, 0, 10000, 0))
    assert (effect.paid_delta, effect.credit_delta, effect.anomaly) == (0, 4000, "overpayment")


def test_a_return_records_the_banks_reason_and_with_nothing_held_all_of_it_is_a_loss():
    effect = decide(
        "refunded", 4000, None, Outcome("failed", 4000, 9, Failure("R01", "x"), reverses_success=True), INVOICE
    )
    assert (effect.record_failure, effect.paid_delta, effect.credit_delta, effect.loss) == (True, 0, 0, 4000)
    assert returned(credited=0, paid=4000).record_failure
