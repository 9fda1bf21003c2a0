"""Turn a processor's decline code into a sentence the client can act on.

Lost/stolen/fraud codes deliberately get the generic message: telling a fraudster why a card failed helps
them, as Stripe's own guidance says.
"""

from shared.domain.payment_states import Failure

_TRY_ANOTHER = "Try another card or pay by bank transfer (ACH)."

_MESSAGES = {
    "insufficient_funds": "Your card was declined for insufficient funds. " + _TRY_ANOTHER,
    "expired_card": "Your card has expired. Check the expiration date or use another card.",
    "incorrect_cvc": "The card's security code (CVC) is incorrect. Check it and try again.",
    "invalid_cvc": "The card's security code (CVC) is incorrect. Check it and try again.",
    "incorrect_number": "The card number is incorrect. Check it and try again, or use another card.",
    "invalid_expiry_month": "The card's expiration date is incorrect. Check it and try again.",
    "invalid_expiry_year": "The card's expiration date is incorrect. Check it and try again.",
    "do_not_honor": "Your bank declined the payment without giving a reason. "
    "Contact your bank, or " + _TRY_ANOTHER[0].lower() + _TRY_ANOTHER[1:],
    "card_velocity_exceeded": "Your card has reached its limit for now. " + _TRY_ANOTHER,
    "withdrawal_count_limit_exceeded": "Your card has reached its limit for now. " + _TRY_ANOTHER,
    "authentication_required": "Your bank asks you to confirm this payment. Try again and complete "
    "the verification step, or use another card.",
    "processing_error": "The card could not be processed. You were not charged; try again in a moment.",
    "card_not_supported": "This card does not support this kind of payment. " + _TRY_ANOTHER,
    "currency_not_supported": "This card cannot be charged in this currency. " + _TRY_ANOTHER,
}
GENERIC = "Your card was declined. " + _TRY_ANOTHER


def failure_from(code: str | None, decline_code: str | None) -> Failure:
    """Stripe puts the specific reason in decline_code (card_declined errors) or in code (e.g. expired_card)."""
    for candidate in (decline_code, code):
        if candidate in _MESSAGES:
            return Failure(code=candidate, message=_MESSAGES[candidate])
    return Failure(code="card_declined", message=GENERIC)
