"""A bank account's events from the ACH processor (and reconciliation's look at it when an event was lost): what
the processor says of the bank now, applied to the saved method, with the event recorded in the same transaction.

- removed (by the client, or by Dwolla after a return code such as R20: "Transfer Failures"): forgotten here;
- verified: verified;
- too many wrong attempts, or the deposits bounced: verification failed;
- unverified by Dwolla after a return (customer_funding_source_unverified): waiting for verification again, with
  new micro-deposits sent and the attempts counted afresh; the portal asks the client to verify it again and the
  merchant is emailed. Payments in flight from it are left to their own transfer events;
- the micro-deposits arrived (customer_microdeposits_completed): the client is emailed to verify now.
"""

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError, UpdateError

from shared.aws.event_records import record_event_only, record_of
from shared.aws.models import Client, ProcessedEvent, SavedPaymentMethod
from shared.aws.store import lost_race
from shared.emails.jobs import Enqueue, account_job
from shared.processors.ach import AchProcessor, BankAccount
from shared.services.ach_customers import refresh_customer
from shared.services.bank_accounts import VERIFICATION_FAILED, VERIFICATION_PENDING, VERIFIED, status_actions
from shared.services.saved_methods import forget_method, update_for_event

log = Logger(child=True)
_FAILED_TOPICS = ("customer_microdeposits_failed", "customer_microdeposits_maxattempts")


def method_for(processor_method_id: str) -> SavedPaymentMethod | None:
    return next(iter(SavedPaymentMethod.by_processor_id.query(processor_method_id, limit=1)), None)


def apply_bank_event(resource_url: str, key: str, topic: str, ach: AchProcessor, enqueue: Enqueue) -> str:
    method = method_for(resource_url)
    if method is None:
        log.warning("event for an unknown bank account", extra={"topic": topic})
        return record_event_only(key, topic)
    return apply_bank_state(method, ach.get_bank_account(resource_url), key, topic, ach, enqueue)


def after_return(client_id: str, bank_url: str | None, key: str, ach: AchProcessor, enqueue: Enqueue) -> None:
    """A debit came back with a return code: Dwolla acts on the bank and the customer at once ("Transfer Failures"),
    and says so in events of their own. Those are read now as well, so a lost one changes nothing here."""
    method = method_for(bank_url) if bank_url else None
    if bank_url and method is not None and method.client_id == client_id:
        apply_bank_state(method, ach.get_bank_account(bank_url), f"{key}:bank", "transfer_returned", ach, enqueue)
    client = Client.get(client_id)
    if client.ach_customer_id:
        refresh_customer(client, ach, f"{key}:customer", "transfer_returned", enqueue)


def apply_bank_state(
    method: SavedPaymentMethod, bank: BankAccount, key: str, topic: str, ach: AchProcessor, enqueue: Enqueue
) -> str:
    if bank.status == "removed":
        try:
            forget_method(
                method,
                extra=lambda tx: tx.save(record_of(key, topic), condition=ProcessedEvent.event_id.does_not_exist()),
                enqueue=enqueue,
            )
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            return record_event_only(key, topic)
        return "removed"
    if bank.status == "verified":
        return _set(method, VERIFIED, key, topic)
    if method.bank_status == VERIFIED:
        return _unverified(method, bank, key, topic, ach, enqueue)
    if bank.verification in ("locked", "failed") or topic in _FAILED_TOPICS:
        return _set(method, VERIFICATION_FAILED, key, topic)
    # queued before the record (at least once); the email ledger sends it once
    if (
        bank.verification == "ready"
        and method.bank_status == VERIFICATION_PENDING
        and topic == "customer_microdeposits_completed"
        and not _seen(key)
    ):
        enqueue(
            account_job(method.client_id, "micro_deposits_arrived", key, payment_method_id=method.payment_method_id)
        )
    return record_event_only(key, topic)


def _seen(key: str) -> bool:
    try:
        ProcessedEvent.get(key, consistent_read=True)
    except ProcessedEvent.DoesNotExist:
        return False
    return True


def _set(method: SavedPaymentMethod, status: str, key: str, topic: str) -> str:
    if method.bank_status == status:
        return record_event_only(key, topic)
    return update_for_event(method, [*status_actions(status), SavedPaymentMethod.verify_again.remove()], key, topic)


def _unverified(
    method: SavedPaymentMethod, bank: BankAccount, key: str, topic: str, ach: AchProcessor, enqueue: Enqueue
) -> str:
    """Dwolla unverified a verified bank (a return such as R22): new micro-deposits first (the same key on a retry
    of this event), then the method waits for them, its attempts counted from zero."""
    if bank.verification == "pending":
        ach.restart_verification(bank.id, f"reverify:{key}")
    outcome = update_for_event(
        method,
        [
            *status_actions(VERIFICATION_PENDING),
            SavedPaymentMethod.verification_attempts.set(0),
            SavedPaymentMethod.verify_again.set(True),
        ],
        key,
        topic,
    )
    if outcome == "updated":
        _drop_default(method)
        enqueue(account_job(method.client_id, "bank_unverified", key, payment_method_id=method.payment_method_id))
    return outcome


def _drop_default(method: SavedPaymentMethod) -> None:
    """An unverified bank cannot pay: if it was the default, it stops being it (the client picks another, or
    verifies it again)."""
    try:
        Client(method.client_id).update(
            actions=[Client.default_payment_method_id.remove()],
            condition=Client.default_payment_method_id == method.payment_method_id,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
