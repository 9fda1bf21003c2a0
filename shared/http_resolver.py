"""Powertools' HTTP API resolver without the rest of its event_handler package.

`aws_lambda_powertools/event_handler/__init__.py` imports every resolver it has (AppSync's with asyncio,
Bedrock agents, VPC Lattice, ...): about 65 modules and a third of an API function's import time, for one
resolver we use. Its api_gateway module needs none of them, so the package is registered without running
its __init__; the first access to any other name of the package runs that __init__ after all, so code
that wants the whole package (the OpenAPI generator, tests) still gets it.
"""

import importlib
import importlib.util
import sys
import types

_PACKAGE = "aws_lambda_powertools.event_handler"


def _register_package_without_init() -> None:
    if _PACKAGE in sys.modules:
        return
    importlib.import_module("aws_lambda_powertools")
    spec = importlib.util.find_spec(_PACKAGE)
    package = types.ModuleType(_PACKAGE)
    package.__spec__, package.__path__, package.__file__ = spec, spec.submodule_search_locations, spec.origin
    package.__package__ = _PACKAGE

    def __getattr__(name: str):  # noqa: N807 (PEP 562): load the real package on first need
        del package.__getattr__
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = __getattr__
    sys.modules[_PACKAGE] = package


_register_package_without_init()

# A submodule, imported by name: `from package import content_types` would ask the package for the name first.
content_types = importlib.import_module(f"{_PACKAGE}.content_types")
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402

__all__ = ["APIGatewayHttpResolver", "NotFoundError", "Response", "content_types"]
