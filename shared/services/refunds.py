"""Refunds: decided by the merchant (or made outside this system, in Stripe's Dashboard or by Stripe itself),
final when the processor says so.

Starting one is record-first, like an ACH payment: one unit of work writes the refund as `pending` and adds its
amount to the payment's refund_pending_amount (conditional on the payment's version), so two refunds can never
send back more than was paid. Then the processor is asked with an idempotency key derived from the refund id.
The final state (the processor's immediate answer, a webhook, the refund's transfer events) goes through
`apply_refund_outcome`: one unit of work moves the refund, the payment, the invoice, the client's credit and
records the event, so it counts once whatever the order of arrival.

Money comes back off the payment's card fee in proportion (Visa pro-rates a surcharge with a partial refund),
then off its part kept as the client's credit, then off what it paid on its invoices, the last allocated first
(which reopens them; a correction also lowers the invoice's total, so it stays paid): shared/domain/allocations.py.
Money the payment no longer holds (a bank return or a chargeback took it first) is sent all the same: that is
the merchant's loss (`refunded_at_loss`), shown to a person, never taken from the client's invoice twice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from aws_lambda_powertools import Logger

from shared.aws.models import Payment, Refund, RefundSummary
from shared.books import repository
from shared.books.ledger import PaymentBalances, entry
from shared.books.work import Change, Context, Keys, Repository, run
from shared.domain import clock
from shared.domain.allocations import Plan, take_back
from shared.domain.ids import derived_id
from shared.domain.money import format_amount
from shared.domain.payment_states import DISPUTED, PARTIALLY_REFUNDED, REFUNDED, SUCCEEDED, UpdateResult
from shared.emails.jobs import Enqueue
from shared.http.errors import Conflict, DomainError, NotFound, Unprocessable
from shared.http.refund_requests import parse_refund, refund_fingerprint, refund_id_for
from shared.processors.refunds import RefundProcessor, RefundRefused

log = Logger(child=True)
REFUNDABLE = (SUCCEEDED, PARTIALLY_REFUNDED)
REFUND_PENDING, REFUND_SUCCEEDED, REFUND_FAILED = "pending", "succeeded", "failed"
PORTAL, STRIPE = "portal", "stripe"  # where a refund was decided


def payment_by_id(payment_id: str, repo: Repository | None = None) -> Payment:
    found = (repo or repository()).payment_by_id(payment_id)
    if found is None:
        raise NotFound("We couldn't find that payment.", code="payment_not_found")
    return found


def refundable_amount(payment: Payment) -> int:
    return payment.amount - payment.refunded_amount - int(payment.refund_pending_amount or 0)


REST = "rest"  # a refund of whatever the payment still has to refund when it is written (not the API's)


def start_refund(
    payment_id: str,
    idempotency_key: str,
    body: object,
    processor_for: Callable[[Payment], RefundProcessor],
    enqueue: Enqueue,
    *,
    processor_reason: str | None = None,
    repo: Repository | None = None,
) -> Refund:
    """`body`: the merchant's request; or, for this system's own refunds, {"amount": REST, ...}: the payment's
    refundable rest as it is when the refund is recorded (decided on fresh data, like every change)."""
    repo = repo or repository()
    rest = isinstance(body, dict) and body.get("amount") == REST
    amount, reason, correction = parse_refund({**cast(dict[str, object], body), "amount": 1} if rest else body)
    found = payment_by_id(payment_id, repo)
    refund_id = refund_id_for(payment_id, idempotency_key)
    fingerprint = refund_fingerprint(payment_id, REST if rest else amount, reason, correction)

    def decide(ctx: Context) -> Change:
        existing, payment = ctx.refund, ctx.payment
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise Unprocessable(
                    "This Idempotency-Key was already used for a different refund.", code="idempotency_key_reused"
                )
            return Change(result=(existing, payment))
        assert payment is not None  # found above: a payment is never deleted
        if payment.status not in REFUNDABLE:
            raise Conflict(
                f"Only a payment that went through can be refunded; this one is {payment.status}.",
                code="payment_not_refundable",
            )
        refundable = refundable_amount(payment)
        if amount > refundable or (rest and refundable <= 0):
            raise Unprocessable(
                f"At most {format_amount(refundable, payment.currency)} of this payment can still be refunded.",
                code="amount_exceeds_refundable",
            )
        refund = new_refund(payment, refund_id, refundable if rest else amount, reason, correction, fingerprint)
        log.info("refund recorded", extra={"refund_id": refund_id, "payment_id": payment_id, "amount": amount})
        return Change(result=(refund, payment), creates=[refund], payment=_reserved(payment, refund))

    keys = Keys(found.client_id, payment_id=payment_id, refund_id=refund_id)
    refund, payment = run(
        repo, keys, decide, message="The payment changed while refunding; try again with the same key."
    )
    if refund.status == REFUND_PENDING and refund.processor_refund_id is None:  # new, or a cut-off try to finish
        return _submit(refund, payment, processor_for(payment), enqueue, processor_reason, repo)
    return refund


def new_refund(
    payment: Payment, refund_id: str, amount: int, reason: str, correction: bool, fingerprint: str, **fields
) -> Refund:
    created_at = clock.now_iso()
    several = list(payment.invoice_ids) if len(payment.invoice_ids) > 1 else None
    return Refund(
        payment.client_id,
        refund_id,
        payment_id=payment.payment_id,
        invoice_id=payment.invoice_id,
        invoice_ids=several,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        correction=correction,
        status=REFUND_PENDING,
        created_at=created_at,
        request_fingerprint=fingerprint,
        payment_key=f"{payment.payment_id}#{created_at}#{refund_id}",
        **fields,
    )


def _reserved(payment: Payment, refund: Refund) -> dict:
    summary = RefundSummary(
        refund_id=refund.refund_id, amount=refund.amount, status=REFUND_PENDING, created_at=refund.created_at
    )
    return {
        "refund_pending_amount": int(payment.refund_pending_amount or 0) + refund.amount,
        "refunds": [*(payment.refunds or []), summary],
    }


def _submit(
    refund: Refund,
    payment: Payment,
    processor: RefundProcessor,
    enqueue: Enqueue,
    processor_reason: str | None,
    repo: Repository,
) -> Refund:
    """Ask the processor; ProcessorUnavailable leaves the refund pending (the same request finishes it)."""
    try:
        result = processor.refund(
            processor_payment_id=payment.processor_payment_id,
            processor_method_id=payment.processor_method_id,
            amount=refund.amount,
            idempotency_key=f"refund:{refund.refund_id}",
            reason=processor_reason,
            metadata={"client_id": refund.client_id, "payment_id": refund.payment_id, "refund_id": refund.refund_id},
        )
    except RefundRefused as exc:
        log.warning("refund refused by the processor", extra={"refund_id": refund.refund_id})
        apply_refund_outcome(
            refund.client_id,
            refund.refund_id,
            REFUND_FAILED,
            f"refund-refused:{refund.refund_id}",
            "refund_refused",
            enqueue,
            repo=repo,
        )
        raise Unprocessable(f"The processor refused the refund: {exc.message}", code="refund_refused") from None
    _record_processor_id(refund, result.processor_refund_id, repo)
    if result.status in (REFUND_SUCCEEDED, REFUND_FAILED):
        apply_refund_outcome(
            refund.client_id,
            refund.refund_id,
            result.status,
            f"refund-submit:{refund.refund_id}:{result.status}",
            "refund_submit",
            enqueue,
            repo=repo,
        )
    submitted = repo.load(Keys(refund.client_id, refund_id=refund.refund_id)).refund
    assert submitted is not None  # recorded before it was submitted: a refund is never deleted
    return submitted


def _record_processor_id(refund: Refund, processor_refund_id: str, repo: Repository) -> None:
    """The processor's id for the refund (its events name it), unless a webhook recorded it first."""

    def decide(ctx: Context) -> Change:
        assert ctx.refund is not None  # the refund being submitted
        if ctx.refund.processor_refund_id is not None:
            return Change()
        return Change(refund={"processor_refund_id": processor_refund_id})

    run(repo, Keys(refund.client_id, refund_id=refund.refund_id), decide)


