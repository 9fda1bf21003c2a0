"""The contract enforced: every answer the tests receive from an API route is validated against the committed
docs/openapi.json with openapi-schema-validator (JSON Schema 2020-12 with OpenAPI 3.1's vocabulary). A status the
operation does not list, a field its schema does not have (the schemas are closed), an error code its enum does not
list, a missing documented header, or a body on a status that has none fails the test that received it.

Hooked once: tests/helpers.call() (integration tests) and requests' Session.send for the local gateway
(tests/e2e/conftest.py)."""

import base64
import json
import re
from functools import cache

from openapi_schema_validator import OAS31Validator

from infra import template
from infra.openapi import COMMITTED


@cache
def document() -> dict:
    return json.loads(COMMITTED.read_text())


@cache
def _routes() -> list[tuple[str, re.Pattern, str]]:
    routes = []
    for route in template.http_routes():
        pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"[^/]+", re.escape(route["path"])) + "$")
        routes.append((route["method"], pattern, route["path"]))
    return routes


def route_of(method: str, path: str) -> str | None:
    """The documented path template a request reached, or None for a path no route serves."""
    return next(
        (template_path for m, pattern, template_path in _routes() if m == method.upper() and pattern.match(path)), None
    )


def _validate(instance: object, schema: dict, where: str) -> None:
    # The whole document's components sit beside the schema, so its #/components/... references resolve.
    validator = OAS31Validator(
        {**schema, "components": document()["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:5]
        )
        raise AssertionError(
            f"{where} does not match docs/openapi.json:\n{problems}\nbody: {json.dumps(instance)[:500]}"
        )


def check(method: str, route_path: str, status: int, headers: dict, raw_body: bytes | str | None) -> None:
    """Raise AssertionError unless this answer is one docs/openapi.json documents for the operation."""
    where = f"{method.upper()} {route_path} -> {status}"
    operation = document()["paths"][route_path][method.lower()]
    response = operation["responses"].get(str(status))
    if response is None:
        raise AssertionError(
            f"{where}: status {status} is not documented (documented: "
            f"{', '.join(operation['responses'])}); body: {str(raw_body)[:500]}"
        )
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    for name, header in response.get("headers", {}).items():
        value = lower.get(name.lower())
        if value is None:
            if header.get("required"):
                raise AssertionError(f"{where}: the documented header {name} is missing")
            continue
        if header["schema"].get("type") == "integer" and str(value).isdigit():
            value = int(value)  # a header is text on the wire; OpenAPI's simple style reads it as the schema's type
        _validate(value, header["schema"], f"{where} header {name}")
    content = response.get("content")
    if not content:
        if raw_body:
            raise AssertionError(f"{where}: documented without a body, but has one: {str(raw_body)[:200]}")
        return
    if "application/pdf" in content:  # a document: its type and its first bytes
        content_type = lower.get("content-type", "")
        if not content_type.startswith("application/pdf"):
            raise AssertionError(f"{where}: documented as a PDF, but Content-Type is {content_type!r}")
        data = raw_body if isinstance(raw_body, bytes) else base64.b64decode(raw_body or "")
        if not data.startswith(b"%PDF-"):
            raise AssertionError(f"{where}: documented as a PDF, but the body is not one: {data[:40]!r}")
        return
    try:
        body = json.loads(raw_body) if raw_body else None
    except ValueError:
        raise AssertionError(f"{where}: the body is not JSON: {str(raw_body)[:200]}") from None
    _validate(body, content["application/json"]["schema"], where)
