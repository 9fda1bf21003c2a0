"""Dwolla (API v2) adapter for the ACH port, over urllib3 (already loaded by botocore: no extra cold start).

Ids handed to the domain are Dwolla's resource URLs (Location headers / `_links.self.href`). Every POST carries
an Idempotency-Key (the caller's, or one made up per call), so a retry after a timeout or a 5xx gets the same
resource back instead of a second one. Account and routing numbers go into one request body and nowhere else:
never logged, never put in an exception.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast
from urllib.parse import urlsplit

import urllib3
from aws_lambda_powertools import Logger

from shared.http.errors import ProcessorUnavailable
from shared.processors import dwolla_names
from shared.processors.ach import AchError, BankAccount, Customer, Transfer, VerifyResult

log = Logger(child=True)

HAL = "application/vnd.dwolla.v1.hal+json"
_TOKEN_MARGIN_SECONDS = 60
_TOKEN_ERRORS = {"ExpiredAccessToken", "InvalidAccessToken"}
_AMOUNT = re.compile(r"^(\d+)\.(\d{2})$")


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict
    location: str | None


def format_amount(cents: int) -> str:
    """12500 -> "125.00" (integers only)."""
    if not isinstance(cents, int) or isinstance(cents, bool) or cents < 0:
        raise ValueError("amount must be a non-negative integer number of cents")
    return f"{cents // 100}.{cents % 100:02d}"


def parse_amount(value) -> int:
    """ "125.00" -> 12500; anything but digits, a dot and exactly two decimals is refused."""
    match = _AMOUNT.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"unexpected amount from the processor: {value!r}")
    return int(match.group(1)) * 100 + int(match.group(2))


def customer_correlation_id(client_id: str) -> str:
    """The correlationId of a client's Dwolla customer: Dwolla keeps it unique across customers and asks for no
    personal data in it, so a UUID derived from the client id (the same on every try, and not the id itself)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:portal-payments:client:{client_id}"))


