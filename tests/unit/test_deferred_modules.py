"""Deferred modules (shared/coldstart/deferred_modules.py): a stand-in until the first use, then the real module;
and, in fresh interpreters, the card functions never load `requests` or `asyncio`, even after talking to Stripe, nor the
SQS workers `asyncio`."""

import sys
import textwrap
import types

import pytest

from shared.coldstart.deferred_modules import defer, is_deferred, load
from tests.helpers import run_fresh


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A package `deferred_probe` (with a submodule) whose code records each time it runs."""
    runs = types.ModuleType("deferred_probe_runs")
    runs.log = []
    package = tmp_path / "deferred_probe"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import deferred_probe_runs\ndeferred_probe_runs.log.append('package')\nANSWER = 42\n"
    )
    (package / "sub.py").write_text(
        "import deferred_probe_runs\ndeferred_probe_runs.log.append('sub')\nVALUE = 'sub'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "deferred_probe_runs", runs)
    yield runs.log
    for name in ("deferred_probe", "deferred_probe.sub"):
        sys.modules.pop(name, None)


def test_import_binds_a_stand_in_and_runs_nothing(probe):
    defer("deferred_probe")
    import deferred_probe

    assert probe == [] and is_deferred("deferred_probe")
    assert repr(deferred_probe) == "<module 'deferred_probe' (deferred)>"


def test_the_first_attribute_read_runs_the_module_once_and_it_replaces_the_stand_in(probe):
    defer("deferred_probe")
    import deferred_probe

    assert deferred_probe.ANSWER == 42 and probe == ["package"]
    assert not is_deferred("deferred_probe")
    real = sys.modules["deferred_probe"]
    assert real is not deferred_probe and load(deferred_probe) is real
    assert deferred_probe.ANSWER == 42 and real.ANSWER == 42 and probe == ["package"]  # not run again
    from deferred_probe import ANSWER

    assert ANSWER == 42 and probe == ["package"]


def test_from_import_and_a_submodule_load_the_package_first(probe):
    defer("deferred_probe")
    from deferred_probe import ANSWER

    assert ANSWER == 42
    import deferred_probe.sub

    assert deferred_probe.sub.VALUE == "sub" and probe == ["package", "sub"]


def test_a_submodule_imported_first_still_runs_the_package_once_before_it(probe):
    defer("deferred_probe")
    import deferred_probe.sub  # noqa: F401  (the import system reads the package's __path__: a first use)

    assert probe == ["package", "sub"] and sys.modules["deferred_probe"].sub.VALUE == "sub"


def test_log_lines_leave_a_deferred_asyncio_unloaded_and_get_task_names_once_it_is_used():
    """Python 3.12's LogRecord asks asyncio, when it is in sys.modules, for the running task's name."""
    found = _fresh("""
        import logging
        from shared.coldstart.deferred_modules import defer, is_deferred
        defer("asyncio")
        records = []
        logging.getLogger("probe").addHandler(type("H", (logging.Handler,), {"emit": lambda s, r: records.append(r)})())
        logging.getLogger("probe").warning("a line before any task")
        assert is_deferred("asyncio") and records[0].taskName is None
        import asyncio
        async def main():
            logging.getLogger("probe").warning("a line in a task")
        asyncio.run(main())
        assert not is_deferred("asyncio") and logging.logAsyncioTasks and records[1].taskName.startswith("Task-")
    """)
    assert not found["asyncio"] and "asyncio.events" in found["loaded"]


def test_a_module_already_imported_or_not_installed_is_left_alone(probe):
    import deferred_probe

    defer("deferred_probe", "no_such_module_anywhere")
    assert sys.modules["deferred_probe"] is deferred_probe and not is_deferred("deferred_probe")
    assert "no_such_module_anywhere" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        import no_such_module_anywhere  # noqa: F401


def _fresh(code: str) -> dict:
    """What a fresh interpreter reports after `code` (this one has loaded everything already)."""
    return run_fresh(
        textwrap.dedent(code)
        + textwrap.dedent("""
        import json, sys
        from shared.coldstart.deferred_modules import is_deferred
        print(json.dumps({"requests": is_deferred("requests"), "asyncio": is_deferred("asyncio"),
                          "loaded": sorted(sys.modules)}))
    """)
    )


@pytest.mark.parametrize(
    "module",
    [
        "functions.create_payment.app",
        "functions.admin_refunds.app",
        "functions.delete_payment_method.app",
        "functions.setup_payment_method.app",
    ],
)
def test_card_functions_load_neither_requests_nor_asyncio(module):
    found = _fresh(f"import {module}\nfrom shared.processors.stripe_sdk import stripe\nassert stripe.StripeClient")
    assert found["requests"] and found["asyncio"]
    assert {"requests.sessions", "charset_normalizer", "asyncio.events"}.isdisjoint(found["loaded"])


@pytest.mark.parametrize("module", ["functions.ach_event_worker.app", "functions.email_worker.app"])
def test_the_sqs_workers_load_no_asyncio(module):
    """Powertools' batch module imports it for the async processor; the workers use the synchronous one."""
    found = _fresh(
        f"import os\nos.environ['POWERTOOLS_TRACE_DISABLED'] = 'true'  # as the template's Globals\nimport {module}"
    )
    assert found["asyncio"] and "asyncio.events" not in found["loaded"]


def test_talking_to_stripe_loads_neither():
    """A whole request through the card adapter (to a local server standing in for Stripe's API)."""
    found = _fresh("""
        from tests import stripe_api_stub
        from shared.processors.stripe_cards import StripeCards
        cards = StripeCards("sk_test_deferred", stripe_api_stub.serve())
        assert cards.ensure_customer(client_id="c1", email="a@example.test", name="A") == "cus_1"
        import logging
        logging.getLogger("a function").warning("and a log line, as every request writes")
    """)
    assert found["requests"] and found["asyncio"]
    assert {"requests.sessions", "charset_normalizer", "asyncio.events"}.isdisjoint(found["loaded"])
