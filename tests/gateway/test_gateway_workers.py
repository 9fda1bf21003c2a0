"""The gateway's worker processes (infra.gateway_workers): like warm Lambda instances, each keeps its own
module state, several invocations run at once, and a handler's failure or a dead worker is one 500, not a
stuck gateway."""

import os
import threading
from types import SimpleNamespace

import pytest

from infra.gateway_workers import WorkerError, WorkerPool

PROBE = "tests.gateway.worker_probe"
ROUTE = SimpleNamespace(module=PROBE, handler_name="handler", function="ProbeFunction")


@pytest.fixture(scope="module")
def pool():
    workers = WorkerPool(2, [PROBE])
    yield workers
    workers.stop()


def invoke_in_thread(pool, event):
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=pool.invoke(ROUTE, event)), daemon=True)
    thread.start()
    return thread, box


def test_two_invocations_run_at_once_in_two_processes(pool, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # The reader returns only once the writer has run: with one invocation at a time this never finishes.
    reader, read = invoke_in_thread(pool, {"read_fifo": str(fifo)})
    writer, wrote = invoke_in_thread(pool, {"write_fifo": str(fifo), "say": "hello"})
    reader.join(60)
    writer.join(60)
    assert read["result"]["said"] == "hello"
    assert read["result"]["pid"] != wrote["result"]["pid"] != os.getpid()
    assert read["result"]["function"] == "ProbeFunction"


def test_each_worker_keeps_its_own_module_state(pool):
    results = [pool.invoke(ROUTE, {}) for _ in range(6)]
    by_pid: dict[int, list[int]] = {}
    for result in results:
        by_pid.setdefault(result["pid"], []).append(result["calls"])
    for calls in by_pid.values():  # a process's counter only grows: its module stays loaded between calls
        assert calls == sorted(calls) and len(set(calls)) == len(calls)
    assert sum(len(c) for c in by_pid.values()) == 6 and len(by_pid) <= 2


def test_a_failing_handler_is_an_error_and_the_worker_serves_on(pool):
    with pytest.raises(WorkerError, match="RuntimeError: handler failed"):
        pool.invoke(ROUTE, {"raise": True})
    assert {pool.invoke(ROUTE, {})["function"] for _ in range(3)} == {"ProbeFunction"}


def test_a_dead_worker_is_replaced(pool):
    before = {pool.invoke(ROUTE, {})["pid"] for _ in range(4)}
    with pytest.raises(WorkerError, match="died"):
        pool.invoke(ROUTE, {"exit": True})
    assert pool.size == 2
    after = {pool.invoke(ROUTE, {})["pid"] for _ in range(4)}
    assert after and after - before  # a new process took the dead one's place
