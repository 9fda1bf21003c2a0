"""`AchSandbox`: the sandbox served on 127.0.0.1 from a thread (as tests and the local stack run it), its route
table and its lifecycle; the routes, middlewares, settlement and webhooks are the classes it is made of."""

import asyncio

import aiohttp
from aiohttp import web

from infra.ach_sandbox.hal import HAL, parse_amount
from infra.ach_sandbox.middlewares import Middlewares
from infra.ach_sandbox.routes.accounts import AccountRoutes
from infra.ach_sandbox.routes.control import ControlRoutes
from infra.ach_sandbox.routes.customers import CustomerRoutes
from infra.ach_sandbox.routes.funding_sources import FundingSourceRoutes
from infra.ach_sandbox.routes.subscriptions import SubscriptionRoutes
from infra.ach_sandbox.routes.transfers import TransferRoutes
from infra.ach_sandbox.settlement import Settlement
from infra.ach_sandbox.state import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
    SandboxState,
)
from infra.ach_sandbox.webhooks import WEBHOOK_RETRY_UNITS, Webhooks
from infra.loopback_server import LoopbackServer


class AchSandbox(
    Middlewares,
    AccountRoutes,
    CustomerRoutes,
    FundingSourceRoutes,
    TransferRoutes,
    SubscriptionRoutes,
    ControlRoutes,
    Settlement,
    Webhooks,
    SandboxState,
    LoopbackServer,
):
    """The sandbox in a background thread (tests and the local stack start it the same way as FakeStripe)."""

    thread_name = "ach-sandbox"

    def __init__(
        self,
        port: int = 0,
        settle_seconds: float | None = 5.0,
        webhook_retry_seconds: float = 1.0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        account_id: str = DEFAULT_ACCOUNT_ID,
        merchant_funding_source_id: str = DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
        token_ttl_seconds: int = 3600,
        webhook_max_retries: int = len(WEBHOOK_RETRY_UNITS),
        webhook_timeout_seconds: float = 10.0,
        micro_deposit_amounts: tuple[str, str] = ("0.03", "0.09"),
        random_micro_deposits: bool = False,
        idempotency_ttl_seconds: int = 24 * 3600,
    ):
        super().__init__(port)
        self.settle_seconds = settle_seconds if settle_seconds is not None and settle_seconds >= 0 else None
        self.webhook_retry_seconds = webhook_retry_seconds
        self.webhook_max_retries = webhook_max_retries
        self.webhook_timeout_seconds = webhook_timeout_seconds
        self.client_id = client_id
        self.client_secret = client_secret
        self.account_id = account_id
        self.merchant_funding_source_id = merchant_funding_source_id
        self.token_ttl_seconds = token_ttl_seconds
        self.micro_deposit_amounts = tuple(parse_amount(v) for v in micro_deposit_amounts)
        self.random_micro_deposits = random_micro_deposits
        self.idempotency_ttl_seconds = idempotency_ttl_seconds
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._reset_state()

    # ---- lifecycle

    async def _before_stop(self) -> None:
        self._cancel_background()
        if self._session is not None:
            await self._session.close()

    def reset(self) -> None:
        """Forget everything (customers, transfers, subscriptions, tokens, faults) from any thread."""

        async def do_reset():
            self._cancel_background()
            self._reset_state()

        asyncio.run_coroutine_threadsafe(do_reset(), self._loop).result(10)

    def _cancel_background(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        self._timers.clear()
        self._tasks.clear()

    # ---- links

    def href(self, path: str) -> str:
        return f"{self.url}{path}"

    def link(self, path: str, resource_type: str) -> dict:
        return {"href": self.href(path), "type": HAL, "resource-type": resource_type}

    # ---- app

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors_mw, self._faults_mw, self._auth_mw, self._idempotency_mw])
        r = app.router
        r.add_post("/token", self.token)
        r.add_get("/", self.root)
        r.add_get("/accounts/{id}", self.get_account)
        r.add_get("/accounts/{id}/funding-sources", self.list_account_funding_sources)
        r.add_get("/accounts/{id}/transfers", self.list_account_transfers)
        r.add_post("/customers", self.create_customer)
        r.add_get("/customers/{id}", self.get_customer)
        r.add_post("/customers/{id}", self.update_customer)
        r.add_post("/customers/{id}/funding-sources", self.create_funding_source)
        r.add_get("/customers/{id}/funding-sources", self.list_customer_funding_sources)
        r.add_get("/customers/{id}/transfers", self.list_customer_transfers)
        r.add_get("/funding-sources/{id}", self.get_funding_source)
        r.add_post("/funding-sources/{id}", self.update_funding_source)
        r.add_post("/funding-sources/{id}/micro-deposits", self.micro_deposits)
        r.add_get("/funding-sources/{id}/micro-deposits", self.get_micro_deposits)
        r.add_post("/transfers", self.create_transfer)
        r.add_get("/transfers/{id}", self.get_transfer)
        r.add_post("/transfers/{id}", self.update_transfer)
        r.add_get("/transfers/{id}/failure", self.get_transfer_failure)
        r.add_post("/webhook-subscriptions", self.create_subscription)
        r.add_get("/webhook-subscriptions", self.list_subscriptions)
        r.add_get("/webhook-subscriptions/{id}", self.get_subscription)
        r.add_post("/webhook-subscriptions/{id}", self.update_subscription)
        r.add_delete("/webhook-subscriptions/{id}", self.delete_subscription)
        r.add_get("/webhook-subscriptions/{id}/webhooks", self.list_subscription_webhooks)
        r.add_get("/webhooks/{id}", self.get_webhook)
        r.add_get("/events", self.list_events)
        r.add_get("/events/{id}", self.get_event)
        r.add_post("/sandbox-simulations", self.sandbox_simulations)
        # sandbox-only control endpoints (no auth)
        r.add_get("/sandbox/funding-sources/{id}/micro-deposits", self.sandbox_micro_deposit_amounts)
        r.add_post("/sandbox/customers/{id}", self.sandbox_customer)
        r.add_get("/sandbox/clock", self.sandbox_clock)
        r.add_post("/sandbox/clock", self.sandbox_clock)
        r.add_post("/sandbox/faults", self.add_fault)
        r.add_get("/sandbox/faults", self.list_faults)
        r.add_delete("/sandbox/faults", self.clear_faults)
        r.add_post("/sandbox/reset", self.sandbox_reset)
        return app