def transfer_correlation_id(idempotency_key: str) -> str:
    """The correlationId of the transfer made with this Idempotency-Key: a UUID derived from it (the same on every
    retry, so the body stays byte-for-byte the same; no personal data, as Dwolla asks). Dwolla searches transfers by
    it ("List and search transfers"), long after its 24-hour idempotency window."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:portal-payments:transfer:{idempotency_key}"))


split_name = dwolla_names.person_names  # firstName / lastName Dwolla accepts (shared/processors/dwolla_names.py)
# How many times a link follows a replayed answer naming a removed bank before giving up (each hop is a new key).
_MAX_RELINKS = 5


def _href(body: dict, rel: str) -> str | None:
    link = (body.get("_links") or {}).get(rel)
    return link.get("href") if isinstance(link, dict) else None


class DwollaAch:
    def __init__(
        self,
        api_base: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.25,
        rate_limit_retries: int = 3,
        rate_limit_backoff: float = 1.0,
        rate_limit_budget: float = 8.0,
        merchant_funding_source: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """`retries`/`backoff`: for connection errors, timeouts and 5xx (first pause, doubling).
        `rate_limit_*`: for 429, retried at most that many times, waiting `Retry-After` or else the doubling
        backoff, and only while the whole call stays within `rate_limit_budget` seconds.
        `merchant_funding_source`: the master account's bank funding-source URL, if it should not be looked
        up. `clock`/`sleep`: for tests."""
        self._base = api_base.rstrip("/")
        self._origin = self._origin_of(self._base)
        self._client_id, self._client_secret = client_id, client_secret
        self._retries, self._backoff = max(0, retries), backoff
        self._rate_limit_retries, self._rate_limit_backoff = max(0, rate_limit_retries), rate_limit_backoff
        self._rate_limit_budget = rate_limit_budget
        self._clock, self._sleep = clock, sleep
        self._http = urllib3.PoolManager(
            num_pools=2, maxsize=4, retries=False, timeout=urllib3.Timeout(connect=timeout, read=timeout)
        )
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._token_lock = threading.Lock()
        self._merchant_fs = merchant_funding_source

    # ------------------------------------------------------------------------------------------ port

    def ensure_customer(self, *, client_id: str, name: str, email: str, business_name: str | None = None) -> str:
        first, last = split_name(name, email)
        correlation_id = customer_correlation_id(client_id)
        body = {"firstName": first, "lastName": last, "email": email, "correlationId": correlation_id}
        if business_name and (business := dwolla_names.business_name(business_name)):
            body["businessName"] = business
        try:
            reply = self._call("POST", "/customers", body, idempotency_key=f"customer:{client_id}")
        except AchError as exc:
            # A customer with this email or this client's correlationId exists (Dwolla keeps both unique), named
            # in each Duplicate error's _links.about. Only this client's own is adopted: made by an earlier try
            # whose idempotency key (24 h) has expired. A customer with the same email that another client made
            # is never shared (its name, its bank accounts, its limits).
            existing = self._duplicates(exc)
            if not existing:
                raise
            for url in existing:
                if self._call("GET", url).body.get("correlationId") == correlation_id:
                    return url
            raise AchError("EmailInUse", "The processor already has another customer with this email.") from None
        return self._location(reply)

    def get_customer(self, customer_id: str) -> Customer:
        body = self._call("GET", customer_id).body
        return Customer(id=customer_id, status=str(body.get("status") or ""))

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
        body = {
            "routingNumber": routing_number,
            "accountNumber": account_number,
            "bankAccountType": account_type,
            "name": (holder_name or "Bank account").strip()[:50],
        }
        key = idempotency_key
        for _ in range(_MAX_RELINKS):
            try:
                reply = self._call("POST", f"{customer_id}/funding-sources", body, idempotency_key=key)
                fs_url = self._location(reply)
            except AchError as exc:
                about = self._about(exc) if exc.code == "DuplicateResource" else None
                if about is None:
                    raise _bank_refusal(exc, routing_number, account_number) from None
                fs_url = about
            source = self._call("GET", fs_url).body
            if not source.get("removed"):
                break
            # Only a replay answers with a removed bank: Dwolla gives the original 201 again for 24 hours
            # ("Idempotency Key"), also after the bank was removed. The next key names the removed one, so a retry
            # of this same link takes the same path.
            key = f"{idempotency_key}:after:{fs_url.rstrip('/').rsplit('/', 1)[-1]}"
        else:
            raise AchError("RemovedBank", "The processor keeps answering with a removed bank account.")
        if initiate := _href(source, "initiate-micro-deposits"):
            self._initiate_micro_deposits(initiate, key)
            source = self._call("GET", fs_url).body
        return self._bank_account(fs_url, source)

    def get_bank_account(self, bank_account_id: str) -> BankAccount:
        body = self._call("GET", bank_account_id).body
        bank = self._bank_account(bank_account_id, body)
        if bank.verification == "pending" and not _href(body, "initiate-micro-deposits"):
            # Sent, not arrived yet, or bounced: the links say nothing of a bounce; the deposits' own status does
            # ("Retrieve micro-deposits details": pending, processed or failed).
            try:
                deposits = self._call("GET", f"{bank_account_id.rstrip('/')}/micro-deposits").body
            except AchError as exc:
                if exc.code != "NotFound":
                    raise
                deposits = {}
            if deposits.get("status") == "failed":
                bank = replace(bank, verification="failed")
        return bank

    def restart_verification(self, bank_account_id: str, idempotency_key: str) -> bool:
        """Dwolla offers `initiate-micro-deposits` on an unverified bank "eligible to receive micro-deposits"
        ("Micro-deposit verification"): after it unverified the bank, that is how it is verified again."""
        link = _href(self._call("GET", bank_account_id).body, "initiate-micro-deposits")
        if link:
            self._initiate_micro_deposits(link, idempotency_key)
        return bool(link)

    def verify_bank_account(self, bank_account_id: str, amounts: tuple[int, int]) -> str:
        first, second = amounts
        body = {
            "amount1": {"value": format_amount(first), "currency": "USD"},
            "amount2": {"value": format_amount(second), "currency": "USD"},
        }
        try:
            reply = self._call("POST", f"{bank_account_id}/micro-deposits", body)
        except AchError as exc:
            if exc.code == "ValidationError" and "invalid amount" in exc.message.lower():
                # "Verify micro-deposits": an entry over $0.15 is "Invalid amount.", no micro-deposit's value.
                return VerifyResult.INVALID_AMOUNTS
            if exc.code == "ValidationError" and "wrong amount" in exc.message.lower():
                # The attempt that reaches the limit still answers "Wrong amount(s)."; Dwolla then swaps the
                # funding source's verify-micro-deposits link for failed-verification-micro-deposits.
                source = self._call("GET", bank_account_id).body
                if _href(source, "failed-verification-micro-deposits"):
                    return VerifyResult.TOO_MANY_ATTEMPTS
                return VerifyResult.WRONG_AMOUNTS
            if exc.code == "InvalidResourceState":
                text = exc.message.lower()
                if "already verified" in text:
                    return VerifyResult.ALREADY_VERIFIED
                if "too many attempts" in text:
                    return VerifyResult.TOO_MANY_ATTEMPTS
                source = self._call("GET", bank_account_id).body
                if source.get("status") == "verified":
                    return VerifyResult.ALREADY_VERIFIED
                if _href(source, "failed-verification-micro-deposits"):
                    return VerifyResult.TOO_MANY_ATTEMPTS
            raise
        if reply.status == 202 or reply.body.get("code") == "TryAgainLater":
            return VerifyResult.NOT_READY
        return VerifyResult.VERIFIED

    def remove_bank_account(self, bank_account_id: str) -> None:
        try:
            self._call("POST", bank_account_id, {"removed": True})
        except AchError as exc:
            if exc.code == "NotFound":
                return
            if exc.code == "InvalidResourceState" and self._call("GET", bank_account_id).body.get("removed"):
                return
            raise

    def create_transfer(
        self, *, bank_account_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> Transfer:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValueError("a transfer amount is a positive integer number of cents")
        body = {
            "_links": {"source": {"href": bank_account_id}, "destination": {"href": self.merchant_funding_source()}},
            "amount": {"currency": "USD", "value": format_amount(amount)},
            "correlationId": transfer_correlation_id(idempotency_key),
        }
        if metadata:
            body["metadata"] = {str(k): str(v) for k, v in metadata.items()}
        return self.get_transfer(self._location(self._post_transfer(body, idempotency_key)))

    def create_refund(
        self, *, bank_account_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> Transfer:
        """A refund is a transfer the other way: the merchant's bank to the client's funding source."""
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValueError("a transfer amount is a positive integer number of cents")
        body = {
            "_links": {"source": {"href": self.merchant_funding_source()}, "destination": {"href": bank_account_id}},
            "amount": {"currency": "USD", "value": format_amount(amount)},
            "metadata": {str(k): str(v) for k, v in metadata.items()},
            "correlationId": transfer_correlation_id(idempotency_key),
        }
        return self.get_transfer(self._location(self._post_transfer(body, idempotency_key)))

    def _post_transfer(self, body: dict, idempotency_key: str) -> _Reply:
        try:
            return self._call("POST", "/transfers", body, idempotency_key=idempotency_key)
        except AchError as exc:
            text = exc.message.lower()
            if exc.code == "ValidationError" and "transaction limit" in text:
                # "Initiate a transfer": "Invalid amount ... greater than your transaction limit" (Customer Types:
                # an unverified customer's $5,000 a week). Said in the client's words: the message is shown.
                raise AchError(
                    "TransactionLimit", "The amount is over the weekly limit for bank transfers from your account."
                ) from None
            if exc.code == "ValidationError" and "restricted" in text:
                raise AchError(
                    "Restricted", "Bank transfers from your account are on hold with our payment processor."
                ) from None
            raise

    def find_transfer(self, idempotency_key: str) -> Transfer | None:
        """The master account's transfers searched by the correlationId this key gave it ("List and search
        transfers for an account"): found at any age, unlike the key itself."""
        account = _href(self._call("GET", "/").body, "account")
        if not account:
            raise AchError("NotFound", "The API root has no account link.")
        correlation_id = transfer_correlation_id(idempotency_key)
        listing = self._call("GET", f"{account.rstrip('/')}/transfers?correlationId={correlation_id}").body
        found = [
            t
            for t in (listing.get("_embedded") or {}).get("transfers", [])
            if t.get("correlationId") == correlation_id and _href(t, "self")
        ]
        if len(found) > 1:  # one key made one transfer: two would be a processor fault a person must see
            raise AchError("Ambiguous", f"{len(found)} transfers carry one correlationId.")
        return self.get_transfer(cast(str, _href(found[0], "self"))) if found else None  # each found has one

    def get_transfer(self, transfer_id: str) -> Transfer:
        body = self._call("GET", transfer_id).body
        status = cast(str, body.get("status"))  # every transfer Dwolla describes has one
        failure_code = None
        if status == "failed":
            failure_url = _href(body, "failure") or f"{transfer_id.rstrip('/')}/failure"
            try:
                failure_code = self._call("GET", failure_url).body.get("code")
            except AchError as exc:
                if exc.code != "NotFound":
                    raise
        amount = body.get("amount") or {}
        # The currency is reported, not assumed: the caller compares it with the payment it would apply to.
        return Transfer(
            id=transfer_id,
            status=status,
            amount=parse_amount(amount.get("value")),
            metadata={str(k): str(v) for k, v in (body.get("metadata") or {}).items()},
            failure_code=failure_code,
            currency=str(amount.get("currency") or "").upper(),
            source=_href(body, "source-funding-source"),
            destination=_href(body, "destination-funding-source"),
        )

    # ------------------------------------------------------------------------------------ extras

    def merchant_funding_source(self) -> str:
        """The master account's bank funding source (GET / -> account -> funding-sources), looked up once."""
        if self._merchant_fs is None:
            account = _href(self._call("GET", "/").body, "account")
            if not account:
                raise AchError("NotFound", "The API root has no account link.")
            listing = self._call("GET", f"{account.rstrip('/')}/funding-sources?removed=false").body
            banks = [
                fs
                for fs in (listing.get("_embedded") or {}).get("funding-sources", [])
                if fs.get("type") == "bank" and not fs.get("removed")
            ]
            banks.sort(key=lambda fs: fs.get("status") != "verified")  # a verified bank first
            bank = _href(banks[0], "self") if banks else None
            if not bank:
                raise AchError("NotFound", "The master account has no bank funding source.")
            self._merchant_fs = bank
        return self._merchant_fs

    # ----------------------------------------------------------------------------------- helpers

    def _initiate_micro_deposits(self, url: str, idempotency_key: str) -> None:
        try:
            self._call("POST", url, None, idempotency_key=f"{idempotency_key}:micro-deposits")
        except AchError as exc:
            # Already initiated (MaxNumberOfResources) or already verified (InvalidResourceState): nothing to do.
            if exc.code not in ("MaxNumberOfResources", "InvalidResourceState"):
                raise

    @staticmethod
    def _bank_account(fs_url: str, body: dict) -> BankAccount:
        status = "removed" if body.get("removed") else body.get("status", "unverified")
        verification = None
        if status == "unverified":  # what the funding source's links say ("Funding source links")
            verification = (
                "locked"
                if _href(body, "failed-verification-micro-deposits")
                else "ready"
                if _href(body, "verify-micro-deposits")
                else "pending"
            )
        return BankAccount(
            id=fs_url,
            bank_name=body.get("bankName") or "",
            account_type=body.get("bankAccountType") or "",
            status=status,
            holder_name=str(body.get("name") or ""),
            verification=verification,
            created_at=body.get("created"),
        )

    @staticmethod
    def _location(reply: _Reply) -> str:
        if not reply.location:
            raise AchError("MissingLocation", f"HTTP {reply.status} without a Location header.")
        return reply.location

    def _duplicates(self, exc: AchError) -> list[str]:
        """Every existing resource the Duplicate errors of a refusal point at."""
        body = getattr(exc, "body", None) or {}
        found = [
            _href(item, "about")
            for item in (body.get("_embedded") or {}).get("errors", [])
            if item.get("code") == "Duplicate"
        ]
        return list(dict.fromkeys(url for url in found + [_href(body, "about")] if url))

    def _about(self, exc: AchError) -> str | None:
        """The existing resource a Duplicate/DuplicateResource error points at (`_links.about`)."""
        body = getattr(exc, "body", None) or {}
        about = _href(body, "about")
        if about:
            return about
        for item in (body.get("_embedded") or {}).get("errors", []):
            if item.get("code") == "Duplicate" and _href(item, "about"):
                return _href(item, "about")
        return None

    @staticmethod
    def _origin_of(url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.netloc or "").lower()

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            # The bearer token only ever goes to the configured API host.
            if self._origin_of(path_or_url) != self._origin:
                # Never fetched (the token would leave). For this processor it names nothing: NotFound, so a
                # signed event naming it is acknowledged and changes nothing instead of retrying forever.
                raise AchError("NotFound", "refusing to call a URL outside the configured ACH API")
            return path_or_url
        return f"{self._base}/{path_or_url.lstrip('/')}"

    def _access_token(self) -> str:
        with self._token_lock:
            if self._token is None or self._clock() >= self._token_valid_until:
                self._token, expires_in = self._fetch_token()
                self._token_valid_until = self._clock() + expires_in - _TOKEN_MARGIN_SECONDS
            return self._token

    def _fetch_token(self) -> tuple[str, int]:
        headers = urllib3.make_headers(basic_auth=f"{self._client_id}:{self._client_secret}")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Accept"] = "application/json"
        response = self._send("POST", f"{self._base}/token", b"grant_type=client_credentials", headers)
        body = _json(response.data)
        if response.status != 200 or not body.get("access_token"):
            code = body.get("error") or body.get("code") or f"HTTP{response.status}"
            raise AchError(
                str(code),
                str(body.get("error_description") or body.get("message") or "Could not obtain an access token."),
            )
        return body["access_token"], int(body.get("expires_in") or 3600)

    def _send(self, method: str, url: str, payload: bytes | None, headers: dict) -> urllib3.BaseHTTPResponse:
        """One request (a POST keeps its Idempotency-Key), retried on connection errors, timeouts and 5xx, and on
        429 as Dwolla advises (backoff, here also honouring a Retry-After); ProcessorUnavailable when exhausted."""
        path = urlsplit(url).path
        started = self._clock()
        failures = throttled = 0
        while True:
            try:
                response = self._http.request(method, url, body=payload, headers=headers, redirect=False)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                log.warning("ACH %s %s failed: %s", method, path, type(exc).__name__)
                response = None
            if response is not None and response.status < 500 and response.status != 429:
                log.debug("ACH %s %s -> %d", method, path, response.status)
                return response
            if response is not None and response.status == 429:
                throttled += 1
                wait = self._rate_limit_wait(response, throttled)
                if throttled > self._rate_limit_retries or self._clock() - started + wait > self._rate_limit_budget:
                    log.warning("ACH %s %s still rate limited after %d attempts", method, path, throttled)
                    raise ProcessorUnavailable()
            else:
                failures += 1
                if failures > self._retries:
                    raise ProcessorUnavailable()
                wait = self._backoff * 2 ** (failures - 1)
            log.warning(
                "ACH %s %s -> %s; retrying in %.2f s",
                method,
                path,
                response.status if response is not None else "no answer",
                wait,
            )
            self._sleep(wait)

    def _rate_limit_wait(self, response: urllib3.BaseHTTPResponse, attempt: int) -> float:
        """The server's Retry-After (seconds or an HTTP date; Dwolla documents none, so usually absent), else
        Dwolla's advice: an exponential backoff."""
        header = response.headers.get("Retry-After")
        if header:
            try:
                return urllib3.util.Retry().parse_retry_after(header)
            except urllib3.exceptions.InvalidHeader:
                pass
        return self._rate_limit_backoff * 2 ** (attempt - 1)

    def _call(
        self, method: str, path_or_url: str, body: dict | None = None, *, idempotency_key: str | None = None
    ) -> _Reply:
        url = self._url(path_or_url)
        payload = None if body is None else json.dumps(body).encode()
        if method == "POST" and idempotency_key is None:
            idempotency_key = str(uuid.uuid4())  # one per call: its retries reuse it
        refreshed = False
        while True:
            headers = {"Accept": HAL, "Authorization": f"Bearer {self._access_token()}"}
            if method == "POST":
                headers["Content-Type"] = HAL
                assert idempotency_key is not None  # made above for every POST
                headers["Idempotency-Key"] = idempotency_key
            response = self._send(method, url, payload, headers)
            data = _json(response.data)
            if response.status == 401 and data.get("code") in _TOKEN_ERRORS and not refreshed:
                refreshed = True
                with self._token_lock:
                    self._token = None
                continue
            if response.status < 400:
                return _Reply(response.status, data, response.headers.get("Location"))
            if response.status == 409 and data.get("code") == "Conflict":
                # The first request with this Idempotency-Key is still being processed: the outcome is not
                # known yet, and the same key can be sent again later.
                raise ProcessorUnavailable()
            raise _ach_error(response.status, data)


