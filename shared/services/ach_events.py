"""Apply an ACH processor event (queued by the ACH webhook, run by the ACH event worker): fetch the resource it
names, check it against the record it would change, and apply what the processor says now."""

from dataclasses import replace
from typing import cast

from aws_lambda_powertools import Logger

from shared.aws.event_records import record_event_only
from shared.aws.models import Payment, Refund
from shared.aws.store import get_many
from shared.domain.bank_accounts import return_failure
from shared.domain.payment_states import CANCELED, FAILED, SUCCEEDED, Outcome, PaymentUpdate, UpdateResult
from shared.emails.jobs import Enqueue
from shared.processors.ach import AchError, AchProcessor, Transfer
from shared.processors.ach_webhooks import BANK_TOPICS, CUSTOMER_TOPICS, TRANSFER_TOPICS, AchEvent
from shared.processors.refunds import ACH_REFUND_STATUS
from shared.services import refunds
from shared.services.ach_customers import apply_customer_event
from shared.services.bank_events import after_return, apply_bank_event
from shared.services.payment_updates import apply_update

log = Logger(child=True)

_OUTCOMES = {"processed": SUCCEEDED, "failed": FAILED, "cancelled": CANCELED}


def transfer_outcome(transfer: Transfer, occurred_at: int) -> Outcome | None:
    """What a transfer's current state means for its payment; None while it is still pending. A failure may
    come after success (a bank return), so it always may reverse one."""
    status = _OUTCOMES.get(transfer.status)
    if status is None:
        return None
    failure = return_failure(transfer.failure_code) if status == FAILED else None
    return Outcome(status, transfer.amount, occurred_at, failure, reverses_success=status == FAILED)


def transfer_refusal(payment: Payment, transfer: Transfer) -> str | None:
    """Why `transfer` must not be applied to `payment` as its debit; None when it may."""
    return _refusal(payment, payment.processor_payment_id, transfer.source, payment.currency, transfer)


def refund_refusal(payment: Payment, refund: Refund, transfer: Transfer) -> str | None:
    """Why `transfer` must not be applied to `refund` as its credit; None when it may."""
    return _refusal(payment, refund.processor_refund_id, transfer.destination, refund.currency, transfer)


def _refusal(
    payment: Payment, stored_id: str | None, client_bank: str | None, currency: str, transfer: Transfer
) -> str | None:
    """A transfer belongs to an ACH payment (or refund) if it is the stored one or, while none is stored (the
    create answer was lost), moves money from (or to) the payment's bank account; and it is in the record's
    currency. Metadata alone names the record, it never proves the transfer is its."""
    if payment.processor != "ach":
        return "not_an_ach_payment"
    if stored_id is not None and stored_id != transfer.id:
        return "another_transfer"
    if stored_id is None and client_bank != payment.processor_method_id:
        return "another_bank_account"
    if transfer.currency != currency.upper():
        return "currency_mismatch"
    return None


def handle(event: AchEvent, ach: AchProcessor, enqueue: Enqueue) -> UpdateResult:
    key = f"ach:{event.id}"
    if event.topic in TRANSFER_TOPICS:
        return _transfer(event, key, ach, enqueue)
    if event.topic in BANK_TOPICS:
        return UpdateResult(apply_bank_event(event.resource_url, key, event.topic, ach, enqueue))
    if event.topic in CUSTOMER_TOPICS:
        return UpdateResult(apply_customer_event(event.resource_url, key, event.topic, ach, enqueue))
    return UpdateResult("not_handled")


