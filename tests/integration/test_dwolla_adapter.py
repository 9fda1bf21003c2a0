"""The Dwolla adapter (shared.processors.dwolla) against the local ACH sandbox (infra.ach_sandbox): OAuth token
caching and refresh, customers, banks and micro-deposits, transfers and how they settle, retries with the same
Idempotency-Key through injected faults, and no account or routing number in any log record or exception."""

import email.utils
import json
import logging
import time
import traceback
import uuid

import pytest
import requests

from infra.ach_sandbox import HAL, AchSandbox
from shared.http.errors import ProcessorUnavailable
from shared.processors.ach import AchError, VerifyResult
from shared.processors.dwolla import DwollaAch, customer_correlation_id, format_amount, parse_amount, split_name
from tests.drivers.ach import SANDBOX_ROUTING as ROUTING
from tests.drivers.ach import add_bank, new_customer, verified_adapter_bank

# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def make_ach(sandbox):
    sandbox.reset()

    def make(**kwargs):
        options = {"timeout": 2.0, "retries": 2, "backoff": 0.0, **kwargs}
        return DwollaAch(sandbox.url, sandbox.client_id, sandbox.client_secret, **options)

    return make


@pytest.fixture
def ach(make_ach):
    return make_ach()


@pytest.fixture
def admin(sandbox, ach):
    return Admin(sandbox)


