"""Drives the template's schedules locally: each scheduled function runs once before the stack says it is ready
(so what a client or a test sees first is already after those runs), then at its own interval (`rate(N unit)`
as written, a daily `cron(...)` every 24 hours), and on demand: POST /_local/schedules/<Function> on the local
API gateway."""

import importlib
import json
import threading
import time
from collections.abc import Callable

from infra.apigw import LambdaContext

DAY = 24 * 3600
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": DAY, "days": DAY}


def interval_of(expression: str) -> float:
    """Seconds between runs: rate(N unit) as written; a cron expression (daily in this template) a day."""
    if expression.startswith("rate(") and expression.endswith(")"):
        count, unit = expression[5:-1].split()
        return int(count) * _UNITS[unit]
    return DAY


class Scheduler:
    def __init__(self, sources: list[dict], invoke_lock: threading.Lock):
        self.invoke_lock = invoke_lock
        self.jobs: dict[str, Callable[[], dict]] = {
            s["function"]: self._runner(s["function"], importlib.import_module(s["module"]).handler) for s in sources
        }
        self.intervals = {s["function"]: interval_of(s["expression"]) for s in sources}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(name,), name=f"schedule-{name}", daemon=True)
            for name in self.jobs
        ]

    def _runner(self, name: str, handler) -> Callable[[], dict]:
        def run() -> dict:
            with self.invoke_lock:  # one invocation at a time, like the gateway
                result = handler(
                    {"source": "local.scheduler", "detail-type": "Scheduled Event"}, LambdaContext(function_name=name)
                )
            print(f"[schedule] {name}: {json.dumps(result, default=str)}", flush=True)
            return result

        return run

    def start(self) -> "Scheduler":
        for name in self.jobs:  # the first runs, before anyone is told the stack is ready
            self._run(name)
        for thread in self._threads:
            thread.start()
        return self

    def _run(self, name: str) -> None:
        try:
            self.jobs[name]()
        except Exception as exc:  # noqa: BLE001 - a failing job must not stop the stack; its next run tries again
            print(f"[schedule] {name} failed: {exc}", flush=True)

    def _loop(self, name: str) -> None:
        while not self._stop.wait(self.intervals[name]):
            self._run(name)

    def stop(self) -> None:
        self._stop.set()
        time.sleep(0)