def apply_refund_outcome(
    client_id: str,
    refund_id: str,
    status: str,
    event_key: str,
    event_type: str,
    enqueue: Enqueue,
    *,
    repo: Repository | None = None,
) -> UpdateResult:
    """The refund became final (succeeded or failed), or a succeeded refund's money came back (failed).
    At most once per event, never backwards otherwise."""
    repo = repo or repository()
    refund = repo.load(Keys(client_id, refund_id=refund_id)).refund
    if refund is None:
        log.warning("outcome for an unknown refund", extra={"refund_id": refund_id})
        return UpdateResult("unknown_refund")
    keys = Keys(
        client_id,
        payment_id=refund.payment_id,
        invoice_ids=tuple(refund.invoice_ids or (refund.invoice_id,)),
        refund_id=refund_id,
        event_key=event_key,
    )
    return run(
        repo,
        keys,
        lambda ctx: decide_refund_outcome(ctx, status, event_type),
        enqueue=enqueue,
        message="The payment kept changing; the processor will retry.",
    )


def decide_refund_outcome(ctx: Context, status: str, event_type: str) -> Change:
    refund, payment = ctx.refund, ctx.payment
    if ctx.seen:
        return Change(result=UpdateResult("duplicate"))
    assert refund is not None and payment is not None and ctx.keys.event_key is not None  # as keyed above
    # e.g. the bank returned the credit transfer
    returned = refund.status == REFUND_SUCCEEDED and status == REFUND_FAILED
    if refund.status != REFUND_PENDING and not returned:  # already final: a late or repeated report changes nothing
        return Change(result=UpdateResult("ignored"), event_type=event_type)
    change = (
        _returned(refund, payment, ctx.keys.event_key)
        if returned
        else _final(refund, payment, status, ctx.keys.event_key)
    )
    change.event_type, change.refund_was = event_type, refund.status  # written only over the status read
    if change.result.anomaly:
        log.error(
            "refund anomaly: money a person must look at",
            extra={
                "anomaly": change.result.anomaly,
                "refund_id": refund.refund_id,
                "payment_id": refund.payment_id,
                "amount": refund.amount,
                "client_id": refund.client_id,
                "invoice_id": refund.invoice_id,
            },
        )
    log.info("refund final", extra={"refund_id": refund.refund_id, "status": change.refund["status"]})
    return change


