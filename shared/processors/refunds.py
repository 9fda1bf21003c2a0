"""The refund port: send (part of) a payment back through the processor that took it."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RefundResult:
    processor_refund_id: str
    status: str  # pending | succeeded | failed (the processor's word, normalised)


# A refund's credit transfer, in the refund's words (pending until the processor settles or fails it).
ACH_REFUND_STATUS = {"processed": "succeeded", "failed": "failed", "cancelled": "failed"}


class RefundProcessor(Protocol):
    def refund(
        self,
        *,
        processor_payment_id: str,
        processor_method_id: str | None,
        amount: int,
        metadata: dict[str, str],
        idempotency_key: str,
        reason: str | None = None,
    ) -> RefundResult:
        """`reason`: the processor's own reason code, where it has one (Stripe: `fraudulent` also tells Radar)."""


class StripeRefunds:
    """Refunds of card payments: a Stripe Refund of the PaymentIntent."""

    def __init__(self, cards):
        self._cards = cards  # a StripeCards: same client, same error mapping

    def refund(
        self,
        *,
        processor_payment_id: str,
        processor_method_id: str | None,
        amount: int,
        metadata: dict[str, str],
        idempotency_key: str,
        reason: str | None = None,
    ) -> RefundResult:
        from shared.processors.stripe_sdk import stripe

        params = {"payment_intent": processor_payment_id, "amount": amount, "metadata": metadata}
        if reason:
            params["reason"] = reason
        try:
            refund = self._cards._call(
                self._cards._client.v1.refunds.create, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.InvalidRequestError as exc:
            raise RefundRefused(getattr(exc, "user_message", None) or str(exc)) from None
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(refund.status, "pending")
        return RefundResult(refund.id, status)


class AchRefunds:
    """Refunds of bank payments: a credit transfer from the merchant's bank back to the client's account."""

    def __init__(self, ach):
        self._ach = ach

    def refund(
        self,
        *,
        processor_payment_id: str,
        processor_method_id: str | None,
        amount: int,
        metadata: dict[str, str],
        idempotency_key: str,
        reason: str | None = None,
    ) -> RefundResult:
        from shared.processors.ach import AchError

        try:
            transfer = self._ach.create_refund(
                bank_account_id=processor_method_id, amount=amount, metadata=metadata, idempotency_key=idempotency_key
            )
        except AchError as exc:
            raise RefundRefused(exc.message) from None
        return RefundResult(transfer.id, ACH_REFUND_STATUS.get(transfer.status, "pending"))


class RefundRefused(Exception):
    """The processor refused the refund (a 4xx): nothing moved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
