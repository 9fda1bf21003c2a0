"""Apply an ACH processor event (queued by the ACH webhook, run by the ACH event worker): fetch the resource it
names and apply what the processor says now."""

import logging
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError

from shared.bank_accounts import return_failure
from shared.models import ProcessedEvent, SavedPaymentMethod
from shared.payment_states import CANCELED, FAILED, SUCCEEDED, Outcome
from shared.processors.ach import AchProcessor, Transfer
from shared.processors.refunds import ACH_REFUND_STATUS
from shared.processors.ach_webhooks import BANK_TOPICS, TRANSFER_TOPICS, AchEvent
from shared.services.bank_accounts import FAILED as VERIFICATION_FAILED
from shared.services.bank_accounts import VERIFIED
from shared.services import refunds
from shared.services.payment_updates import PaymentUpdate, UpdateResult, apply_update, record_event_only, record_of
from shared.services.saved_methods import forget_method
from shared.store import lost_race, write_transaction

log = logging.getLogger(__name__)
_OUTCOMES = {"processed": SUCCEEDED, "failed": FAILED, "cancelled": CANCELED}


def transfer_outcome(transfer: Transfer, occurred_at: int) -> Outcome | None:
    """What a transfer's current state means for its payment; None while it is still pending. A failure may
    come after success (a bank return), so it always may reverse one."""
    status = _OUTCOMES.get(transfer.status)
    if status is None:
        return None
    failure = return_failure(transfer.failure_code) if status == FAILED else None
    return Outcome(status, transfer.amount, occurred_at, failure, reverses_success=status == FAILED)


def handle(event: AchEvent, ach: AchProcessor, enqueue_notice: Callable[[str, str, str], None]) -> UpdateResult:
    key = f"ach:{event.id}"
    if event.topic in TRANSFER_TOPICS:
        return _transfer(event, key, ach, enqueue_notice)
    if event.topic in BANK_TOPICS:
        return UpdateResult(_bank(event, key, ach))
    return UpdateResult("not_handled")


def _transfer(event: AchEvent, key: str, ach: AchProcessor,
              enqueue_notice: Callable[[str, str, str], None]) -> UpdateResult:
    transfer = ach.get_transfer(event.resource_url)
    if transfer.metadata.get("refund_id") and transfer.metadata.get("client_id"):  # a refund's credit transfer
        final = ACH_REFUND_STATUS.get(transfer.status)  # refunds.DONE / refunds.FAILED, None while pending
        if final is None:
            return UpdateResult(record_event_only(key, event.topic))
        from shared.notify import enqueue_job

        return UpdateResult(refunds.apply_refund_outcome(transfer.metadata["client_id"], transfer.metadata["refund_id"],
                                                         final, key, event.topic, enqueue_job))
    ids = [transfer.metadata.get(k) for k in ("client_id", "invoice_id", "payment_id")]
    if not all(isinstance(v, str) and v for v in ids):
        log.warning("transfer this system did not create", extra={"transfer": transfer.id})
        return UpdateResult("not_ours")
    outcome = transfer_outcome(transfer, int(event.timestamp.timestamp()))
    if outcome is None:  # still pending: nothing new to apply
        return UpdateResult(record_event_only(key, event.topic))
    client_id, invoice_id, payment_id = ids
    return apply_update(PaymentUpdate(
        source="ach", event_id=event.id, event_type=event.topic, client_id=client_id, invoice_id=invoice_id,
        payment_id=payment_id, processor_payment_id=transfer.id, outcome=outcome), enqueue_notice)


def _bank(event: AchEvent, key: str, ach: AchProcessor) -> str:
    method = next(iter(SavedPaymentMethod.by_processor_id.query(event.resource_url, limit=1)), None)
    if method is None:
        log.warning("event for an unknown bank account", extra={"topic": event.topic})
        return record_event_only(key, event.topic)
    bank = ach.get_bank_account(event.resource_url)
    try:
        if bank.status == "removed":
            forget_method(method, extra=lambda tx: tx.save(record_of(key, event.topic),
                                                      condition=ProcessedEvent.event_id.does_not_exist()))
            return "removed"
        status = VERIFIED if bank.status == "verified" else (
            VERIFICATION_FAILED if event.topic in ("customer_microdeposits_failed",
                                                   "customer_microdeposits_maxattempts") else None)
        if status is None or status == method.bank_status:
            return record_event_only(key, event.topic)
        with write_transaction() as tx:
            tx.update(method, actions=[SavedPaymentMethod.bank_status.set(status)],
                      condition=SavedPaymentMethod.payment_method_id.exists())
            tx.save(record_of(key, event.topic), condition=ProcessedEvent.event_id.does_not_exist())
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return record_event_only(key, event.topic)
    return "updated"