def _final(refund: Refund, payment: Payment, status: str, key: str) -> Change:
    fields: dict[str, Any] = {
        "refund_pending_amount": max(0, int(payment.refund_pending_amount or 0) - refund.amount),
        "refunds": _summaries(payment, refund, status),
    }
    if status != REFUND_SUCCEEDED:
        return Change(result=UpdateResult("applied", payment.status), payment=fields, refund={"status": status})
    held, plan = PaymentBalances(payment.balance_map()), Plan.of(payment)
    taken = take_back(refund.amount, held, plan)
    refunded = held.refunded + refund.amount
    if payment.status in REFUNDABLE:
        fields["status"] = REFUNDED if refunded >= payment.amount else PARTIALLY_REFUNDED
    anomaly = None
    if taken.at_loss:  # a bank return or a chargeback took this money first: it left twice
        anomaly = (
            "refund_after_chargeback" if payment.status == DISPUTED or held.charged_back else "refund_after_return"
        )
    at, ids = clock.now_iso(), {"payment_id": refund.payment_id, "refund_id": refund.refund_id}
    moves = [("refunded_from_credit", taken.from_credit, plan.first)]
    for invoice_id, paid, fee in taken.parts:
        moves += [
            ("card_fee_refunded", fee, invoice_id),
            ("refunded", paid, invoice_id),
            ("correction", paid if refund.correction else 0, invoice_id),
        ]
    moves.append(("refunded_at_loss", taken.at_loss, plan.first))
    return Change(
        result=UpdateResult("applied", fields.get("status", payment.status), anomaly),
        entries=[entry(k, a, key, at, i, **ids) for k, a, i in moves if a],
        payment=fields,
        refund={"status": REFUND_SUCCEEDED},
        jobs=[
            {
                "kind": "refund_receipt",
                "client_id": refund.client_id,
                "refund_id": refund.refund_id,
                "invoice_id": refund.invoice_id,
            }
        ],
    )


def _returned(refund: Refund, payment: Payment, key: str) -> Change:
    """A succeeded refund's money came back (its credit transfer was returned, or Stripe's refund failed after
    succeeding): the refund failed after all. What was sent at a loss is the merchant's again; the rest the
    merchant owes the client again, kept as the client's credit until it is sent again."""
    held = PaymentBalances(payment.balance_map())
    recovered = min(refund.amount, held.lost)
    owed = refund.amount - recovered
    fields: dict[str, Any] = {"refunds": _summaries(payment, refund, REFUND_FAILED)}
    if payment.status in (*REFUNDABLE, REFUNDED):
        fields["status"] = PARTIALLY_REFUNDED if held.refunded - refund.amount else SUCCEEDED
    at, ids = clock.now_iso(), {"payment_id": refund.payment_id, "refund_id": refund.refund_id}
    moves = [("refund_loss_recovered", recovered), ("refund_returned", owed)]
    return Change(
        result=UpdateResult("applied", fields.get("status", payment.status), "refund_returned"),
        entries=[entry(k, a, key, at, refund.invoice_id, **ids) for k, a in moves if a],
        payment=fields,
        refund={"status": REFUND_FAILED},
    )


