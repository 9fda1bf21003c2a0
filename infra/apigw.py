"""API Gateway HTTP API (payload format 2.0) events and a Lambda context, built the way AWS builds them.
Used by the local gateway and by the handler tests, so both exercise exactly what Lambda receives."""

import base64
import json
import time
import uuid
from dataclasses import dataclass, field

_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


def http_event(
    method: str,
    path: str,
    *,
    route_key: str | None = None,
    path_parameters: dict | None = None,
    query: dict | None = None,
    headers: dict | None = None,
    body: bytes | str | None = None,
    claims: dict | None = None,
) -> dict:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    raw = body.encode() if isinstance(body, str) else body
    is_text = raw is None or any(t in headers.get("content-type", "application/json") for t in _TEXT_TYPES)
    if raw is not None and is_text:
        try:
            encoded, b64 = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            encoded, b64 = base64.b64encode(raw).decode(), True
    elif raw is not None:
        encoded, b64 = base64.b64encode(raw).decode(), True
    else:
        encoded, b64 = None, False
    now = time.time()
    request_context = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key or f"{method} {path}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": authorizer_claims(claims), "scopes": None}}
    event = {
        "version": "2.0",
        "routeKey": request_context["routeKey"],
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": headers,
        "requestContext": request_context,
        "isBase64Encoded": b64,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if encoded is not None:
        event["body"] = encoded
    return event


def authorizer_claims(claims: dict) -> dict[str, str]:
    """A verified token's claims as the HTTP API JWT authorizer hands them to Lambda (payload 2.0): every value a
    string; numbers and booleans as JSON text ("1700000000", "true"); a list as its items joined by spaces in
    brackets ("[merchant-admins support]", not JSON); an object as JSON text; null claims left out."""
    return {name: _claim_string(value) for name, value in claims.items() if value is not None}


def _claim_string(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(v if isinstance(v, str) else json.dumps(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"))


@dataclass
class LambdaContext:
    function_name: str = "local"
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
