"""Every email is sent at most once through one ledger: an entry per email in the processed-events table,
claimed with a conditional write before sending and marked sent after. A claim expires, so a worker that died
mid-way does not block the email forever; SQS retries and then its DLQ keep a failing send from being lost.
The one way to get two emails is a worker dying after SES accepted the message and before the mark: SES has
no idempotency key, so that window can only be kept small."""

from collections.abc import Callable
from datetime import timedelta

from pynamodb.exceptions import PutError, UpdateError

from shared.aws.models import ProcessedEvent
from shared.domain import clock
from shared.emails.receipts import Email

LEDGER_RETENTION = timedelta(days=120)
CLAIM_SECONDS = 120


class AlreadySent(Exception):
    pass


class NoticeBusy(Exception):
    """Another worker holds the claim; let the queue deliver this job again later."""


def claim_email(key: str, kind: str) -> None:
    """Claim the ledger entry `key`: a conditional write that succeeds when the entry is new or its claim
    expired. Raises AlreadySent when it was sent, and NoticeBusy while another worker holds the claim (the
    queue delivers the job again later)."""
    now = int(clock.now().timestamp())
    entry = ProcessedEvent(
        key,
        event_type=kind,
        processed_at=clock.now_iso(),
        status="sending",
        claimed_until=now + CLAIM_SECONDS,
        expires_at=clock.now() + LEDGER_RETENTION,
    )
    try:
        entry.save(
            condition=ProcessedEvent.event_id.does_not_exist()
            | ((ProcessedEvent.status == "sending") & (ProcessedEvent.claimed_until < now))
        )
    except (PutError, UpdateError) as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = ProcessedEvent.get(key, consistent_read=True)
        if existing.status == "sent":
            raise AlreadySent(key) from None
        raise NoticeBusy(key) from None


def mark_sent(key: str) -> None:
    ProcessedEvent(key).update(actions=[ProcessedEvent.status.set("sent")])


def send_once(key: str, kind: str, email: Email, sender: str, send: Callable[[Email, str], str]) -> str:
    """Claim, send, mark sent. AlreadySent / NoticeBusy propagate to the worker."""
    claim_email(key, kind)
    send(email, sender)
    mark_sent(key)
    return "sent"
