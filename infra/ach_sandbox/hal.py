"""Dwolla's wire format: HAL+JSON responses, its error bodies (ValidationError with embedded errors),
request bodies, links to resources, amounts as decimal strings and timestamps with milliseconds."""

import json
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from urllib.parse import urlsplit

from aiohttp import web

HAL = "application/vnd.dwolla.v1.hal+json"
CONTENT_TYPE = f"{HAL}; charset=UTF-8"
_AMOUNT = re.compile(r"^\d{1,12}(\.\d+)?$")


def now_iso() -> str:
    return iso_ms(datetime.now(UTC))


def parse_amount(value) -> int | None:
    """ "125.00" -> 12500 cents, exactly (Decimal, never float); more than two decimals are rounded to the
    nearest even cent, as Dwolla documents (banker's rounding). None if not a non-negative decimal string."""
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        return None
    try:
        cents = (Decimal(value.strip()) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        return None
    return int(cents)


def format_amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def iso_ms(moment: datetime) -> str:
    """Dwolla's timestamps: ISO-8601 UTC with milliseconds."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def error_body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def validation_error(*errors: tuple, about: str | None = None) -> web.Response:
    """Dwolla's 400 ValidationError with `_embedded.errors` [{code, message, path, _links}]; each error is
    (code, message, path) or (code, message, path, the URL of the resource it is about)."""
    items = []
    for code, message, path, *own in errors:
        item = {"code": code, "message": message, "path": path, "_links": {}}
        if own or about:
            item["_links"] = {"about": {"href": own[0] if own else about, "type": HAL}}
        items.append(item)
    return hal_response(
        error_body(
            "ValidationError",
            "Validation error(s) present. See embedded errors list for more details.",
            _embedded={"errors": items},
        ),
        status=400,
    )


def hal_response(body: dict | None, status: int = 200, headers: dict | None = None) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers=headers, content_type=HAL, charset="UTF-8"
    )


def error_response(status: int, code: str, message: str, **extra) -> web.Response:
    return hal_response(error_body(code, message, **extra), status=status)


def not_found(message: str = "The requested resource was not found.") -> web.Response:
    return error_response(404, "NotFound", message)


class BadRequest(Exception):
    pass


async def read_json(request: web.Request) -> dict:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest from None
    if not isinstance(body, dict):
        raise BadRequest
    return body


def id_from_href(href, collection: str) -> str | None:
    """'http://any-host/funding-sources/<id>' -> '<id>' (host ignored: adapters may use any base URL)."""
    if not isinstance(href, str):
        return None
    match = re.fullmatch(rf"/{collection}/([^/]+)/?", urlsplit(href).path)
    return match.group(1) if match else None
