"""Stripe adapter for the card port (stripe-python's StripeClient), on one pinned API version."""

import hashlib
import os
from functools import wraps
from typing import Any

from aws_lambda_powertools import Logger

from shared.http.errors import ProcessorRefused, ProcessorUnavailable, Unprocessable
from shared.processors.card import (
    CardDetails,
    Confirmation,
    Intent,
    IntentCanceled,
    IntentOutcome,
    IntentRequest,
    OffSessionCharge,
    RefundInfo,
)
from shared.processors.stripe_sdk import Urllib3Client, stripe

log = Logger(child=True)
# Every request and the webhook endpoint use this version, whatever SDK is installed; stripe-python 16.1.0
# is generated for it, and the contract tests hold every request to that release's types.
API_VERSION = "2026-10-28.endive"
_CANCELABLE = {"requires_payment_method", "requires_confirmation", "requires_action"}
# This version refuses payment_method_types; allowed_payment_method_types is how it keeps an intent to cards
# (the portal collects cards only, and the webhooks handle card payments only).
_CARDS_ONLY = ["card"]
# "Idempotency keys are up to 255 characters long" (docs.stripe.com/api/idempotent_requests); the local
# stand-in (infra/fake_stripe.py) refuses a longer one as Stripe does.
MAX_IDEMPOTENCY_KEY = 255


def stripe_idempotency_key(key: str) -> str:
    """The key Stripe is sent for `key`: `key` itself when Stripe takes it, so every payment made before this rule
    replays with the very key it was created with (payments store it: processor_idempotency_key); else a digest
    of it. A longer key never reached a request Stripe accepted, so its digest meets no earlier key; "~" starts
    no key of ours (client ids, which start the composite keys, begin with a letter or digit)."""
    if len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable():
        return key
    return "~sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _refusals(method):
    """Stripe's refusal of a request as invalid (invalid_request_error, 400 or 404) or of a key reused with
    other parameters (idempotency_error) leaves the adapter as the port's ProcessorRefused, never as a
    stripe-python exception: an answer of the API, not a 500. Applied to every method of the port, after the
    method's own handling of the refusals it expects (a confirm of a cancelled intent, a detach of a detached
    card)."""

    @wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (stripe.InvalidRequestError, stripe.IdempotencyError) as exc:
            code, status = getattr(exc, "code", None), getattr(exc, "http_status", None)
            log.error(
                "Stripe refused a request",
                extra={
                    "call": method.__name__,
                    "stripe_code": code,
                    "http_status": status,
                    "stripe_request_id": getattr(exc, "request_id", None),
                },
            )
            raise ProcessorRefused(code, not_found=status == 404) from exc

    return wrapper


