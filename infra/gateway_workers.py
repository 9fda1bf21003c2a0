"""Handler worker processes for the local API gateway, like warm Lambda instances of every function.

`python -m infra.local_stack --workers N` (or LOCAL_WORKERS=N make local) starts N processes; each imports the
API's handler modules once, before its first request, and keeps them with their module state (cached clients,
secrets, Powertools' current event) for the next ones. A worker serves one invocation at a time, as a Lambda
instance does, so N requests run at once and the rest wait for a free worker (Lambda would start more).

Workers are started with "spawn", not "fork": the parent runs server threads whose locks a fork would copy.
They inherit the environment at start, so the pool is created after the stack has set it (endpoints,
table names, secret ARNs).
"""

import importlib
import multiprocessing
import queue
import signal
import threading

from infra.apigw import LambdaContext


def _serve(conn, modules: list[str]) -> None:
    """A worker's loop: (module, handler, function, event) in, ("ok", result) or ("error", text) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the stack stops the workers
    for module in modules:
        importlib.import_module(module)
    conn.send(("ready", None))
    handlers: dict[tuple[str, str], object] = {}
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        module, name, function, event = job
        try:
            handler = handlers.get((module, name))
            if handler is None:
                handler = handlers[(module, name)] = getattr(importlib.import_module(module), name)
            conn.send(("ok", handler(event, LambdaContext(function_name=function))))
        except Exception as exc:  # noqa: BLE001 - the gateway answers 500, as API Gateway does for an unhandled error
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class WorkerError(Exception):
    """The handler raised, or its worker died (it is replaced)."""


class _Worker:
    def __init__(self, context, modules: list[str]):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, modules), name="gateway-worker", daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        if self.conn.recv() != ("ready", None):
            raise WorkerError("worker did not start")

    def call(self, job: tuple) -> object:
        self.conn.send(job)
        status, value = self.conn.recv()
        if status != "ok":
            raise WorkerError(value)
        return value

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


class WorkerPool:
    """`modules` are imported by each worker before it takes a request (warm instances, as with provisioned
    concurrency): a load test then measures requests, not N cold starts. Empty: each cold-starts on demand."""

    def __init__(self, size: int, modules: list[str] | tuple[str, ...] = ()):
        if size < 1:
            raise ValueError("at least one worker")
        self._context = multiprocessing.get_context("spawn")
        self._modules = list(modules)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        workers = [_Worker(self._context, self._modules) for _ in range(size)]  # they start in parallel
        for worker in workers:
            self._adopt(worker)

    @property
    def size(self) -> int:
        return len(self._all)

    def _add(self) -> None:
        self._adopt(_Worker(self._context, self._modules))

    def _adopt(self, worker: _Worker) -> None:
        try:
            worker.wait_ready()
        except (EOFError, OSError, WorkerError):
            worker.stop()
            raise WorkerError("a gateway worker failed to start (see its traceback above)") from None
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def invoke(self, route, event: dict) -> dict:
        """Run the route's handler in the next free worker (the gateway's hook, see infra.gateway)."""
        worker = self._idle.get()
        try:
            result = worker.call((route.module, route.handler_name, route.function, event))
        except (EOFError, OSError) as exc:  # the worker died: replace it, this request fails as a crash would
            with self._lock:
                self._all.remove(worker)
            worker.stop()
            self._add()
            raise WorkerError(f"worker process died: {exc!r}") from None
        except BaseException:
            self._idle.put(worker)
            raise
        self._idle.put(worker)
        return result

    def stop(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()
