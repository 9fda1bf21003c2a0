"""Dwolla's rules as the sandbox enforces them, each beside the page of Dwolla's documentation that states it
(the `Dwolla/dev-portal` sources under pages/docs/balance/): limits, return codes and what Dwolla does about
each, name rules, routing numbers, the send-limit week, and the magic account numbers that decide how a
transfer settles."""

import re
from datetime import UTC, datetime, timedelta

MAX_MICRO_DEPOSIT_ATTEMPTS = 3  # Dwolla: "users are allowed three attempts"
MAX_CUSTOMER_BANKS = 2  # Dwolla: "Customers can have a maximum of 2 active funding sources"
MAX_WEBHOOK_SUBSCRIPTIONS = 10  # Dwolla: up to ten active subscriptions in Sandbox
# Dwolla's retry schedule (15 min, 45 min, 2 h, 3 h, 6 h, 12 h, 24 h, 24 h) in units of its first interval;
# here one unit is `webhook_retry_seconds`.
WEBHOOK_RETRY_UNITS = (1, 3, 8, 12, 24, 48, 96, 96)

# Bank names "generated from the routing number": a small fixed table, else a default.
BANK_NAMES = {
    "222222226": "SANDBOX TEST BANK",  # the routing number Dwolla's sandbox docs suggest
    "021000021": "JPMORGAN CHASE BANK, NA",
    "026009593": "BANK OF AMERICA, N.A.",
    "121000248": "WELLS FARGO BANK, NA",
    "011000015": "FEDERAL RESERVE BANK",
}
DEFAULT_BANK_NAME = "Sandbox Bank"

# ACH return codes and what Dwolla does about each, as the table of its "Transfer Failures" page
# (pages/docs/balance/transfer-failures.mdx) lists them: (description, explanation, customer action, bank
# unverified, bank removed, bank blocklisted). Customer action: "suspended" (unless already deactivated),
# "deactivated", or None. Dwolla advises acting on the events these actions send, not on the codes.
RETURN_CODES = {
    "R01": (
        "Insufficient Funds",
        "Available balance is not sufficient to cover the dollar value of the debit entry.",
        None,
        False,
        False,
        False,
    ),
    "R02": ("Bank Account Closed", "Previously active account has been closed.", None, True, True, False),
    "R03": (
        "No Account/Unable to Locate Account",
        "The account number does not correspond to the individual identified in the entry or a valid account.",
        None,
        True,
        True,
        False,
    ),
    "R04": ("Invalid Bank Account Number Structure", "Account number structure is not valid.", None, True, True, False),
    "R05": (
        "Unauthorized Debit to Consumer Account Using Corporate SEC Code",
        "A CCD or CTX debit entry was transmitted to a consumer account and was not authorized by the Receiver.",
        "suspended",
        True,
        True,
        True,
    ),
    "R06": (
        "Returned per ODFI's Request",
        "The ODFI has requested that the RDFI return an erroneous entry.",
        "suspended",
        True,
        True,
        True,
    ),
    "R07": (
        "Authorization Revoked by Customer",
        "Consumer who previously authorized entries has revoked authorization with the Originator.",
        "deactivated",
        True,
        True,
        False,
    ),
    "R08": (
        "Payment Stopped",
        "The Receiver has requested the stop payment of a specific ACH debit entry.",
        None,
        True,
        True,
        False,
    ),
    "R09": (
        "Uncollected Funds",
        "Sufficient balance exists, but value of uncollected items brings available "
        "balance below amount of debit entry.",
        None,
        False,
        False,
        False,
    ),
    "R10": (
        "Customer Advises Not Authorized",
        "Receiver has no relationship with the Originator or has not authorized the Originator to debit the account.",
        "suspended",
        True,
        True,
        True,
    ),
    "R11": (
        "Customer Advises Entry Not in Accordance with the Terms of the Authorization",
        "The debit entry was inaccurate or improperly initiated.",
        "deactivated",
        True,
        True,
        False,
    ),
    "R12": (
        "Branch Sold to Another DFI",
        "A financial institution received an entry to an account that was sold to another FI.",
        None,
        False,
        True,
        False,
    ),
    "R13": (
        "Invalid ACH Routing Number",
        "Entry contains a receiving DFI identification that is not a valid ACH routing number.",
        None,
        True,
        True,
        True,
    ),
    "R14": (
        "Representative Payee Deceased or Unable to Continue in That Capacity",
        "The representative payee is either deceased or no longer able to continue in original capacity.",
        "suspended",
        False,
        True,
        False,
    ),
    "R15": (
        "Beneficiary or Account Holder Deceased",
        "The beneficiary or the account holder is deceased.",
        "suspended",
        True,
        True,
        True,
    ),
    "R16": (
        "Account Frozen/Entry Returned per OFAC Instruction",
        "Access to the account is restricted due to specific action taken by the RDFI or by legal action.",
        "suspended",
        True,
        True,
        True,
    ),
    "R17": (
        "File Record Edit Criteria/Entry with Invalid Account Number Initiated Under Questionable Circumstances",
        "The entry is believed by the RDFI to have been initiated under questionable circumstances.",
        "suspended",
        True,
        True,
        True,
    ),
    "R20": ("Non-Transaction Account", "ACH entry to a non-transaction account.", None, False, True, True),
    "R22": (
        "Invalid Individual ID Number",
        "The Receiver has indicated to the RDFI that the number with which the Originator identified is not correct.",
        None,
        True,
        False,
        False,
    ),
    "R23": (
        "Credit Entry Refused by Receiver",
        "Any credit entry that is refused by the Receiver may be returned by the RDFI.",
        None,
        True,
        True,
        False,
    ),
    "R29": (
        "Corporate Customer Advises Not Authorized",
        "The RDFI has been notified by the Receiver "
        "(non-consumer) that a specific entry has not been authorized by the Receiver.",
        "suspended",
        True,
        True,
        True,
    ),
    "R31": (
        "Permissible Return (CCD and CTX only)",
        "The RDFI may return a CCD or CTX entry that the ODFI agrees to accept.",
        "suspended",
        True,
        True,
        True,
    ),
    "R37": (
        "Source Document Presented for Payment",
        "Source document to which an ARC, BOC, or POP entry relates has been presented for payment.",
        None,
        False,
        True,
        False,
    ),
    "R38": (
        "Stop Payment on Source Document",
        "The RDFI indicates a stop payment order has been placed on the "
        "source document the ARC or BOC entry relates to.",
        "suspended",
        True,
        True,
        True,
    ),
    "R51": (
        "Item Related to RCK Entry is Ineligible or RCK Entry is Improper",
        "The RDFI notifies that the RCK entry is considered ineligible or improper.",
        "suspended",
        True,
        True,
        True,
    ),
}
# Magic account numbers: the last four digits of the customer's bank account decide the outcome. "00NN" fails
# the transfer with RNN (any code above); "10NN" first processes it, then returns it with RNN after another
# delay (a late return). Anything else settles.
_MAGIC_SUFFIX = re.compile(r"^(0|1)0(\d\d)$")
# Micro-deposits (two credits to the bank) fail only for this suffix, so every transfer magic number above
# can still be verified first.
MICRO_DEPOSIT_FAILURE_SUFFIXES = {"9003": "R03"}
# Dwolla's default send limits per customer type ("Customer Types", pages/docs/balance/customer-types.mdx):
# an unverified customer sends at most $5,000 per week, "Monday to Sunday UTC time"; a verified customer (personal
# or business) $10,000 per transfer; a receive-only user sends nothing. Cents.
SEND_LIMITS = {
    "unverified": ("week", 500_000),
    "personal": ("transfer", 1_000_000),
    "business": ("transfer", 1_000_000),
    "receive-only": ("transfer", 0),
}
# "Verify micro-deposits" (pages/docs/balance/api-reference/funding-sources/verify-micro-deposits.mdx): an entry
# over $0.15 is "Invalid amount."; one of $0.01-$0.09 that does not match is "Wrong amount(s).".
MICRO_DEPOSIT_INVALID_ABOVE = 15
# Names of customers ("Create a customer", pages/docs/balance/api-reference/customers/create.mdx): firstName and
# lastName "must be ≤ 50 characters and contain no special characters [<>="`!?%~${}\]", businessName ≤ 255
# and the same characters. Read as the characters inside the brackets; the brackets themselves are refused too
# here (the stricter reading, so a name the backend makes acceptable is accepted by either).
FORBIDDEN_NAME_CHARACTERS = frozenset('<>="`!?%~${}\\[]')
NAME_LIMITS = {"firstName": 50, "lastName": 50, "businessName": 255}
# "Remove a funding source": an unverified bank removed and added again "within 48 hours of the initial created
# date" comes back: the same funding source, re-activated.
REACTIVATION_WINDOW_SECONDS = 48 * 3600
_NAME_SENTINEL = re.compile(r"^\s*(R\d\d)(-late)?\b", re.IGNORECASE)  # Dwolla's own sandbox trick
CORRELATION_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,254}$")  # Dwolla: "less than 255 characters", no spaces
EMAIL_FORMAT = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESTRICTED = ("suspended", "deactivated")  # customer statuses that can neither send nor receive ("Sender restricted.")