class StripeCards:
    def __init__(self, api_key: str, api_base: str | None = None, *, stripe_receipts: bool = False):
        kwargs: dict[str, Any] = {"base_addresses": {"api": api_base}} if api_base else {}
        # Retries reuse the same idempotency key, so a network blip can never create a second charge.
        self._client = stripe.StripeClient(
            api_key, stripe_version=API_VERSION, max_network_retries=2, http_client=Urllib3Client(), **kwargs
        )
        self._stripe_receipts = stripe_receipts  # Stripe emails its own receipt too (the SES one always goes)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise ProcessorUnavailable() from exc
        except stripe.APIError as exc:  # Stripe-side 5xx
            raise ProcessorUnavailable() from exc

    @_refusals
    def ensure_customer(self, *, client_id: str, email: str, name: str) -> str:
        customer = self._call(
            self._client.v1.customers.create,
            params={"email": email, "name": name, "metadata": {"client_id": client_id}},
            options={"idempotency_key": stripe_idempotency_key(f"customer:{client_id}")},
        )
        return customer.id

    @_refusals
    def create_intent(self, request: IntentRequest) -> Intent:
        params = {
            "amount": request.amount,
            "currency": request.currency,
            "customer": request.customer_id,
            "allowed_payment_method_types": _CARDS_ONLY,
            "description": request.description,
            "metadata": {
                **(request.metadata or {}),
                "client_id": request.client_id,
                "invoice_id": request.invoice_id,
                "payment_id": request.payment_id,
            },
        }
        if self._stripe_receipts:  # in live mode receipt_email sends Stripe's receipt whatever the Dashboard says
            params["receipt_email"] = request.receipt_email
        if request.save_for_later:
            params["setup_future_usage"] = "off_session"
        if request.payment_method:
            params["payment_method"] = request.payment_method
        try:
            intent = self._call(
                self._client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": stripe_idempotency_key(request.idempotency_key)},
            )
        except stripe.IdempotencyError:
            # The key started another request before (its record was never written): the client's key, reused.
            raise Unprocessable(
                "This Idempotency-Key was already used for a different payment request. Use a new "
                "key for a new payment.",
                code="idempotency_key_reused",
            ) from None
        return Intent(id=intent.id, client_secret=intent.client_secret, status=intent.status)

    @_refusals
    def retrieve_intent(self, intent_id: str) -> Intent:
        intent = self._call(self._client.v1.payment_intents.retrieve, intent_id)
        return Intent(id=intent.id, client_secret=intent.client_secret, status=intent.status)

    @_refusals
    def intent_outcome(self, intent_id: str) -> IntentOutcome:
        intent = self._call(self._client.v1.payment_intents.retrieve, intent_id).to_dict()
        error = intent.get("last_payment_error") or {}
        method = intent.get("payment_method")
        method_id = method if isinstance(method, str) else (method or {}).get("id")
        amount = intent.get("amount")
        received = intent.get("amount_received")
        metadata = intent.get("metadata") or {}
        return IntentOutcome(
            id=intent["id"],
            status=intent.get("status") or "",
            amount=amount if isinstance(amount, int) else 0,
            amount_received=received if isinstance(received, int) else 0,
            currency=intent["currency"] if isinstance(intent.get("currency"), str) else None,
            failure_code=error.get("code") if isinstance(error, dict) else None,
            decline_code=error.get("decline_code") if isinstance(error, dict) else None,
            payment_method_id=method_id if isinstance(method_id, str) else None,
            metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
        )

    @_refusals
    def cancel_intent(self, intent_id: str) -> bool:
        intent = self._call(self._client.v1.payment_intents.retrieve, intent_id)
        if intent.status == "canceled":
            return True
        if intent.status not in _CANCELABLE:
            return False
        try:
            self._call(self._client.v1.payment_intents.cancel, intent_id)
        except stripe.InvalidRequestError:
            # Confirmed between our read and the cancel: it is in flight, so it must not be replaced.
            return self._call(self._client.v1.payment_intents.retrieve, intent_id).status == "canceled"
        return True

    @_refusals
    def card_details(self, payment_method_id: str) -> CardDetails | None:
        method = self._call(self._client.v1.payment_methods.retrieve, payment_method_id)
        card = getattr(method, "card", None)
        if card is None:
            return None
        return CardDetails(
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            customer_id=getattr(method, "customer", None),
            funding=getattr(card, "funding", None),
        )

    @_refusals
    def confirm_intent(self, intent_id: str) -> Confirmation:
        try:
            intent = self._call(self._client.v1.payment_intents.confirm, intent_id)
        except stripe.CardError as exc:  # a decline: Stripe answers 402 and the intent waits for another card
            error = exc.error
            return Confirmation(
                status="requires_payment_method",
                failure_code=getattr(error, "code", None),
                decline_code=getattr(error, "decline_code", None),
            )
        except stripe.InvalidRequestError:
            # payment_intent_unexpected_state: another request cancelled or confirmed it first, and its
            # status now is the answer. Still waiting for this confirm means the request itself was wrong.
            status = self._call(self._client.v1.payment_intents.retrieve, intent_id).status
            if status == "canceled":
                raise IntentCanceled(intent_id) from None
            if status == "requires_confirmation":
                raise
            return Confirmation(status=status)
        return Confirmation(status=intent.status)

    @_refusals
    def charge_off_session(self, request: OffSessionCharge) -> tuple[str | None, Confirmation]:
        """Autopay: a PaymentIntent for the saved card and its customer, confirmed at creation with off_session
        (docs.stripe.com/payments/save-and-reuse, "Charge the saved payment method later"). Stripe answers a decline
        or authentication_required with a card error carrying the intent."""
        params = {
            "amount": request.amount,
            "currency": request.currency,
            "customer": request.customer_id,
            "payment_method": request.payment_method,
            "off_session": True,
            "confirm": True,
            "allowed_payment_method_types": _CARDS_ONLY,
            "description": request.description,
            "metadata": {
                "client_id": request.client_id,
                "invoice_id": request.invoice_id,
                "payment_id": request.payment_id,
            },
        }
        try:
            intent = self._call(
                self._client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": stripe_idempotency_key(request.idempotency_key)},
            )
        except stripe.CardError as exc:
            error = exc.error
            intent = getattr(error, "payment_intent", None)
            return (
                getattr(intent, "id", None),
                Confirmation(
                    status="requires_payment_method",
                    failure_code=getattr(error, "code", None),
                    decline_code=getattr(error, "decline_code", None),
                ),
            )
        return intent.id, Confirmation(status=intent.status)

    @_refusals
    def create_setup_intent(self, *, customer_id: str, client_id: str) -> str:
        intent = self._call(
            self._client.v1.setup_intents.create,
            params={
                "customer": customer_id,
                "usage": "off_session",
                "allowed_payment_method_types": _CARDS_ONLY,
                "metadata": {"client_id": client_id},
            },
        )
        return intent.client_secret

    @_refusals
    def refunds_of(self, intent_id: str) -> list[RefundInfo]:
        listed = self._call(self._client.v1.refunds.list, params={"payment_intent": intent_id, "limit": 100})
        refunds = [r.to_dict() for r in listed.data]
        return [
            RefundInfo(r["id"], r["amount"], r["currency"], r["status"], r.get("reason"), dict(r.get("metadata") or {}))
            for r in refunds
        ]

    @_refusals
    def detach(self, payment_method_id: str) -> None:
        try:
            self._call(self._client.v1.payment_methods.detach, payment_method_id)
        except stripe.InvalidRequestError as exc:
            # Already detached (or never attached): the goal, no longer attached, is reached.
            if getattr(exc, "http_status", None) not in (400, 404):
                raise


def from_environment() -> StripeCards:
    from shared.aws.secrets import stripe_secrets

    return StripeCards(
        stripe_secrets()["api_key"],
        os.environ.get("STRIPE_API_BASE") or None,
        stripe_receipts=os.environ.get("STRIPE_RECEIPT_EMAILS", "false").lower() == "true",
    )
