"""The ACH debit authorization a client accepts before a bank transfer (NACHA: a WEB debit needs the consumer's
authorization, readily identifiable as one, with clear terms, and a record of it kept two years). The text is
the merchant's, served by GET /portal-settings; the payment request must send back exactly that text as
accepted, and the payment keeps it with when, which account and how much. Pure: no storage."""

from shared.domain.merchant import Merchant
from shared.http.errors import BadRequest, Unprocessable


def authorization_text(merchant: Merchant) -> str:
    return (
        f"I authorize {merchant.name} to make a one-time electronic debit (ACH) from the bank account and "
        "for the amount shown above, on or after today's date. If a debit is made in error, I authorize "
        f"{merchant.name} to credit my account to correct it. I can cancel this authorization by contacting "
        f"{merchant.support_email} before the debit is processed."
    )


def accepted_text(raw: object) -> str:
    """The text from a request's `ach_authorization` object ({"accepted": true, "text": ...}); 400 when the client
    did not accept it."""
    if (
        not isinstance(raw, dict)
        or raw.get("accepted") is not True
        or not isinstance(raw.get("text"), str)
        or set(raw) - {"accepted", "text"}
    ):
        raise BadRequest(
            "A bank transfer needs the debit authorization the portal shows, accepted: send "
            '"ach_authorization": {"accepted": true, "text": <the text shown>}.',
            code="ach_authorization_required",
        )
    return raw["text"]


def check_current(text: str, current: str) -> None:
    if text != current:
        raise Unprocessable(
            "The debit authorization you accepted is not the current one: reload the page, read "
            "it again and accept it.",
            code="ach_authorization_outdated",
        )
