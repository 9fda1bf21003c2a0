"""The queue between the ACH webhook and its worker. Dwolla wants a 2xx within 10 seconds, so the webhook only
checks the signature and the envelope and queues the event; the worker (functions/ach_event_worker) fetches the
resource from Dwolla and applies it, with the queue's retries and dead-letter queue behind it."""

import json
import os
from datetime import datetime
from functools import cache

from aws_lambda_powertools import Logger
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared.aws import clients as aws
from shared.http.errors import DomainError
from shared.processors.ach_webhooks import AchEvent

log = Logger(child=True)


class QueueUnavailable(DomainError):
    """SQS did not take the event: a 5xx makes Dwolla deliver it again later."""

    status = 503
    code = "temporarily_unavailable"
    message = "The event could not be queued; deliver it again later."


@cache
def _sqs():
    # Short timeouts and few retries: the whole answer must reach Dwolla within its 10 s.
    return aws.client(
        "sqs", config=Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
    )


def enqueue(event: AchEvent) -> None:
    try:
        _sqs().send_message(QueueUrl=os.environ["ACH_EVENT_QUEUE_URL"], MessageBody=message_body(event))
    except (BotoCoreError, ClientError) as exc:
        log.error("ACH event not queued", extra={"ach_event_id": event.id, "error": type(exc).__name__})
        raise QueueUnavailable() from None


def message_body(event: AchEvent) -> str:
    return json.dumps(
        {
            "id": event.id,
            "topic": event.topic,
            "resource_url": event.resource_url,
            "timestamp": event.timestamp.isoformat(),
        }
    )


def event_from(body: str) -> AchEvent:
    data = json.loads(body)
    return AchEvent(data["id"], data["topic"], data["resource_url"], datetime.fromisoformat(data["timestamp"]))
