"""Local API gateway: serves template.yaml's HttpApi routes by calling the same handlers in-process with
API Gateway HTTP API (payload 2.0) events, after the same checks the deployed HTTP API makes:

- JWT authorizer: exactly the checks API Gateway documents for it (see JwtAuthorizer), no token_use or group
  check (the handlers make those); the verified claims reach the handler as requestContext.authorizer.jwt.claims,
  rendered as API Gateway renders them (infra.apigw.authorizer_claims). Failures are 401
  {"message": "Unauthorized"}, API Gateway's body.
- payload limit 10 MB -> 413; a method or path no route serves (any method, TRACE included) -> 404
  {"message": "Not Found"}, API Gateway's answer; CORS preflights from the template; no body on 204 or 304, so
  a keep-alive connection stays in step.

Also serves /openapi.json and /docs (Swagger UI, from a pinned package: no CDN), and the local stack's own routes:
/_local/schedules/<Function> (run a schedule now), /_local/emails and /_local/clock (the test clock,
infra/stack_clock.py). stdlib http.server, one thread per connection.
"""

import base64
import importlib
import importlib.util
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt
import requests

from infra.apigw import LambdaContext, http_event
from infra.threaded_http import ThreadedHttp

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
UNAUTHORIZED = {"message": "Unauthorized"}
NOT_FOUND = {"message": "Not Found"}  # API Gateway HTTP API's answer for a method and path no route serves
NO_BODY = (204, 304)

