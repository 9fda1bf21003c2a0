"""Events and their webhooks: each state change is an event (Dwolla's topics), sent to every active
subscription signed with its secret (X-Request-Signature-SHA-256), one at a time in event order, a failed one
retried on Dwolla's schedule."""

import asyncio
import hashlib
import hmac
import json
import uuid

import aiohttp

from infra.ach_sandbox.hal import now_iso
from infra.ach_sandbox.state import Transfer

# Dwolla's retry schedule (15 min, 45 min, 2 h, 3 h, 6 h, 12 h, 24 h, 24 h) in units of its first interval;
# here one unit is `webhook_retry_seconds`.
WEBHOOK_RETRY_UNITS = (1, 3, 8, 12, 24, 48, 96, 96)


class Webhooks:
    """A part of AchSandbox (server.py): events, and their delivery to each subscription."""

    def _spawn(self, coro) -> asyncio.Task:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def emit_transfer(self, transfer: Transfer, action: str) -> None:
        """customer_transfer_<action> for the Customer (unverified Customer bank <-> Account), then
        transfer_<action> for the Master Account, as in Dwolla's transfer-lifecycle examples."""
        if transfer.customer_id:
            self.emit(
                f"customer_transfer_{action}", "transfers", transfer.id, transfer.customer_id, transfer.correlation_id
            )
        self.emit(f"transfer_{action}", "transfers", transfer.id, None, transfer.correlation_id)

    def emit(
        self, topic: str, collection: str, resource_id: str, customer_id: str | None, correlation_id: str | None = None
    ) -> dict:
        event_id = str(uuid.uuid4())
        stamp = self.now_iso()
        links = {
            "self": {"href": self.href(f"/events/{event_id}")},
            "account": {"href": self.href(f"/accounts/{self.account_id}")},
            "resource": {"href": self.href(f"/{collection}/{resource_id}")},
        }
        if customer_id:
            links["customer"] = {"href": self.href(f"/customers/{customer_id}")}
        event = {
            "id": event_id,
            "resourceId": resource_id,
            "topic": topic,
            "timestamp": stamp,
            "_links": links,
            "created": stamp,
        }
        if correlation_id:
            event["correlationId"] = correlation_id
        self.events[event_id] = event
        for subscription in self.subscriptions.values():
            if not subscription["paused"]:
                subscription["queue"].put_nowait(event)
        return event

    async def _subscription_worker(self, subscription: dict) -> None:
        """First attempts go out one at a time, in event order; a failed one is retried on its own schedule
        (so one failing event never holds back the next)."""
        while True:
            event = await subscription["queue"].get()
            await self._deliver(event, subscription, first_only=True)

    async def _deliver(
        self, event: dict, subscription: dict, first_only: bool = False, webhook: dict | None = None
    ) -> None:
        raw = json.dumps(event).encode()
        signature = hmac.new(subscription["secret"].encode(), raw, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Dwolla-Topic": event["topic"],
            "X-Request-Signature-SHA-256": signature,
        }
        if webhook is None:
            webhook = {
                "id": str(uuid.uuid4()),
                "topic": event["topic"],
                "accountId": self.account_id,
                "eventId": event["id"],
                "subscriptionId": subscription["id"],
                "attempts": [],
            }
            self.webhooks[webhook["id"]] = webhook
        if self._session is None:
            self._session = aiohttp.ClientSession()
        delays = [self.webhook_retry_seconds * unit for unit in WEBHOOK_RETRY_UNITS[: self.webhook_max_retries]]
        for attempt in range(len(webhook["attempts"]), len(delays) + 1):
            if self.subscriptions.get(subscription["id"]) is not subscription:
                return  # deleted meanwhile
            record = {
                "id": str(uuid.uuid4()),
                "request": {
                    "created": now_iso(),
                    "url": subscription["url"],
                    "headers": [{"name": k, "value": v} for k, v in headers.items()],
                    "body": event,
                },
            }
            webhook["attempts"].append(record)
            try:
                async with self._session.post(
                    subscription["url"],
                    data=raw,
                    headers=headers,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout_seconds),
                ) as response:
                    text = await response.text(errors="replace")
                    record["response"] = {
                        "created": now_iso(),
                        "statusCode": response.status,
                        "body": text[:2000],
                        "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
                    }
                    delivered = 200 <= response.status < 300
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                record["response"] = {
                    "created": now_iso(),
                    "statusCode": None,
                    "body": f"{type(exc).__name__}: {exc}",
                    "headers": [],
                }
                delivered = False
            if delivered:
                subscription["consecutiveFailures"] = 0
                return
            subscription["consecutiveFailures"] += 1
            if attempt >= len(delays):
                return
            if first_only:
                self._spawn(self._retry_later(delays[attempt], event, subscription, webhook))
                return
            await asyncio.sleep(delays[attempt])

    async def _retry_later(self, delay: float, event: dict, subscription: dict, webhook: dict) -> None:
        await asyncio.sleep(delay)
        await self._deliver(event, subscription, webhook=webhook)
