"""Powertools' HTTP API resolver without the rest of its event_handler package
(shared/coldstart/powertools_packages.py says why and how)."""

import importlib

from shared.coldstart.powertools_packages import EVENT_HANDLER

# A submodule, imported by name: `from package import content_types` would ask the package for the name first.
content_types = importlib.import_module(f"{EVENT_HANDLER}.content_types")
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402

__all__ = ["APIGatewayHttpResolver", "NotFoundError", "Response", "content_types"]
