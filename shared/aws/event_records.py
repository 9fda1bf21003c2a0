"""Processed-event records: each processor event (or job step) is recorded once, in the same transaction as
the change it caused, so a duplicate delivery finds it and changes nothing."""

from datetime import timedelta

from pynamodb.exceptions import PutError

from shared.aws.models import ProcessedEvent
from shared.domain import clock

EVENT_RETENTION = timedelta(days=30)


def record_of(event_key: str, event_type: str) -> ProcessedEvent:
    return ProcessedEvent(
        event_key, event_type=event_type, processed_at=clock.now_iso(), expires_at=clock.now() + EVENT_RETENTION
    )


def save_new(tx, event_key: str, event_type: str) -> None:
    """Add the event's record to a transaction, conditional on it being new."""
    tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())


def record_event_only(event_key: str, event_type: str) -> str:
    """Record an event that changes nothing (so it still counts once): "ignored", or "duplicate" if seen."""
    try:
        record_of(event_key, event_type).save(ProcessedEvent.event_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "duplicate"
    return "ignored"
