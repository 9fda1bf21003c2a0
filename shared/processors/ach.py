"""The ACH processor port: what the domain needs from a bank-transfer processor. Account and routing numbers
pass through `add_bank_account` to the processor and are never kept, returned or logged by anything here.

Resources are named by the processor's own URLs or ids (opaque strings to the domain).
"""

from dataclasses import dataclass, field
from typing import Protocol


class AchError(Exception):
    """The processor refused the request (4xx): `code` is its error code, `message` its explanation."""

    status: int  # the HTTP status and the answer's body, set where the answer is parsed (shared/processors/dwolla.py)
    body: dict

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class BankAccount:
    id: str  # the processor's funding-source id (or URL)
    bank_name: str
    account_type: str  # checking | savings
    status: str  # unverified | verified | removed
    holder_name: str = ""  # the name the processor keeps on it
    # unverified only: "pending" (deposits on their way or to be sent), "ready" (they arrived: verify now),
    # "locked" (too many wrong attempts), "failed" (the deposits bounced); None once verified or removed.
    verification: str | None = None
    created_at: str | None = None  # ISO 8601, when the processor first created it


@dataclass(frozen=True)
class Customer:
    id: str
    status: str  # the processor's: unverified | verified | suspended | deactivated ...


@dataclass(frozen=True)
class Transfer:
    id: str
    status: str  # pending | processed | failed | cancelled
    amount: int  # cents
    metadata: dict = field(default_factory=dict)
    failure_code: str | None = None  # ACH return code (R01...) when failed
    currency: str = "USD"  # as the processor reports it (ISO 4217, upper case)
    source: str | None = None  # the funding source debited (the client's bank for a payment)
    destination: str | None = None  # the funding source credited (the client's bank for a refund)


class VerifyResult:
    VERIFIED = "verified"
    WRONG_AMOUNTS = "wrong_amounts"
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # the processor will not accept more attempts
    NOT_READY = "not_ready"  # the deposits have not arrived yet
    ALREADY_VERIFIED = "already_verified"
    INVALID_AMOUNTS = "invalid_amounts"  # not amounts a micro-deposit can be (no attempt spent)


class AchProcessor(Protocol):
    def ensure_customer(self, *, client_id: str, name: str, email: str, business_name: str | None = None) -> str:
        """The processor's customer for this client (idempotent per client); `name` is a person's, and a business
        gives its own name as `business_name` too."""
        ...

    def get_customer(self, customer_id: str) -> Customer: ...

    def add_bank_account(
        self,
        *,
        customer_id: str,
        routing_number: str,
        account_number: str,
        account_type: str,
        holder_name: str,
        idempotency_key: str,
    ) -> BankAccount:
        """Link a bank account and start micro-deposit verification. A bank account already linked to this
        customer returns the existing one; one removed earlier is linked anew (never the removed one replayed)."""
        ...

    def get_bank_account(self, bank_account_id: str) -> BankAccount: ...

    def restart_verification(self, bank_account_id: str, idempotency_key: str) -> bool:
        """Send new micro-deposits to a bank account the processor unverified; False when it takes none now."""
        ...

    def verify_bank_account(self, bank_account_id: str, amounts: tuple[int, int]) -> str:
        """Check the two micro-deposit amounts (cents); returns a VerifyResult value."""
        ...

    def remove_bank_account(self, bank_account_id: str) -> None: ...

    def create_transfer(
        self, *, bank_account_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> Transfer:
        """Debit the client's bank account into the merchant's. The same key returns the same transfer."""
        ...

    def get_transfer(self, transfer_id: str) -> Transfer: ...

    def find_transfer(self, idempotency_key: str) -> Transfer | None:
        """The transfer created with this idempotency key, found by the processor's search (any age), or None."""
        ...

    def create_refund(
        self, *, bank_account_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> Transfer:
        """Credit the client's bank account from the merchant's (a refund). Same key, same transfer."""
        ...
