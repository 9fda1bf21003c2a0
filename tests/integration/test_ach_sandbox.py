"""The local ACH sandbox (infra.ach_sandbox) over HTTP: OAuth, customers and banks, micro-deposits, transfers
and their settlement by magic account number, signed webhooks with retries, cancellation, fault injection."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from infra.ach_sandbox import (
    DEFAULT_MERCHANT_FUNDING_SOURCE_ID,
    HAL,
    AchSandbox,
    format_amount,
    parse_amount,
    routing_number_valid,
)

ROUTING = "222222226"
SECRET = "whsec-sandbox-test"


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def sandbox():
    """Manual settlement (POST /sandbox-simulations only) and fast webhook retries."""
    server = AchSandbox(settle_seconds=None, webhook_retry_seconds=0.05).start()
    yield server
    server.stop()


@pytest.fixture
def api(sandbox):
    requests.post(f"{sandbox.url}/sandbox/reset", timeout=5).raise_for_status()
    return Client(sandbox)


class Client:
    def __init__(self, server: AchSandbox):
        self.base = server.url
        self.server = server
        response = requests.post(
            f"{self.base}/token",
            data={"grant_type": "client_credentials"},
            auth=(server.client_id, server.client_secret),
            timeout=5,
        )
        response.raise_for_status()
        self.headers = {
            "Authorization": f"Bearer {response.json()['access_token']}",
            "Accept": HAL,
            "Content-Type": HAL,
        }

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else f"{self.base}{path_or_url}"

    def get(self, path, **kwargs):
        return requests.get(self.url(path), headers=self.headers, timeout=kwargs.pop("timeout", 5), **kwargs)

    def post(self, path, body=None, headers=None, **kwargs):
        data = None if body is None else json.dumps(body)
        return requests.post(
            self.url(path),
            data=data,
            headers={**self.headers, **(headers or {})},
            timeout=kwargs.pop("timeout", 5),
            **kwargs,
        )

    def simulate(self) -> int:
        response = self.post("/sandbox-simulations")
        assert response.status_code == 200
        return response.json()["total"]

    # -- shortcuts

    def customer(self, email=None) -> str:
        response = self.post(
            "/customers",
            {"firstName": "Ann", "lastName": "Archer", "email": email or f"{uuid.uuid4().hex[:10]}@example.test"},
        )
        assert response.status_code == 201, response.text
        return response.headers["Location"]

    def bank(self, customer_url, account="123456780000", name="Checking") -> str:
        response = self.post(
            f"{customer_url}/funding-sources",
            {"routingNumber": ROUTING, "accountNumber": account, "bankAccountType": "checking", "name": name},
        )
        assert response.status_code == 201, response.text
        return response.headers["Location"]

    def verified_bank(self, account="123456780000", name="Checking") -> str:
        fs = self.bank(self.customer(), account, name)
        assert self.post(f"{fs}/micro-deposits").status_code == 201
        self.simulate()
        amounts = requests.get(
            f"{self.base}/sandbox/funding-sources/{fs.rsplit('/', 1)[1]}/micro-deposits", timeout=5
        ).json()
        response = self.post(f"{fs}/micro-deposits", {"amount1": amounts["amount1"], "amount2": amounts["amount2"]})
        assert response.status_code == 200, response.text
        return fs

    def transfer(self, source, value="125.00", key=None, timeout=5, **extra):
        merchant = f"{self.base}/funding-sources/{DEFAULT_MERCHANT_FUNDING_SOURCE_ID}"
        body = {
            "_links": {"source": {"href": source}, "destination": {"href": merchant}},
            "amount": {"currency": "USD", "value": value},
            **extra,
        }
        return self.post("/transfers", body, headers={"Idempotency-Key": key or str(uuid.uuid4())}, timeout=timeout)


class Receiver:
    """A webhook endpoint on 127.0.0.1:0 that records deliveries and can answer 500 to the first N."""

    def __init__(self, fail_first: int = 0):
        self.deliveries: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.deliveries.append({"headers": dict(self.headers), "raw": raw, "body": json.loads(raw)})
                status = 500 if len(receiver.deliveries) <= receiver.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dwolla"

    def topics(self) -> list[str]:
        return [d["body"]["topic"] for d in self.deliveries]

    def wait_for(self, predicate, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.02)
        raise AssertionError(f"condition not met; deliveries: {self.topics()}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    created = []

    def make(api, fail_first=0):
        hook = Receiver(fail_first)
        created.append(hook)
        response = api.post("/webhook-subscriptions", {"url": hook.url, "secret": SECRET})
        assert response.status_code == 201
        hook.subscription = response.headers["Location"]
        return hook

    yield make
    for hook in created:
        hook.close()


def embedded_error(response) -> dict:
    body = response.json()
    assert body["code"] == "ValidationError", body
    return body["_embedded"]["errors"][0]


# ---------------------------------------------------------------------------------------------- auth


def test_token_then_bearer_and_accept_required(sandbox, api):
    token = requests.post(
        f"{sandbox.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(sandbox.client_id, sandbox.client_secret),
        timeout=5,
    ).json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 3600 and token["access_token"]
    bad = requests.post(
        f"{sandbox.url}/token", data={"grant_type": "client_credentials"}, auth=(sandbox.client_id, "wrong"), timeout=5
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"

    no_auth = requests.get(f"{sandbox.url}/", headers={"Accept": HAL}, timeout=5)
    assert (no_auth.status_code, no_auth.json()["code"]) == (401, "InvalidCredentials")
    unknown = requests.get(f"{sandbox.url}/", headers={"Accept": HAL, "Authorization": "Bearer nope"}, timeout=5)
    assert (unknown.status_code, unknown.json()["code"]) == (401, "InvalidAccessToken")
    no_accept = requests.get(f"{sandbox.url}/", headers={"Authorization": api.headers["Authorization"]}, timeout=5)
    assert (no_accept.status_code, no_accept.json()["code"]) == (406, "InvalidVersion")

    account = api.get(api.get("/").json()["_links"]["account"]["href"]).json()
    sources = api.get(account["_links"]["funding-sources"]["href"]).json()["_embedded"]["funding-sources"]
    merchant = next(fs for fs in sources if fs["type"] == "bank")
    assert merchant["id"] == DEFAULT_MERCHANT_FUNDING_SOURCE_ID and merchant["status"] == "verified"


def test_expired_token_is_refused():
    server = AchSandbox(token_ttl_seconds=0).start()
    try:
        client = Client(server)
        response = client.get("/")
        assert (response.status_code, response.json()["code"]) == (401, "ExpiredAccessToken")
    finally:
        server.stop()


# ----------------------------------------------------------------------------------- customers and banks


def test_customer_and_funding_source_creation_and_validation(api):
    customer = api.customer("ann@example.test")
    body = api.get(customer).json()
    assert body["type"] == body["status"] == "unverified" and body["email"] == "ann@example.test"

    missing = api.post("/customers", {"lastName": "X", "email": "x@example.test"})
    assert missing.status_code == 400
    assert embedded_error(missing) | {"_links": {}} == {
        "code": "Required",
        "message": "FirstName is required.",
        "path": "/firstName",
        "_links": {},
    }
    duplicate = embedded_error(api.post("/customers", {"firstName": "A", "lastName": "B", "email": "ann@example.test"}))
    assert duplicate["code"] == "Duplicate" and duplicate["_links"]["about"]["href"] == customer

    fs_url = api.bank(customer, "123456780000", "Ann's checking")
    fs = api.get(fs_url).json()
    assert {k: fs[k] for k in ("status", "type", "bankAccountType", "name", "bankName", "removed")} == {
        "status": "unverified",
        "type": "bank",
        "bankAccountType": "checking",
        "name": "Ann's checking",
        "bankName": "SANDBOX TEST BANK",
        "removed": False,
    }
    assert fs["_links"]["initiate-micro-deposits"]["href"] == f"{fs_url}/micro-deposits"
    assert "verify-micro-deposits" not in fs["_links"]

    def create(**fields):
        return api.post(
            f"{customer}/funding-sources",
            {
                "routingNumber": ROUTING,
                "accountNumber": "99990000",
                "bankAccountType": "checking",
                "name": "n",
                **fields,
            },
        )

    assert embedded_error(create(routingNumber="12345678"))["path"] == "/routingNumber"
    assert embedded_error(create(routingNumber="222222227"))["message"] == "Routing number invalid."
    short = embedded_error(create(accountNumber="123"))
    assert (short["code"], short["path"]) == ("InvalidFormat", "/accountNumber")
    assert embedded_error(create(accountNumber="1" * 18))["path"] == "/accountNumber"
    assert embedded_error(create(bankAccountType="loan"))["path"] == "/bankAccountType"

    dup = create(accountNumber="123456780000")
    assert dup.status_code == 400 and dup.json()["code"] == "DuplicateResource"
    assert dup.json()["_links"]["about"]["href"] == fs_url
    assert create(accountNumber="55550000").status_code == 201
    too_many = create(accountNumber="66660000")
    assert (too_many.status_code, too_many.json()["code"]) == (400, "MaxNumberOfResources")
    assert api.get("/customers/nope").json()["code"] == "NotFound"


def test_a_customers_correlation_id_is_checked_kept_and_unique(api):
    """Dwolla's reference: less than 255 characters of a-Z, 0-9, '-', '.', '_', and unique across customers."""
    made = api.post(
        "/customers", {"firstName": "C", "lastName": "D", "email": "cd@example.test", "correlationId": "cid-1.a_b"}
    )
    assert made.status_code == 201 and api.get(made.headers["Location"]).json()["correlationId"] == "cid-1.a_b"
    customers = len(api.server.customers)
    for bad in ("has space", "a/b", "x" * 255, "", 7):
        refused = embedded_error(
            api.post(
                "/customers", {"firstName": "C", "lastName": "D", "email": "other@example.test", "correlationId": bad}
            )
        )
        assert (refused["code"], refused["path"]) == ("InvalidFormat", "/correlationId")
    both = api.post(
        "/customers", {"firstName": "E", "lastName": "F", "email": "cd@example.test", "correlationId": "cid-1.a_b"}
    ).json()["_embedded"]["errors"]
    assert [(e["code"], e["path"], e["_links"]["about"]["href"]) for e in both] == [
        ("Duplicate", "/email", made.headers["Location"]),
        ("Duplicate", "/correlationId", made.headers["Location"]),
    ]
    assert len(api.server.customers) == customers  # nothing created


