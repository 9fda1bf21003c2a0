"""Sandbox-only control, without auth under /sandbox/: what only Dwolla does to a customer, the micro-deposit
amounts, the sandbox's clock, injected faults, reset."""

import uuid
from datetime import timedelta

from aiohttp import web

from infra.ach_sandbox.hal import format_amount, hal_response, not_found, parse_iso, read_json, validation_error
from infra.ach_sandbox.rules import RESTRICTED, SEND_LIMITS
from infra.ach_sandbox.state import Fault


class ControlRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    async def sandbox_micro_deposit_amounts(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.micro is None:
            return not_found("Micro-deposits not initiated." if fs else "Funding source not found.")
        return web.json_response(
            {
                "amount1": {"value": format_amount(fs.micro.amounts[0]), "currency": "USD"},
                "amount2": {"value": format_amount(fs.micro.amounts[1]), "currency": "USD"},
                "status": fs.micro.status,
                "attempts": fs.micro.attempts,
                "maxAttemptsReached": fs.micro.max_attempts_reached,
            }
        )

    async def sandbox_customer(self, request):
        """Plays what only Dwolla does to a customer: `{"type": "personal" | "business"}` verifies it (its send
        limit becomes $10,000 per transfer), `{"status": "unverified" | "verified"}` lifts a suspension (Dwolla's
        support) and sends customer_activated, `{"status": "suspended"}` suspends it."""
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        kind, status = body.get("type"), body.get("status")
        if (kind is not None and kind not in SEND_LIMITS) or status not in (
            None,
            "unverified",
            "verified",
            *RESTRICTED,
        ):
            return validation_error(("Invalid", "type or status invalid.", "/type" if kind else "/status"))
        if kind is not None:
            customer["type"] = kind
            if customer["status"] not in RESTRICTED:
                customer["status"] = "verified" if kind in ("personal", "business") else "unverified"
        if status is not None:
            self._set_customer_status(customer, status)
        return hal_response(self.customer_body(customer))

    async def sandbox_clock(self, request):
        """GET: the sandbox's now. POST {"now": ISO-8601} or {"advance_seconds": n}: move it (and back with
        {"now": null}: real time)."""
        if request.method == "POST":
            body = await read_json(request)
            try:
                if "now" in body and body["now"] is None:
                    self.clock_offset = timedelta(0)
                elif "now" in body:
                    self.set_clock(now=parse_iso(str(body["now"])))
                self.set_clock(advance_seconds=float(body.get("advance_seconds", 0)))
            except (TypeError, ValueError):
                return validation_error(("Invalid", "now or advance_seconds invalid.", "/now"))
        return web.json_response({"now": self.now_iso()})

    async def add_fault(self, request):
        body = await read_json(request)
        status = body.get("status", 503)
        fault = Fault(
            id=str(uuid.uuid4()),
            path_prefix=str(body.get("path_prefix") or "/"),
            method=(body.get("method") or None) and str(body["method"]).upper(),
            status=None if status is None else int(status),
            count=int(body.get("count", 1)),
            delay_seconds=float(body.get("delay_seconds", 0)),
            after_commit=bool(body.get("after_commit")),
            body=body.get("body") if isinstance(body.get("body"), dict) else None,
            headers={str(k): str(v) for k, v in body["headers"].items()}
            if isinstance(body.get("headers"), dict)
            else None,
        )
        self.faults.append(fault)
        return web.json_response(fault.__dict__, status=201)

    async def list_faults(self, request):
        return web.json_response([f.__dict__ for f in self.faults])

    async def clear_faults(self, request):
        self.faults.clear()
        return web.Response(status=204)

    async def sandbox_reset(self, request):
        self._cancel_background()
        self._reset_state()
        return web.Response(status=204)
