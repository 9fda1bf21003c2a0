"""Drives the template's schedules locally: each scheduled function runs once when the stack is ready and
then every 24 hours (the deployed schedules are daily), and on demand: POST /_local/schedules/<Function>
on the local API gateway, or `python -m infra.demo run-job`."""

import importlib
import json
import threading
import time
from collections.abc import Callable

from infra.apigw import LambdaContext

DAY = 24 * 3600


class Scheduler:
    def __init__(self, sources: list[dict], invoke_lock: threading.Lock, interval: float = DAY):
        self.interval, self.invoke_lock = interval, invoke_lock
        self.jobs: dict[str, Callable[[], dict]] = {
            s["function"]: self._runner(s["function"], getattr(importlib.import_module(s["module"]), "handler"))
            for s in sources}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def _runner(self, name: str, handler) -> Callable[[], dict]:
        def run() -> dict:
            with self.invoke_lock:  # one invocation at a time, like the gateway
                result = handler({"source": "local.scheduler", "detail-type": "Scheduled Event"},
                                 LambdaContext(function_name=name))
            print(f"[schedule] {name}: {json.dumps(result, default=str)}", flush=True)
            return result
        return run

    def start(self) -> "Scheduler":
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            for name, run in self.jobs.items():
                try:
                    run()
                except Exception as exc:  # a failing job must not stop the stack; the next day runs it again
                    print(f"[schedule] {name} failed: {exc}", flush=True)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        time.sleep(0)
