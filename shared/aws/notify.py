"""Outbound messages: emails through SES and email jobs onto SQS. Clients are made on first use."""

import json
import os
from functools import cache
from typing import TYPE_CHECKING

from shared.aws import clients as aws

if TYPE_CHECKING:  # the email renderer is loaded by the functions that render one, not by every one that queues
    from shared.emails.receipts import Email


@cache
def _client(service: str):
    return aws.client(service)


class UnsafeHeader(ValueError):
    """A header value that could carry a second header or recipient: never sent (the renderers prevent it; this
    is the last check before SES)."""


def _check_headers(email: "Email", sender: str) -> None:
    from shared.http.validation import is_email_address, one_line

    if one_line(email.subject) != email.subject or one_line(sender) != sender:
        raise UnsafeHeader("the subject or the sender holds a line break or another control character")
    if not is_email_address(email.to):  # the sender may carry a display name (SenderEmail); a recipient may not
        raise UnsafeHeader("the recipient is not one bare email address")


def send_email(email: "Email", sender: str) -> str:
    _check_headers(email, sender)
    response = _client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [email.to]},
        Message={
            "Subject": {"Data": email.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": email.text, "Charset": "UTF-8"},
                "Html": {"Data": email.html, "Charset": "UTF-8"},
            },
        },
    )
    return response["MessageId"]


def enqueue_job(job: dict) -> None:
    """The queue port's SQS adapter (shared/emails/jobs.py): an email job for the email worker (functions/email_worker)."""
    _client("sqs").send_message(QueueUrl=os.environ["RECEIPT_QUEUE_URL"], MessageBody=json.dumps(job))