SWAGGER_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portal payments API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><main id="ui"></main><script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
<noscript>Swagger UI needs JavaScript; the document itself is at /openapi.json.</noscript>
</body></html>"""
# Swagger UI's files from a pinned package (flask-swagger-ui vendors swagger-ui-dist in dist/; its VERSION file
# says which), so /docs works offline. Located without importing the package (that would import Flask).
SWAGGER_ASSETS = {"swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript; charset=utf-8"}


def _swagger_asset(name: str) -> bytes:
    spec = importlib.util.find_spec("flask_swagger_ui")
    return (Path(spec.submodule_search_locations[0]) / "dist" / name).read_bytes()


class JwtAuthorizer:
    """What API Gateway's HTTP API JWT authorizer checks, no more and no less ("Authorizing API requests with a JWT
    authorizer" in the API Gateway developer guide): the token, alone or after "Bearer "; an RSA signature by the
    JWKS key its `kid` names; `iss` equal to the issuer; `aud`, or `client_id` only when there is no `aud`, one of
    the audience entries; `exp` after now; `nbf` and `iat`, when present, not after now. It does not look at
    `token_use` or groups: an access token of the same app client passes, as it does when deployed."""

    ALGORITHMS: ClassVar[list[str]] = ["RS256", "RS384", "RS512"]  # "only RSA-based algorithms are supported"

    def __init__(self, jwks_url: str, issuer: str, audience: list[str]):
        self.jwks_url, self.issuer, self.audience = jwks_url, issuer, audience
        self._keys = self._fetch()

    def _fetch(self) -> dict:
        session = requests.Session()
        session.trust_env = False  # the pool is on 127.0.0.1: never through a proxy
        keys = jwt.PyJWKSet.from_dict(session.get(self.jwks_url, timeout=10).json())
        return {k.key_id: k for k in keys.keys}

    def claims(self, authorization: str | None) -> dict | None:
        """The verified claims as the token carries them, or None for any reason API Gateway would answer 401."""
        if not authorization:
            return None
        token = authorization[7:] if authorization[:7].lower() == "bearer " else authorization
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            if kid not in self._keys:
                self._keys = self._fetch()  # keys can rotate
            key = self._keys.get(kid)
            if key is None:
                return None
            # exp is required: the guide lists it without saying what a token without one gets, and every Cognito
            # token has one. PyJWT checks nbf and iat only when present, as the guide's wording allows.
            claims = jwt.decode(
                token,
                key.key,
                algorithms=self.ALGORITHMS,
                issuer=self.issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except (jwt.PyJWTError, ValueError, requests.RequestException):
            return None
        return claims if self._audience_matches(claims) else None

    def _audience_matches(self, claims: dict) -> bool:
        """API Gateway evaluates `aud` when the token has one (a string or a list), else `client_id`, which is how
        Cognito access tokens name their app client."""
        if "aud" in claims:
            aud = claims["aud"]
            return any(a in self.audience for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str))
        return claims.get("client_id") in self.audience


class Route:
    def __init__(self, spec: dict):
        self.method, self.path, self.function, self.auth = spec["method"], spec["path"], spec["function"], spec["auth"]
        self.module, self.handler_name = spec["module"], spec["handler"]
        self.key = f"{self.method} {self.path}"
        self.pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$")
        # Imported now, so a broken function stops the stack at start-up instead of at the first request.
        self.handler = getattr(importlib.import_module(spec["module"]), spec["handler"])


class Gateway(ThreadedHttp):
    thread_name = "gateway"

    def __init__(
        self,
        port: int,
        routes: list[dict],
        authorizer: JwtAuthorizer | None,
        *,
        cors: dict | None = None,
        openapi: dict | None = None,
        invoke_lock=None,
    ):
        super().__init__(port, _Handler)  # binds first: a port in use fails before anything else starts
        self.server.gateway = self
        self.routes, self.authorizer, self.cors, self.openapi = [], authorizer, cors or {}, openapi
        self.schedules: dict = {}  # function name -> run(): POST /_local/schedules/<name> runs it now
        self.emails = None  # () -> infra.local_emails.sent(): GET /_local/emails (the local stack sets it)
        self.clock = None  # infra.stack_clock.StackClock: GET/POST/DELETE /_local/clock (the local stack sets it)
        self.route_specs = routes
        # Powertools keeps the current event in module globals, as on Lambda where an instance serves one
        # request at a time; serialising invocations keeps that true here (and keeps log keys apart).
        self.invoke_lock = invoke_lock or threading.Lock()
        self.workers = None  # infra.gateway_workers.WorkerPool: handlers in N processes, like warm instances

    def invoke(self, route: "Route", event: dict) -> dict:
        if self.workers is not None:
            return self.workers.invoke(route, event)
        with self.invoke_lock:
            return route.handler(event, LambdaContext(function_name=route.function))

    def load_routes(self) -> None:
        self.routes = [Route(spec) for spec in self.route_specs]

    def match(self, method: str, path: str) -> tuple[Route | None, dict]:
        for route in self.routes:
            m = route.pattern.match(path)
            if m and route.method == method:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-apigw"

    def log_message(self, *args):  # the gateway prints its own access line
        pass

    def _serve(self) -> None:
        gw: Gateway = self.server.gateway
        started = time.monotonic()
        url = urlsplit(self.path)
        status = self._dispatch(gw, url)
        print(f"[api] {self.command} {url.path} {status} {(time.monotonic() - started) * 1000:.0f}ms", flush=True)

    def __getattr__(self, name: str):
        # Every method reaches _serve (http.server would answer 501 to one it has no do_<METHOD> for).
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _dispatch(self, gw: Gateway, url) -> int:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:  # the body's end is unknown: answer, then close the connection
            self.close_connection = True
            return self._send(400, {"message": "Bad Request"})
        if length > MAX_PAYLOAD:
            self._drain(length)
            return self._send(413, {"message": "Request Entity Too Large"})
        body = self.rfile.read(length) if length else None
        origin = self.headers.get("Origin")
        cors = gw.cors if origin and origin in gw.cors.get("AllowOrigins", []) else None

        if self.command == "OPTIONS" and cors and self.headers.get("Access-Control-Request-Method"):
            return self._send(
                204,
                None,
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Max-Age": str(cors.get("MaxAge", 0)),
                    "Access-Control-Allow-Methods": ",".join(cors.get("AllowMethods", [])),
                    "Access-Control-Allow-Headers": ",".join(cors.get("AllowHeaders", [])),
                },
            )
        extra = (
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": ",".join(cors.get("ExposeHeaders", [])),
            }
            if cors
            else {}
        )

        if self.command == "GET" and url.path == "/openapi.json" and gw.openapi is not None:
            return self._send(200, gw.openapi, extra)
        if self.command == "GET" and url.path in ("/docs", "/docs/"):
            return self._send(200, SWAGGER_PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})
        if self.command == "GET" and url.path.startswith("/docs/") and url.path[6:] in SWAGGER_ASSETS:
            return self._send(
                200,
                _swagger_asset(url.path[6:]),
                {"Content-Type": SWAGGER_ASSETS[url.path[6:]], "Cache-Control": "max-age=3600"},
            )
        if self.command == "POST" and url.path.startswith("/_local/schedules/"):
            run = gw.schedules.get(url.path.rsplit("/", 1)[1])
            if run is None:
                return self._send(
                    404,
                    {
                        "error": {
                            "code": "schedule_not_found",
                            "message": f"Scheduled functions: {', '.join(gw.schedules) or 'none'}.",
                        }
                    },
                )
            return self._send(200, run())

        if url.path == "/_local/clock" and gw.clock is not None:
            return self._clock(gw.clock, body)

        if self.command == "GET" and url.path in ("/_local/emails", "/_local/emails.json") and gw.emails:
            from infra import local_emails

            if url.path.endswith(".json"):
                return self._send(200, gw.emails())
            return self._send(200, local_emails.page(gw.emails()), {"Content-Type": "text/html; charset=utf-8"})

        route, params = gw.match(self.command, url.path)
        if route is None:
            return self._send(404, NOT_FOUND, extra)
        claims = None
        if route.auth:
            claims = gw.authorizer.claims(self.headers.get("Authorization")) if gw.authorizer else None
            if claims is None:
                return self._send(401, UNAUTHORIZED, {"WWW-Authenticate": "Bearer", **extra})

        headers: dict[str, str] = {}
        for name, value in self.headers.items():  # repeated headers are joined with commas, as API Gateway does
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        query: dict[str, str] = {}
        for k, v in parse_qsl(url.query, keep_blank_values=True):
            query[k] = f"{query[k]},{v}" if k in query else v
        event = http_event(
            self.command,
            url.path,
            route_key=route.key,
            path_parameters=params or None,
            query=query or None,
            headers=headers,
            body=body,
            claims=claims,
        )
        event["rawQueryString"] = url.query
        try:
            result = gw.invoke(route, event)
        except Exception as exc:  # noqa: BLE001 - an unhandled error in a function: API Gateway's 500
            print(f"[api] {route.function} raised {type(exc).__name__}: {exc}", flush=True)
            return self._send(500, {"message": "Internal Server Error"}, extra)
        return self._send_lambda(result, extra)

    def _clock(self, stack_clock, body: bytes | None) -> int:
        if self.command == "GET":
            return self._send(200, stack_clock.state())
        if self.command == "DELETE":
            return self._send(200, stack_clock.reset())
        if self.command != "POST":
            return self._send(
                405,
                {"error": {"code": "method_not_allowed", "message": "GET, POST or DELETE."}},
                {"Allow": "GET, POST, DELETE"},
            )
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            parsed = None
        status, answer = stack_clock.move(parsed)
        return self._send(status, answer)

    def _drain(self, length: int) -> None:
        """Read and drop an oversized body so the client sees the 413 instead of a reset connection."""
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    def _send_lambda(self, result: dict, extra: dict) -> int:
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        headers = {**(result.get("headers") or {}), **extra}
        headers.setdefault("Content-Type", "application/json")
        status = int(result.get("statusCode", 200))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, str(v))
        for cookie in result.get("cookies") or []:
            self.send_header("Set-Cookie", cookie)
        return self._finish(status, raw)

    def _finish(self, status: int, raw: bytes) -> int:
        """Length and body; 204 and 304 carry neither (a stray body would be read as the next response)."""
        if status not in NO_BODY:
            self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD" and status not in NO_BODY:
            self.wfile.write(raw)
        return status

    def _send(self, status: int, body, headers: dict | None = None) -> int:
        raw = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        for k, v in headers.items():
            self.send_header(k, v)
        return self._finish(status, raw)
