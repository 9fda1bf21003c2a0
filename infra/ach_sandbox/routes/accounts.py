"""OAuth client-credentials tokens, the API root and the master account."""

import base64
import secrets
import time
from urllib.parse import parse_qs

from aiohttp import web

from infra.ach_sandbox.hal import hal_response, not_found


class AccountRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    async def token(self, request):
        raw = (await request.read()).decode(errors="replace")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = client_secret = None
        if client_id != self.client_id or client_secret != self.client_secret:
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client credentials."}, status=401
            )
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        access_token = secrets.token_urlsafe(36)
        self.tokens[access_token] = time.monotonic() + self.token_ttl_seconds
        return web.json_response(
            {"access_token": access_token, "token_type": "bearer", "expires_in": self.token_ttl_seconds}
        )

    # ---- root and account

    async def root(self, request):
        return hal_response(
            {
                "_links": {
                    "account": self.link(f"/accounts/{self.account_id}", "account"),
                    "customers": self.link("/customers", "customer"),
                    "events": self.link("/events", "event"),
                    "webhook-subscriptions": self.link("/webhook-subscriptions", "webhook-subscription"),
                }
            }
        )

    async def get_account(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        base = f"/accounts/{self.account_id}"
        return hal_response(
            {
                "_links": {
                    "self": self.link(base, "account"),
                    "receive": self.link("/transfers", "transfer"),
                    "funding-sources": self.link(f"{base}/funding-sources", "funding-source"),
                    "customers": self.link("/customers", "customer"),
                    "send": self.link("/transfers", "transfer"),
                },
                "id": self.account_id,
                "name": "Sandbox Merchant",
                "timezoneOffset": -6,
                "type": "Commercial",
            }
        )