def test_bank_name_comes_from_the_routing_number(api):
    assert routing_number_valid("021000021") and not routing_number_valid("021000022")
    customer = api.customer()
    response = api.post(
        f"{customer}/funding-sources",
        {"routingNumber": "021000021", "accountNumber": "12345678", "bankAccountType": "savings", "name": "Savings"},
    )
    assert api.get(response.headers["Location"]).json()["bankName"] == "JPMORGAN CHASE BANK, NA"
    other = api.post(
        f"{customer}/funding-sources",
        {"routingNumber": "011000028", "accountNumber": "12345678", "bankAccountType": "checking", "name": "Other"},
    )
    assert api.get(other.headers["Location"]).json()["bankName"] == "Sandbox Bank"


# ---------------------------------------------------------------------------------------- micro-deposits


def test_micro_deposits_verify(api, receiver):
    hook = receiver(api)
    fs_url = api.bank(api.customer())
    initiated = api.post(f"{fs_url}/micro-deposits")
    assert initiated.status_code == 201 and initiated.headers["Location"] == f"{fs_url}/micro-deposits"
    assert api.post(f"{fs_url}/micro-deposits").json()["code"] == "MaxNumberOfResources"
    assert api.get(f"{fs_url}/micro-deposits").json()["status"] == "pending"

    right = {"amount1": {"value": "0.03", "currency": "USD"}, "amount2": {"value": "0.09", "currency": "USD"}}
    early = api.post(f"{fs_url}/micro-deposits", right)
    assert (early.status_code, early.json()["code"]) == (202, "TryAgainLater")

    assert api.simulate() >= 1
    details = api.get(f"{fs_url}/micro-deposits").json()
    assert details["status"] == "processed" and "verify-micro-deposits" in details["_links"]
    assert "verify-micro-deposits" in api.get(fs_url).json()["_links"]
    amounts = requests.get(
        f"{api.base}/sandbox/funding-sources/{fs_url.rsplit('/', 1)[1]}/micro-deposits", timeout=5
    ).json()
    assert (amounts["amount1"]["value"], amounts["amount2"]["value"]) == ("0.03", "0.09")

    wrong = api.post(
        f"{fs_url}/micro-deposits",
        {"amount1": {"value": "0.01", "currency": "USD"}, "amount2": {"value": "0.02", "currency": "USD"}},
    )
    assert wrong.status_code == 400 and embedded_error(wrong)["message"] == "Wrong amount(s)."
    bad_format = api.post(
        f"{fs_url}/micro-deposits",
        {"amount1": {"value": "x", "currency": "USD"}, "amount2": {"value": "0.09", "currency": "USD"}},
    )
    assert embedded_error(bad_format)["path"] == "/amount1/value"

    ok = api.post(f"{fs_url}/micro-deposits", right)
    assert ok.status_code == 200
    fs = api.get(fs_url).json()
    assert fs["status"] == "verified" and "transfer-send" in fs["_links"]
    assert "verify-micro-deposits" not in fs["_links"]
    again = api.post(f"{fs_url}/micro-deposits", right)
    assert (again.status_code, again.json()["message"]) == (403, "Bank already verified.")
    hook.wait_for(lambda h: "customer_funding_source_verified" in h.topics())
    assert {
        "customer_funding_source_added",
        "customer_microdeposits_added",
        "customer_microdeposits_completed",
        "customer_funding_source_verified",
    } <= set(hook.topics())