def _json(raw: bytes) -> dict:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _ach_error(status: int, body: dict) -> AchError:
    code = str(body.get("code") or f"HTTP{status}")
    message = str(body.get("message") or "")
    if code == "ValidationError":
        errors = (body.get("_embedded") or {}).get("errors") or []
        if errors and isinstance(errors[0], dict) and errors[0].get("message"):
            message = str(errors[0]["message"])
    error = AchError(code, message)
    error.status = status
    error.body = body
    return error


def _bank_refusal(exc: AchError, routing_number: str, account_number: str) -> AchError:
    """A refused bank account, with the refusal Dwolla's return-code actions cause named (its message scrubbed)."""
    if exc.code == "ValidationError" and "blocklist" in exc.message.lower():
        # "Transfer Failures": some return codes blocklist the bank; only Dwolla can lift it.
        return AchError("Blocklisted", "This bank account is blocked for bank transfers.")
    return AchError(exc.code, _scrub(exc.message, routing_number, account_number))


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def from_environment() -> DwollaAch:
    from shared.aws.secrets import ach_secrets

    secret = ach_secrets()
    # A call takes at most ~19 s (3 tries of 6 s and their pauses, or 429 retries within 8 s): inside the
    # calling functions' 30 s Lambda timeout.
    return DwollaAch(os.environ["ACH_API_BASE"], secret["client_id"], secret["client_secret"], timeout=6.0)
