"""A client's ACH customer as the processor has it: Dwolla suspends or deactivates a customer on some return codes
("Transfer Failures": R05, R06, R10, R14-R17, R29... suspend; R07, R11 deactivate) and reactivates it later
(customer_suspended, customer_deactivated, customer_activated: "Webhook events"). The event names the customer;
its status is read from the processor (the truth, whatever order events arrive in) and kept on the client:
a restricted client cannot start a bank transfer (shared/domain/ach_limits.py), the portal shows why, and the merchant is
emailed. Payments already in flight are left to their own transfer events."""

from aws_lambda_powertools import Logger
from pynamodb.exceptions import TransactWriteError

from shared.aws.event_records import record_event_only, record_of
from shared.aws.models import Client, ProcessedEvent
from shared.aws.store import lost_race, write_transaction
from shared.domain import clock
from shared.domain.ach_limits import DEACTIVATED, SUSPENDED
from shared.emails.jobs import Enqueue, account_job
from shared.processors.ach import AchError, AchProcessor

log = Logger(child=True)


def apply_customer_event(customer_url: str, key: str, topic: str, ach: AchProcessor, enqueue: Enqueue) -> str:
    client = next(iter(Client.by_ach_customer.query(customer_url, limit=1)), None)
    if client is None:
        log.warning("event for an unknown ACH customer", extra={"topic": topic})
        return record_event_only(key, topic)
    return refresh_customer(client, ach, key, topic, enqueue)


def refresh_customer(client: Client, ach: AchProcessor, key: str | None, topic: str, enqueue: Enqueue) -> str:
    """Read the customer's status and keep it, unless a later read was kept already (two events applied at once
    cannot leave the older answer behind). `key`: the event recorded with it (None: a check that records none)."""

    def nothing_new() -> str:
        return record_event_only(key, topic) if key else "unchanged"

    read_at = int(clock.now().timestamp() * 1000)
    try:
        status = ach.get_customer(client.ach_customer_id).status
    except AchError as exc:
        if exc.code != "NotFound":
            raise
        log.warning("ACH customer unknown to the processor", extra={"client_id": client.client_id})
        return nothing_new()
    restricted = status if status in (SUSPENDED, DEACTIVATED) else None
    if restricted == client.ach_status:
        return nothing_new()
    try:
        with write_transaction() as tx:
            tx.update(
                client,
                actions=[
                    Client.ach_status.set(restricted) if restricted else Client.ach_status.remove(),
                    Client.ach_status_read_at.set(read_at),
                ],
                condition=Client.ach_status_read_at.does_not_exist() | (Client.ach_status_read_at < read_at),
            )
            if key:
                tx.save(record_of(key, topic), condition=ProcessedEvent.event_id.does_not_exist())
    except TransactWriteError as exc:
        if not lost_race(exc):
            raise
        return nothing_new()
    log.warning(
        "ACH customer status changed", extra={"client_id": client.client_id, "status": status, "was": client.ach_status}
    )
    enqueue(
        account_job(
            client.client_id,
            "ach_status",
            key or f"read:{read_at}",
            status=restricted or "active",
            was=client.ach_status or "active",
        )
    )
    return "updated"