def routing_number_valid(routing: str) -> bool:
    """Dwolla: nine digits, ABA checksum, first two digits in 01-12 or 21-32 (00 allowed for government)."""
    if not re.fullmatch(r"\d{9}", routing):
        return False
    prefix = int(routing[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def settlement_plan(account_number: str, name: str) -> tuple[str | None, bool]:
    """(return code or None, late) for a customer bank account: the magic suffix first, then Dwolla's own
    sandbox convention of an R-code ("R01", "R03-late") at the start of the funding source name."""
    magic = _MAGIC_SUFFIX.match(account_number[-4:])
    if magic and f"R{magic.group(2)}" in RETURN_CODES:
        return f"R{magic.group(2)}", magic.group(1) == "1"
    match = _NAME_SENTINEL.match(name or "")
    if match and match.group(1).upper() in RETURN_CODES:
        return match.group(1).upper(), bool(match.group(2))
    return None, False


def week_of(moment: datetime) -> tuple[datetime, datetime]:
    """The Dwolla week containing `moment`: Monday 00:00 UTC to the next Monday 00:00 UTC ("Customer Types")."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7)


def name_errors(body: dict) -> list[tuple]:
    """Length and character rules of a customer's names ("Create a customer")."""
    errors = []
    for name, limit in NAME_LIMITS.items():
        value = body.get(name)
        if not isinstance(value, str):
            if value is not None:
                errors.append(("Invalid", f"{name[0].upper()}{name[1:]} invalid.", f"/{name}"))
            continue
        label = f"{name[0].upper()}{name[1:]}"
        if len(value) > limit:
            errors.append(("InvalidFormat", f"{label} must be {limit} characters or less.", f"/{name}"))
        elif FORBIDDEN_NAME_CHARACTERS & set(value):
            errors.append(("Invalid", f"{label} cannot contain special characters.", f"/{name}"))
    return errors
