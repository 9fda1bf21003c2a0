"""The card processor port: what the domain needs from Stripe, and nothing of Stripe's shapes."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str  # the processor's own status word (requires_payment_method, succeeded, ...)


@dataclass(frozen=True)
class IntentRequest:
    amount: int
    currency: str
    customer_id: str
    client_id: str
    invoice_id: str
    payment_id: str
    description: str
    receipt_email: str
    save_for_later: bool
    idempotency_key: str


@dataclass(frozen=True)
class CardDetails:
    brand: str
    last4: str


class CardProcessor(Protocol):
    def ensure_customer(self, *, client_id: str, email: str, name: str) -> str: ...

    def create_intent(self, request: IntentRequest) -> Intent: ...

    def retrieve_intent(self, intent_id: str) -> Intent: ...

    def cancel_intent(self, intent_id: str) -> bool:
        """Cancel an unconfirmed intent. True when it is (now) canceled; False when the client already
        confirmed it (money may be moving), so it must not be replaced."""
        ...

    def card_details(self, payment_method_id: str) -> CardDetails | None: ...