def test_micro_deposits_attempt_limit(api, receiver):
    hook = receiver(api)
    fs_url = api.bank(api.customer())
    api.post(f"{fs_url}/micro-deposits")
    api.simulate()
    wrong = {"amount1": {"value": "0.05", "currency": "USD"}, "amount2": {"value": "0.06", "currency": "USD"}}
    for _ in range(3):
        response = api.post(f"{fs_url}/micro-deposits", wrong)
        assert response.status_code == 400 and embedded_error(response)["message"] == "Wrong amount(s)."
    right = {"amount1": {"value": "0.03", "currency": "USD"}, "amount2": {"value": "0.09", "currency": "USD"}}
    locked = api.post(f"{fs_url}/micro-deposits", right)
    assert (locked.status_code, locked.json()["code"], locked.json()["message"]) == (
        403,
        "InvalidResourceState",
        "Too many attempts.",
    )
    fs = api.get(fs_url).json()
    assert fs["status"] == "unverified" and "failed-verification-micro-deposits" in fs["_links"]
    assert "verify-micro-deposits" not in fs["_links"]
    hook.wait_for(lambda h: "customer_microdeposits_maxattempts" in h.topics())
    assert hook.topics().count("customer_microdeposits_maxattempts") == 1


def test_micro_deposits_fail_to_a_closed_account(api, receiver):
    hook = receiver(api)
    fs_url = api.bank(api.customer(), account="4449003")
    api.post(f"{fs_url}/micro-deposits")
    api.simulate()
    details = api.get(f"{fs_url}/micro-deposits").json()
    assert details["status"] == "failed" and details["failure"]["code"] == "R03"
    hook.wait_for(lambda h: "customer_microdeposits_failed" in h.topics())


