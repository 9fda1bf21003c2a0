"""What the sandbox holds in memory (customers, banks, transfers, events, subscriptions, tokens, idempotency keys,
faults), the records it is made of, and the sandbox's own clock."""

import hashlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from infra.ach_sandbox.hal import iso_ms, now_iso
from infra.ach_sandbox.rules import BANK_NAMES, DEFAULT_BANK_NAME

DEFAULT_CLIENT_ID = "ach-sandbox-client-id"
DEFAULT_CLIENT_SECRET = "ach-sandbox-client-secret"
DEFAULT_ACCOUNT_ID = "9f3c2a1e-5b7d-4c8e-9a10-0a0000000001"
DEFAULT_MERCHANT_FUNDING_SOURCE_ID = "9f3c2a1e-5b7d-4c8e-9a10-0f0000000001"
DEFAULT_BALANCE_FUNDING_SOURCE_ID = "9f3c2a1e-5b7d-4c8e-9a10-0b0000000001"


@dataclass
class MicroDeposits:
    amounts: tuple[int, int]
    created: str
    status: str = "pending"  # pending | processed | failed
    failure_code: str | None = None
    attempts: int = 0
    max_attempts_reached: bool = False


@dataclass
class FundingSource:
    id: str
    owner_kind: str  # "customer" | "account"
    owner_id: str
    name: str
    type: str = "bank"  # bank | balance
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
    customer_id: str | None  # the customer side of the transfer (drives topics and outcome)
    plan: tuple[str | None, bool]  # (return code, late)
    status: str = "pending"  # pending | processed | failed | cancelled
    currency: str = "USD"  # always USD at Dwolla; tests may change it to play a processor bug
    created: str = field(default_factory=now_iso)
    failure_code: str | None = None
    failed_fs: str | None = None
    return_due: bool = False  # processed, and a late return is still to come
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


class SandboxState:
    """The sandbox's data and clock; `AchSandbox` resets it on `reset()` and POST /sandbox/reset."""

    account_id: str
    merchant_funding_source_id: str

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
            id=self.merchant_funding_source_id,
            owner_kind="account",
            owner_id=self.account_id,
            name="Merchant Operating Account",
            routing_number="222222226",
            account_number="9876543210",
            status="verified",
        )
        self.funding_sources[DEFAULT_BALANCE_FUNDING_SOURCE_ID] = FundingSource(
            id=DEFAULT_BALANCE_FUNDING_SOURCE_ID,
            owner_kind="account",
            owner_id=self.account_id,
            name="Balance",
            type="balance",
            bank_account_type=None,
            status="verified",
        )

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
