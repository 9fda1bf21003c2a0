"""The checks every request starts with: the body's JSON, its fields, and ids short enough to be keys."""

import json

from shared.errors import BadRequest, NotFound, Unprocessable

# JSON nests far deeper than any request of this API; the limit stops RecursionError before it starts.
MAX_DEPTH = 32
# DynamoDB keys: partition key <= 2048 bytes, sort key <= 1024 bytes. Every id this API issues is far
# shorter; 255 characters (<= 1020 bytes in UTF-8) stays under both, so a longer id can never exist.
MAX_ID_LENGTH = 255
# The 404 code a path parameter's resource answers when no such id can exist.
NOT_FOUND_CODES = {
    "invoice_id": "invoice_not_found", "payment_id": "payment_not_found",
    "payment_method_id": "payment_method_not_found", "extension_request_id": "extension_request_not_found",
    "problem_report_id": "problem_report_not_found", "client_id": "client_not_found",
}


def parse_json(raw: bytes) -> object:
    """The body parsed, or 400 invalid_json: not UTF-8, not JSON, nested deeper than MAX_DEPTH, or text that is
    not Unicode (a lone surrogate such as "\\ud800" parses but cannot be stored or sent anywhere)."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("The request body must be valid JSON.", code="invalid_json") from None
    _check_tree(body)
    return body


def _check_tree(body: object) -> None:
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"The request body nests deeper than {MAX_DEPTH} levels.", code="invalid_json")
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("The request body contains text that is not valid Unicode (a lone surrogate).",
                         code="invalid_json") from None


def check_path_ids(parameters: dict | None) -> None:
    """An id longer than any key can be cannot name anything: 404 before any read (DynamoDB would refuse the key)."""
    for name, value in (parameters or {}).items():
        if len(value) > MAX_ID_LENGTH or not is_text(value):
            raise NotFound("There is nothing with that id.", code=NOT_FOUND_CODES.get(name, "route_not_found"))


def is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_id(value: object) -> bool:
    """A string that can be a key: non-empty, valid Unicode, at most MAX_ID_LENGTH characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and is_text(value)


def fits_key(value: str) -> bool:
    """A key value DynamoDB accepts (a sort key: at most 1024 bytes)."""
    return bool(value) and is_text(value) and len(value.encode("utf-8")) <= 1024


def json_object(body: object, allowed: dict | set[str] | tuple[str, ...]) -> dict:
    """The body as a dict with no field outside `allowed` (a JSON Schema of shared.request_schemas: its
    properties), or the contract's error."""
    if isinstance(allowed, dict):
        allowed = set(allowed["properties"])
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Unprocessable(f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
                            code="unknown_field")
    return body
