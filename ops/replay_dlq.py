"""ops-replay-dlq: move the messages of a dead-letter queue back to their queue, after the cause is fixed.

A dry run by default: it lists the messages and leaves them where they were. With --execute each message is sent
to the queue and deleted from the dead-letter queue only once the send succeeded, so none is lost; one sent twice
(a crash between the two steps) changes nothing, since the workers record each ACH event id and each email sent
in the same transaction as its effect."""

import argparse
import json
import sys
from dataclasses import dataclass, field

from ops import stack

QUEUES = {
    "ach-events": ("AchEventDeadLetterQueue", "AchEventQueue"),
    "receipts": ("ReceiptDeadLetterQueue", "ReceiptQueue"),
}
# Long enough to send and delete a batch; a message this run has seen is not handed out again meanwhile.
VISIBILITY_SECONDS = 300


@dataclass
class Replay:
    listed: list[str] = field(default_factory=list)  # message ids, in the order seen
    sent: list[str] = field(default_factory=list)


def describe(body: str) -> str:
    """What the message is about, from the ids it carries (never the whole body)."""
    try:
        message = json.loads(body)
    except ValueError:
        return "(not JSON)"
    if not isinstance(message, dict):
        return "(not an object)"
    keys = ("id", "topic", "kind", "client_id", "payment_id", "invoice_id")
    return " ".join(f"{k}={message[k]}" for k in keys if isinstance(message.get(k), (str, int)))


def replay(sqs, dead_letter_url: str, queue_url: str, *, execute: bool, out=None) -> Replay:
    out = out or sys.stdout
    result, held = Replay(), []
    while True:
        batch = sqs.receive_message(
            QueueUrl=dead_letter_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=VISIBILITY_SECONDS,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in result.listed]
        if not fresh:
            break
        for message in fresh:
            result.listed.append(message["MessageId"])
            about = describe(message["Body"])
            if not execute:
                held.append(message["ReceiptHandle"])
                print(f"would send {message['MessageId']}: {about}", file=out)
                continue
            sent = {"QueueUrl": queue_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                sent["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**sent)  # raises before the delete: the message stays in the dead-letter queue
            sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            result.sent.append(message["MessageId"])
            print(f"sent {message['MessageId']}: {about}", file=out)
    for handle in held:  # a dry run leaves the messages as it found them, visible at once
        sqs.change_message_visibility(QueueUrl=dead_letter_url, ReceiptHandle=handle, VisibilityTimeout=0)
    verb = "sent back" if execute else "would be sent back (dry run; --execute to send)"
    print(f"{len(result.sent) if execute else len(result.listed)} message(s) {verb}", file=out)
    return result


def main(argv: list[str] | None = None) -> Replay:
    parser = argparse.ArgumentParser(prog="ops-replay-dlq", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("--queue", choices=sorted(QUEUES), required=True)
    parser.add_argument("--dead-letter-queue-url", help="instead of the stack's")
    parser.add_argument("--queue-url", help="instead of the stack's")
    parser.add_argument("--execute", action="store_true", help="send; without it, only list")
    args = parser.parse_args(argv)
    resources = stack.resolve(args)
    dead_letter, queue = QUEUES[args.queue]
    import boto3

    return replay(
        boto3.client("sqs"),
        stack.required(resources, dead_letter, args.dead_letter_queue_url, "dead-letter queue URL"),
        stack.required(resources, queue, args.queue_url, "queue URL"),
        execute=args.execute,
    )


if __name__ == "__main__":
    main()
