"""The sandbox's aiohttp middlewares, outermost first: Dwolla's error bodies for malformed requests, injected
faults (5xx, lost responses, delays), OAuth bearer tokens and the API version header, Idempotency-Key replay."""

import asyncio
import hashlib
import time
import uuid

from aiohttp import web

from infra.ach_sandbox.hal import HAL, BadRequest, error_body, error_response, hal_response, not_found


class Middlewares:
    """A part of AchSandbox (server.py): `self` is the sandbox, its state and options."""

    @web.middleware
    async def _errors_mw(self, request, handler):
        try:
            return await handler(request)
        except BadRequest:
            return error_response(400, "BadRequest", "The request body contains bad syntax or is incomplete.")
        except web.HTTPNotFound:
            return not_found()
        except web.HTTPMethodNotAllowed:
            return error_response(405, "MethodNotAllowed", f"{request.method} is not allowed on this resource.")

    @web.middleware
    async def _faults_mw(self, request, handler):
        if request.path.startswith("/sandbox/"):
            return await handler(request)
        fault = next(
            (
                f
                for f in self.faults
                if request.path.startswith(f.path_prefix) and (f.method is None or f.method == request.method)
            ),
            None,
        )
        if fault is None:
            return await handler(request)
        fault.count -= 1
        if fault.count <= 0:
            self.faults.remove(fault)
        response = await handler(request) if fault.after_commit else None
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.status is None:
            return response if response is not None else await handler(request)
        body = fault.body or error_body("ServerError", f"A server error occurred. Error ID: {uuid.uuid4()}.")
        return hal_response(body, status=fault.status, headers=fault.headers)

    @web.middleware
    async def _auth_mw(self, request, handler):
        if request.path == "/token" or request.path.startswith("/sandbox/"):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return error_response(401, "InvalidCredentials", "Missing or invalid Authorization header.")
        expires = self.tokens.get(header[7:].strip())
        if expires is None:
            return error_response(401, "InvalidAccessToken", "Invalid access token.")
        if time.monotonic() >= expires:
            return error_response(
                401, "ExpiredAccessToken", "Generate a new access token using your client credentials."
            )
        if HAL not in request.headers.get("Accept", ""):
            return error_response(406, "InvalidVersion", "Missing or invalid API version.")
        return await handler(request)

    @web.middleware
    async def _idempotency_mw(self, request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or request.path == "/token":
            return await handler(request)
        now = self.now().timestamp()  # keys expire after 24 hours of the sandbox's clock
        for stale in [k for k, v in self.idempotency.items() if v["expires"] <= now]:
            del self.idempotency[stale]
        # Dwolla replays only an "exact match request body"; the same endpoint is part of the match here.
        fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + await request.read()).hexdigest()
        entry = self.idempotency.get(key)
        if entry is not None:
            if entry["fingerprint"] != fingerprint:
                return error_response(
                    422,
                    "InvalidIdempotencyKey",
                    "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
                )
            if entry["response"] is None:
                return error_response(
                    409, "Conflict", "The original request with this Idempotency-Key is still being processed."
                )
            status, headers, body = entry["response"]
            replay = dict(headers, **{"X-Sandbox-Idempotent-Replay": "true"})
            return web.Response(body=body, status=status, headers=replay)
        entry = self.idempotency[key] = {
            "expires": now + self.idempotency_ttl_seconds,
            "response": None,
            "fingerprint": fingerprint,
        }
        try:
            response = await handler(request)
        except BaseException:
            self.idempotency.pop(key, None)
            raise
        # Only a success is kept (202 TryAgainLater is a "not yet", not a result): after a 4xx or 5xx the same
        # key can carry a corrected request.
        if not 200 <= response.status < 300 or response.status == 202 or not isinstance(response, web.Response):
            self.idempotency.pop(key, None)
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() in ("location", "content-type")}
        entry["response"] = (response.status, headers, response.body or b"")
        return response