class Admin:
    """Direct calls to the sandbox (its own token), for what the port does not expose."""

    def __init__(self, server: AchSandbox):
        self.server = server
        self._token = None

    def headers(self):
        if self._token is None:
            response = requests.post(
                f"{self.server.url}/token",
                data={"grant_type": "client_credentials"},
                auth=(self.server.client_id, self.server.client_secret),
                timeout=5,
            )
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}", "Accept": HAL}

    def simulate(self) -> int:
        response = requests.post(f"{self.server.url}/sandbox-simulations", headers=self.headers(), timeout=5)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    def get(self, url) -> dict:
        response = requests.get(url, headers=self.headers(), timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def micro_deposits(self, fs_url) -> dict:
        fs_id = fs_url.rstrip("/").rsplit("/", 1)[1]
        return requests.get(f"{self.server.url}/sandbox/funding-sources/{fs_id}/micro-deposits", timeout=5).json()

    def transfers_of(self, fs_url) -> list[dict]:
        customer = self.get(fs_url)["_links"]["customer"]["href"]
        return self.get(f"{customer}/transfers")["_embedded"]["transfers"]

    def fault(self, **spec):
        requests.post(f"{self.server.url}/sandbox/faults", json=spec, timeout=5).raise_for_status()


# ---------------------------------------------------------------------------------------------- amounts


def test_amounts_are_integer_cents_both_ways():
    assert [format_amount(c) for c in (3, 9, 100, 12500, 123456)] == ["0.03", "0.09", "1.00", "125.00", "1234.56"]
    assert [parse_amount(v) for v in ("0.03", "125.00", "1234.56")] == [3, 12500, 123456]
    for bad in ("1.5", "1.234", "-1.00", "1", " 1.00", "1e2", 1.5, None):
        with pytest.raises(ValueError):
            parse_amount(bad)
    with pytest.raises(ValueError):
        format_amount(1.5)


def test_names_split_into_first_and_last():
    assert split_name("Ann Archer") == ("Ann", "Archer")
    assert split_name("  Ludwig  van Beethoven ") == ("Ludwig", "van Beethoven")
    assert split_name("Cher") == ("Cher", "Cher")
    assert split_name("", "bob@example.test") == ("bob", "bob")


# ------------------------------------------------------------------------------------------------- OAuth


def test_token_is_cached_and_refreshed_a_minute_before_it_expires(sandbox, make_ach):
    now = [1000.0]
    ach = make_ach(clock=lambda: now[0])
    new_customer(ach)
    new_customer(ach)
    assert len(sandbox.tokens) == 1
    now[0] += 3600 - 61
    new_customer(ach)
    assert len(sandbox.tokens) == 1
    now[0] += 1  # 60 s before expiry
    new_customer(ach)
    assert len(sandbox.tokens) == 2


def test_expired_or_unknown_token_is_refreshed_once_and_the_request_retried(sandbox, ach):
    customer = new_customer(ach)
    sandbox.tokens[ach._token] = 0.0  # expired server-side -> 401 ExpiredAccessToken
    assert ach.ensure_customer(client_id="c-1", name="Bo Brown", email="bo@example.test")
    sandbox.tokens.clear()  # forgotten server-side -> 401 InvalidAccessToken
    assert ach.get_bank_account(add_bank(ach, customer=customer).id).status == "unverified"
    assert len(sandbox.tokens) == 1


def test_bad_credentials_are_an_ach_error(sandbox):
    ach = DwollaAch(sandbox.url, sandbox.client_id, "wrong", backoff=0.0)
    with pytest.raises(AchError) as raised:
        new_customer(ach)
    assert raised.value.code == "invalid_client"


# --------------------------------------------------------------------------------------------- customers


def test_customer_is_idempotent_per_client(sandbox, ach):
    first = ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann@example.test")
    assert first.startswith(f"{sandbox.url}/customers/")
    assert ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann@example.test") == first
    assert ach.ensure_customer(client_id="client-2", name="Bo Brown", email="bo@example.test") != first
    sandbox.idempotency.clear()  # the 24 h key expired: Dwolla answers Duplicate with _links.about
    assert ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann@example.test") == first
    assert len(sandbox.customers) == 2
    body = sandbox.customers[first.rsplit("/", 1)[1]]
    assert (body["firstName"], body["lastName"], body["email"]) == ("Ann", "Archer", "ann@example.test")
    # Traceable to the client without naming it (Dwolla asks for no personal data there), the same on every try.
    assert body["correlationId"] == customer_correlation_id("client-1") != customer_correlation_id("client-2")
    assert "client-1" not in body["correlationId"]


def test_another_clients_customer_with_the_same_email_is_never_adopted(sandbox, ach):
    first = ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann@example.test")
    with pytest.raises(AchError) as raised:
        ach.ensure_customer(client_id="client-2", name="Ann Archer", email="ANN@example.test")
    assert raised.value.code == "EmailInUse"
    assert list(sandbox.customers) == [first.rsplit("/", 1)[1]]
    sandbox.idempotency.clear()  # also once client-1's key has expired
    with pytest.raises(AchError):
        ach.ensure_customer(client_id="client-2", name="Ann Archer", email="ann@example.test")


def test_a_client_finds_its_own_customer_after_its_email_changed_and_the_key_expired(sandbox, ach):
    first = ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann@example.test")
    sandbox.idempotency.clear()  # the customer exists under the old email: only the correlationId is a duplicate
    assert ach.ensure_customer(client_id="client-1", name="Ann Archer", email="ann.new@example.test") == first
    ach.ensure_customer(client_id="client-2", name="Bo Brown", email="bo@example.test")
    sandbox.idempotency.clear()  # client-1 now takes client-2's email: two duplicates, its own customer wins
    assert ach.ensure_customer(client_id="client-1", name="Ann Archer", email="bo@example.test") == first
    assert len(sandbox.customers) == 2


# ----------------------------------------------------------------------------------------- bank accounts


def test_add_bank_starts_micro_deposits_and_a_duplicate_returns_the_same_bank(sandbox, ach, admin):
    customer = new_customer(ach)
    bank = add_bank(ach, customer=customer)
    assert bank.id.startswith(f"{sandbox.url}/funding-sources/")
    assert (bank.bank_name, bank.account_type, bank.status) == ("SANDBOX TEST BANK", "checking", "unverified")
    assert admin.micro_deposits(bank.id)["status"] == "pending"
    again = add_bank(ach, customer=customer)  # new key: DuplicateResource -> _links.about
    assert again == bank
    assert ach.get_bank_account(bank.id) == bank


def test_verify_right_amounts_then_already_verified(ach, admin):
    bank = add_bank(ach)
    assert ach.verify_bank_account(bank.id, (3, 9)) == VerifyResult.NOT_READY  # 202 TryAgainLater
    admin.simulate()
    assert ach.verify_bank_account(bank.id, (9, 3)) == VerifyResult.VERIFIED
    assert ach.get_bank_account(bank.id).status == "verified"
    assert ach.verify_bank_account(bank.id, (3, 9)) == VerifyResult.ALREADY_VERIFIED


def test_verify_wrong_amounts_until_the_limit(ach, admin):
    bank = add_bank(ach)
    admin.simulate()
    assert ach.verify_bank_account(bank.id, (1, 2)) == VerifyResult.WRONG_AMOUNTS
    assert ach.verify_bank_account(bank.id, (1, 2)) == VerifyResult.WRONG_AMOUNTS
    # The third wrong attempt still answers "Wrong amount(s).", but the source can no longer be verified.
    assert ach.verify_bank_account(bank.id, (1, 2)) == VerifyResult.TOO_MANY_ATTEMPTS
    assert ach.verify_bank_account(bank.id, (3, 9)) == VerifyResult.TOO_MANY_ATTEMPTS  # 403 Too many attempts
    assert ach.get_bank_account(bank.id).status == "unverified"


def test_verify_sandbox_shortcut_reaches_the_limit_at_once(ach, admin):
    bank = add_bank(ach)
    admin.simulate()
    assert ach.verify_bank_account(bank.id, (9, 9)) == VerifyResult.TOO_MANY_ATTEMPTS


def test_negative_micro_deposit_amounts_are_refused(ach):
    bank = add_bank(ach)
    with pytest.raises(ValueError):
        ach.verify_bank_account(bank.id, (-1, 3))


def test_remove_bank_is_idempotent(sandbox, ach):
    bank = add_bank(ach)
    ach.remove_bank_account(bank.id)
    assert ach.get_bank_account(bank.id).status == "removed"
    ach.remove_bank_account(bank.id)
    ach.remove_bank_account(f"{sandbox.url}/funding-sources/{uuid.uuid4()}")  # 404 is success too


def test_urls_outside_the_api_are_refused(ach):
    with pytest.raises(AchError) as refused:
        ach.get_bank_account(f"http://elsewhere.test/funding-sources/{uuid.uuid4()}")
    assert refused.value.code == "NotFound"


# --------------------------------------------------------------------------------------------- transfers


def test_transfer_is_idempotent_and_settles_processed(sandbox, ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    key = str(uuid.uuid4())
    transfer = ach.create_transfer(
        bank_account_id=bank, amount=12500, metadata={"paymentId": "p-1"}, idempotency_key=key
    )
    assert transfer.id.startswith(f"{sandbox.url}/transfers/")
    assert (transfer.status, transfer.amount, transfer.metadata, transfer.failure_code) == (
        "pending",
        12500,
        {"paymentId": "p-1"},
        None,
    )
    assert (
        ach.create_transfer(bank_account_id=bank, amount=12500, metadata={"paymentId": "p-1"}, idempotency_key=key).id
        == transfer.id
    )
    assert len(admin.transfers_of(bank)) == 1
    destination = admin.get(transfer.id)["_links"]["destination-funding-source"]["href"]
    assert destination == f"{sandbox.url}/funding-sources/{sandbox.merchant_funding_source_id}"
    admin.simulate()
    assert ach.get_transfer(transfer.id).status == "processed"


def test_insufficient_funds_fails_with_r01(ach, admin):
    bank = verified_adapter_bank(ach, admin.server, account="123456780001")
    transfer = ach.create_transfer(bank_account_id=bank, amount=5001, metadata={}, idempotency_key="k-r01")
    admin.simulate()
    failed = ach.get_transfer(transfer.id)
    assert (failed.status, failed.failure_code, failed.amount, failed.metadata) == ("failed", "R01", 5001, {})


def test_late_return_is_processed_then_failed_r03(ach, admin):
    bank = verified_adapter_bank(ach, admin.server, account="123456781003")
    transfer = ach.create_transfer(bank_account_id=bank, amount=100, metadata={}, idempotency_key="k-late")
    admin.simulate()
    assert ach.get_transfer(transfer.id).status == "processed"
    admin.simulate()
    returned = ach.get_transfer(transfer.id)
    assert (returned.status, returned.failure_code) == ("failed", "R03")
    assert ach.get_bank_account(bank).status == "removed"


def test_unverified_source_is_refused(ach):
    bank = add_bank(ach)
    with pytest.raises(AchError) as raised:
        ach.create_transfer(bank_account_id=bank.id, amount=100, metadata={}, idempotency_key="k-unverified")
    assert (raised.value.code, raised.value.message) == ("ValidationError", "Invalid funding source.")


def test_merchant_bank_is_looked_up_once(sandbox, ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    ach.create_transfer(bank_account_id=bank, amount=100, metadata={}, idempotency_key="k-m1")
    admin.fault(path_prefix="/accounts", status=500, count=10)  # would fail a second lookup
    ach.create_transfer(bank_account_id=bank, amount=100, metadata={}, idempotency_key="k-m2")
    assert len(admin.transfers_of(bank)) == 2


# -------------------------------------------------------------------------------------- faults and retries


def test_a_503_is_retried_with_the_same_key(ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    admin.fault(path_prefix="/transfers", method="POST", status=503, count=1)
    transfer = ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-503")
    assert transfer.status == "pending"
    assert [t["id"] for t in admin.transfers_of(bank)] == [transfer.id.rsplit("/", 1)[1]]


def test_a_lost_response_is_recovered_by_the_retry(ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    admin.fault(path_prefix="/transfers", method="POST", status=502, count=1, after_commit=True)
    transfer = ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-lost")
    assert [t["id"] for t in admin.transfers_of(bank)] == [transfer.id.rsplit("/", 1)[1]]


def test_5xx_beyond_retries_is_processor_unavailable(ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    admin.fault(path_prefix="/transfers", method="POST", status=503, count=3)
    with pytest.raises(ProcessorUnavailable):
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-down")
    assert admin.transfers_of(bank) == []


def test_a_4xx_is_not_retried(ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    admin.fault(
        path_prefix="/transfers", method="POST", status=400, count=1, body={"code": "BadRequest", "message": "Nope."}
    )
    with pytest.raises(AchError) as raised:
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-400")
    assert (raised.value.code, raised.value.message) == ("BadRequest", "Nope.")
    assert admin.transfers_of(bank) == []


@pytest.mark.parametrize("processed", [True, False], ids=["processed-but-slow", "slow-before-processing"])
def test_timeouts_beyond_retries_are_processor_unavailable(make_ach, admin, processed, caplog):
    ach = make_ach(timeout=0.15)
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    # after_commit + status None: the processor does the work, then answers too late for the client.
    admin.fault(
        path_prefix="/transfers", method="POST", status=None, delay_seconds=0.4, count=3, after_commit=processed
    )
    with pytest.raises(ProcessorUnavailable):
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-slow")
    # Three tries, each ended by the client's 0.15 s read timeout (the answer would have come after 0.4 s, and
    # been a success). Counted, not timed: a wall-clock bound failed on a loaded machine.
    timed_out = [r for r in caplog.records if r.getMessage() == "ACH POST /transfers failed: ReadTimeoutError"]
    assert len(timed_out) == 3
    time.sleep(0.45)  # the sandbox finishes the delayed requests
    assert len(admin.transfers_of(bank)) == 1 if processed else len(admin.transfers_of(bank)) <= 1
    # The caller retries later with the same key: exactly one transfer either way.
    transfer = ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-slow")
    assert [t["id"] for t in admin.transfers_of(bank)] == [transfer.id.rsplit("/", 1)[1]]


def test_a_key_still_in_flight_is_unavailable_without_retry(ach, admin):
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    admin.fault(
        path_prefix="/transfers", method="POST", status=409, count=1, body={"code": "Conflict", "message": "Later."}
    )
    with pytest.raises(ProcessorUnavailable):
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-later")
    assert admin.transfers_of(bank) == []  # not retried: the fault was used up by the single attempt
    ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-later")
    assert len(admin.transfers_of(bank)) == 1


# Dwolla's documented rate-limit answer: 429 {"code": "TooManyRequests", "message": "...wait a short period..."}
TOO_MANY = {"code": "TooManyRequests", "message": "Please wait a short period of time before re-attempting."}


@pytest.fixture
def paused(make_ach):
    """An adapter whose pauses are recorded on a fake clock instead of slept."""
    now, waits = [1000.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    return make_ach(clock=lambda: now[0], sleep=sleep), waits


def test_a_429_is_retried_with_backoff_and_the_same_key(sandbox, paused, admin):
    ach, waits = paused
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    admin.fault(path_prefix="/transfers", method="POST", status=429, count=2, body=TOO_MANY)
    transfer = ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-429")
    assert waits == [1.0, 2.0]  # Dwolla advises an exponential backoff
    assert [t["id"] for t in admin.transfers_of(bank)] == [transfer.id.rsplit("/", 1)[1]]
    assert "k-429" in sandbox.idempotency  # the third attempt still carried the caller's key


@pytest.mark.parametrize(
    "retry_after, low, high", [("3", 3, 3), ("0", 0, 0), (None, 2, 7)], ids=["seconds", "zero", "http-date"]
)
def test_retry_after_is_honoured(paused, admin, retry_after, low, high):
    ach, waits = paused
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    # A date has whole seconds and is read against the wall clock: the range leaves room for a slow machine.
    retry_after = retry_after or email.utils.formatdate(time.time() + 7, usegmt=True)
    admin.fault(
        path_prefix="/transfers",
        method="POST",
        status=429,
        count=1,
        body=TOO_MANY,
        headers={"Retry-After": retry_after},
    )
    ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-after")
    [wait] = waits
    assert low <= wait <= high
    assert len(admin.transfers_of(bank)) == 1


def test_429_retries_are_bounded_in_attempts(paused, admin):
    ach, waits = paused
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    admin.fault(path_prefix="/transfers", method="POST", status=429, count=10, body=TOO_MANY)
    with pytest.raises(ProcessorUnavailable):
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-busy")
    assert waits == [1.0, 2.0, 4.0]  # four attempts in all
    [fault] = requests.get(f"{admin.server.url}/sandbox/faults", timeout=5).json()
    assert fault["count"] == 6 and admin.transfers_of(bank) == []


@pytest.mark.parametrize(
    "retry_after, expected", [("300", []), ("5", [5])], ids=["beyond-the-budget", "second-wait-beyond-it"]
)
def test_429_retries_are_bounded_in_total_time(paused, admin, retry_after, expected):
    """Dwolla's volume limit lasts 5 minutes: a wait that would take the call past its 8 s budget is not
    started; the caller (the worker's queue, the client's retry) comes back later with the same key."""
    ach, waits = paused
    bank = verified_adapter_bank(ach, admin.server)
    ach.merchant_funding_source()
    admin.fault(
        path_prefix="/transfers",
        method="POST",
        status=429,
        count=3,
        body=TOO_MANY,
        headers={"Retry-After": retry_after},
    )
    with pytest.raises(ProcessorUnavailable):
        ach.create_transfer(bank_account_id=bank, amount=2500, metadata={}, idempotency_key="k-later")
    assert waits == expected and sum(waits) <= 8
    assert admin.transfers_of(bank) == []


def test_failed_micro_deposits_are_an_ach_error(ach, admin):
    bank = add_bank(ach, account="123456789003")
    admin.simulate()
    with pytest.raises(AchError) as raised:
        ach.verify_bank_account(bank.id, (3, 9))
    assert raised.value.code == "InvalidResourceState"


def test_from_environment_reads_the_secret(monkeypatch, sandbox):
    from shared.aws import secrets
    from shared.processors import dwolla

    calls = []

    def secret_string(arn):
        calls.append(arn)
        return json.dumps(
            {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret, "webhook_secret": "w"}
        )

    monkeypatch.setattr(secrets, "_secret_string", secret_string)
    monkeypatch.setenv("ACH_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:ach")
    monkeypatch.setenv("ACH_API_BASE", sandbox.url)
    sandbox.reset()
    ach = dwolla.from_environment()
    assert calls == ["arn:aws:secretsmanager:us-east-1:1:secret:ach"]
    assert new_customer(ach).startswith(f"{sandbox.url}/customers/")


# ---------------------------------------------------------------------------------------- secret hygiene


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record) + repr(record.args) + repr(record.__dict__))


@pytest.fixture
def records():
    handler, root = Records(), logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_account_and_routing_numbers_never_reach_logs_or_exceptions(ach, admin, records):
    account, routing = "98765432123456789", ROUTING
    customer = new_customer(ach)
    texts = []
    add = dict(customer_id=customer, routing_number=routing, account_type="checking", holder_name="Ann Archer")

    with pytest.raises(AchError) as refused:  # a validation error about the account number
        ach.add_bank_account(account_number=account + "0", idempotency_key="k-bad", **add)
    texts.append("".join(traceback.format_exception(refused.value)) + repr(refused.value.__dict__))

    admin.fault(path_prefix="/customers", method="POST", status=503, count=3)
    with pytest.raises(ProcessorUnavailable) as unavailable:
        ach.add_bank_account(account_number=account, idempotency_key="k-down", **add)
    texts.append("".join(traceback.format_exception(unavailable.value)) + repr(unavailable.value.__dict__))

    bank = ach.add_bank_account(account_number=account, idempotency_key="k-ok", **add)
    assert ach.add_bank_account(account_number=account, idempotency_key="k-dup", **add) == bank
    texts.append(repr(bank))

    assert records.lines  # the adapter and urllib3 did log
    for text in texts + records.lines:
        assert account not in text and routing not in text