def _summaries(payment: Payment, refund: Refund, status: str) -> list[RefundSummary]:
    return [
        RefundSummary(
            refund_id=s.refund_id,
            amount=s.amount,
            created_at=s.created_at,
            status=status if s.refund_id == refund.refund_id else s.status,
        )
        for s in payment.refunds
    ]


def refund_for_warning(
    payment: Payment,
    warning_id: str,
    processor_for: Callable[[Payment], RefundProcessor],
    enqueue: Enqueue,
    *,
    repo: Repository | None = None,
) -> str | None:
    """An early fraud warning's automatic refund (RefundOnEarlyFraudWarning): the payment's refundable rest, through
    the merchant's own refund path, once (its key is the warning's id); None when nothing can be refunded."""
    if payment.status not in REFUNDABLE or refundable_amount(payment) <= 0:
        return None
    try:
        refund = start_refund(
            payment.payment_id,
            f"early-fraud-warning:{warning_id}",
            {
                "amount": REST,
                "reason": "Refunded after an early fraud warning, to avoid a dispute",
                "correction": False,
            },
            processor_for,
            enqueue,
            processor_reason="fraudulent",
            repo=repo,
        )
    except DomainError as exc:  # e.g. refunded or disputed meanwhile: the merchant is told all the same
        log.warning(
            "early fraud warning: no automatic refund", extra={"payment_id": payment.payment_id, "code": exc.code}
        )
        return None
    return refund.refund_id


# ---- refunds made outside this system ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutsideRefund:
    """A refund the processor reports that this system did not ask for (Stripe's Dashboard, Stripe itself)."""

    processor_refund_id: str
    amount: int
    currency: str
    status: str  # pending | succeeded | failed
    reason: str | None  # Stripe's: duplicate, fraudulent, requested_by_customer, expired_uncaptured_charge, ...


OUTSIDE_REASONS = {
    "duplicate": "Duplicate payment",
    "fraudulent": "Fraudulent payment",
    "requested_by_customer": "Requested by the client",
    "expired_uncaptured_charge": "The payment was never captured",
}


def outside_refund_id(processor_refund_id: str) -> str:
    return derived_id("ref", "outside", processor_refund_id)


def record_outside_refund(
    payment: Payment, found: OutsideRefund, enqueue: Enqueue, *, repo: Repository | None = None
) -> UpdateResult:
    """Count a refund made outside the portal exactly like one made through it: the same record, the same
    reservation and the same outcome path, keyed by the processor's refund id so that every event about it
    (created, updated, charge.refunded, in any order, twice) counts it once. The merchant is told."""
    repo = repo or repository()
    refund_id = outside_refund_id(found.processor_refund_id)

    def decide(ctx: Context) -> Change:
        if ctx.refund is not None:
            return Change(result=False)
        assert ctx.payment is not None  # the caller's `payment`, read again
        if found.currency.lower() != ctx.payment.currency.lower():
            raise Unprocessable("refund in another currency than its payment", code="currency_mismatch")
        refund = new_refund(
            ctx.payment,
            refund_id,
            found.amount,
            OUTSIDE_REASONS.get(found.reason or "", "Refunded in Stripe"),
            False,
            f"outside:{found.processor_refund_id}",
            origin=STRIPE,
            processor_refund_id=found.processor_refund_id,
        )
        log.warning(
            "refund made outside the portal",
            extra={
                "refund_id": refund_id,
                "amount": found.amount,
                "payment_id": payment.payment_id,
                "processor_refund_id": found.processor_refund_id,
            },
        )
        return Change(
            result=True,
            creates=[refund],
            payment=_reserved(ctx.payment, refund),
            jobs=[{"kind": "outside_refund", "client_id": payment.client_id, "refund_id": refund_id}],
        )

    run(repo, Keys(payment.client_id, payment_id=payment.payment_id, refund_id=refund_id), decide, enqueue=enqueue)
    if found.status not in (REFUND_SUCCEEDED, REFUND_FAILED):
        return UpdateResult("applied")
    return apply_refund_outcome(
        payment.client_id,
        refund_id,
        found.status,
        f"outside-refund:{found.processor_refund_id}:{found.status}",
        "outside_refund",
        enqueue,
        repo=repo,
    )
