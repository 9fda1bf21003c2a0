"""The card processor port: what the domain needs from Stripe, and nothing of Stripe's shapes."""

from dataclasses import dataclass, field
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
    payment_method: str | None = None  # a saved card: the intent is then confirmed server-side
    metadata: dict | None = None  # more metadata beside the ids (a payment of several invoices, a card fee)


@dataclass(frozen=True)
class OffSessionCharge:
    """Charge a saved card while the client is away (autopay): created and confirmed in one request."""

    amount: int
    currency: str
    customer_id: str
    payment_method: str
    client_id: str
    invoice_id: str
    payment_id: str
    description: str
    idempotency_key: str


@dataclass(frozen=True)
class Confirmation:
    """What confirming an intent server-side gave: the processor's status and, for a decline, why."""

    status: str
    failure_code: str | None = None
    decline_code: str | None = None


@dataclass(frozen=True)
class IntentOutcome:
    """What the processor says about an intent right now (reconciliation asks when a webhook may be lost)."""

    id: str
    status: str  # the processor's own status word (succeeded, processing, requires_payment_method, ...)
    amount: int  # cents asked for
    amount_received: int  # cents actually received (0 until it succeeded)
    failure_code: str | None = None  # last_payment_error.code
    decline_code: str | None = None  # last_payment_error.decline_code
    payment_method_id: str | None = None
    metadata: dict = field(default_factory=dict)
    currency: str | None = None  # lowercase ISO; None: the adapter does not say (checked only when given)


class IntentCanceled(Exception):
    """The intent was cancelled (by another request) before this one could confirm it: nothing was charged."""

    def __init__(self, intent_id: str):
        super().__init__(intent_id)
        self.intent_id = intent_id


@dataclass(frozen=True)
class CardDetails:
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None
    customer_id: str | None = None
    funding: str | None = None  # Stripe's card.funding: credit, debit, prepaid or unknown (the card fee's test)


@dataclass(frozen=True)
class RefundInfo:
    """A refund as the processor lists it (for refunds made outside this system)."""

    id: str
    amount: int
    currency: str
    status: str  # the processor's word: pending, requires_action, succeeded, failed, canceled
    reason: str | None = None
    metadata: dict = field(default_factory=dict)


class CardProcessor(Protocol):
    def ensure_customer(self, *, client_id: str, email: str, name: str) -> str: ...

    def create_intent(self, request: IntentRequest) -> Intent: ...

    def retrieve_intent(self, intent_id: str) -> Intent: ...

    def intent_outcome(self, intent_id: str) -> IntentOutcome:
        """The intent's current truth: status, amounts, the last failure and the payment method."""
        ...

    def cancel_intent(self, intent_id: str) -> bool:
        """Cancel an unconfirmed intent. True when it is (now) canceled; False when the client already
        confirmed it (money may be moving), so it must not be replaced."""
        ...

    def card_details(self, payment_method_id: str) -> CardDetails | None: ...

    def confirm_intent(self, intent_id: str) -> Confirmation:
        """Confirm server-side (a saved card). Raises IntentCanceled if it was cancelled meanwhile."""
        ...

    def charge_off_session(self, request: OffSessionCharge) -> tuple[str | None, Confirmation]:
        """(the intent's id, how it ended). A decline, or a bank asking for authentication the absent client
        cannot give (authentication_required), is a Confirmation with its codes, not an error."""
        ...

    def create_setup_intent(self, *, customer_id: str, client_id: str) -> str:
        """A SetupIntent to save a card without paying; returns its client_secret."""
        ...

    def detach(self, payment_method_id: str) -> None: ...

    def refunds_of(self, intent_id: str) -> list[RefundInfo]:
        """Every refund of the intent's charge, newest first (Stripe: GET /v1/refunds?payment_intent=)."""
        ...
