"""Powertools' event_handler and data_classes packages without their __init__ (shared/coldstart/powertools_packages.py):
a function loads only the modules it uses, and the whole package is still there for code that asks for it."""

import ast
from pathlib import Path

import aws_lambda_powertools
import pytest

from shared.coldstart.powertools_packages import DATA_CLASS_MODULES, DATA_CLASSES, EVENT_HANDLER
from tests.helpers import modules_loaded_after


@pytest.mark.parametrize(
    "module",
    [
        "functions.list_invoices.app",
        "functions.stripe_webhook.app",
        "functions.email_worker.app",
        "functions.ach_event_worker.app",
    ],
)
def test_a_function_loads_neither_package_whole(module):
    loaded = modules_loaded_after(f"import {module}")
    assert f"{DATA_CLASSES}.ses_event" not in loaded and f"{DATA_CLASSES}.cognito_user_pool_event" not in loaded
    assert f"{EVENT_HANDLER}.appsync" not in loaded and f"{EVENT_HANDLER}.bedrock_agent" not in loaded
    if "worker" in module or "receipt" in module:
        assert f"{DATA_CLASSES}.sqs_event" in loaded
    else:
        assert f"{EVENT_HANDLER}.api_gateway" in loaded


def test_any_other_name_loads_the_whole_package():
    loaded = modules_loaded_after(
        "import functions.list_invoices.app\n"
        f"from {DATA_CLASSES} import SESEvent, ALBEvent\n"
        f"from {EVENT_HANDLER} import AppSyncResolver, APIGatewayHttpResolver\n"
        "assert SESEvent.__name__ == 'SESEvent' and AppSyncResolver.__name__ == 'AppSyncResolver'"
    )
    assert f"{DATA_CLASSES}.ses_event" in loaded and f"{EVENT_HANDLER}.appsync" in loaded


def test_the_listed_names_are_what_powertools_imports_from_the_package_at_import():
    """A Powertools upgrade that imports another name at import time still works (that name loads the whole
    package), but the list would no longer save anything: this says so."""
    package = Path(aws_lambda_powertools.__file__).parent
    imported = set()
    for source in (
        package / "event_handler" / "api_gateway.py",
        package / "utilities" / "data_classes" / "sqs_event.py",
    ):
        module = ast.parse(source.read_text())
        imported |= {
            alias.name
            for node in module.body
            if isinstance(node, ast.ImportFrom)  # top level only
            and node.module == DATA_CLASSES
            for alias in node.names
        }
    assert imported == set(DATA_CLASS_MODULES)
    for name, module in DATA_CLASS_MODULES.items():
        assert getattr(__import__(f"{DATA_CLASSES}.{module}", fromlist=[name]), name).__name__ == name
