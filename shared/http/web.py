"""HTTP glue every API function shares: Powertools resolver, error shape, identity, body parsing.

This is the adapter between API Gateway (HTTP API, payload v2) and the domain; nothing below it sees an
event. Errors are always {"error": {"code", "message"}} as the contract fixes.
"""

import base64
import binascii
import json
import os
import warnings

# First of the Powertools imports: shared.http.http_resolver registers Powertools' event_handler and data_classes
# packages without their __init__ (shared/coldstart/powertools_packages.py), which must happen before any import reaches
# them, or every resolver and event class loads on each cold start (tests/unit/test_powertools_packages.py).
# `isort: split` keeps the import sorter from moving the Powertools imports below above it.
from shared.http.http_resolver import APIGatewayHttpResolver, NotFoundError, Response, content_types

# isort: split
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from shared import coldstart
from shared.http.errors import BadRequest, DomainError, Forbidden, SecretNotConfigured, Unauthorized
from shared.http.validation import check_path_ids, parse_json

# Every function's one Powertools Logger: JSON lines with the function's fields and the request's correlation id.
# A module under shared/ logs through it with `log = Logger(child=True)` (a child whose lines this one writes).
logger = Logger()


class _NoTracer:
    """What the handlers use of Tracer, doing nothing: Powertools' Tracer imports the X-Ray SDK (about 150
    modules) even when POWERTOOLS_TRACE_DISABLED says not to trace."""

    @staticmethod
    def capture_lambda_handler(handler):
        return handler


def _tracer():
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true", "yes", "on", "y", "t"):
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    # Trace AWS calls only: patching every supported library would import requests & co. on each cold start.
    return Tracer(patch_modules=["botocore"])


tracer = _tracer()
metrics = Metrics()
CLIENT_ID_CLAIM = "custom:client_id"
# Read-only routes publish no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def json_response(status: int, body: dict | None, headers: dict | None = None) -> Response:
    if body is None:  # e.g. 204: no body at all (Powertools would serialise None as "null")
        return Response(status_code=status, body="", headers=headers)
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body), headers=headers
    )


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF (base64 in the Lambda answer, as API Gateway expects binary), saved under `filename`; private to
    the signed-in client, so no shared cache keeps it."""
    return Response(
        status_code=200,
        content_type="application/pdf",
        body=pdf,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
) -> Response:
    return json_response(status, {"error": {"code": code, "message": message, **(details or {})}}, headers)


def make_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    def _ids_fit_keys(app: APIGatewayHttpResolver, next_middleware):
        check_path_ids(app.current_event.path_parameters)
        return next_middleware(app)

    app.use(middlewares=[_ids_fit_keys])

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        # The one line per refused request: what was refused, for whom (the correlation id is on every line).
        logger.info("request refused", extra={"code": error.code, "status": error.status} | request_ids(app))
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    @app.exception_handler(SecretNotConfigured)
    def _secret_not_configured(error: SecretNotConfigured) -> Response:
        # Fail closed: a webhook answers 503 so the processor retries once the real values are in (never a 2xx that
        # drops the event, never a 4xx it gives up on); a portal call changes nothing. The metric raises an alarm.
        from aws_lambda_powertools.metrics import MetricUnit

        logger.error(
            "processor secret not configured: refusing until an operator puts the real values",
            extra={"secret": error.secret, "fields": error.fields, "code": "processor_unavailable", "status": 503}
            | request_ids(app),
        )
        metrics.add_metric(name="SecretNotConfigured", unit=MetricUnit.Count, value=1)
        return error_response(
            503,
            "processor_unavailable",
            "The payment service is not available yet. Nothing was charged; please try again later.",
        )

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return error_response(404, "route_not_found", "There is no such endpoint.")

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response:
        # 5xx makes a processor retry its webhook; the portal shows a generic message and can retry safely.
        logger.exception("unexpected error", extra={"code": "internal_error", "status": 500} | request_ids(app))
        return error_response(
            500,
            "internal_error",
            "Something went wrong on our side. Nothing was charged twice; please try again in a minute.",
        )

    return app


def request_ids(app: APIGatewayHttpResolver) -> dict:
    """The ids a log line about this request can name: the path's ids and the caller's client, as far as the
    authorizer vouched for them. Never a body field or a header (tokens, account numbers)."""
    try:
        ids = {name: value for name, value in (app.current_event.path_parameters or {}).items() if name.endswith("_id")}
        client_id = _claims(app).get(CLIENT_ID_CLAIM)
    except Exception:  # noqa: BLE001 - no current event (a test calling a route function directly)
        return {}
    if isinstance(client_id, str) and client_id:
        ids["client_id"] = client_id
    return ids


def _claims(app: APIGatewayHttpResolver) -> dict:
    authorizer = app.current_event.request_context.authorizer
    return (authorizer.jwt_claim if authorizer else None) or {}


def _id_token_claims(app: APIGatewayHttpResolver) -> dict:
    """The claims of a Cognito ID token. The JWT authorizer checks signature, issuer, audience and expiry only, and
    lets an access token of the same app client through (it names the client in `client_id`, not `aud`): access
    tokens carry groups but none of the user's attributes, and are never accepted here."""
    claims = _claims(app)
    if claims.get("token_use") != "id":
        raise Unauthorized("Sign in again: this API takes the ID token from sign-in, not an access token.")
    return claims


