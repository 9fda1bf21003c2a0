"""Webhook subscriptions (at most ten), the webhooks sent to each with their attempts, and events."""

import asyncio
import uuid

from infra.ach_sandbox.hal import error_response, hal_response, not_found, now_iso, read_json, validation_error
from infra.ach_sandbox.rules import MAX_WEBHOOK_SUBSCRIPTIONS


class SubscriptionRoutes:
    """Routes of AchSandbox (its table: server.py, build_app)."""

    def subscription_body(self, subscription: dict) -> dict:
        path = f"/webhook-subscriptions/{subscription['id']}"
        return {
            "_links": {
                "self": self.link(path, "webhook-subscription"),
                "webhooks": self.link(f"{path}/webhooks", "webhook"),
            },
            "id": subscription["id"],
            "url": subscription["url"],
            "paused": subscription["paused"],
            "created": subscription["created"],
        }

    async def create_subscription(self, request):
        body = await read_json(request)
        url, secret = body.get("url"), body.get("secret")
        errors = []
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors.append(
                ("Required" if not url else "Invalid", "Url is required." if not url else "Url invalid.", "/url")
            )
        if not isinstance(secret, str) or not secret:
            errors.append(("Required", "Secret is required.", "/secret"))
        if errors:
            return validation_error(*errors)
        if len(self.subscriptions) >= MAX_WEBHOOK_SUBSCRIPTIONS:
            return error_response(400, "MaxNumberOfResources", "The maximum number of subscriptions has been reached.")
        subscription = {
            "id": str(uuid.uuid4()),
            "url": url,
            "secret": secret,
            "paused": False,
            "created": now_iso(),
            "consecutiveFailures": 0,
            "queue": asyncio.Queue(),
        }
        self.subscriptions[subscription["id"]] = subscription
        subscription["worker"] = self._spawn(self._subscription_worker(subscription))
        return hal_response(
            None, status=201, headers={"Location": self.href(f"/webhook-subscriptions/{subscription['id']}")}
        )

    async def list_subscriptions(self, request):
        items = [self.subscription_body(s) for s in self.subscriptions.values()]
        return hal_response(
            {
                "_links": {"self": self.link("/webhook-subscriptions", "webhook-subscription")},
                "_embedded": {"webhook-subscriptions": items},
                "total": len(items),
            }
        )

    async def get_subscription(self, request):
        subscription = self.subscriptions.get(request.match_info["id"])
        return hal_response(self.subscription_body(subscription)) if subscription else not_found()

    async def update_subscription(self, request):
        subscription = self.subscriptions.get(request.match_info["id"])
        if subscription is None:
            return not_found()
        body = await read_json(request)
        if not isinstance(body.get("paused"), bool):
            return validation_error(("Required", "Paused is required.", "/paused"))
        subscription["paused"] = body["paused"]
        return hal_response(self.subscription_body(subscription))

    async def delete_subscription(self, request):
        subscription = self.subscriptions.pop(request.match_info["id"], None)
        if subscription is None:
            return not_found()
        subscription["worker"].cancel()
        return hal_response(self.subscription_body(subscription))

    async def list_subscription_webhooks(self, request):
        subscription_id = request.match_info["id"]
        if subscription_id not in self.subscriptions:
            return not_found()
        items = [
            self._webhook_body(w)
            for w in reversed(list(self.webhooks.values()))
            if w["subscriptionId"] == subscription_id
        ]
        return hal_response(
            {
                "_links": {"self": self.link(f"/webhook-subscriptions/{subscription_id}/webhooks", "webhook")},
                "_embedded": {"webhooks": items},
                "total": len(items),
            }
        )

    def _webhook_body(self, webhook: dict) -> dict:
        return dict(
            webhook,
            _links={
                "self": self.link(f"/webhooks/{webhook['id']}", "webhook"),
                "event": self.link(f"/events/{webhook['eventId']}", "event"),
                "subscription": self.link(
                    f"/webhook-subscriptions/{webhook['subscriptionId']}", "webhook-subscription"
                ),
            },
        )

    async def get_webhook(self, request):
        webhook = self.webhooks.get(request.match_info["id"])
        return hal_response(self._webhook_body(webhook)) if webhook else not_found()

    async def list_events(self, request):
        items = list(reversed(list(self.events.values())))
        return hal_response(
            {"_links": {"self": self.link("/events", "event")}, "_embedded": {"events": items}, "total": len(items)}
        )

    async def get_event(self, request):
        event = self.events.get(request.match_info["id"])
        return hal_response(event) if event else not_found("Event not found.")
