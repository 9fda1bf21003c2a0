"""The local stack's test clock: what POST /_local/clock moves is what shared/domain/clock.py answers, in this process and
in another one started after it (the gateway's workers), forward only; DELETE returns to real time."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from infra.stack_clock import StackClock
from shared.domain import clock
from tests.helpers import ROOT, template


@pytest.fixture
def stack_clock(tmp_path, monkeypatch):
    monkeypatch.delenv(clock.CLOCK_FILE, raising=False)
    made = StackClock(tmp_path / "stack.clock.json")
    yield made
    os.environ.pop(clock.CLOCK_FILE, None)


def test_a_new_stack_is_at_real_time(stack_clock):
    state = stack_clock.state()
    assert state["real_time"] is True and state["offset_seconds"] == 0
    assert abs(datetime.fromisoformat(state["now"]) - datetime.now(UTC)) < timedelta(seconds=5)


def test_moving_the_clock_moves_every_reader_and_time_keeps_running(stack_clock):
    status, state = stack_clock.move({"now": "2031-03-01T09:00:00-05:00"})
    assert status == 200 and state["real_time"] is False
    moved = clock.now()
    assert datetime(2031, 3, 1, 14, 0, tzinfo=UTC) <= moved < datetime(2031, 3, 1, 14, 1, tzinfo=UTC)
    assert clock.today().isoformat() == "2031-03-01"  # in the merchant's zone (America/New_York in the tests)
    assert clock.now() >= moved  # an offset, not a frozen instant
    assert abs(clock.real_now() - datetime.now(UTC)) < timedelta(seconds=5)  # what processors' stamps meet
    # A process started afterwards (a gateway worker) reads the same stack time.
    other = subprocess.run(
        [sys.executable, "-c", "from shared.domain import clock; print(clock.today())"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert other.stdout.strip() == "2031-03-01"


def test_forward_only_then_back_to_real_time(stack_clock):
    assert stack_clock.move({"now": "2031-03-01T09:00:00Z"})[0] == 200
    status, answer = stack_clock.move({"now": "2031-02-28T09:00:00Z"})
    assert status == 409 and answer["error"]["code"] == "clock_cannot_go_back"
    assert clock.today().isoformat() == "2031-03-01"  # unchanged
    assert stack_clock.move({"now": "2031-03-02T09:00:00Z"})[0] == 200
    assert clock.today().isoformat() == "2031-03-02"
    assert stack_clock.reset()["real_time"] is True
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"now": "2031-03-01"},
        {"now": "2031-03-01T09:00:00"},
        {"now": "tomorrow"},
        {"now": 1893456000},
        {"now": "2031-03-01T09:00:00Z", "x": 1},
    ],
)
def test_a_time_without_its_offset_or_anything_else_is_refused_and_changes_nothing(stack_clock, body):
    status, answer = stack_clock.move(body)
    assert status == 422 and answer["error"]["code"] == "invalid_time"
    assert stack_clock.state()["real_time"] is True


def test_the_deployed_template_never_sets_a_clock_file():
    text = (ROOT / "template.yaml").read_text()
    assert clock.CLOCK_FILE not in text
    assert all(
        clock.CLOCK_FILE not in json.dumps(fn) for fn in template.resources("AWS::Serverless::Function").values()
    )
