"""Provoke a race deterministically: the competing request runs to completion between the code's read and
its conditional write, instead of hoping that threads interleave that way (`competing`); and DynamoDB's answer
when the two overlap in time, which DynamoDB Local never gives (`dynamodb_answers`, `transaction_conflict`)."""

import json
from collections.abc import Callable
from contextlib import contextmanager


class Competitor:
    def __init__(self, run: Callable[[], object]):
        self._run = run
        self.ran = False
        self.result: object = None

    def __call__(self) -> None:
        self.ran = True  # first, so the competitor's own calls of the seam go straight through
        self.result = self._run()


def competing(monkeypatch, owner, name: str, run: Callable[[], object], *, before: bool = False) -> Competitor:
    """Patch `owner.<name>` so that `run()` (the competing request) runs once, to completion: right after the
    first call of the seam returns (the seam is the code's read), or right before it (`before=True`: the seam
    is the code's write). The code then goes on with what it read. The returned Competitor says whether it
    ran and what it returned."""
    real = getattr(owner, name)
    competitor = Competitor(run)

    def seam(*args, **kwargs):
        if before and not competitor.ran:
            competitor()
        result = real(*args, **kwargs)
        if not competitor.ran:
            competitor()
        return result

    monkeypatch.setattr(owner, name, seam)
    return competitor


class _Body:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        return iter([self._body])


@contextmanager
def dynamodb_answers(operation: str, *answers: Callable[[dict], dict]):
    """Within the block, the next len(answers) `operation` requests of this process's DynamoDB client
    (shared/aws/dynamodb.py: every model and transaction) get an error with HTTP 400, the body each answer makes of
    the request, as DynamoDB answers, instead of reaching DynamoDB Local; later ones go through. For what DynamoDB
    Local never answers: it runs one transaction at a time, so it never reports a TransactionConflict. Yields
    the requests answered so (their JSON bodies)."""
    from botocore.awsrequest import AWSResponse

    from shared.aws.dynamodb import connection

    answered: list[dict] = []
    left = list(answers)

    def answer(request, **_):
        if not left:
            return None  # sent as usual
        answered.append(json.loads(request.body))
        body = json.dumps(left.pop(0)(answered[-1])).encode()
        return AWSResponse(
            request.url,
            400,
            {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(body))},
            _Body(body),
        )

    events = connection().client.meta.events
    event = f"before-send.dynamodb.{operation}"
    events.register_first(event, answer)
    try:
        yield answered
    finally:
        events.unregister(event, answer)


def transaction_conflict(conflicting: int = 0) -> Callable[[dict], dict]:
    """DynamoDB's answer to a TransactWriteItems or TransactGetItems whose action number `conflicting` met another
    transaction in flight on its item: one reason per action (API Reference, TransactionCanceledException)."""

    def answer(request: dict) -> dict:
        reasons = [
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
            if n == conflicting
            else {"Code": "None"}
            for n in range(len(request["TransactItems"]))
        ]
        return {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "CancellationReasons": reasons,
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons ["
            + ", ".join(r["Code"] for r in reasons)
            + "]",
        }

    return answer


def write_conflict(request: dict) -> dict:
    """DynamoDB's answer to a PutItem, UpdateItem or DeleteItem on an item a transaction in flight is writing."""
    return {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
        "message": "Transaction is ongoing for the item",
    }
