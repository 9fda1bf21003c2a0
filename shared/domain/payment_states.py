"""Payment state machine: what a processor outcome does to a payment and to its invoice's money.

Webhooks arrive at least once and in any order. Every outcome is checked against the payment's current
status, so a late or repeated event can never move a payment backwards or count money twice.
"""

from dataclasses import dataclass

from shared.domain.invoices import InvoiceMoney

PENDING, PROCESSING, SUCCEEDED, FAILED, CANCELED = "pending", "processing", "succeeded", "failed", "canceled"
REFUNDED, PARTIALLY_REFUNDED, DISPUTED = "refunded", "partially_refunded", "disputed"
STATUSES = (PENDING, PROCESSING, SUCCEEDED, FAILED, CANCELED, REFUNDED, PARTIALLY_REFUNDED, DISPUTED)

# A card payment that failed can still succeed: the client may retry the same PaymentIntent with another
# card. A canceled payment can only "succeed" if the processor says money moved after all; money is the
# truth, so that is recorded (and logged as an anomaly) rather than dropped.
_ALLOWED = {
    PENDING: {PROCESSING, SUCCEEDED, FAILED, CANCELED},
    FAILED: {PROCESSING, SUCCEEDED, FAILED, CANCELED},
    PROCESSING: {SUCCEEDED, FAILED, CANCELED},
    CANCELED: {SUCCEEDED},
}

# Statuses a payment reaches only once its success is recorded, whatever happened to its money since.
SUCCESS_RECORDED = (SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED, DISPUTED)
# Those whose success a bank return can still reverse (taking back what the merchant holds, the rest a loss).
# Not DISPUTED: only a card payment is disputed, and only an ACH debit is returned.
RETURNABLE = (SUCCEEDED, PARTIALLY_REFUNDED, REFUNDED)

# Statuses whose money is counted in the invoice's amount_pending.
IN_FLIGHT = {PROCESSING}


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True)
class Outcome:
    """What the processor reports about one payment."""

    status: str  # processing | succeeded | failed | canceled
    amount: int  # money the processor reports for this payment, in cents
    occurred_at: int  # the processor's event time (unix seconds): orders repeated failures
    failure: Failure | None = None
    # A bank return can come days after an ACH debit settled: the one way a succeeded payment may fail.
    reverses_success: bool = False
    # The currency the processor states for `amount` (lowercase ISO); None when the processor's answer states
    # none (its own record of a payment this system created in the payment's currency).
    currency: str | None = None


@dataclass(frozen=True)
class Effect:
    """The change to apply, atomically, to the payment, its invoice and its client."""

    payment_status: str
    record_failure: bool  # the outcome's failure (code, message, time) is the payment's from now on
    paid_delta: int = 0
    pending_delta: int = 0
    credit_delta: int = 0  # money received beyond what the invoice owed, kept as client credit
    loss: int = 0  # money a return took back that the merchant no longer held (already refunded): its loss
    anomaly: str | None = None
    amount: int | None = None  # the payment's amount from now on (what the processor received), if it changes


def refusal(payment_currency: str, outcome: Outcome) -> str | None:
    """Why an outcome must not be applied at all, whatever the payment's status (an anomaly), or None.
    Money in another currency is never counted as if it were the payment's: 100 JPY is not 100 US cents."""
    if outcome.currency is not None and outcome.currency.lower() != payment_currency.lower():
        return "currency_mismatch"
    return None


def decide(
    current_status: str,
    counted_amount: int,
    last_failure_at: int | None,
    outcome: Outcome,
    invoice: InvoiceMoney,
    *,
    credited: int = 0,
    paid: int = 0,
    void: bool = False,
) -> Effect | None:
    """Return the effect of `outcome` on a payment now in `current_status`, or None to change nothing.

    `counted_amount` is the payment's amount: what it added to amount_pending when it went in flight, and once
    succeeded, what the processor received. `credited` and `paid`: what the merchant still holds of it, as the
    client's credit and on the invoice. A void invoice takes no money: what arrives for it is credit.
    """
    if current_status in RETURNABLE and outcome.status == FAILED and outcome.reverses_success:
        return _returned(counted_amount, credited, paid)
    if outcome.status not in _ALLOWED.get(current_status, set()):
        return None
    if current_status == FAILED and outcome.status == FAILED:
        # A later decline of another attempt replaces the reason; an older one delivered late does not.
        if last_failure_at is not None and outcome.occurred_at < last_failure_at:
            return None
        return Effect(payment_status=FAILED, record_failure=True)

    pending_delta = 0
    if current_status in IN_FLIGHT:
        pending_delta -= counted_amount
    if outcome.status in IN_FLIGHT:
        pending_delta += counted_amount

    paid_delta = credit_delta = 0
    if outcome.status == SUCCEEDED:
        room = 0 if void else max(0, invoice.owed - invoice.amount_paid)
        paid_delta = min(outcome.amount, room)
        credit_delta = outcome.amount - paid_delta

    # A success is counted as what the processor received (e.g. a partial capture), never what was asked for.
    received_differs = outcome.status == SUCCEEDED and outcome.amount != counted_amount
    anomaly = None
    if current_status == CANCELED:
        anomaly = "succeeded_after_cancel"
    elif received_differs:
        anomaly = "amount_mismatch"
    elif credit_delta:
        anomaly = "overpayment"
    return Effect(
        payment_status=outcome.status,
        paid_delta=paid_delta,
        pending_delta=pending_delta,
        credit_delta=credit_delta,
        record_failure=outcome.status == FAILED,
        anomaly=anomaly,
        amount=outcome.amount if received_differs else None,
    )


def _returned(amount: int, credited: int, paid: int) -> Effect:
    """A bank return takes the whole debit back. It comes out of what the merchant still holds of the payment:
    its credit part first (the money kept as credit is what came back), then what it paid on the invoice. What
    was already refunded is gone twice (sent to the client, and taken back by the bank): the merchant's loss,
    a person must see it."""
    from_credit = min(amount, credited)
    from_paid = min(amount - from_credit, paid)
    loss = amount - from_credit - from_paid
    return Effect(
        payment_status=FAILED,
        paid_delta=-from_paid,
        credit_delta=-from_credit,
        loss=loss,
        record_failure=True,
        anomaly="returned_after_refund" if loss else None,
    )


@dataclass(frozen=True)
class PaymentUpdate:
    """A processor outcome for one payment, as a webhook, the ACH worker or reconciliation reads it."""

    source: str  # "stripe"
    event_id: str
    event_type: str
    client_id: str
    invoice_id: str
    payment_id: str
    processor_payment_id: str | None  # None: refused before the processor created anything
    outcome: Outcome
    payment_method_id: str | None = None
    # A processor's own events name these: the payment must be of that processor and method (a Stripe event
    # never applies to an ACH payment, whatever its metadata says).
    processor: str | None = None
    method: str | None = None


@dataclass(frozen=True)
class UpdateResult:
    outcome: str  # applied | duplicate | ignored | refused | unknown_payment | not_ours | ...
    payment_status: str | None = None
    anomaly: str | None = None  # the webhook counts it (PaymentAnomaly, alarmed)