def client_id_of(app: APIGatewayHttpResolver) -> str:
    """The client is the verified ID token's custom:client_id claim, which only the merchant can set."""
    client_id = _id_token_claims(app).get(CLIENT_ID_CLAIM)
    if not isinstance(client_id, str) or not client_id:
        raise Unauthorized()
    return client_id


def group_names(rendered: str | None) -> list[str]:
    """The cognito:groups claim as API Gateway renders a list claim to Lambda: "[merchant-admins support]". Cognito
    group names cannot contain whitespace but can contain commas and brackets, so only the outer brackets go and
    only spaces separate names. Anything else is no groups at all."""
    if not isinstance(rendered, str) or len(rendered) < 2 or rendered[0] != "[" or rendered[-1] != "]":
        return []
    return rendered[1:-1].split()


def require_admin(app: APIGatewayHttpResolver) -> str:
    """Back-office routes: an ID token of a member of the merchant's Cognito admin group (ADMIN_GROUP)."""
    claims = _id_token_claims(app)
    if os.environ.get("ADMIN_GROUP", "merchant-admins") not in group_names(claims.get("cognito:groups")):
        raise Forbidden()
    return claims.get("email") or claims.get("sub") or "admin"


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    """The body exactly as sent (API Gateway base64-encodes non-text bodies)."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("The request body is not valid base64.", code="invalid_payload") from None
    return body.encode("utf-8")


def json_body(app: APIGatewayHttpResolver) -> object:
    return parse_json(raw_body(app))


def header(app: APIGatewayHttpResolver, name: str) -> str | None:
    return app.current_event.headers.get(name)  # Powertools v3 headers are case-insensitive


def webhook_received(source: str, result, sent_at: float | None = None) -> dict:
    """Log and count what a processor's event did (an UpdateResult); the answer every webhook gives. `sent_at`
    (unix seconds, the processor's time of the event) gives the webhook lag the dashboard shows."""
    import time

    from aws_lambda_powertools.metrics import MetricUnit

    logger.info(f"{source} event processed", extra={"result": result.outcome, "payment_status": result.payment_status})
    if sent_at is not None:
        metrics.add_metric(name=f"WebhookLag_{source}", unit=MetricUnit.Seconds, value=max(0.0, time.time() - sent_at))
    if result.outcome == "applied" and result.payment_status:
        metrics.add_metric(name=f"Payment_{result.payment_status}", unit=MetricUnit.Count, value=1)
    if result.anomaly:
        metrics.add_metric(name="PaymentAnomaly", unit=MetricUnit.Count, value=1)
    return {"received": True}


def lambda_entry(app: APIGatewayHttpResolver):
    """The Lambda handler for an API function: structured logs with the request id, traces, metrics."""
    coldstart.prime()  # the init's last step: at a SnapStart init, what a first request would load

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event, context):
        return app.resolve(event, context)

    return handler