# --------------------------------------------------------------------------------------------- transfers


def test_unverified_source_is_refused(api):
    fs_url = api.bank(api.customer())
    response = api.transfer(fs_url)
    assert response.status_code == 400
    assert embedded_error(response) | {"_links": {}} == {
        "code": "Invalid",
        "message": "Invalid funding source.",
        "path": "/_links/source/href",
        "_links": {},
    }


def test_transfer_idempotency_and_shape(api):
    source = api.verified_bank()
    key = str(uuid.uuid4())
    first = api.transfer(source, key=key, metadata={"paymentId": "pay-1"}, correlationId="pay-1")
    second = api.transfer(source, key=key, metadata={"paymentId": "pay-1"}, correlationId="pay-1")
    assert first.status_code == second.status_code == 201
    assert first.headers["Location"] == second.headers["Location"]
    customer = api.get(source).json()["_links"]["customer"]["href"]
    assert api.get(f"{customer}/transfers").json()["total"] == 1

    transfer = api.get(first.headers["Location"]).json()
    assert transfer["status"] == "pending" and transfer["amount"] == {"value": "125.00", "currency": "USD"}
    assert transfer["metadata"] == {"paymentId": "pay-1"} and transfer["correlationId"] == "pay-1"
    links = transfer["_links"]
    assert links["self"]["href"] == first.headers["Location"] and "cancel" in links and "failure" not in links
    assert links["source-funding-source"]["href"] == source and links["source"]["href"] == customer
    assert links["destination-funding-source"]["href"].endswith(DEFAULT_MERCHANT_FUNDING_SOURCE_ID)
    assert "/accounts/" in links["destination"]["href"]

    another = api.transfer(source, value="10.5")
    assert api.get(another.headers["Location"]).json()["amount"]["value"] == "10.50"
    for value, path in (
        ("0", "/amount/value"),
        ("-5.00", "/amount/value"),
        ("abc", "/amount/value"),
        ("5000.01", "/amount/value"),
    ):
        assert embedded_error(api.transfer(source, value=value))["path"] == path
    missing = api.post("/transfers", {"amount": {"currency": "USD", "value": "1.00"}})
    assert embedded_error(missing)["path"] == "/_links/source/href"
    unknown = api.transfer(f"{api.base}/funding-sources/{uuid.uuid4()}")
    assert embedded_error(unknown)["message"] == "Funding source not found."


def test_the_same_key_with_another_body_is_refused_and_replays_nothing(api):
    """Dwolla replays only an exact-match body; its docs name no answer for another one, so the sandbox gives
    the IETF Idempotency-Key draft's 422 (see docs/ach-sandbox.md)."""
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    key = str(uuid.uuid4())
    first = api.transfer(source, value="125.00", key=key)
    assert first.status_code == 201
    customers = len(api.server.customers)
    for other in (
        api.transfer(source, value="125.01", key=key),  # another amount
        api.post(
            "/customers",
            {"firstName": "A", "lastName": "B", "email": "ab@example.test"},
            headers={"Idempotency-Key": key},
        ),
    ):  # another endpoint
        assert (other.status_code, other.json()["code"]) == (422, "InvalidIdempotencyKey")
        assert "Location" not in other.headers
    assert api.get(f"{customer}/transfers").json()["total"] == 1
    assert len(api.server.customers) == customers  # nothing created
    again = api.transfer(source, value="125.00", key=key)  # the identical request still replays
    assert again.status_code == 201 and again.headers["Location"] == first.headers["Location"]
    assert again.headers["X-Sandbox-Idempotent-Replay"] == "true"


def test_only_a_success_is_replayed(api):
    """A 4xx is not kept: the same key with a corrected body then succeeds, and that success is replayed."""
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    key = str(uuid.uuid4())
    refused = api.transfer(source, value="5000.01", key=key)  # above the transaction limit
    assert refused.status_code == 400 and embedded_error(refused)["path"] == "/amount/value"
    assert api.get(f"{customer}/transfers").json()["total"] == 0
    corrected = api.transfer(source, value="50.00", key=key)
    assert corrected.status_code == 201 and "X-Sandbox-Idempotent-Replay" not in corrected.headers
    replayed = api.transfer(source, value="50.00", key=key)
    assert replayed.status_code == 201 and replayed.headers["Location"] == corrected.headers["Location"]
    assert replayed.headers["X-Sandbox-Idempotent-Replay"] == "true"
    assert api.get(f"{customer}/transfers").json()["total"] == 1


