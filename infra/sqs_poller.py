"""Local stand-in for Lambda's SQS event source mapping: long-poll a queue, hand batches to the function's
handler as an SQS event, delete what succeeded and leave the reported failures (batchItemFailures) for
redelivery after the visibility timeout, then the DLQ after maxReceiveCount, exactly as in AWS."""

import hashlib
import logging
import threading
import time
from typing import NamedTuple

import boto3

log = logging.getLogger("local.sqs")


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """Records shaped like the ones Lambda delivers (camelCase keys, string attributes)."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class Batch(NamedTuple):
    received: int
    failed: int  # left on the queue for redelivery (then the DLQ)


class SqsPoller:
    def __init__(self, queue_url: str, handler, *, function: str, batch_size: int = 10, invoke_lock=None):
        self.queue_url, self.handler, self.function, self.batch_size = queue_url, handler, function, batch_size
        self._sqs = boto3.client("sqs")
        self._arn = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._lock = invoke_lock or threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{function}", daemon=True)

    def start(self) -> "SqsPoller":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # keep polling, as the real event source mapping does
                if not self._stop.is_set():
                    log.exception("sqs poller %s: receive failed", self.function)
                    self._stop.wait(1)

    def poll_once(self, wait_seconds: int = 0) -> Batch:
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return Batch(0, 0)
        from infra.apigw import LambdaContext

        started = time.monotonic()
        try:
            with self._lock:
                result = (
                    self.handler(
                        sqs_event(messages, self._arn, self._sqs.meta.region_name),
                        LambdaContext(function_name=self.function),
                    )
                    or {}
                )
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # the whole batch failed: nothing is deleted, all of it comes back
            log.exception("sqs %s: handler raised; batch of %d left for redelivery", self.function, len(messages))
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        print(
            f"[sqs] {self.function} batch={len(messages)} ok={len(done)} failed={len(failed)} "
            f"{(time.monotonic() - started) * 1000:.0f}ms",
            flush=True,
        )
        return Batch(len(messages), len(failed))
