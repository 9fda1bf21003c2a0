"""ACH event worker: the events the ACH webhook queued. Each one names a resource; the worker fetches it from
Dwolla and applies what Dwolla says now (shared/services/ach_events.py), recording the event id in the same
transaction, so a redelivered message changes nothing.

A record whose work fails (Dwolla unreachable or rate limited, a write that kept losing races) is reported back
to SQS (partial batch response), retried after the visibility timeout, then kept in the dead-letter queue."""

from shared.aws import ach_event_queue
from shared.aws.notify import enqueue_job
from shared.aws.sqs_entry import SQSRecord, sqs_entry
from shared.http.web import logger, webhook_received
from shared.processors.factory import ach_processor
from shared.services import ach_events


def record_handler(record: SQSRecord) -> None:
    event = ach_event_queue.event_from(record.body)
    logger.append_keys(ach_event_id=event.id, ach_topic=event.topic)
    webhook_received("ach", ach_events.handle(event, ach_processor(), enqueue_job), sent_at=event.timestamp.timestamp())


handler = sqs_entry(record_handler)