# Dwolla's "Transfer Failures" table, row by row for these codes: the bank removed or only unverified, blocklisted
# (it cannot be added again), the customer suspended or deactivated.
@pytest.mark.parametrize(
    "suffix, status, code, removed, bank_status, customer_status, blocklisted",
    [
        ("0000", "processed", None, False, "verified", "unverified", False),
        ("0001", "failed", "R01", False, "verified", "unverified", False),
        ("0002", "failed", "R02", True, "unverified", "unverified", False),
        ("0003", "failed", "R03", True, "unverified", "unverified", False),
        ("0004", "failed", "R04", True, "unverified", "unverified", False),
        ("0005", "failed", "R05", True, "unverified", "suspended", True),
        ("0007", "failed", "R07", True, "unverified", "deactivated", False),
        ("0008", "failed", "R08", True, "unverified", "unverified", False),
        ("0009", "failed", "R09", False, "verified", "unverified", False),
        ("0010", "failed", "R10", True, "unverified", "suspended", True),
        ("0011", "failed", "R11", True, "unverified", "deactivated", False),
        ("0012", "failed", "R12", True, "verified", "unverified", False),
        ("0014", "failed", "R14", True, "verified", "suspended", False),
        ("0016", "failed", "R16", True, "unverified", "suspended", True),
        ("0020", "failed", "R20", True, "verified", "unverified", True),
        ("0022", "failed", "R22", False, "unverified", "unverified", False),
        ("0029", "failed", "R29", True, "unverified", "suspended", True),
    ],
)
def test_settlement_by_magic_account_number(
    api, receiver, suffix, status, code, removed, bank_status, customer_status, blocklisted
):
    hook = receiver(api)
    source = api.verified_bank(account=f"12345{suffix}")
    customer = api.get(source).json()["_links"]["customer"]["href"]
    location = api.transfer(source).headers["Location"]
    assert api.simulate() >= 1
    transfer = api.get(location).json()
    assert transfer["status"] == status and "cancel" not in transfer["_links"]
    if code:
        failure = api.get(transfer["_links"]["failure"]["href"]).json()
        assert failure["code"] == code and failure["description"] and failure["explanation"]
        assert failure["_links"]["failed-funding-source"]["href"] == source
    else:
        assert "failure" not in transfer["_links"]
        assert api.get(f"{location}/failure").status_code == 404
    bank = api.get(source).json()
    assert (bank["removed"], bank["status"]) == (removed, bank_status)
    assert api.get(customer).json()["status"] == customer_status
    again = api.post(
        f"{customer}/funding-sources",
        {"routingNumber": ROUTING, "accountNumber": f"12345{suffix}", "bankAccountType": "checking", "name": "Again"},
    )
    if blocklisted:
        assert embedded_error(again)["message"] == "Bank account is blocklisted."
    else:
        assert again.status_code == (201 if removed else 400)  # 400: DuplicateResource, still there
    expected = {"customer_funding_source_removed"} if removed else set()
    expected |= {"customer_funding_source_unverified"} if bank_status == "unverified" else set()
    expected |= {"customer_suspended": {"customer_suspended"}, "customer_deactivated": {"customer_deactivated"}}.get(
        f"customer_{customer_status}", set()
    )
    hook.wait_for(lambda h: expected <= set(h.topics()))
    status_topics = {
        "customer_funding_source_removed",
        "customer_funding_source_unverified",
        "customer_suspended",
        "customer_deactivated",
    }
    time.sleep(0.1)
    assert status_topics & set(hook.topics()) == expected


def test_a_restricted_customer_cannot_send_and_reactivation_follows_dwollas_rules(api, receiver):
    """Dwolla's "Initiate a transfer": "Sender // Receiver Restricted" for a deactivated or suspended customer.
    "Update a customer": deactivated -> reactivated (its status before); a suspended one only through Dwolla."""
    hook = receiver(api)
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    assert api.post(customer, {"status": "deactivated"}).json()["status"] == "deactivated"
    refused = api.transfer(source)
    assert (embedded_error(refused)["code"], embedded_error(refused)["message"]) == ("Restricted", "Sender restricted.")
    assert api.post(customer, {"status": "reactivated"}).json()["status"] == "unverified"
    assert api.transfer(source).status_code == 201
    assert api.post(customer, {"status": "suspended"}).json()["status"] == "suspended"
    assert embedded_error(api.transfer(source))["message"] == "Sender restricted."
    for status in ("reactivated", "deactivated"):
        assert api.post(customer, {"status": status}).json()["code"] == "InvalidResourceState"
    assert embedded_error(api.post(customer, {"firstName": "X"}))["path"] == "/status"
    lifted = requests.post(
        f"{api.base}/sandbox/customers/{customer.rsplit('/', 1)[1]}", json={"status": "unverified"}, timeout=5
    )
    assert lifted.json()["status"] == "unverified" and api.transfer(source).status_code == 201
    hook.wait_for(lambda h: h.topics().count("customer_activated") == 2)
    assert [t for t in hook.topics() if t in ("customer_deactivated", "customer_activated", "customer_suspended")] == [
        "customer_deactivated",
        "customer_activated",
        "customer_suspended",
        "customer_activated",
    ]


