"""Modules a library imports but a function may never use, loaded on first use instead of at import.

stripe-python imports `requests` (to choose its default HTTP client) and `asyncio` (for its async clients) the
moment it is imported: about 36 ms of a card function's cold start (charset_normalizer, http.cookiejar, the
event loop's machinery), though our Stripe client talks through urllib3 (botocore loaded it already) and runs no
coroutine (shared/processors/stripe_sdk.py). Powertools' batch utility imports `asyncio` for its async
processor, which the SQS workers do not use (shared/aws/sqs_entry.py).

`defer(name)` puts a stand-in into sys.modules for a module not imported yet: `import name` binds the stand-in
(the import system asks a module found in sys.modules only for its `__spec__`, which the stand-in has: None).
Reading any attribute of the stand-in imports the real module, which replaces the stand-in in sys.modules, and
from then on the stand-in answers with the real module's attributes. So nothing changes for code that does use
the module, only when its cost is paid. importlib's LazyLoader cannot do this: `import name` reads its spec and
that read alone loads it.
"""

import importlib
import importlib.util
import logging
import sys
import threading
import types

_loading = threading.RLock()
# Python 3.12's logging looks asyncio up in sys.modules for every record and, when it is there, asks it for the
# running task's name (LogRecord.taskName): with a stand-in there, the first log line would load asyncio. No task
# can run before asyncio is loaded, so the name would be None anyway: while asyncio is deferred, logging is told
# not to ask (logging.logAsyncioTasks), and its setting is put back when asyncio is loaded.
_task_names: list[bool] = []


class _StandIn(types.ModuleType):
    """Has only what ModuleType gives every module; `__getattr__` runs for anything else."""

    def __getattr__(self, attribute: str):
        return getattr(load(self), attribute)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} (deferred)>"


def defer(*names: str) -> None:
    """Stand in for each module of `names` that is installed and not imported yet (others are left alone)."""
    for name in names:
        if name not in sys.modules and importlib.util.find_spec(name) is not None:
            sys.modules[name] = _StandIn(name)
            if name == "asyncio":
                _task_names.append(logging.logAsyncioTasks)  # type: ignore[attr-defined]  # 3.12, not in typeshed
                logging.logAsyncioTasks = False  # type: ignore[attr-defined]


def load(module: types.ModuleType) -> types.ModuleType:
    """The real module behind a stand-in (imported now if need be); any other module as it is."""
    if not isinstance(module, _StandIn):
        return module
    name = module.__name__
    with _loading:  # two threads' first uses import it once
        if sys.modules.get(name) is module:
            del sys.modules[name]
        real = importlib.import_module(name)
        if name == "asyncio" and _task_names:
            logging.logAsyncioTasks = _task_names.pop()  # type: ignore[attr-defined]
        return real


def is_deferred(name: str) -> bool:
    """True while `name` is a stand-in nobody has used yet."""
    return isinstance(sys.modules.get(name), _StandIn)
