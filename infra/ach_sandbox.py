"""A local, in-memory ACH processor that speaks the subset of Dwolla's API v2 the payments backend uses,
bound to 127.0.0.1 only. Shapes (URLs, HAL `_links`, 201 + Location, error JSON, webhook events and their
HMAC signature, status values, topic names) follow Dwolla's public documentation; see docs/ach-sandbox.md
for what is implemented, where it deviates, and the magic account numbers that decide how a transfer settles.

Unlike Dwolla's own sandbox (where bank transfers stay `pending` until you call /sandbox-simulations), this
one also settles by itself after `settle_seconds`, standing in for the 3-5 business days of real ACH.

Run: python -m infra.ach_sandbox --port 8430 --settle-seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from infra.loopback_server import LoopbackServer

HAL = "application/vnd.dwolla.v1.hal+json"
CONTENT_TYPE = f"{HAL}; charset=UTF-8"
DEFAULT_CLIENT_ID = "ach-sandbox-client-id"
DEFAULT_CLIENT_SECRET = "ach-sandbox-client-secret"
DEFAULT_ACCOUNT_ID = "9f3c2a1e-5b7d-4c8e-9a10-0a0000000001"
DEFAULT_MERCHANT_FUNDING_SOURCE_ID = "9f3c2a1e-5b7d-4c8e-9a10-0f0000000001"
DEFAULT_BALANCE_FUNDING_SOURCE_ID = "9f3c2a1e-5b7d-4c8e-9a10-0b0000000001"
MAX_MICRO_DEPOSIT_ATTEMPTS = 3          # Dwolla: "users are allowed three attempts"
MAX_CUSTOMER_BANKS = 2                  # Dwolla: "Customers can have a maximum of 2 active funding sources"
MAX_WEBHOOK_SUBSCRIPTIONS = 10          # Dwolla: up to ten active subscriptions in Sandbox
# Dwolla's retry schedule (15 min, 45 min, 2 h, 3 h, 6 h, 12 h, 24 h, 24 h) in units of its first interval;
# here one unit is `webhook_retry_seconds`.
WEBHOOK_RETRY_UNITS = (1, 3, 8, 12, 24, 48, 96, 96)

# Bank names "generated from the routing number": a small fixed table, else a default.
BANK_NAMES = {
    "222222226": "SANDBOX TEST BANK",       # the routing number Dwolla's sandbox docs suggest
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
    "R01": ("Insufficient Funds", "Available balance is not sufficient to cover the dollar value of the debit "
            "entry.", None, False, False, False),
    "R02": ("Bank Account Closed", "Previously active account has been closed.", None, True, True, False),
    "R03": ("No Account/Unable to Locate Account", "The account number does not correspond to the individual "
            "identified in the entry or a valid account.", None, True, True, False),
    "R04": ("Invalid Bank Account Number Structure", "Account number structure is not valid.", None, True, True,
            False),
    "R05": ("Unauthorized Debit to Consumer Account Using Corporate SEC Code", "A CCD or CTX debit entry was "
            "transmitted to a consumer account and was not authorized by the Receiver.", "suspended", True, True,
            True),
    "R06": ("Returned per ODFI's Request", "The ODFI has requested that the RDFI return an erroneous entry.",
            "suspended", True, True, True),
    "R07": ("Authorization Revoked by Customer", "Consumer who previously authorized entries has revoked "
            "authorization with the Originator.", "deactivated", True, True, False),
    "R08": ("Payment Stopped", "The Receiver has requested the stop payment of a specific ACH debit entry.",
            None, True, True, False),
    "R09": ("Uncollected Funds", "Sufficient balance exists, but value of uncollected items brings available "
            "balance below amount of debit entry.", None, False, False, False),
    "R10": ("Customer Advises Not Authorized", "Receiver has no relationship with the Originator or has not "
            "authorized the Originator to debit the account.", "suspended", True, True, True),
    "R11": ("Customer Advises Entry Not in Accordance with the Terms of the Authorization", "The debit entry "
            "was inaccurate or improperly initiated.", "deactivated", True, True, False),
    "R12": ("Branch Sold to Another DFI", "A financial institution received an entry to an account that was sold "
            "to another FI.", None, False, True, False),
    "R13": ("Invalid ACH Routing Number", "Entry contains a receiving DFI identification that is not a valid ACH "
            "routing number.", None, True, True, True),
    "R14": ("Representative Payee Deceased or Unable to Continue in That Capacity", "The representative payee "
            "is either deceased or no longer able to continue in original capacity.", "suspended", False, True,
            False),
    "R15": ("Beneficiary or Account Holder Deceased", "The beneficiary or the account holder is deceased.",
            "suspended", True, True, True),
    "R16": ("Account Frozen/Entry Returned per OFAC Instruction", "Access to the account is restricted due to "
            "specific action taken by the RDFI or by legal action.", "suspended", True, True, True),
    "R17": ("File Record Edit Criteria/Entry with Invalid Account Number Initiated Under Questionable "
            "Circumstances", "The entry is believed by the RDFI to have been initiated under questionable "
            "circumstances.", "suspended", True, True, True),
    "R20": ("Non-Transaction Account", "ACH entry to a non-transaction account.", None, False, True, True),
    "R22": ("Invalid Individual ID Number", "The Receiver has indicated to the RDFI that the number with which "
            "the Originator identified is not correct.", None, True, False, False),
    "R23": ("Credit Entry Refused by Receiver", "Any credit entry that is refused by the Receiver may be "
            "returned by the RDFI.", None, True, True, False),
    "R29": ("Corporate Customer Advises Not Authorized", "The RDFI has been notified by the Receiver "
            "(non-consumer) that a specific entry has not been authorized by the Receiver.", "suspended", True,
            True, True),
    "R31": ("Permissible Return (CCD and CTX only)", "The RDFI may return a CCD or CTX entry that the ODFI "
            "agrees to accept.", "suspended", True, True, True),
    "R37": ("Source Document Presented for Payment", "Source document to which an ARC, BOC, or POP entry "
            "relates has been presented for payment.", None, False, True, False),
    "R38": ("Stop Payment on Source Document", "The RDFI indicates a stop payment order has been placed on the "
            "source document the ARC or BOC entry relates to.", "suspended", True, True, True),
    "R51": ("Item Related to RCK Entry is Ineligible or RCK Entry is Improper", "The RDFI notifies that the RCK "
            "entry is considered ineligible or improper.", "suspended", True, True, True),
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
SEND_LIMITS = {"unverified": ("week", 500_000), "personal": ("transfer", 1_000_000),
               "business": ("transfer", 1_000_000), "receive-only": ("transfer", 0)}
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
_NAME_SENTINEL = re.compile(r"^\s*(R\d\d)(-late)?\b", re.IGNORECASE)   # Dwolla's own sandbox trick

_AMOUNT = re.compile(r"^\d{1,12}(\.\d+)?$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._-]{1,254}$")  # Dwolla: "less than 255 characters", no spaces
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESTRICTED = ("suspended", "deactivated")  # customer statuses that can neither send nor receive ("Sender restricted.")


# ---------------------------------------------------------------------------------------------- helpers

def now_iso() -> str:
    return iso_ms(datetime.now(UTC))


def parse_amount(value) -> int | None:
    """"125.00" -> 12500 cents, exactly (Decimal, never float); more than two decimals are rounded to the
    nearest even cent, as Dwolla documents (banker's rounding). None if not a non-negative decimal string."""
    if not isinstance(value, str) or not _AMOUNT.match(value.strip()):
        return None
    try:
        cents = (Decimal(value.strip()) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        return None
    return int(cents)


def format_amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


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


def iso_ms(moment: datetime) -> str:
    """Dwolla's timestamps: ISO-8601 UTC with milliseconds."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


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


def error_body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def validation_error(*errors: tuple, about: str | None = None) -> web.Response:
    """Dwolla's 400 ValidationError with `_embedded.errors` [{code, message, path, _links}]; each error is
    (code, message, path) or (code, message, path, the URL of the resource it is about)."""
    items = []
    for code, message, path, *own in errors:
        item = {"code": code, "message": message, "path": path, "_links": {}}
        if own or about:
            item["_links"] = {"about": {"href": own[0] if own else about, "type": HAL}}
        items.append(item)
    return hal_response(error_body("ValidationError", "Validation error(s) present. See embedded errors list "
                                   "for more details.", _embedded={"errors": items}), status=400)


def hal_response(body: dict | None, status: int = 200, headers: dict | None = None) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers, content_type=HAL,
                        charset="UTF-8")


def error_response(status: int, code: str, message: str, **extra) -> web.Response:
    return hal_response(error_body(code, message, **extra), status=status)


def not_found(message: str = "The requested resource was not found.") -> web.Response:
    return error_response(404, "NotFound", message)


class BadRequest(Exception):
    pass


async def read_json(request: web.Request) -> dict:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest from None
    if not isinstance(body, dict):
        raise BadRequest
    return body


def id_from_href(href, collection: str) -> str | None:
    """'http://any-host/funding-sources/<id>' -> '<id>' (host ignored: adapters may use any base URL)."""
    if not isinstance(href, str):
        return None
    match = re.fullmatch(rf"/{collection}/([^/]+)/?", urlsplit(href).path)
    return match.group(1) if match else None


# ----------------------------------------------------------------------------------------------- models

@dataclass
class MicroDeposits:
    amounts: tuple[int, int]
    created: str
    status: str = "pending"             # pending | processed | failed
    failure_code: str | None = None
    attempts: int = 0
    max_attempts_reached: bool = False


@dataclass
class FundingSource:
    id: str
    owner_kind: str                     # "customer" | "account"
    owner_id: str
    name: str
    type: str = "bank"                  # bank | balance
    routing_number: str = ""
    account_number: str = ""
    bank_account_type: str | None = "checking"
    status: str = "unverified"
    removed: bool = False
    created: str = field(default_factory=now_iso)
    micro: MicroDeposits | None = None

    @property
    def bank_name(self) -> str:
        return BANK_NAMES.get(self.routing_number, DEFAULT_BANK_NAME)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.routing_number}:{self.account_number}".encode()).hexdigest()


@dataclass
class Transfer:
    id: str
    source_fs: str
    destination_fs: str
    amount_cents: int
    metadata: dict | None
    correlation_id: str | None
    customer_id: str | None             # the customer side of the transfer (drives topics and outcome)
    plan: tuple[str | None, bool]       # (return code, late)
    status: str = "pending"             # pending | processed | failed | cancelled
    currency: str = "USD"               # always USD at Dwolla; tests may change it to play a processor bug
    created: str = field(default_factory=now_iso)
    failure_code: str | None = None
    failed_fs: str | None = None
    return_due: bool = False            # processed, and a late return is still to come
    individual_ach_id: str = field(default_factory=lambda: "I" + secrets.token_hex(4).upper()[:7])


@dataclass
class Fault:
    id: str
    path_prefix: str
    method: str | None
    status: int | None
    count: int
    delay_seconds: float
    after_commit: bool
    body: dict | None
    headers: dict | None = None  # e.g. {"Retry-After": "2"} on a 429


# ------------------------------------------------------------------------------------------------ server

class AchSandbox(LoopbackServer):
    """The sandbox in a background thread (tests and the local stack start it the same way as FakeStripe)."""

    thread_name = "ach-sandbox"

    def __init__(self, port: int = 0, settle_seconds: float | None = 5.0, webhook_retry_seconds: float = 1.0,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 account_id: str = DEFAULT_ACCOUNT_ID,
                 merchant_funding_source_id: str = DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
                 token_ttl_seconds: int = 3600, webhook_max_retries: int = len(WEBHOOK_RETRY_UNITS),
                 webhook_timeout_seconds: float = 10.0, micro_deposit_amounts: tuple[str, str] = ("0.03", "0.09"),
                 random_micro_deposits: bool = False, idempotency_ttl_seconds: int = 24 * 3600):
        super().__init__(port)
        self.settle_seconds = settle_seconds if settle_seconds is not None and settle_seconds >= 0 else None
        self.webhook_retry_seconds = webhook_retry_seconds
        self.webhook_max_retries = webhook_max_retries
        self.webhook_timeout_seconds = webhook_timeout_seconds
        self.client_id = client_id
        self.client_secret = client_secret
        self.account_id = account_id
        self.merchant_funding_source_id = merchant_funding_source_id
        self.token_ttl_seconds = token_ttl_seconds
        self.micro_deposit_amounts = tuple(parse_amount(v) for v in micro_deposit_amounts)
        self.random_micro_deposits = random_micro_deposits
        self.idempotency_ttl_seconds = idempotency_ttl_seconds
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._reset_state()

    # ---- lifecycle

    async def _before_stop(self) -> None:
        self._cancel_background()
        if self._session is not None:
            await self._session.close()

    def reset(self) -> None:
        """Forget everything (customers, transfers, subscriptions, tokens, faults) from any thread."""
        async def do_reset():
            self._cancel_background()
            self._reset_state()
        asyncio.run_coroutine_threadsafe(do_reset(), self._loop).result(10)

    def _cancel_background(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        self._timers.clear()
        self._tasks.clear()

    def _reset_state(self) -> None:
        self.clock_offset = timedelta(0)  # the sandbox's own clock: POST /sandbox/clock moves it
        self.blocklist: set[tuple[str, str]] = set()  # (routing, account) of banks a return code blocklisted
        self.tokens: dict[str, float] = {}
        self.customers: dict[str, dict] = {}
        self.funding_sources: dict[str, FundingSource] = {}
        self.transfers: dict[str, Transfer] = {}
        self.events: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.webhooks: dict[str, dict] = {}
        self.idempotency: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self._rng = random.Random(1234)
        self.funding_sources[self.merchant_funding_source_id] = FundingSource(
            id=self.merchant_funding_source_id, owner_kind="account", owner_id=self.account_id,
            name="Merchant Operating Account", routing_number="222222226", account_number="9876543210",
            status="verified")
        self.funding_sources[DEFAULT_BALANCE_FUNDING_SOURCE_ID] = FundingSource(
            id=DEFAULT_BALANCE_FUNDING_SOURCE_ID, owner_kind="account", owner_id=self.account_id, name="Balance",
            type="balance", bank_account_type=None, status="verified")

    # ---- time

    def now(self) -> datetime:
        """What the sandbox takes as now: real UTC time moved by POST /sandbox/clock. It dates resources and events,
        expires idempotency keys (24 h), places transfers in their Dwolla week and times the 48 h re-activation."""
        return datetime.now(UTC) + self.clock_offset

    def now_iso(self) -> str:
        return iso_ms(self.now())

    def set_clock(self, *, now: datetime | None = None, advance_seconds: float = 0.0) -> datetime:
        """Move the sandbox's clock to `now` (or by `advance_seconds`); any thread."""
        if now is not None:
            self.clock_offset = now.astimezone(UTC) - datetime.now(UTC)
        self.clock_offset += timedelta(seconds=advance_seconds)
        return self.now()

    def _later(self, delay: float, callback, *args) -> None:
        handle = None

        def run():
            self._timers.discard(handle)
            callback(*args)

        handle = self._loop.call_later(delay, run)
        self._timers.add(handle)

    def _spawn(self, coro) -> asyncio.Task:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---- links

    def href(self, path: str) -> str:
        return f"{self.url}{path}"

    def link(self, path: str, resource_type: str) -> dict:
        return {"href": self.href(path), "type": HAL, "resource-type": resource_type}

    # ---- app

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors_mw, self._faults_mw, self._auth_mw, self._idempotency_mw])
        r = app.router
        r.add_post("/token", self.token)
        r.add_get("/", self.root)
        r.add_get("/accounts/{id}", self.get_account)
        r.add_get("/accounts/{id}/funding-sources", self.list_account_funding_sources)
        r.add_get("/accounts/{id}/transfers", self.list_account_transfers)
        r.add_post("/customers", self.create_customer)
        r.add_get("/customers/{id}", self.get_customer)
        r.add_post("/customers/{id}", self.update_customer)
        r.add_post("/customers/{id}/funding-sources", self.create_funding_source)
        r.add_get("/customers/{id}/funding-sources", self.list_customer_funding_sources)
        r.add_get("/customers/{id}/transfers", self.list_customer_transfers)
        r.add_get("/funding-sources/{id}", self.get_funding_source)
        r.add_post("/funding-sources/{id}", self.update_funding_source)
        r.add_post("/funding-sources/{id}/micro-deposits", self.micro_deposits)
        r.add_get("/funding-sources/{id}/micro-deposits", self.get_micro_deposits)
        r.add_post("/transfers", self.create_transfer)
        r.add_get("/transfers/{id}", self.get_transfer)
        r.add_post("/transfers/{id}", self.update_transfer)
        r.add_get("/transfers/{id}/failure", self.get_transfer_failure)
        r.add_post("/webhook-subscriptions", self.create_subscription)
        r.add_get("/webhook-subscriptions", self.list_subscriptions)
        r.add_get("/webhook-subscriptions/{id}", self.get_subscription)
        r.add_post("/webhook-subscriptions/{id}", self.update_subscription)
        r.add_delete("/webhook-subscriptions/{id}", self.delete_subscription)
        r.add_get("/webhook-subscriptions/{id}/webhooks", self.list_subscription_webhooks)
        r.add_get("/webhooks/{id}", self.get_webhook)
        r.add_get("/events", self.list_events)
        r.add_get("/events/{id}", self.get_event)
        r.add_post("/sandbox-simulations", self.sandbox_simulations)
        # sandbox-only control endpoints (no auth)
        r.add_get("/sandbox/funding-sources/{id}/micro-deposits", self.sandbox_micro_deposit_amounts)
        r.add_post("/sandbox/customers/{id}", self.sandbox_customer)
        r.add_get("/sandbox/clock", self.sandbox_clock)
        r.add_post("/sandbox/clock", self.sandbox_clock)
        r.add_post("/sandbox/faults", self.add_fault)
        r.add_get("/sandbox/faults", self.list_faults)
        r.add_delete("/sandbox/faults", self.clear_faults)
        r.add_post("/sandbox/reset", self.sandbox_reset)
        return app

    # ---- middlewares (outermost first)

    @web.middleware
    async def _errors_mw(self, request, handler):
        try:
            return await handler(request)
        except BadRequest:
            return error_response(400, "BadRequest", "The request body contains bad syntax or is incomplete.")
        except web.HTTPNotFound:
            return not_found()
        except web.HTTPMethodNotAllowed:
            return error_response(405, "MethodNotAllowed", f"{request.method} is not allowed on this resource.")

    @web.middleware
    async def _faults_mw(self, request, handler):
        if request.path.startswith("/sandbox/"):
            return await handler(request)
        fault = next((f for f in self.faults if request.path.startswith(f.path_prefix)
                      and (f.method is None or f.method == request.method)), None)
        if fault is None:
            return await handler(request)
        fault.count -= 1
        if fault.count <= 0:
            self.faults.remove(fault)
        response = await handler(request) if fault.after_commit else None
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.status is None:
            return response if response is not None else await handler(request)
        body = fault.body or error_body("ServerError", f"A server error occurred. Error ID: {uuid.uuid4()}.")
        return hal_response(body, status=fault.status, headers=fault.headers)

    @web.middleware
    async def _auth_mw(self, request, handler):
        if request.path == "/token" or request.path.startswith("/sandbox/"):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return error_response(401, "InvalidCredentials", "Missing or invalid Authorization header.")
        expires = self.tokens.get(header[7:].strip())
        if expires is None:
            return error_response(401, "InvalidAccessToken", "Invalid access token.")
        if time.monotonic() >= expires:
            return error_response(401, "ExpiredAccessToken", "Generate a new access token using your client "
                                  "credentials.")
        if HAL not in request.headers.get("Accept", ""):
            return error_response(406, "InvalidVersion", "Missing or invalid API version.")
        return await handler(request)

    @web.middleware
    async def _idempotency_mw(self, request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or request.path == "/token":
            return await handler(request)
        now = self.now().timestamp()  # keys expire after 24 hours of the sandbox's clock
        for stale in [k for k, v in self.idempotency.items() if v["expires"] <= now]:
            del self.idempotency[stale]
        # Dwolla replays only an "exact match request body"; the same endpoint is part of the match here.
        fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + await request.read()).hexdigest()
        entry = self.idempotency.get(key)
        if entry is not None:
            if entry["fingerprint"] != fingerprint:
                return error_response(422, "InvalidIdempotencyKey", "This Idempotency-Key was already used with a "
                                      "different request. Use a new key for a new request.")
            if entry["response"] is None:
                return error_response(409, "Conflict", "The original request with this Idempotency-Key is "
                                      "still being processed.")
            status, headers, body = entry["response"]
            replay = dict(headers, **{"X-Sandbox-Idempotent-Replay": "true"})
            return web.Response(body=body, status=status, headers=replay)
        entry = self.idempotency[key] = {"expires": now + self.idempotency_ttl_seconds, "response": None,
                                         "fingerprint": fingerprint}
        try:
            response = await handler(request)
        except BaseException:
            self.idempotency.pop(key, None)
            raise
        # Only a success is kept (202 TryAgainLater is a "not yet", not a result): after a 4xx or 5xx the same
        # key can carry a corrected request.
        if not 200 <= response.status < 300 or response.status == 202 or not isinstance(response, web.Response):
            self.idempotency.pop(key, None)
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() in ("location", "content-type")}
        entry["response"] = (response.status, headers, response.body or b"")
        return response

    # ---- OAuth

    async def token(self, request):
        raw = (await request.read()).decode(errors="replace")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                client_id = client_secret = None
        if client_id != self.client_id or client_secret != self.client_secret:
            return web.json_response({"error": "invalid_client", "error_description": "Invalid client "
                                      "credentials."}, status=401)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        access_token = secrets.token_urlsafe(36)
        self.tokens[access_token] = time.monotonic() + self.token_ttl_seconds
        return web.json_response({"access_token": access_token, "token_type": "bearer",
                                  "expires_in": self.token_ttl_seconds})

    # ---- root and account

    async def root(self, request):
        return hal_response({"_links": {"account": self.link(f"/accounts/{self.account_id}", "account"),
                                        "customers": self.link("/customers", "customer"),
                                        "events": self.link("/events", "event"),
                                        "webhook-subscriptions": self.link("/webhook-subscriptions",
                                                                           "webhook-subscription")}})

    async def get_account(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        base = f"/accounts/{self.account_id}"
        return hal_response({
            "_links": {"self": self.link(base, "account"), "receive": self.link("/transfers", "transfer"),
                       "funding-sources": self.link(f"{base}/funding-sources", "funding-source"),
                       "customers": self.link("/customers", "customer"), "send": self.link("/transfers",
                                                                                            "transfer")},
            "id": self.account_id, "name": "Sandbox Merchant", "timezoneOffset": -6, "type": "Commercial"})

    async def list_account_funding_sources(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        return self._funding_source_list(f"/accounts/{self.account_id}/funding-sources", "account",
                                         self.account_id, request)

    def _funding_source_list(self, path: str, owner_kind: str, owner_id: str, request) -> web.Response:
        include_removed = request.query.get("removed", "true") != "false"
        items = [self.funding_source_body(fs) for fs in self.funding_sources.values()
                 if fs.owner_kind == owner_kind and fs.owner_id == owner_id and (include_removed or not fs.removed)]
        return hal_response({"_links": {"self": self.link(path, "funding-source")},
                             "_embedded": {"funding-sources": items}, "total": len(items)})

    # ---- customers

    def customer_body(self, customer: dict) -> dict:
        path = f"/customers/{customer['id']}"
        links = {"self": self.link(path, "customer"),
                 "funding-sources": self.link(f"{path}/funding-sources", "funding-source"),
                 "transfers": self.link(f"{path}/transfers", "transfer")}
        if customer["status"] not in RESTRICTED:
            links["send"] = self.link("/transfers", "transfer")
        body = {"_links": links, "id": customer["id"], "firstName": customer["firstName"],
                "lastName": customer["lastName"], "email": customer["email"], "type": customer["type"],
                "status": customer["status"], "created": customer["created"]}
        for name in ("businessName", "correlationId"):
            if customer.get(name):
                body[name] = customer[name]
        return body

    async def create_customer(self, request):
        body = await read_json(request)
        errors = []
        for name in ("firstName", "lastName", "email"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                errors.append(("Required", f"{name[0].upper()}{name[1:]} is required.", f"/{name}"))
        errors += name_errors(body)
        if body.get("type", "unverified") not in ("unverified", "receive-only"):
            errors.append(("Invalid", "Type invalid: the sandbox creates unverified and receive-only customers "
                           "(POST /sandbox/customers/{id} plays a verification).", "/type"))
        email = body.get("email")
        if isinstance(email, str) and email.strip() and not _EMAIL.match(email.strip()):
            errors.append(("InvalidFormat", "Email invalid.", "/email"))
        correlation_id = body.get("correlationId")
        valid = isinstance(correlation_id, str) and _CORRELATION_ID.match(correlation_id)
        if correlation_id is not None and not valid:
            errors.append(("InvalidFormat", "CorrelationId must be less than 255 characters and contain only "
                           "letters, digits, '-', '.' and '_'.", "/correlationId"))
        if errors:
            return validation_error(*errors)
        # Dwolla keeps a customer's email and its correlationId unique: each clash is its own Duplicate error,
        # naming the customer that has it.
        duplicates = [(field, c) for c in self.customers.values() for field, same in (
            ("email", c["email"].lower() == email.strip().lower()),
            ("correlationId", correlation_id is not None and c.get("correlationId") == correlation_id)) if same]
        if duplicates:
            return validation_error(*[("Duplicate", f"A customer with the specified {field} already exists.",
                                       f"/{field}", self.href(f"/customers/{c['id']}")) for field, c in duplicates])
        customer_id = str(uuid.uuid4())
        kind = body.get("type", "unverified")
        self.customers[customer_id] = {"id": customer_id, "firstName": body["firstName"].strip(),
                                       "lastName": body["lastName"].strip(), "email": email.strip(),
                                       "businessName": body.get("businessName") or None, "type": kind,
                                       "status": "unverified", "correlationId": correlation_id,
                                       "created": self.now_iso()}
        self.emit("customer_created", "customers", customer_id, customer_id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/customers/{customer_id}")})

    async def get_customer(self, request):
        customer = self.customers.get(request.match_info["id"])
        return hal_response(self.customer_body(customer)) if customer else not_found("Customer not found.")

    async def update_customer(self, request):
        """Dwolla's "Update a customer", its status part: `suspended`, `deactivated` (not while suspended),
        `reactivated` (a deactivated customer returns to its status before; a suspended one only through Dwolla,
        here POST /sandbox/customers/{id})."""
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        status = body.get("status")
        if set(body) - {"status"} or status not in ("suspended", "deactivated", "reactivated"):
            return validation_error(("Invalid", "Status invalid: the sandbox updates a customer's status only "
                                     "(suspended, deactivated, reactivated).", "/status"))
        current = customer["status"]
        if (status, current) == ("deactivated", "suspended") or (status == "reactivated" and current != "deactivated"):
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        self._set_customer_status(customer, customer.get("before_restricted", "unverified")
                                  if status == "reactivated" else status)
        return hal_response(self.customer_body(customer))

    def _set_customer_status(self, customer: dict, status: str) -> None:
        """Change a customer's status and send the event Dwolla sends for it ("Webhook events")."""
        before = customer["status"]
        if status == before:
            return
        if before not in RESTRICTED:
            customer["before_restricted"] = before
        customer["status"] = status
        topic = {"suspended": "customer_suspended", "deactivated": "customer_deactivated"}.get(
            status, "customer_activated" if before in RESTRICTED else "customer_verified" if status == "verified"
            else None)
        if topic:
            self.emit(topic, "customers", customer["id"], customer["id"])

    async def list_customer_funding_sources(self, request):
        customer_id = request.match_info["id"]
        if customer_id not in self.customers:
            return not_found("Customer not found.")
        return self._funding_source_list(f"/customers/{customer_id}/funding-sources", "customer", customer_id,
                                         request)

    async def list_customer_transfers(self, request):
        customer_id = request.match_info["id"]
        if customer_id not in self.customers:
            return not_found("Customer not found.")
        return self._transfer_list(f"/customers/{customer_id}/transfers", request,
                                   lambda t: t.customer_id == customer_id)

    async def list_account_transfers(self, request):
        if request.match_info["id"] != self.account_id:
            return not_found("Account not found.")
        return self._transfer_list(f"/accounts/{self.account_id}/transfers", request, lambda t: True)

    def _transfer_list(self, path: str, request, belongs) -> web.Response:
        """Dwolla's "List and search transfers" (for a customer, for an account): newest first, filtered by
        `correlationId` and `status` when given, `limit` (default 25) and `offset`."""
        query = request.query
        chosen = [t for t in reversed(list(self.transfers.values())) if belongs(t)
                  and query.get("correlationId", t.correlation_id) == t.correlation_id
                  and query.get("status", t.status) == t.status]
        try:
            limit, offset = max(1, min(int(query.get("limit", 25)), 200)), max(0, int(query.get("offset", 0)))
        except ValueError:
            return validation_error(("Invalid", "Limit or offset invalid.", "/limit"))
        items = [self.transfer_body(t) for t in chosen[offset:offset + limit]]
        return hal_response({"_links": {"self": self.link(path, "transfer")},
                             "_embedded": {"transfers": items}, "total": len(chosen)})

    # ---- funding sources

    def funding_source_body(self, fs: FundingSource) -> dict:
        path = f"/funding-sources/{fs.id}"
        links = {"self": self.link(path, "funding-source")}
        if fs.owner_kind == "customer":
            links["customer"] = self.link(f"/customers/{fs.owner_id}", "customer")
        else:
            links["account"] = self.link(f"/accounts/{fs.owner_id}", "account")
        if not fs.removed:
            if fs.owner_kind == "customer":
                links["remove"] = self.link(path, "funding-source")
            if fs.status == "verified":
                links["transfer-send"] = self.link("/transfers", "transfer")
            links["transfer-receive"] = self.link("/transfers", "transfer")
            micro = fs.micro
            if fs.status == "unverified" and fs.type == "bank":
                if micro is None:
                    links["initiate-micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
                elif micro.max_attempts_reached:
                    links["failed-verification-micro-deposits"] = self.link(f"{path}/micro-deposits",
                                                                            "micro-deposits")
                elif micro.status == "processed":
                    links["verify-micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
            if micro is not None:
                links["micro-deposits"] = self.link(f"{path}/micro-deposits", "micro-deposits")
        body = {"_links": links, "id": fs.id, "status": fs.status, "type": fs.type, "name": fs.name,
                "created": fs.created, "removed": fs.removed}
        if fs.type == "bank":
            body.update(bankAccountType=fs.bank_account_type, channels=["ach"], bankName=fs.bank_name,
                        fingerprint=fs.fingerprint)
        return body

    async def create_funding_source(self, request):
        customer_id = request.match_info["id"]
        customer = self.customers.get(customer_id)
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        routing, account = body.get("routingNumber"), body.get("accountNumber")
        account_type, name = body.get("bankAccountType"), body.get("name")
        errors = []
        if not isinstance(routing, str) or not routing:
            errors.append(("Required", "RoutingNumber is required.", "/routingNumber"))
        elif not re.fullmatch(r"\d{9}", routing):
            errors.append(("InvalidFormat", "Routing number must be exactly 9 characters.", "/routingNumber"))
        elif not routing_number_valid(routing):
            errors.append(("Invalid", "Routing number invalid.", "/routingNumber"))
        if not isinstance(account, str) or not account:
            errors.append(("Required", "AccountNumber is required.", "/accountNumber"))
        elif not re.fullmatch(r"\d{4,17}", account):
            errors.append(("InvalidFormat", "Account number must be a numeric string of 4-17 digits.",
                           "/accountNumber"))
        if not isinstance(account_type, str) or not account_type:
            errors.append(("Required", "BankAccountType is required.", "/bankAccountType"))
        elif account_type not in ("checking", "savings"):
            errors.append(("Invalid", "BankAccountType invalid.", "/bankAccountType"))
        if not isinstance(name, str) or not name.strip():
            errors.append(("Required", "Name is required.", "/name"))
        elif len(name) > 50:
            errors.append(("InvalidFormat", "Name must be 50 characters or less.", "/name"))
        if errors:
            return validation_error(*errors)
        if (routing, account) in self.blocklist:
            return validation_error(("Invalid", "Bank account is blocklisted.", "/accountNumber"))
        owned = [fs for fs in self.funding_sources.values()
                 if fs.owner_kind == "customer" and fs.owner_id == customer_id]
        active = [fs for fs in owned if not fs.removed]
        duplicate = next((fs for fs in active if fs.routing_number == routing and fs.account_number == account),
                         None)
        if duplicate:
            return error_response(400, "DuplicateResource", f"Bank already exists: id={duplicate.id}",
                                  _links={"about": self.link(f"/funding-sources/{duplicate.id}",
                                                             "funding-source")})
        if len(active) >= MAX_CUSTOMER_BANKS:
            return error_response(400, "MaxNumberOfResources", "The maximum number of banks have been added.")
        # "Remove a funding source": an unverified bank removed and added again within 48 hours of its creation
        # is re-activated, keeping its id (and, here, its micro-deposits: Dwolla's guide says to wait those 48
        # hours after failed attempts before verifying again).
        revived = next((fs for fs in owned if fs.removed and fs.status == "unverified" and fs.type == "bank"
                        and (fs.routing_number, fs.account_number) == (routing, account)
                        and (self.now() - parse_iso(fs.created)).total_seconds() < REACTIVATION_WINDOW_SECONDS),
                       None)
        if revived is not None:
            revived.removed = False
            fs = revived
        else:
            fs = FundingSource(id=str(uuid.uuid4()), owner_kind="customer", owner_id=customer_id, name=name.strip(),
                               routing_number=routing, account_number=account, bank_account_type=account_type,
                               created=self.now_iso())
            self.funding_sources[fs.id] = fs
        self.emit("customer_funding_source_added", "funding-sources", fs.id, customer_id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/funding-sources/{fs.id}")})

    async def get_funding_source(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        return hal_response(self.funding_source_body(fs)) if fs else not_found("Funding source not found.")

    async def update_funding_source(self, request):
        """Dwolla's update/remove: {"name": ...} renames, {"removed": true} removes."""
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None:
            return not_found("Funding source not found.")
        body = await read_json(request)
        if fs.owner_kind != "customer":
            return error_response(403, "Forbidden", "The supplied credentials are not authorized for this "
                                  "resource.")
        if body.get("removed") is True:
            if not fs.removed:
                self._remove_funding_source(fs)
            return hal_response(self.funding_source_body(fs))
        if fs.removed:
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            return validation_error(("Invalid", "Name invalid.", "/name"))
        fs.name = name.strip()
        self.emit("customer_funding_source_updated", "funding-sources", fs.id, fs.owner_id)
        return hal_response(self.funding_source_body(fs))

    def _remove_funding_source(self, fs: FundingSource) -> None:
        fs.removed = True
        self.emit("customer_funding_source_removed", "funding-sources", fs.id, fs.owner_id)

    async def micro_deposits(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.removed or fs.owner_kind != "customer":
            return not_found("Funding source not found.")
        body = await read_json(request)
        if "amount1" not in body and "amount2" not in body:
            return self._initiate_micro_deposits(fs)
        return self._verify_micro_deposits(fs, body)

    def _initiate_micro_deposits(self, fs: FundingSource) -> web.Response:
        if fs.status == "verified":
            return error_response(403, "InvalidResourceState", "Bank already verified.")
        if fs.micro is not None:
            return error_response(400, "MaxNumberOfResources", "Micro-deposits already initiated for this "
                                  "funding source.")
        if self.random_micro_deposits:
            first = self._rng.randint(1, 9)
            amounts = (first, self._rng.choice([c for c in range(1, 10) if c != first]))
        else:
            amounts = self.micro_deposit_amounts
        fs.micro = MicroDeposits(amounts=amounts, created=self.now_iso())
        self.emit("customer_microdeposits_added", "funding-sources", fs.id, fs.owner_id)
        if self.settle_seconds is not None:
            self._later(self.settle_seconds, self._settle_micro_deposits, fs.id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/funding-sources/{fs.id}/"
                                                                             "micro-deposits")})

    def _verify_micro_deposits(self, fs: FundingSource, body: dict) -> web.Response:
        micro = fs.micro
        if micro is None:
            return not_found("Micro-deposits not initiated.")
        if fs.status == "verified":
            return error_response(403, "InvalidResourceState", "Bank already verified.")
        if micro.max_attempts_reached:
            return error_response(403, "InvalidResourceState", "Too many attempts.")
        errors, given = [], []
        for name in ("amount1", "amount2"):
            amount = body.get(name)
            cents = parse_amount(amount.get("value")) if isinstance(amount, dict) else None
            if cents is None or not isinstance(amount, dict) or amount.get("currency") != "USD":
                errors.append(("InvalidFormat", f"Invalid {name}.", f"/{name}/value"))
            given.append(cents)
        if errors:
            return validation_error(*errors)
        if micro.status == "failed":
            return error_response(403, "InvalidResourceState", "Micro-deposits failed to clear; remove the bank "
                                  "and add it again.")
        if micro.status == "pending":
            return error_response(202, "TryAgainLater", "Micro-deposits have not settled to destination bank. "
                                  "A Customer can verify these amounts after micro-deposits have processed to "
                                  "their bank.")
        # "Verify micro-deposits": an entry over $0.15 is "Invalid amount." (not counted as an attempt here: the
        # page sets it apart from the wrong amounts that are).
        too_big = [f"/amount{i}/value" for i, cents in enumerate(given, 1) if cents > MICRO_DEPOSIT_INVALID_ABOVE]
        if too_big:
            return validation_error(*[("Invalid", "Invalid amount.", path) for path in too_big])
        if sorted(given) == sorted(micro.amounts):
            fs.status = "verified"
            self.emit("customer_funding_source_verified", "funding-sources", fs.id, fs.owner_id)
            return hal_response(None, status=200)
        # Dwolla's sandbox shortcut: 0.09 + 0.09 simulates reaching the attempt limit at once.
        micro.attempts = MAX_MICRO_DEPOSIT_ATTEMPTS if given == [9, 9] else micro.attempts + 1
        if micro.attempts >= MAX_MICRO_DEPOSIT_ATTEMPTS:
            micro.max_attempts_reached = True
            self.emit("customer_microdeposits_maxattempts", "funding-sources", fs.id, fs.owner_id)
        return validation_error(("Invalid", "Wrong amount(s).", ""))

    def _settle_micro_deposits(self, fs_id: str) -> bool:
        fs = self.funding_sources.get(fs_id)
        if fs is None or fs.micro is None or fs.micro.status != "pending":
            return False
        code = MICRO_DEPOSIT_FAILURE_SUFFIXES.get(fs.account_number[-4:])
        if code:
            fs.micro.status, fs.micro.failure_code = "failed", code
            self.emit("customer_microdeposits_failed", "funding-sources", fs.id, fs.owner_id)
        else:
            fs.micro.status = "processed"
            self.emit("customer_microdeposits_completed", "funding-sources", fs.id, fs.owner_id)
        return True

    async def get_micro_deposits(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.micro is None:
            return not_found("Micro-deposits not initiated." if fs else "Funding source not found.")
        path = f"/funding-sources/{fs.id}/micro-deposits"
        links = {"self": self.link(path, "micro-deposits")}
        if fs.micro.status == "processed" and fs.status == "unverified" and not fs.micro.max_attempts_reached:
            links["verify-micro-deposits"] = self.link(path, "micro-deposits")
        body = {"_links": links, "created": fs.micro.created, "status": fs.micro.status}
        if fs.micro.failure_code:
            body["failure"] = {"code": fs.micro.failure_code,
                               "description": RETURN_CODES[fs.micro.failure_code][0]}
        return hal_response(body)

    async def sandbox_micro_deposit_amounts(self, request):
        fs = self.funding_sources.get(request.match_info["id"])
        if fs is None or fs.micro is None:
            return not_found("Micro-deposits not initiated." if fs else "Funding source not found.")
        return web.json_response({
            "amount1": {"value": format_amount(fs.micro.amounts[0]), "currency": "USD"},
            "amount2": {"value": format_amount(fs.micro.amounts[1]), "currency": "USD"},
            "status": fs.micro.status, "attempts": fs.micro.attempts,
            "maxAttemptsReached": fs.micro.max_attempts_reached})

    # ---- transfers

    def transfer_body(self, t: Transfer) -> dict:
        path = f"/transfers/{t.id}"
        source, destination = self.funding_sources[t.source_fs], self.funding_sources[t.destination_fs]
        links = {"self": self.link(path, "transfer"),
                 "source": self._owner_link(source), "destination": self._owner_link(destination),
                 "source-funding-source": self.link(f"/funding-sources/{source.id}", "funding-source"),
                 "destination-funding-source": self.link(f"/funding-sources/{destination.id}", "funding-source")}
        if t.status == "pending":
            links["cancel"] = self.link(path, "transfer")
        if t.status == "failed":
            links["failure"] = self.link(f"{path}/failure", "failure")
        body = {"_links": links, "id": t.id, "status": t.status,
                "amount": {"value": format_amount(t.amount_cents), "currency": t.currency}, "created": t.created,
                "clearing": {"source": "standard"}, "individualAchId": t.individual_ach_id}
        if t.metadata:
            body["metadata"] = t.metadata
        if t.correlation_id:
            body["correlationId"] = t.correlation_id
        return body

    def _owner_link(self, fs: FundingSource) -> dict:
        if fs.owner_kind == "customer":
            return self.link(f"/customers/{fs.owner_id}", "customer")
        return self.link(f"/accounts/{fs.owner_id}", "account")

    async def create_transfer(self, request):
        body = await read_json(request)
        links = body.get("_links") if isinstance(body.get("_links"), dict) else {}
        source_link = links.get("source") if isinstance(links.get("source"), dict) else {}
        dest_link = links.get("destination") if isinstance(links.get("destination"), dict) else {}
        errors = []
        if not source_link.get("href"):
            errors.append(("Required", "Source is required.", "/_links/source/href"))
        if not dest_link.get("href"):
            errors.append(("Required", "Destination is required.", "/_links/destination/href"))
        amount = body.get("amount")
        cents = None
        if not isinstance(amount, dict) or amount.get("value") in (None, ""):
            errors.append(("Required", "Amount is required.", "/amount/value"))
        else:
            cents = parse_amount(amount.get("value"))
            if cents is None or cents <= 0:
                errors.append(("InvalidFormat", "Invalid amount. The supplied amount must be a positive number.",
                               "/amount/value"))
            if amount.get("currency") != "USD":
                errors.append(("Invalid", "Invalid currency.", "/amount/currency"))
        metadata = body.get("metadata")
        if metadata is not None and not (
                isinstance(metadata, dict) and len(metadata) <= 10 and all(
                    isinstance(k, str) and len(k) < 255 and isinstance(v, (str, int, bool)) and len(str(v)) < 255
                    for k, v in metadata.items())):
            errors.append(("Invalid", "Invalid metadata.", "/metadata"))
        correlation_id = body.get("correlationId")
        if correlation_id is not None and (not isinstance(correlation_id, str)
                                           or not _CORRELATION_ID.match(correlation_id)):
            errors.append(("InvalidFormat", "Correlation id must be at least one character and up to 255 "
                           "characters when supplied.", "/correlationId"))
        if errors:
            return validation_error(*errors)
        source = self.funding_sources.get(id_from_href(source_link["href"], "funding-sources") or "")
        destination = self.funding_sources.get(id_from_href(dest_link["href"], "funding-sources") or "")
        if source is None or source.removed:
            return validation_error(("Invalid", "Funding source not found.", "/_links/source/href"))
        if destination is None:
            return validation_error(("Invalid", "Receiver not found.", "/_links/destination/href"))
        if source.status != "verified":
            return validation_error(("Invalid", "Invalid funding source.", "/_links/source/href"))
        if destination.removed:
            return validation_error(("Invalid", "Invalid destination funding source.", "/_links/destination/href"))
        if (source.owner_kind, source.owner_id) == (destination.owner_kind, destination.owner_id):
            return validation_error(("Invalid", "Receiver cannot be the owner of the source funding source.",
                                     "/_links/destination/href"))
        for fs, who, path in ((source, "Sender", "/_links/source/href"),
                              (destination, "Receiver", "/_links/destination/href")):
            if fs.owner_kind == "customer" and self.customers[fs.owner_id]["status"] in RESTRICTED:
                return validation_error(("Restricted", f"{who} restricted.", path))
        if source.owner_kind == "customer" and cents > self._send_allowance(self.customers[source.owner_id]):
            return validation_error(("Invalid", "Invalid amount. The supplied amount is greater than your "
                                     "transaction limit.", "/amount/value"))
        customer_fs = source if source.owner_kind == "customer" else destination
        plan = settlement_plan(customer_fs.account_number, customer_fs.name) if customer_fs.owner_kind == \
            "customer" else (None, False)
        transfer = Transfer(id=str(uuid.uuid4()), source_fs=source.id, destination_fs=destination.id,
                            amount_cents=cents, metadata=metadata or None, correlation_id=correlation_id,
                            customer_id=customer_fs.owner_id if customer_fs.owner_kind == "customer" else None,
                            plan=plan, created=self.now_iso())
        self.transfers[transfer.id] = transfer
        self.emit_transfer(transfer, "created")
        if self.settle_seconds is not None:
            self._later(self.settle_seconds, self._settle_transfer, transfer.id)
        return hal_response(None, status=201, headers={"Location": self.href(f"/transfers/{transfer.id}")})

    def _send_allowance(self, customer: dict) -> int:
        """Cents the customer may still send now: its type's limit ("Customer Types"); for an unverified customer
        $5,000 less what it sent this Dwolla week (Monday to Sunday UTC) in transfers pending or processed."""
        period, limit = SEND_LIMITS[customer["type"]]
        if period == "transfer":
            return limit
        start, end = week_of(self.now())
        sent = sum(t.amount_cents for t in self.transfers.values()
                   if t.status in ("pending", "processed") and start <= parse_iso(t.created) < end
                   and self.funding_sources[t.source_fs].owner_kind == "customer"
                   and self.funding_sources[t.source_fs].owner_id == customer["id"])
        return max(0, limit - sent)

    async def get_transfer(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        return hal_response(self.transfer_body(transfer)) if transfer else not_found("Transfer not found.")

    async def update_transfer(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        if transfer is None:
            return not_found("Transfer not found.")
        body = await read_json(request)
        if body.get("status") != "cancelled":
            return validation_error(("Invalid", "Status invalid.", "/status"))
        if transfer.status != "pending":
            return error_response(403, "InvalidResourceState", "Resource cannot be modified.")
        transfer.status = "cancelled"
        self.emit_transfer(transfer, "cancelled")
        return hal_response(self.transfer_body(transfer))

    async def get_transfer_failure(self, request):
        transfer = self.transfers.get(request.match_info["id"])
        if transfer is None or transfer.status != "failed":
            return not_found("Transfer failure not found." if transfer else "Transfer not found.")
        description, explanation, *_actions = RETURN_CODES[transfer.failure_code]
        failed = self.funding_sources[transfer.failed_fs]
        links = {"self": self.link(f"/transfers/{transfer.id}/failure", "failure"),
                 "failed-funding-source": self.link(f"/funding-sources/{failed.id}", "funding-source")}
        if failed.owner_kind == "customer":
            links["customer"] = self.link(f"/customers/{failed.owner_id}", "customer")
        return hal_response({"_links": links, "code": transfer.failure_code, "description": description,
                             "explanation": explanation})

    def _settle_transfer(self, transfer_id: str) -> bool:
        """pending -> processed or failed, by the settlement plan; a late return is scheduled for later."""
        transfer = self.transfers.get(transfer_id)
        if transfer is None or transfer.status != "pending":
            return False
        code, late = transfer.plan
        if code is None or late:
            transfer.status = "processed"
            self.emit_transfer(transfer, "completed")
            if code is not None:
                transfer.return_due = True
                if self.settle_seconds is not None:
                    self._later(self.settle_seconds, self._return_transfer, transfer.id)
        else:
            self._fail_transfer(transfer, code)
        return True

    def _return_transfer(self, transfer_id: str) -> bool:
        transfer = self.transfers.get(transfer_id)
        if transfer is None or not transfer.return_due or transfer.status != "processed":
            return False
        transfer.return_due = False
        self._fail_transfer(transfer, transfer.plan[0])
        return True

    def _fail_transfer(self, transfer: Transfer, code: str) -> None:
        transfer.status, transfer.failure_code = "failed", code
        customer_fs = self.funding_sources[transfer.source_fs]
        if customer_fs.owner_kind != "customer":
            customer_fs = self.funding_sources[transfer.destination_fs]
        transfer.failed_fs = customer_fs.id
        self.emit_transfer(transfer, "failed")
        if customer_fs.owner_kind == "customer":
            self._act_on_return(code, customer_fs)

    def _act_on_return(self, code: str, fs: FundingSource) -> None:
        """The systematic actions of Dwolla's "Transfer Failures" table for a return code, each with its event:
        the bank unverified (it may be verified again with new micro-deposits), removed, blocklisted (it cannot be
        added again); the customer suspended (unless already deactivated) or deactivated."""
        _description, _explanation, customer_action, unverify, remove, blocklist = RETURN_CODES[code]
        if unverify and fs.status == "verified":
            fs.status, fs.micro = "unverified", None
            self.emit("customer_funding_source_unverified", "funding-sources", fs.id, fs.owner_id)
        if remove and not fs.removed:
            self._remove_funding_source(fs)
        if blocklist:
            self.blocklist.add((fs.routing_number, fs.account_number))
        customer = self.customers[fs.owner_id]
        if customer_action == "deactivated" or (customer_action == "suspended"
                                                 and customer["status"] != "deactivated"):
            self._set_customer_status(customer, customer_action)

    async def sandbox_simulations(self, request):
        """Dwolla's sandbox endpoint: process every pending bank transfer (and micro-deposits). A late return
        needs a second call, as with Dwolla's "R01-late" sentinel ("process bank transfers twice")."""
        total = 0
        for transfer in list(self.transfers.values()):
            if transfer.return_due and transfer.status == "processed":
                total += self._return_transfer(transfer.id)
        for transfer in list(self.transfers.values()):
            if transfer.status == "pending":
                total += self._settle_transfer(transfer.id)
        for fs in list(self.funding_sources.values()):
            if fs.micro is not None and fs.micro.status == "pending":
                total += self._settle_micro_deposits(fs.id)
        return hal_response({"_links": {"self": self.link("/sandbox-simulations", "sandbox-simulation")},
                             "total": total})

    # ---- events and webhooks

    def emit_transfer(self, transfer: Transfer, action: str) -> None:
        """customer_transfer_<action> for the Customer (unverified Customer bank <-> Account), then
        transfer_<action> for the Master Account, as in Dwolla's transfer-lifecycle examples."""
        if transfer.customer_id:
            self.emit(f"customer_transfer_{action}", "transfers", transfer.id, transfer.customer_id,
                      transfer.correlation_id)
        self.emit(f"transfer_{action}", "transfers", transfer.id, None, transfer.correlation_id)

    def emit(self, topic: str, collection: str, resource_id: str, customer_id: str | None,
             correlation_id: str | None = None) -> dict:
        event_id = str(uuid.uuid4())
        stamp = self.now_iso()
        links = {"self": {"href": self.href(f"/events/{event_id}")},
                 "account": {"href": self.href(f"/accounts/{self.account_id}")},
                 "resource": {"href": self.href(f"/{collection}/{resource_id}")}}
        if customer_id:
            links["customer"] = {"href": self.href(f"/customers/{customer_id}")}
        event = {"id": event_id, "resourceId": resource_id, "topic": topic, "timestamp": stamp, "_links": links,
                 "created": stamp}
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

    async def _deliver(self, event: dict, subscription: dict, first_only: bool = False,
                       webhook: dict | None = None) -> None:
        raw = json.dumps(event).encode()
        signature = hmac.new(subscription["secret"].encode(), raw, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Dwolla-Topic": event["topic"],
                   "X-Request-Signature-SHA-256": signature}
        if webhook is None:
            webhook = {"id": str(uuid.uuid4()), "topic": event["topic"], "accountId": self.account_id,
                       "eventId": event["id"], "subscriptionId": subscription["id"], "attempts": []}
            self.webhooks[webhook["id"]] = webhook
        if self._session is None:
            self._session = aiohttp.ClientSession()
        delays = [self.webhook_retry_seconds * unit for unit in WEBHOOK_RETRY_UNITS[:self.webhook_max_retries]]
        for attempt in range(len(webhook["attempts"]), len(delays) + 1):
            if self.subscriptions.get(subscription["id"]) is not subscription:
                return      # deleted meanwhile
            record = {"id": str(uuid.uuid4()),
                      "request": {"created": now_iso(), "url": subscription["url"],
                                  "headers": [{"name": k, "value": v} for k, v in headers.items()],
                                  "body": event}}
            webhook["attempts"].append(record)
            try:
                async with self._session.post(subscription["url"], data=raw, headers=headers, allow_redirects=False,
                                              timeout=aiohttp.ClientTimeout(total=self.webhook_timeout_seconds)) \
                        as response:
                    text = await response.text(errors="replace")
                    record["response"] = {"created": now_iso(), "statusCode": response.status, "body": text[:2000],
                                          "headers": [{"name": k, "value": v} for k, v in response.headers.items()]}
                    delivered = 200 <= response.status < 300
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                record["response"] = {"created": now_iso(), "statusCode": None, "body": f"{type(exc).__name__}: "
                                      f"{exc}", "headers": []}
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

    def subscription_body(self, subscription: dict) -> dict:
        path = f"/webhook-subscriptions/{subscription['id']}"
        return {"_links": {"self": self.link(path, "webhook-subscription"),
                           "webhooks": self.link(f"{path}/webhooks", "webhook")},
                "id": subscription["id"], "url": subscription["url"], "paused": subscription["paused"],
                "created": subscription["created"]}

    async def create_subscription(self, request):
        body = await read_json(request)
        url, secret = body.get("url"), body.get("secret")
        errors = []
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors.append(("Required" if not url else "Invalid", "Url is required." if not url else "Url invalid.",
                           "/url"))
        if not isinstance(secret, str) or not secret:
            errors.append(("Required", "Secret is required.", "/secret"))
        if errors:
            return validation_error(*errors)
        if len(self.subscriptions) >= MAX_WEBHOOK_SUBSCRIPTIONS:
            return error_response(400, "MaxNumberOfResources", "The maximum number of subscriptions has been "
                                  "reached.")
        subscription = {"id": str(uuid.uuid4()), "url": url, "secret": secret, "paused": False,
                        "created": now_iso(), "consecutiveFailures": 0, "queue": asyncio.Queue()}
        self.subscriptions[subscription["id"]] = subscription
        subscription["worker"] = self._spawn(self._subscription_worker(subscription))
        return hal_response(None, status=201,
                            headers={"Location": self.href(f"/webhook-subscriptions/{subscription['id']}")})

    async def list_subscriptions(self, request):
        items = [self.subscription_body(s) for s in self.subscriptions.values()]
        return hal_response({"_links": {"self": self.link("/webhook-subscriptions", "webhook-subscription")},
                             "_embedded": {"webhook-subscriptions": items}, "total": len(items)})

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
        items = [self._webhook_body(w) for w in reversed(list(self.webhooks.values()))
                 if w["subscriptionId"] == subscription_id]
        return hal_response({"_links": {"self": self.link(f"/webhook-subscriptions/{subscription_id}/webhooks",
                                                          "webhook")},
                             "_embedded": {"webhooks": items}, "total": len(items)})

    def _webhook_body(self, webhook: dict) -> dict:
        return dict(webhook, _links={"self": self.link(f"/webhooks/{webhook['id']}", "webhook"),
                                     "event": self.link(f"/events/{webhook['eventId']}", "event"),
                                     "subscription": self.link(f"/webhook-subscriptions/{webhook['subscriptionId']}",
                                                               "webhook-subscription")})

    async def get_webhook(self, request):
        webhook = self.webhooks.get(request.match_info["id"])
        return hal_response(self._webhook_body(webhook)) if webhook else not_found()

    async def list_events(self, request):
        items = list(reversed(list(self.events.values())))
        return hal_response({"_links": {"self": self.link("/events", "event")}, "_embedded": {"events": items},
                             "total": len(items)})

    async def get_event(self, request):
        event = self.events.get(request.match_info["id"])
        return hal_response(event) if event else not_found("Event not found.")

    # ---- sandbox-only control

    async def sandbox_customer(self, request):
        """Plays what only Dwolla does to a customer: `{"type": "personal" | "business"}` verifies it (its send
        limit becomes $10,000 per transfer), `{"status": "unverified" | "verified"}` lifts a suspension (Dwolla's
        support) and sends customer_activated, `{"status": "suspended"}` suspends it."""
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return not_found("Customer not found.")
        body = await read_json(request)
        kind, status = body.get("type"), body.get("status")
        if (kind is not None and kind not in SEND_LIMITS) or status not in (None, "unverified", "verified", *RESTRICTED):
            return validation_error(("Invalid", "type or status invalid.", "/type" if kind else "/status"))
        if kind is not None:
            customer["type"] = kind
            if customer["status"] not in RESTRICTED:
                customer["status"] = "verified" if kind in ("personal", "business") else "unverified"
        if status is not None:
            self._set_customer_status(customer, status)
        return hal_response(self.customer_body(customer))

    async def sandbox_clock(self, request):
        """GET: the sandbox's now. POST {"now": ISO-8601} or {"advance_seconds": n}: move it (and back with
        {"now": null}: real time)."""
        if request.method == "POST":
            body = await read_json(request)
            try:
                if "now" in body and body["now"] is None:
                    self.clock_offset = timedelta(0)
                elif "now" in body:
                    self.set_clock(now=parse_iso(str(body["now"])))
                self.set_clock(advance_seconds=float(body.get("advance_seconds", 0)))
            except (TypeError, ValueError):
                return validation_error(("Invalid", "now or advance_seconds invalid.", "/now"))
        return web.json_response({"now": self.now_iso()})

    async def add_fault(self, request):
        body = await read_json(request)
        status = body.get("status", 503)
        fault = Fault(id=str(uuid.uuid4()), path_prefix=str(body.get("path_prefix") or "/"),
                      method=(body.get("method") or None) and str(body["method"]).upper(),
                      status=None if status is None else int(status), count=int(body.get("count", 1)),
                      delay_seconds=float(body.get("delay_seconds", 0)), after_commit=bool(body.get("after_commit")),
                      body=body.get("body") if isinstance(body.get("body"), dict) else None,
                      headers={str(k): str(v) for k, v in body["headers"].items()}
                      if isinstance(body.get("headers"), dict) else None)
        self.faults.append(fault)
        return web.json_response(fault.__dict__, status=201)

    async def list_faults(self, request):
        return web.json_response([f.__dict__ for f in self.faults])

    async def clear_faults(self, request):
        self.faults.clear()
        return web.Response(status=204)

    async def sandbox_reset(self, request):
        self._cancel_background()
        self._reset_state()
        return web.Response(status=204)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8430)
    parser.add_argument("--settle-seconds", type=float, default=5.0,
                        help="delay before a pending transfer or micro-deposit settles; negative: only via "
                             "POST /sandbox-simulations")
    parser.add_argument("--webhook-retry-seconds", type=float, default=1.0,
                        help="first webhook retry interval; later ones follow Dwolla's schedule proportionally")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT_ID)
    parser.add_argument("--merchant-funding-source-id", default=DEFAULT_MERCHANT_FUNDING_SOURCE_ID)
    args = parser.parse_args()
    sandbox = AchSandbox(port=args.port, settle_seconds=args.settle_seconds,
                         webhook_retry_seconds=args.webhook_retry_seconds, client_id=args.client_id,
                         client_secret=args.client_secret, account_id=args.account_id,
                         merchant_funding_source_id=args.merchant_funding_source_id).start()
    print(f"ACH sandbox (Dwolla API v2 subset) on {sandbox.url}\n"
          f"  client id / secret:        {sandbox.client_id} / {sandbox.client_secret}\n"
          f"  account:                   {sandbox.href('/accounts/' + sandbox.account_id)}\n"
          f"  merchant funding source:   {sandbox.href('/funding-sources/' + sandbox.merchant_funding_source_id)}\n"
          f"  settlement after:          "
          f"{'POST /sandbox-simulations only' if sandbox.settle_seconds is None else f'{sandbox.settle_seconds}s'}",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