def test_the_weekly_limit_of_an_unverified_customer_and_the_per_transfer_limit_of_a_verified_one(api):
    """Dwolla's "Customer Types": an unverified customer sends $5,000 per week, Monday to Sunday UTC (transfers
    pending or processed count; a failed or cancelled one does not); a verified one $10,000 per transfer."""
    api.server.set_clock(now=datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # a Wednesday
    source = api.verified_bank()
    assert api.transfer(source, value="3000.00").status_code == 201
    cancelled = api.transfer(source, value="1000.00").headers["Location"]
    assert api.transfer(source, value="2000.01").status_code == 400  # 3,000 + 1,000 pending + 2,000.01
    api.post(cancelled, {"status": "cancelled"})  # a cancelled transfer sends nothing
    over = embedded_error(api.transfer(source, value="2000.01"))
    assert (over["code"], over["message"], over["path"]) == (
        "Invalid",
        "Invalid amount. The supplied amount is greater than your transaction limit.",
        "/amount/value",
    )
    assert api.transfer(source, value="2000.00").status_code == 201  # exactly the limit
    api.simulate()  # processed still counts
    assert api.transfer(source, value="0.01").status_code == 400
    api.server.set_clock(now=datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC))  # Sunday, the same week
    assert api.transfer(source, value="0.01").status_code == 400
    api.server.set_clock(now=datetime(2026, 3, 9, 0, 0, tzinfo=UTC))  # Monday 00:00 UTC: a new week
    assert api.transfer(source, value="5000.00").status_code == 201
    customer_id = api.get(source).json()["_links"]["customer"]["href"].rsplit("/", 1)[1]
    requests.post(f"{api.base}/sandbox/customers/{customer_id}", json={"type": "personal"}, timeout=5)
    assert api.transfer(source, value="10000.00").status_code == 201  # verified: per transfer, not per week
    assert api.transfer(source, value="10000.01").status_code == 400


def test_a_removed_unverified_bank_added_again_within_48_hours_comes_back(api):
    """Dwolla's "Remove a funding source": re-added within 48 hours of its creation, an unverified bank is re-activated
    with the same id (here with its micro-deposits as they were); a verified one, or after 48 hours, is new."""
    customer = api.customer()
    first = api.bank(customer, "123456780000")
    api.post(f"{first}/micro-deposits")
    api.simulate()
    wrong = {"amount1": {"value": "0.01", "currency": "USD"}, "amount2": {"value": "0.02", "currency": "USD"}}
    for _ in range(3):
        api.post(f"{first}/micro-deposits", wrong)
    api.post(first, {"removed": True})
    again = api.bank(customer, "123456780000")
    assert again == first
    body = api.get(again).json()
    assert body["removed"] is False and "failed-verification-micro-deposits" in body["_links"]
    api.post(first, {"removed": True})
    api.server.set_clock(advance_seconds=48 * 3600)
    fresh = api.bank(customer, "123456780000")
    assert fresh != first and "initiate-micro-deposits" in api.get(fresh).json()["_links"]
    verified = api.verified_bank(account="22223333")
    owner = api.get(verified).json()["_links"]["customer"]["href"]
    api.post(verified, {"removed": True})
    assert api.bank(owner, "22223333") != verified


