"""Bank accounts and ACH returns: validation and plain-language reasons. Pure: no storage, no processor.

Account and routing numbers are checked here and handed to the processor; nothing keeps or logs them.
"""

from dataclasses import dataclass

from shared.domain.money import is_cents
from shared.domain.payment_states import Failure
from shared.http import request_schemas
from shared.http.errors import Unprocessable
from shared.http.validation import json_object, text_field

ACCOUNT_TYPES = ("checking", "savings")
# Dwolla allows three attempts at the micro-deposit amounts, then fails the funding source's verification
# ("Verify micro-deposits": "users are allowed three attempts"). Dwolla does not say how many are left, so the
# wrong answers are counted here.
MICRO_DEPOSIT_ATTEMPTS = 3


def attempts_left(wrong_answers: int | None) -> int:
    return max(0, MICRO_DEPOSIT_ATTEMPTS - (wrong_answers or 0))


@dataclass(frozen=True)
class BankAccountRequest:
    routing_number: str
    account_number: str
    account_type: str
    holder_name: str

    @property
    def last4(self) -> str:
        return self.account_number[-4:]

    def __repr__(self) -> str:  # never print the numbers, even in a traceback
        return f"BankAccountRequest(account_type={self.account_type!r}, last4={self.last4!r})"


def aba_checksum_ok(routing_number: str) -> bool:
    """ABA routing numbers: 3*(d1+d4+d7) + 7*(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    d = [int(c) for c in routing_number]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


MAX_HOLDER_NAME = 100  # bytes


def parse_bank_account(body: object) -> BankAccountRequest:
    body = json_object(body, request_schemas.BANK_ACCOUNT)
    routing, account = body.get("routing_number"), body.get("account_number")
    if not isinstance(routing, str) or len(routing) != 9 or not routing.isdigit() or not routing.isascii():
        raise Unprocessable(
            "routing_number must be the 9 digits printed at the bottom left of a check.", code="invalid_routing_number"
        )
    if not aba_checksum_ok(routing):
        raise Unprocessable(
            "That routing number is not valid; check the 9 digits and try again.", code="invalid_routing_number"
        )
    if not isinstance(account, str) or not 4 <= len(account) <= 17 or not account.isdigit() or not account.isascii():
        raise Unprocessable(
            "account_number must be 4 to 17 digits, with no spaces or dashes.", code="invalid_account_number"
        )
    account_type = body.get("account_type")
    if account_type not in ACCOUNT_TYPES:
        raise Unprocessable("account_type must be checking or savings.", code="invalid_account_type")
    holder = text_field(
        body.get("holder_name"),
        "holder_name",
        "invalid_holder_name",
        MAX_HOLDER_NAME,
        what=": the account holder's name",
    )
    return BankAccountRequest(routing, account, account_type, holder)


# Each micro-deposit is under $0.10 ("Verify micro-deposits": a non-matching entry of $0.01-$0.09 is a wrong
# amount; one over $0.15 is "Invalid amount"). Anything else is refused here, before the processor is asked, so no
# attempt is spent on it.
MICRO_DEPOSIT_CENTS = range(1, 10)


def invalid_amounts() -> Unprocessable:
    return Unprocessable(
        "Enter the two small deposits as they appear on your statement: each is under 10 cents, "
        "for example 0.03 and 0.09.",
        code="invalid_amounts",
    )


def parse_verify_amounts(body: object) -> tuple[int, int]:
    amounts = json_object(body, request_schemas.VERIFY).get("amounts")
    if (
        not isinstance(amounts, list)
        or len(amounts) != 2
        or not all(is_cents(a) and a in MICRO_DEPOSIT_CENTS for a in amounts)
    ):
        raise invalid_amounts()
    return amounts[0], amounts[1]


_PAY_ANOTHER_WAY = "You can pay this invoice again by card, or with another bank account."
_REMOVED = (
    "Our payment processor removed this bank account from your payment methods; you can pay this invoice "
    "again by card, or link another account."
)
_VERIFY_AGAIN = (
    "We sent two new small deposits to this account: verify it again in Account Settings once they "
    "arrive, or pay this invoice by card."
)
_ON_HOLD = (
    "Bank transfers from your account are now on hold with our payment processor: pay this invoice by card, "
    "and contact us to lift the hold."
)
_RETURNS = {
    "R01": "Your bank returned the payment for insufficient funds.",
    "R02": "Your bank says this account is closed.",
    "R03": "Your bank could not find an account with this number.",
    "R04": "Your bank says the account number is not valid.",
    "R05": "Your bank says this debit to a personal account was not authorized.",
    "R06": "The payment was returned at our bank's request.",
    "R07": "Your bank says you revoked the authorization for this debit.",
    "R08": "Your bank stopped this payment at your request.",
    "R09": "Your bank returned the payment because the funds are not available yet.",
    "R10": "Your bank says this payment was not authorized by the account holder.",
    "R11": "Your bank says this debit did not match what you authorized.",
    "R12": "Your bank says this account moved to another bank.",
    "R13": "Your bank says the routing number is not valid.",
    "R14": "Your bank says the representative payee of this account can no longer act for it.",
    "R15": "Your bank says the account holder is deceased.",
    "R16": "Your bank says this account is frozen.",
    "R17": "Your bank could not process this payment with these account details.",
    "R20": "Your bank says this account cannot receive debits of this kind.",
    "R22": "Your bank says the identification number on this payment is not correct.",
    "R23": "Your bank refused this transfer.",
    "R29": "Your bank says this debit to a business account was not authorized.",
    "R31": "Your bank returned this business debit.",
    "R37": "Your bank says the check this payment came from was presented for payment.",
    "R38": "Your bank says a stop payment was placed on the check this payment came from.",
    "R51": "Your bank says this payment was not eligible.",
}
# What Dwolla does on each of those returns ("Transfer Failures" table): the customer suspended or deactivated; the
# bank removed (also when unverified too) or only unverified. Here only to tell the client the way forward: the
# system acts on Dwolla's events themselves (its advice). tests/contract/test_ach_rules.py checks it against the
# sandbox's copy of the same table.
_SUSPENDED_REMOVED = ("R05", "R06", "R10", "R14", "R15", "R16", "R17", "R29", "R31", "R38", "R51")
RETURN_ACTIONS = {  # code: (customer action, bank action)
    **{code: (None, None) for code in ("R01", "R09")},
    **{code: (None, "removed") for code in ("R02", "R03", "R04", "R08", "R12", "R13", "R20", "R23", "R37")},
    **{code: ("suspended", "removed") for code in _SUSPENDED_REMOVED},
    **{code: ("deactivated", "removed") for code in ("R07", "R11")},
    "R22": (None, "unverified"),
}


def return_failure(code: str | None) -> Failure:
    """ACH return code -> the reason the client sees, always with a way forward."""
    reason = _RETURNS.get(code or "", "Your bank returned this payment.")
    customer_action, bank_action = RETURN_ACTIONS.get(code or "", (None, None))
    forward = (
        _ON_HOLD
        if customer_action
        else _REMOVED
        if bank_action == "removed"
        else _VERIFY_AGAIN
        if bank_action == "unverified"
        else _PAY_ANOTHER_WAY
    )
    return Failure(code=code or "ach_return", message=f"{reason} {forward}")
