"""Saved payment methods. Only processor ids and display fields are stored; card numbers never pass here.

The client's default method is a pointer on the client record. Deleting the default makes the most
recently added remaining usable method (any card, or a verified bank account) the default, or none.
Stripe's payment_method.* events keep the list true; each is recorded in the same transaction as its
change, and a detach leaves a tombstone so an attach delivered late cannot bring the method back.
"""

from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from shared.aws.event_records import record_event_only, record_of
from shared.aws.models import Client, ProcessedEvent, SavedPaymentMethod
from shared.aws.retries import until_won
from shared.aws.store import lost_race, write_transaction
from shared.domain import clock
from shared.emails.jobs import Enqueue
from shared.http.errors import NotFound, Unprocessable

if TYPE_CHECKING:  # Stripe's event parsing (and the payment and dispute states under it) is the webhook's to load
    from shared.processors.stripe_events import CardSnapshot

log = Logger(child=True)
EXPIRY_WARNING = timedelta(days=60)
MAX_ATTEMPTS = 3


def expires_soon(exp_month: int | None, exp_year: int | None, today: date) -> bool:
    """A card works through the last day of its expiry month; warn from 60 days before (and once expired)."""
    if not exp_month or not exp_year:
        return False
    last_day = date(exp_year, exp_month, monthrange(exp_year, exp_month)[1])
    return last_day < today + EXPIRY_WARNING


def usable(method: SavedPaymentMethod) -> bool:
    return method.type == "card" or method.bank_status == "verified"


def method_not_found() -> NotFound:
    return NotFound("We couldn't find that saved payment method.", code="payment_method_not_found")


def list_methods(client_id: str) -> tuple[list[SavedPaymentMethod], str | None]:
    methods = sorted(SavedPaymentMethod.query(client_id), key=lambda m: m.created_at, reverse=True)
    try:
        default = Client.get(client_id).default_payment_method_id
    except Client.DoesNotExist:
        default = None
    return methods, default


def get_method(client_id: str, method_id: str) -> SavedPaymentMethod:
    try:
        return SavedPaymentMethod.get(client_id, method_id, consistent_read=True)
    except SavedPaymentMethod.DoesNotExist:
        raise method_not_found() from None


def set_default(client_id: str, method_id: str) -> SavedPaymentMethod:
    method = get_method(client_id, method_id)
    if not usable(method):
        raise Unprocessable("Verify this bank account before making it your default.", code="bank_account_not_verified")
    try:
        with write_transaction() as tx:
            tx.condition_check(
                SavedPaymentMethod, client_id, method_id, condition=SavedPaymentMethod.payment_method_id.exists()
            )
            tx.update(
                Client(client_id),
                actions=[Client.default_payment_method_id.set(method_id)],
                condition=Client.client_id.exists(),
            )
    except TransactWriteError as exc:
        if lost_race(exc):
            raise method_not_found() from None  # deleted meanwhile
        raise
    return method


def delete_method(
    client_id: str, method_id: str, detach: Callable[[SavedPaymentMethod], None], enqueue: Enqueue
) -> None:
    """Detach at the processor first (so it can never be charged again), then forget it here."""
    method = get_method(client_id, method_id)
    detach(method)
    try:  # after a lost race, decide again on the method as it is now
        until_won(
            lambda: forget_method(method, enqueue=enqueue),
            attempts=MAX_ATTEMPTS,
            before_retry=lambda: method.refresh(consistent_read=True),
            give_up=lambda: Unprocessable(
                "Your saved methods changed while deleting; try again.", code="concurrent_change"
            ),
        )
    except SavedPaymentMethod.DoesNotExist:
        return  # removed meanwhile (e.g. by the detach webhook): the result is the same


def forget_method(method: SavedPaymentMethod, extra: Callable | None = None, *, enqueue: Enqueue) -> None:
    """Delete a method, move the default if it was the default, end autopay if it paid with it (the client is
    emailed), plus optional items, in one transaction."""
    client = Client.get(method.client_id, consistent_read=True)
    actions: list[Action] = []
    condition = None
    if client.default_payment_method_id == method.payment_method_id:
        remaining = [
            m
            for m in SavedPaymentMethod.query(method.client_id)
            if m.payment_method_id != method.payment_method_id and usable(m)
        ]
        successor = max(remaining, key=lambda m: m.created_at, default=None)
        actions.append(
            Client.default_payment_method_id.set(successor.payment_method_id)
            if successor
            else Client.default_payment_method_id.remove()
        )
        condition = Client.default_payment_method_id == method.payment_method_id
    ended = None
    if client.autopay is not None and client.autopay.payment_method_id == method.payment_method_id:
        # Imported here: 0.19x of the floor a saved-method route would load otherwise (docs/benchmarks.md), and
        # autopay imports the payment services, which import this module.
        from shared.services.autopay import end_actions

        ended, ending = end_actions(client.autopay, "method_removed")
        actions += ending
        condition = (Client.autopay.payment_method_id == method.payment_method_id) & (
            condition if condition is not None else Client.client_id.exists()
        )
    with write_transaction() as tx:
        tx.delete(method, condition=SavedPaymentMethod.payment_method_id.exists())
        if actions:
            tx.update(client, actions=actions, condition=condition)
        if extra:
            extra(tx)
    if ended is not None:
        from shared.services.autopay import cancel_announced, ended_job

        enqueue(ended_job(client.client_id, ended))
        cancel_announced(client.client_id)


