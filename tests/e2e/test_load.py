"""The load test's short version (bench/load.py): four portal clients, one of them paying by ACH, for a few
seconds against a local stack whose gateway runs the handlers in two worker processes; then the books."""

import pytest

from bench.load import drive, launch_stack, report, stop_stack
from tests.helpers import stack_dynamodb_url

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_four_clients_through_two_workers_keep_the_books(tmp_path):
    proc, stack = launch_stack(2, tmp_path, dynamodb_url=stack_dynamodb_url())
    try:
        result = drive(stack, clients=4, seconds=4)
    finally:
        stop_stack(proc)
    print(report(result))
    assert result["stats"].errors == []
    assert result["problems"] == []
    succeeded = [p for p in result["paid"] if p.status == "succeeded"]
    assert len(succeeded) >= 3  # every card client completed at least one payment
    assert len({p.invoice_id for p in succeeded}) == len(succeeded)
