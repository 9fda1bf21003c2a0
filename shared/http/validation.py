"""The checks every request starts with: the body's JSON, its fields, ids short enough to be keys, and the free
text and email addresses a person types (one rule for every parser: names, reasons, messages, descriptions,
invoice numbers)."""

import json
import re
from typing import TypeGuard

from shared.http.errors import BadRequest, NotFound, Unprocessable

# JSON nests far deeper than any request of this API; the limit stops RecursionError before it starts.
MAX_DEPTH = 32
# DynamoDB keys: partition key <= 2048 bytes, sort key <= 1024 bytes. Every id this API issues is far
# shorter; 255 characters (<= 1020 bytes in UTF-8) stays under both, so a longer id can never exist.
MAX_ID_LENGTH = 255
# The 404 code a path parameter's resource answers when no such id can exist.
NOT_FOUND_CODES = {
    "invoice_id": "invoice_not_found",
    "payment_id": "payment_not_found",
    "payment_method_id": "payment_method_not_found",
    "extension_request_id": "extension_request_not_found",
    "problem_report_id": "problem_report_not_found",
    "client_id": "client_not_found",
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
        raise BadRequest(
            "The request body contains text that is not valid Unicode (a lone surrogate).", code="invalid_json"
        ) from None


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


def is_id(value: object) -> TypeGuard[str]:
    """A string that can be a key: non-empty, valid Unicode, at most MAX_ID_LENGTH characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and is_text(value)


def fits_key(value: str) -> bool:
    """A key value DynamoDB accepts (a sort key: at most 1024 bytes)."""
    return bool(value) and is_text(value) and len(value.encode("utf-8")) <= 1024


def json_object(body: object, allowed: dict | set[str] | tuple[str, ...]) -> dict:
    """The body as a dict with no field outside `allowed` (a JSON Schema of shared.http.request_schemas: its
    properties), or the contract's error."""
    if isinstance(allowed, dict):
        allowed = set(allowed["properties"])
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Unprocessable(
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.", code="unknown_field"
        )
    return body


# What no free text may hold: the C0 and C1 controls and DEL (Unicode category Cc: NUL, tab, LF, CR...), the line
# and paragraph separators (U+2028, U+2029: line breaks to str.splitlines, mail readers and many renderers), and
# the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder the text that
# follows them ("Trojan Source", CVE-2021-42574): a name that reads one way in an email and another in a log.
_NOT_TEXT = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_NOT_TEXT_RE = re.compile(f"[{_NOT_TEXT}]")
# The same rule as a JSON Schema pattern (ECMA-262 syntax: \uXXXX escapes), published in docs/openapi.json.
TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*$"


def utf8_length(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))


def text_field(value: object, field: str, code: str, max_bytes: int, *, what: str = "") -> str:
    """A free-text field, stripped of surrounding spaces, or 422 `code`: not a string, empty, holding a control or
    direction-changing character (anywhere, also at its ends), or longer than `max_bytes` in UTF-8. Bytes, not
    characters: what storage, email and the processors limit is bytes, and "é" is two of them, "中" three."""
    if not isinstance(value, str) or not value.strip():
        raise Unprocessable(f"{field} must not be empty{what}.", code=code)
    if _NOT_TEXT_RE.search(value) or not is_text(value):
        raise Unprocessable(
            f"{field} can't contain line breaks, tabs or other control characters, or characters "
            "that change the direction of text.",
            code=code,
        )
    if utf8_length(value) > max_bytes:
        raise Unprocessable(
            f"{field} is too long: at most {max_bytes:,} bytes ({max_bytes:,} plain letters; an "
            "accented letter takes 2, most other scripts 3).",
            code=code,
        )
    return value.strip()


def one_line(text: str) -> str:
    """`text` with every character text_field refuses turned into a space: for text stored before that rule, or
    built from several fields, on its way into an email subject or a log."""
    return _NOT_TEXT_RE.sub(" ", text)


# An email address as Amazon SES takes it in a destination: 7-bit ASCII only (SES does not support SMTPUTF8,
# RFC 6531; "Destination" in the SES API reference), so a bare RFC 5322 dot-atom local part (at most 64 octets,
# RFC 5321 4.5.3.1.1) @ a domain of letter-digit-hyphen labels (an internationalized domain in its xn-- form),
# at most 254 octets in all (RFC 5321 4.5.3.1.3 with its path's angle brackets). No display name, no comment,
# no quoted local part, no angle brackets: `"ana" <x@evil.test>` is not an address here.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})")
MAX_EMAIL, MAX_LOCAL_PART = 254, 64


def is_email_address(value: object) -> TypeGuard[str]:
    """A bare address SES can deliver to: the whole string is the address, nothing around it."""
    if not isinstance(value, str) or len(value) > MAX_EMAIL or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return (
        len(local) <= MAX_LOCAL_PART
        and _LOCAL_PART.fullmatch(local) is not None
        and _DOMAIN.fullmatch(domain) is not None
    )