def test_an_idempotency_key_is_replayed_for_24_hours_even_for_a_removed_bank(api):
    """Dwolla's "Idempotency Key": the original 201 for the same key and body, for 24 hours: also once the bank it
    created was removed."""
    customer = api.customer()
    body = {"routingNumber": ROUTING, "accountNumber": "44445555", "bankAccountType": "checking", "name": "N"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(f"{customer}/funding-sources", body, headers=key).headers["Location"]
    api.post(first, {"removed": True})
    replay = api.post(f"{customer}/funding-sources", body, headers=key)
    assert replay.status_code == 201 and replay.headers["Location"] == first
    assert api.get(first).json()["removed"] is True
    api.server.set_clock(advance_seconds=24 * 3600 + 1)
    later = api.post(f"{customer}/funding-sources", body, headers=key)
    assert later.status_code == 201 and "X-Sandbox-Idempotent-Replay" not in later.headers


def test_micro_deposit_entries_over_15_cents_are_an_invalid_amount_and_spend_no_attempt(api):
    """Dwolla's "Verify micro-deposits": over $0.15 "Invalid amount."; $0.01-$0.09 not matching "Wrong amount(s)"."""
    fs = api.bank(api.customer())
    api.post(f"{fs}/micro-deposits")
    api.simulate()

    def verify(one, two):
        return api.post(
            f"{fs}/micro-deposits",
            {"amount1": {"value": one, "currency": "USD"}, "amount2": {"value": two, "currency": "USD"}},
        )

    for _ in range(5):
        invalid = verify("0.32", "0.45")
        assert invalid.status_code == 400 and embedded_error(invalid)["message"] == "Invalid amount."
    assert embedded_error(verify("0.03", "0.16"))["path"] == "/amount2/value"
    attempts = requests.get(
        f"{api.base}/sandbox/funding-sources/{fs.rsplit('/', 1)[1]}/micro-deposits", timeout=5
    ).json()["attempts"]
    assert attempts == 0
    assert embedded_error(verify("0.03", "0.15"))["message"] == "Wrong amount(s)."
    assert verify("0.09", "0.03").status_code == 200


@pytest.mark.parametrize("character", sorted('<>="`!?%~${}\\[]'))
def test_customer_names_with_a_forbidden_character_are_refused(api, character):
    """Dwolla's "Create a customer": names "contain no special characters [<>="`!?%~${}\\]"."""
    for field in ("firstName", "lastName", "businessName"):
        body = {
            "firstName": "Ann",
            "lastName": "Archer",
            "email": f"{uuid.uuid4().hex[:8]}@example.test",
            field: f"Yahoo{character} Inc",
        }
        refused = embedded_error(api.post("/customers", body))
        assert (refused["code"], refused["path"]) == ("Invalid", f"/{field}")
    long_business = api.post(
        "/customers", {"firstName": "A", "lastName": "B", "email": "ab@example.test", "businessName": "B" * 256}
    )
    assert embedded_error(long_business)["path"] == "/businessName"


def test_transfers_are_searched_by_correlation_id(api):
    """Dwolla's "List and search transfers" (for an account, for a customer): the correlationId given at creation."""
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    wanted = api.transfer(source, correlationId="pay-7").headers["Location"]
    api.transfer(source, correlationId="pay-8")
    account = api.get("/").json()["_links"]["account"]["href"]
    for listing in (f"{account}/transfers?correlationId=pay-7", f"{customer}/transfers?correlationId=pay-7"):
        found = api.get(listing).json()
        assert found["total"] == 1 and found["_embedded"]["transfers"][0]["_links"]["self"]["href"] == wanted
    assert api.get(f"{account}/transfers?correlationId=none").json()["total"] == 0
    assert api.get(f"{account}/transfers").json()["total"] == 2


def test_late_return_after_success(api, receiver):
    hook = receiver(api)
    source = api.verified_bank(account="77771003")
    location = api.transfer(source, correlationId="late-1").headers["Location"]
    api.simulate()
    assert api.get(location).json()["status"] == "processed"
    api.simulate()
    transfer = api.get(location).json()
    assert transfer["status"] == "failed"
    assert api.get(transfer["_links"]["failure"]["href"]).json()["code"] == "R03"
    hook.wait_for(lambda h: h.topics().count("customer_transfer_failed") == 1)
    transfer_topics = [t for t in hook.topics() if "transfer" in t]
    assert transfer_topics.index("customer_transfer_completed") < transfer_topics.index("customer_transfer_failed")


def test_dwolla_name_sentinel_also_works(api):
    source = api.verified_bank(account="55556666", name="R01")
    location = api.transfer(source).headers["Location"]
    api.simulate()
    assert api.get(api.get(location).json()["_links"]["failure"]["href"]).json()["code"] == "R01"


def test_cancel_pending_transfer(api, receiver):
    hook = receiver(api)
    location = api.transfer(api.verified_bank()).headers["Location"]
    cancelled = api.post(location, {"status": "cancelled"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert "cancel" not in cancelled.json()["_links"]
    again = api.post(location, {"status": "cancelled"})
    assert (again.status_code, again.json()["code"]) == (403, "InvalidResourceState")
    api.simulate()
    assert api.get(location).json()["status"] == "cancelled"
    hook.wait_for(lambda h: {"customer_transfer_cancelled", "transfer_cancelled"} <= set(h.topics()))


# -------------------------------------------------------------------------------------------- webhooks


def test_signed_webhooks_for_a_transfer(api, receiver):
    hook = receiver(api)
    source = api.verified_bank()
    location = api.transfer(source, correlationId="corr-42").headers["Location"]
    api.simulate()
    hook.wait_for(lambda h: "transfer_completed" in h.topics())

    for delivery in hook.deliveries:
        expected = hmac.new(SECRET.encode(), delivery["raw"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(delivery["headers"]["X-Request-Signature-SHA-256"], expected)
        assert delivery["headers"]["X-Dwolla-Topic"] == delivery["body"]["topic"]

    transfer_events = [d["body"] for d in hook.deliveries if d["body"]["resourceId"] == location.rsplit("/", 1)[1]]
    assert [e["topic"] for e in transfer_events] == [
        "customer_transfer_created",
        "transfer_created",
        "customer_transfer_completed",
        "transfer_completed",
    ]
    event = transfer_events[0]
    assert set(event) >= {"id", "resourceId", "topic", "timestamp", "created", "_links"}
    assert event["_links"]["resource"]["href"] == location and event["correlationId"] == "corr-42"
    assert event["_links"]["customer"]["href"] == api.get(source).json()["_links"]["customer"]["href"]
    assert "customer" not in transfer_events[1]["_links"] and "/accounts/" in event["_links"]["account"]["href"]
    assert api.get(event["_links"]["self"]["href"]).json() == event


def test_webhook_retried_after_500(api, receiver):
    hook = receiver(api, fail_first=2)
    api.customer()
    hook.wait_for(lambda h: len(h.deliveries) >= 3)
    assert {d["body"]["id"] for d in hook.deliveries} == {hook.deliveries[0]["body"]["id"]}
    time.sleep(0.1)
    assert len(hook.deliveries) == 3
    webhooks = api.get(f"{hook.subscription}/webhooks").json()["_embedded"]["webhooks"]
    assert [a["response"]["statusCode"] for a in webhooks[0]["attempts"]] == [500, 500, 200]


def test_webhook_subscription_requires_url_and_secret(api):
    response = api.post("/webhook-subscriptions", {"url": "http://127.0.0.1:9/x"})
    assert embedded_error(response)["path"] == "/secret"


# -------------------------------------------------------------------------------------- fault injection


def test_fault_before_commit_creates_nothing(api):
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    requests.post(
        f"{api.base}/sandbox/faults", json={"path_prefix": "/transfers", "status": 503, "count": 1}, timeout=5
    ).raise_for_status()
    key = str(uuid.uuid4())
    failed = api.transfer(source, key=key)
    assert (failed.status_code, failed.json()["code"]) == (503, "ServerError")
    assert api.get(f"{customer}/transfers").json()["total"] == 0
    assert api.transfer(source, key=key).status_code == 201
    assert api.get(f"{customer}/transfers").json()["total"] == 1


def test_fault_after_commit_then_idempotent_retry(api):
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    requests.post(
        f"{api.base}/sandbox/faults",
        json={"path_prefix": "/transfers", "method": "POST", "status": 502, "after_commit": True},
        timeout=5,
    ).raise_for_status()
    key = str(uuid.uuid4())
    lost = api.transfer(source, key=key)
    assert lost.status_code == 502
    stored = api.get(f"{customer}/transfers").json()["_embedded"]["transfers"]
    assert len(stored) == 1
    retry = api.transfer(source, key=key)
    assert retry.status_code == 201 and retry.headers["Location"] == stored[0]["_links"]["self"]["href"]
    assert api.get(f"{customer}/transfers").json()["total"] == 1


def test_fault_delay_simulates_a_timeout_after_commit(api):
    source = api.verified_bank()
    customer = api.get(source).json()["_links"]["customer"]["href"]
    requests.post(
        f"{api.base}/sandbox/faults",
        json={"path_prefix": "/transfers", "status": None, "delay_seconds": 0.6, "after_commit": True},
        timeout=5,
    ).raise_for_status()
    key = str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.transfer(source, key=key, timeout=0.2)
    retry = api.transfer(source, key=key)
    assert retry.status_code == 201
    assert api.get(f"{customer}/transfers").json()["total"] == 1


# ------------------------------------------------------------------------------------ automatic settlement


def test_settles_by_itself_after_the_delay():
    server = AchSandbox(settle_seconds=0.15, webhook_retry_seconds=0.05).start()
    try:
        api = Client(server)
        fs = api.bank(api.customer(), account="88881003")
        api.post(f"{fs}/micro-deposits")
        deadline = time.monotonic() + 3
        while api.get(f"{fs}/micro-deposits").json()["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.03)
        right = {"amount1": {"value": "0.03", "currency": "USD"}, "amount2": {"value": "0.09", "currency": "USD"}}
        assert api.post(f"{fs}/micro-deposits", right).status_code == 200
        location = api.transfer(fs).headers["Location"]
        statuses = []
        while time.monotonic() < deadline + 2 and (not statuses or statuses[-1] != "failed"):
            status = api.get(location).json()["status"]
            if not statuses or statuses[-1] != status:
                statuses.append(status)
            time.sleep(0.02)
        assert statuses == ["pending", "processed", "failed"]
    finally:
        server.stop()


def test_amounts_are_integer_cents():
    assert parse_amount("125.00") == 12500 and parse_amount("0.1") == 10 and parse_amount("7") == 700
    assert parse_amount("12.345") == 1234 and parse_amount("12.355") == 1236  # banker's rounding
    assert parse_amount("1e3") is None and parse_amount(12.5) is None and parse_amount("-1.00") is None
    assert format_amount(12500) == "125.00" and format_amount(5) == "0.05"
