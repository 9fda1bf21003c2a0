"""ops-replay-dlq against the session's moto SQS: a dry run first, nothing lost, nothing counted twice."""

import io
import json
from datetime import datetime

import boto3
import pytest

from ops import replay_dlq
from shared.aws import ach_event_queue
from shared.processors.ach_webhooks import AchEvent
from tests.drivers.ach import (
    deliver_and_apply,
    envelope,
    invoice_numbers,
    pay_ach,
    queue_depth,
    run_worker,
    simulate,
    transfer_url,
    verified_bank,
)
from tests.helpers import table_snapshot


def _bodies(queue_url) -> list[str]:
    sqs = boto3.client("sqs")
    bodies = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
        "Messages", []
    ):
        bodies += [m["Body"] for m in batch]
    return sorted(bodies)


def _park(dlq_url, bodies) -> None:
    for body in bodies:
        boto3.client("sqs").send_message(QueueUrl=dlq_url, MessageBody=body)


def _args(aws, *extra):
    return [
        "--queue",
        "ach-events",
        "--dead-letter-queue-url",
        aws["ach_event_dlq"],
        "--queue-url",
        aws["ach_event_queue"],
        *extra,
    ]


BODIES = [
    json.dumps(
        {
            "id": f"evt-{i}",
            "topic": "customer_transfer_completed",
            "resource_url": f"https://ach.test/transfers/{i}",
            "timestamp": "2026-12-01T10:00:00+00:00",
        }
    )
    for i in range(12)
]  # more than one receive batch


def test_the_dry_run_lists_every_message_and_moves_none(aws, capsys):
    _park(aws["ach_event_dlq"], BODIES)
    result = replay_dlq.main(_args(aws))
    assert len(result.listed) == 12 and result.sent == []
    out = capsys.readouterr().out
    assert "would send" in out and "id=evt-11 topic=customer_transfer_completed" in out and "12 message(s) would" in out
    assert queue_depth(aws["ach_event_queue"]) == 0
    assert _bodies(aws["ach_event_dlq"]) == sorted(BODIES)  # visible again at once, as they were


def test_execute_moves_each_message_once(aws):
    _park(aws["ach_event_dlq"], BODIES)
    result = replay_dlq.main(_args(aws, "--execute"))
    assert len(result.sent) == 12
    assert queue_depth(aws["ach_event_dlq"]) == 0
    assert _bodies(aws["ach_event_queue"]) == sorted(BODIES)


class _FailingSecondSend:
    """The real client, except that the second send fails as SQS can (throttled, network)."""

    def __init__(self):
        self._sqs, self.sends = boto3.client("sqs"), 0

    def __getattr__(self, name):
        return getattr(self._sqs, name)

    def send_message(self, **kwargs):
        self.sends += 1
        if self.sends == 2:
            raise ConnectionError("SQS did not answer")
        return self._sqs.send_message(**kwargs)


def test_a_failed_send_leaves_the_message_in_the_dead_letter_queue(aws):
    _park(aws["ach_event_dlq"], BODIES[:3])
    with pytest.raises(ConnectionError):
        replay_dlq.replay(
            _FailingSecondSend(), aws["ach_event_dlq"], aws["ach_event_queue"], execute=True, out=io.StringIO()
        )
    assert queue_depth(aws["ach_event_queue"]) == 1  # the first one, sent and then deleted
    assert queue_depth(aws["ach_event_dlq"]) == 2  # the failed one and the one not reached: nothing lost


def test_an_event_replayed_after_it_was_applied_changes_nothing(seeded):
    method_id = verified_bank(seeded["ach"])
    status, payment, _ = pay_ach("inv-part", method_id, amount=40000)
    assert status == 201
    simulate(seeded["ach"])
    event = envelope("customer_transfer_completed", transfer_url("client-a", payment["payment_id"]))
    deliver_and_apply(event)
    applied = invoice_numbers()
    assert applied == ("partially_paid", 40000, 0, 60000)
    # The same event, as if its first run had crashed after applying it and before SQS heard of it.
    _park(
        seeded["ach_event_dlq"],
        [
            ach_event_queue.message_body(
                AchEvent(
                    event["id"],
                    event["topic"],
                    event["_links"]["resource"]["href"],
                    datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")),
                )
            )
        ],
    )
    before = table_snapshot()
    replay_dlq.main(
        [
            "--queue",
            "ach-events",
            "--dead-letter-queue-url",
            seeded["ach_event_dlq"],
            "--queue-url",
            seeded["ach_event_queue"],
            "--execute",
        ]
    )
    assert run_worker() == (1, 0)  # received and handled as a duplicate
    assert invoice_numbers() == applied
    assert table_snapshot() == before


def test_without_a_stack_or_a_url_it_says_what_is_missing(aws, monkeypatch):
    with pytest.raises(SystemExit, match="which dead-letter queue URL"):
        replay_dlq.main(["--queue", "receipts"])