# ---- Stripe events -------------------------------------------------------------------------------------------


def _tombstone_key(processor_method_id: str) -> str:
    return f"stripe-detached:{processor_method_id}"


def client_for_customer(customer_id: str | None) -> Client | None:
    if not customer_id:
        return None
    return next(iter(Client.by_stripe_customer.query(customer_id, limit=1)), None)


def save_card(event_key: str, event_type: str, card: "CardSnapshot") -> str:
    """payment_method.attached / setup_intent.succeeded: remember the card for its client."""
    client = client_for_customer(card.customer_id)
    if client is None:
        log.warning("card attached to an unknown customer", extra={"customer_id": card.customer_id})
        return record_event_only(event_key, event_type)
    method = SavedPaymentMethod(
        client.client_id,
        card.processor_method_id,
        type="card",
        processor="stripe",
        processor_method_id=card.processor_method_id,
        created_at=clock.now_iso(),
        card_brand=card.brand,
        card_last4=card.last4,
        card_exp_month=card.exp_month,
        card_exp_year=card.exp_year,
    )
    try:
        with write_transaction() as tx:
            tx.condition_check(
                ProcessedEvent,
                _tombstone_key(card.processor_method_id),
                condition=ProcessedEvent.event_id.does_not_exist(),
            )
            tx.save(method, condition=SavedPaymentMethod.payment_method_id.does_not_exist())
            tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return record_event_only(event_key, event_type)  # detached since, already saved, or a duplicate
    try:  # the first saved method becomes the default
        client.update(
            actions=[Client.default_payment_method_id.set(method.payment_method_id)],
            condition=Client.default_payment_method_id.does_not_exist(),
        )
    except Exception as exc:  # a default already set is the expected case
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
    return "saved"


def _method_by_processor_id(processor_method_id: str) -> SavedPaymentMethod | None:
    return next(iter(SavedPaymentMethod.by_processor_id.query(processor_method_id, limit=1)), None)


def remove_detached(event_key: str, event_type: str, processor_method_id: str, enqueue: Enqueue) -> str:
    """payment_method.detached: forget the method and leave a tombstone against late attach events."""
    method = _method_by_processor_id(processor_method_id)

    def tombstone_and_record(tx):
        tx.save(record_of(_tombstone_key(processor_method_id), "tombstone"))
        tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())

    try:
        if method is None:
            with write_transaction() as tx:
                tombstone_and_record(tx)
        else:
            forget_method(method, extra=tombstone_and_record, enqueue=enqueue)
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return record_event_only(event_key, event_type)
    return "removed"


def update_card(event_key: str, event_type: str, card: "CardSnapshot") -> str:
    """payment_method.updated / automatically_updated (card updater): new expiry or number."""
    method = _method_by_processor_id(card.processor_method_id)
    if method is None:
        return record_event_only(event_key, event_type)
    return update_for_event(
        method,
        [
            SavedPaymentMethod.card_brand.set(card.brand),
            SavedPaymentMethod.card_last4.set(card.last4),
            SavedPaymentMethod.card_exp_month.set(card.exp_month),  # type: ignore[arg-type]  # None too
            SavedPaymentMethod.card_exp_year.set(card.exp_year),  # type: ignore[arg-type]  # None too
        ],
        event_key,
        event_type,
    )


def update_for_event(method: SavedPaymentMethod, actions: list, event_key: str, event_type: str) -> str:
    """Change a saved method and record the event that changed it, in one transaction: "updated"; if the method
    was deleted or the event seen meanwhile, the event alone is recorded ("ignored" / "duplicate")."""
    try:
        with write_transaction() as tx:
            tx.update(method, actions=actions, condition=SavedPaymentMethod.payment_method_id.exists())
            tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return record_event_only(event_key, event_type)
    return "updated"