def _transfer(event: AchEvent, key: str, ach: AchProcessor, enqueue: Enqueue) -> UpdateResult:
    try:
        transfer = ach.get_transfer(event.resource_url)
    except AchError as exc:
        if exc.code != "NotFound":
            raise
        # Asking again will not change the answer: acknowledged, nothing changes, no endless retry.
        log.warning("event for a transfer the processor does not know", extra={"resource": event.resource_url})
        return UpdateResult("not_ours")
    if transfer.metadata.get("refund_id"):  # a refund's credit transfer
        return _refund_transfer(event, key, transfer, enqueue)
    ids = [transfer.metadata.get(k) for k in ("client_id", "invoice_id", "payment_id")]
    if not all(isinstance(v, str) and v for v in ids):
        log.warning("transfer this system did not create", extra={"transfer": transfer.id})
        return UpdateResult("not_ours")
    client_id, invoice_id, payment_id = cast(list[str], ids)  # each checked a string just above
    [payment] = get_many((Payment, client_id, payment_id))
    if payment is None:
        log.warning("transfer for an unknown payment", extra={"transfer": transfer.id, "payment_id": payment_id})
        return UpdateResult("unknown_payment")
    refusal = transfer_refusal(payment, transfer)
    if refusal:
        return _refused(refusal, transfer, payment_id)
    outcome = transfer_outcome(transfer, int(event.timestamp.timestamp()))
    if outcome is None:  # still pending: nothing new to apply
        return UpdateResult(record_event_only(key, event.topic))
    result = apply_update(
        PaymentUpdate(
            source="ach",
            event_id=event.id,
            event_type=event.topic,
            client_id=client_id,
            invoice_id=invoice_id,
            payment_id=payment_id,
            processor_payment_id=transfer.id,
            outcome=outcome,
        ),
        enqueue,
    )
    if transfer.failure_code:  # a return: Dwolla may have unverified or removed the bank, restricted the customer
        after_return(client_id, transfer.source, f"ach-return:{transfer.id}", ach, enqueue)
    return _flag_amount(result, transfer, payment.amount, payment_id)


def _refund_transfer(event: AchEvent, key: str, transfer: Transfer, enqueue: Enqueue) -> UpdateResult:
    ids = [transfer.metadata.get(k) for k in ("client_id", "payment_id", "refund_id")]
    if not all(isinstance(v, str) and v for v in ids):
        log.warning("credit transfer this system did not create", extra={"transfer": transfer.id})
        return UpdateResult("not_ours")
    client_id, payment_id, refund_id = cast(list[str], ids)  # each checked a string just above
    refund, payment = get_many((Refund, client_id, refund_id), (Payment, client_id, payment_id))
    if refund is None or payment is None or refund.payment_id != payment_id:
        log.warning("credit transfer for an unknown refund", extra={"transfer": transfer.id, "refund_id": refund_id})
        return UpdateResult("not_ours")
    refusal = refund_refusal(payment, refund, transfer)
    if refusal:
        return _refused(refusal, transfer, refund_id)
    final = ACH_REFUND_STATUS.get(transfer.status)  # refunds.REFUND_SUCCEEDED / REFUND_FAILED, None while pending
    if final is None:
        return UpdateResult(record_event_only(key, event.topic))
    result = refunds.apply_refund_outcome(client_id, refund_id, final, key, event.topic, enqueue)
    return _flag_amount(result, transfer, refund.amount, refund_id)


def _refused(reason: str, transfer: Transfer, record_id: str) -> UpdateResult:
    """Nothing is written (the same event refuses again, and cannot be retried into success); the anomaly
    raises the payment-anomaly alarm."""
    log.error(
        "ACH transfer does not match the record it names",
        extra={"reason": reason, "transfer": transfer.id, "record": record_id},
    )
    return UpdateResult("refused", anomaly=reason)


def _flag_amount(result: UpdateResult, transfer: Transfer, recorded: int, record_id: str) -> UpdateResult:
    """The outcome carried the transfer's own amount, so what moved is what counted; a difference from the
    record is still an anomaly a person must look at."""
    if result.outcome != "applied" or transfer.amount == recorded:
        return result
    log.error(
        "ACH transfer amount differs from the record",
        extra={"transfer": transfer.id, "record": record_id, "moved": transfer.amount, "recorded": recorded},
    )
    return replace(result, anomaly=result.anomaly or "amount_mismatch")
