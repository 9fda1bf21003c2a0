"""End to end: the real local stack as a subprocess (`python -m infra.local_stack`), driven only through
HTTP and boto3 against its stack.json, the way the portal, Stripe.js and Stripe's webhooks use it.

One stack serves the whole module (start-up is ~2 s); tests use different invoices so they do not interact,
and the last test stops the stack with SIGINT and checks it exits cleanly.
"""

import gzip
import http.client as http_client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import jwt
import moto
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from infra.demo import Portal, confirm_card, login, wait_for_receipt
from tests.helpers import stack_dynamodb_url

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stack(
    port: int,
    stack_file: Path,
    log: Path,
    ach_settle_seconds: str = "1",
    env: dict | None = None,
    own_dynamodb: bool = False,
) -> subprocess.Popen:
    """`python -m infra.local_stack`; on the test run's DynamoDB Local (tables of its own there) unless
    `own_dynamodb`, as `make local` does."""
    url = None if own_dynamodb else stack_dynamodb_url()
    shared = {"LOCAL_DYNAMODB_ENDPOINT_URL": url} if url else {}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local_stack",
            "--port",
            str(port),
            "--portal-port",
            "0",
            "--stack-file",
            str(stack_file),
        ],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "ACH_SETTLE_SECONDS": ach_settle_seconds, **shared, **(env or {})},
    )


def launch(tmp: Path, ach_settle_seconds: str = "1", env: dict | None = None, own_dynamodb: bool = False) -> dict:
    """Start a stack in `tmp` and wait for its stack file: {"proc", "stack", "file", "log"}. The ACH sandbox
    settles by itself after `ach_settle_seconds`; "-1": only when asked (POST /sandbox-simulations). `env`: more
    variables for the stack (e.g. LOCAL_CARD_FEE_BASIS_POINTS)."""
    stack_file, log = tmp / "stack.json", tmp / "stack.log"
    # Port 0: the stack binds a free port itself and writes it in its stack file. A port picked here and bound
    # by the stack a second later could meanwhile be taken by any process's outgoing connection.
    proc = start_stack(0, stack_file, log, ach_settle_seconds, env, own_dynamodb)
    # It is ready in about 3 s on a quiet machine (docs/local-stack.md); six test workers each starting one on two
    # shared cores, under other work (load average 20), took over 30 s just importing, before printing a line.
    started = time.monotonic()
    while not stack_file.exists():
        if proc.poll() is not None:
            pytest.fail(f"local stack exited ({proc.returncode}):\n{log.read_text()}")
        if time.monotonic() - started > 120:
            proc.kill()
            pytest.fail(f"local stack not ready after 120 s:\n{log.read_text()}")
        time.sleep(0.1)
    return {"proc": proc, "stack": json.loads(stack_file.read_text()), "file": stack_file, "log": log}


@contextmanager
def stack_in(folder: Path, env: dict | None = None):
    """A local stack for one test module: its stack.json contents; stopped at the end."""
    launched = launch(folder, env=env)
    try:
        yield launched["stack"]
    finally:
        proc = launched["proc"]
        proc.terminate()
        try:  # a clean stop is tested apart (test_sigint_stops_everything_cleanly); under load it can take a while
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    # Bank transfers settle only when a test asks, as in Dwolla's own sandbox: a payment's "processing" state is
    # then there to be seen however slowly the machine runs (with a 1 s delay, a loaded machine missed it).
    launched = launch(tmp_path_factory.mktemp("stack"), ach_settle_seconds="-1", own_dynamodb=True)  # as make local
    yield launched
    proc = launched["proc"]
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def stack(running):
    return running["stack"]


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_stack_file_has_the_contract_keys(stack):
    assert set(stack) == {
        "api_url",
        "aws_endpoint_url",
        "dynamodb_endpoint_url",
        "region",
        "stripe_api_base",
        "stripe_publishable_key",
        "ach_api_base",
        "user_pool_id",
        "user_pool_client_id",
        "demo_users",
        "portal_url",
        "resources",
        "admin_users",
    }
    assert stack["stripe_publishable_key"].startswith("pk_test_")
    assert len({u["client_id"] for u in stack["demo_users"]}) >= 2
    for url in (
        stack["api_url"],
        stack["aws_endpoint_url"],
        stack["dynamodb_endpoint_url"],
        stack["stripe_api_base"],
        stack["ach_api_base"],
    ):
        assert url.startswith("http://127.0.0.1:")


def test_pay_by_card_in_full(stack):
    portal = Portal(stack, stack["demo_users"][0]["email"])
    invoice_id = f"{portal.client_id}-full"
    before = portal.get(f"/invoices/{invoice_id}").json()
    started = portal.start_payment(invoice_id)
    assert started.status_code == 201, started.text
    payment = started.json()
    confirm_card(stack, payment["client_secret"])

    payment = portal.wait_for_outcome(payment["payment_id"])
    assert payment["status"] == "succeeded" and payment["amount"] == before["balance"]
    invoice = portal.get(f"/invoices/{invoice_id}").json()
    assert (invoice["status"], invoice["balance"], invoice["amount_paid"]) == ("paid", 0, before["total"])
    history = portal.get("/payments", invoice_id=invoice_id).json()["payments"]
    assert [(p["payment_id"], p["status"]) for p in history] == [(payment["payment_id"], "succeeded")]
    subject = wait_for_receipt(stack, invoice["number"])  # webhook -> SQS -> receipt worker -> SES
    assert subject is not None and invoice["number"] in subject and subject.startswith("Receipt")


def test_declined_card(stack):
    portal = Portal(stack, stack["demo_users"][1]["email"])
    invoice_id = f"{portal.client_id}-overdue"
    before = portal.get(f"/invoices/{invoice_id}").json()
    payment = portal.start_payment(invoice_id).json()
    confirm_card(stack, payment["client_secret"], decline=True)

    payment = portal.wait_for_outcome(payment["payment_id"])
    assert payment["status"] == "failed"
    assert payment["failure"]["code"] and payment["failure"]["message"]
    after = portal.get(f"/invoices/{invoice_id}").json()
    assert {k: after[k] for k in ("status", "balance", "amount_paid", "overdue")} == {
        k: before[k] for k in ("status", "balance", "amount_paid", "overdue")
    }


def test_partial_payment(stack):
    portal = Portal(stack, stack["demo_users"][0]["email"])
    invoice_id = f"{portal.client_id}-partial"
    before = portal.get(f"/invoices/{invoice_id}").json()
    amount = before["minimum_payment"] + 1000
    payment = portal.start_payment(invoice_id, amount).json()
    confirm_card(stack, payment["client_secret"])

    assert portal.wait_for_outcome(payment["payment_id"])["status"] == "succeeded"
    after = portal.get(f"/invoices/{invoice_id}").json()
    assert (after["status"], after["balance"], after["amount_paid"]) == (
        "partially_paid",
        before["balance"] - amount,
        before["amount_paid"] + amount,
    )


def _micro_deposits(stack, payment_method_id) -> list[int]:
    """What the client reads on their bank statement: the sandbox shows it; the id comes from the table."""
    dynamodb = boto3.client("dynamodb", endpoint_url=stack["dynamodb_endpoint_url"], region_name=stack["region"])
    items = dynamodb.scan(TableName=stack["resources"]["PaymentMethodsTable"])["Items"]
    url = next(i["processor_method_id"]["S"] for i in items if i["payment_method_id"]["S"] == payment_method_id)
    body = (
        http()
        .get(f"{stack['ach_api_base']}/sandbox/funding-sources/{url.rsplit('/', 1)[1]}/micro-deposits", timeout=5)
        .json()
    )
    return [int(body[k]["value"].replace(".", "")) for k in ("amount1", "amount2")]


def _process_bank_transfers(stack) -> None:
    """Dwolla's sandbox simulation ("process bank transfers"): settles what is pending, micro-deposits too."""
    token = (
        http()
        .post(
            f"{stack['ach_api_base']}/token",
            data={"grant_type": "client_credentials"},
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            timeout=5,
        )
        .json()["access_token"]
    )
    hal = "application/vnd.dwolla.v1.hal+json"
    answer = http().post(
        f"{stack['ach_api_base']}/sandbox-simulations",
        json={},
        timeout=5,
        headers={"Authorization": f"Bearer {token}", "Accept": hal, "Content-Type": hal},
    )
    assert answer.status_code == 200 and answer.json()["total"] > 0, answer.text


def test_pay_by_ach_end_to_end(stack):
    """Link a bank account, verify it with the micro-deposits, pay; the sandbox settles and posts a signed
    webhook to the gateway; the invoice is paid and both emails (initiated, receipt) go out. The sandbox
    settles the deposits and the transfer when the test asks, so each state in between is checked."""
    portal = Portal(stack, stack["demo_users"][1]["email"])
    invoice_id = f"{portal.client_id}-full"
    linked = portal.post(
        "/payment-methods/bank-accounts",
        {
            "routing_number": "011000015",
            "account_number": "123456780000",
            "account_type": "checking",
            "holder_name": "Demo Holder",
        },
    )
    assert linked.status_code == 201, linked.text
    method_id = linked.json()["payment_method_id"]
    pending = portal.post(f"/payment-methods/{method_id}/verify", {"amounts": _micro_deposits(stack, method_id)})
    assert pending.status_code == 409, pending.text  # the deposits have not reached the account yet
    _process_bank_transfers(stack)
    verified = portal.post(f"/payment-methods/{method_id}/verify", {"amounts": _micro_deposits(stack, method_id)})
    assert verified.status_code == 200 and verified.json()["bank"]["status"] == "verified", verified.text

    authorization = {"accepted": True, "text": portal.get("/portal-settings").json()["ach_authorization_text"]}
    started = portal.post(
        f"/invoices/{invoice_id}/payments",
        {"method": "ach", "payment_method_id": method_id, "ach_authorization": authorization},
        headers={"Idempotency-Key": "e2e-ach"},
    )
    assert started.status_code == 201 and started.json()["status"] == "processing", started.text
    assert portal.get(f"/invoices/{invoice_id}").json()["status"] == "processing"
    _process_bank_transfers(stack)  # the transfer settles; the sandbox posts its signed webhook to the gateway
    deadline = time.monotonic() + 20
    while (payment := portal.get(f"/payments/{started.json()['payment_id']}").json())["status"] == "processing":
        assert time.monotonic() < deadline, payment
        time.sleep(0.3)
    assert payment["status"] == "succeeded" and payment["bank"]["last4"] == "0000"
    invoice = portal.get(f"/invoices/{invoice_id}").json()
    assert (invoice["status"], invoice["balance"]) == ("paid", 0)
    assert wait_for_receipt(stack, invoice["number"]) is not None


def _moto_signing_key():
    """moto's own Cognito key (it signs every token it issues), to mint tokens valid but for one claim."""
    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return jwt.PyJWK(json.loads(gzip.decompress(path.read_bytes())))


def _claims(stack) -> dict:
    user = stack["demo_users"][0]
    return jwt.decode(login(stack, user["email"], user["password"]), options={"verify_signature": False})


@pytest.mark.parametrize("case", ["missing", "garbage", "other_key", "wrong_audience", "wrong_issuer", "expired"])
def test_gateway_refuses_bad_tokens(stack, case):
    claims = _claims(stack)
    moto_key = _moto_signing_key()
    if case == "missing":
        headers = {}
    elif case == "garbage":
        headers = {"Authorization": "Bearer not.a.jwt"}
    else:
        key = moto_key.key
        if case == "other_key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif case == "wrong_audience":
            claims["aud"] = "some-other-app-client"
        elif case == "expired":
            claims["exp"] = int(time.time()) - 60
        elif case == "wrong_issuer":
            claims["iss"] += "-other"
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": moto_key.key_id})
        headers = {"Authorization": f"Bearer {token}"}
    response = http().get(f"{stack['api_url']}/invoices", headers=headers, timeout=10)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


def test_a_token_minted_with_the_pool_key_and_right_claims_is_accepted(stack):
    """Guards the negative cases above: they fail for the one claim changed, not for how they were made."""
    moto_key = _moto_signing_key()
    token = jwt.encode(_claims(stack), moto_key.key, algorithm="RS256", headers={"kid": moto_key.key_id})
    response = http().get(f"{stack['api_url']}/invoices", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200


def cognito(stack):
    return boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def tokens(stack, email, password, app_client=None) -> dict:
    """Both tokens Cognito issues at sign-in: {"IdToken", "AccessToken", ...}."""
    return cognito(stack).initiate_auth(
        ClientId=app_client or stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]


def get(stack, path, token):
    return http().get(f"{stack['api_url']}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_wrong_audience_from_another_app_client(stack):
    """Real tokens of the same pool, issued to another app client, are refused (aud, or client_id for the
    access token)."""
    other = cognito(stack).create_user_pool_client(
        UserPoolId=stack["user_pool_id"], ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    user = stack["demo_users"][0]
    issued = tokens(stack, user["email"], user["password"], app_client=other["ClientId"])
    for token in (issued["IdToken"], issued["AccessToken"]):
        response = get(stack, "/invoices", token)
        assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


def test_an_access_token_passes_the_gateway_and_the_handler_refuses_it(stack):
    """As deployed: API Gateway accepts the app client's access token (client_id matches); the handler answers
    401 in the contract's error shape, and the same user's ID token reads the invoices."""
    user = stack["demo_users"][0]
    issued = tokens(stack, user["email"], user["password"])
    refused = get(stack, "/invoices", issued["AccessToken"])
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "unauthorized")
    assert get(stack, "/invoices", issued["IdToken"]).status_code == 200


def test_admin_routes_take_only_id_tokens_of_the_admin_group(stack):
    from infra.demo_data import PASSWORD
    from infra.local_stack import ADMIN_LOGIN

    path = f"/admin/clients/{stack['demo_users'][0]['client_id']}/invoices"
    admin = tokens(stack, ADMIN_LOGIN, PASSWORD)
    assert get(stack, path, admin["IdToken"]).status_code == 200
    refused = get(stack, path, admin["AccessToken"])  # it carries the admin group too
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "unauthorized")
    no_client = get(stack, "/invoices", admin["IdToken"])  # an ID token without custom:client_id
    assert (no_client.status_code, no_client.json()["error"]["code"]) == (401, "unauthorized")

    pool = cognito(stack)
    for group in ("support,merchant-admins", "ops,x"):
        pool.create_group(UserPoolId=stack["user_pool_id"], GroupName=group)
    for email, groups in (
        ("comma@merchant.test", ["support,merchant-admins"]),
        ("two@merchant.test", ["ops,x", "merchant-admins"]),
    ):
        pool.admin_create_user(
            UserPoolId=stack["user_pool_id"],
            Username=email,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        pool.admin_set_user_password(
            UserPoolId=stack["user_pool_id"], Username=email, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            pool.admin_add_user_to_group(UserPoolId=stack["user_pool_id"], Username=email, GroupName=group)
    comma = get(stack, path, tokens(stack, "comma@merchant.test", PASSWORD)["IdToken"])
    assert (comma.status_code, comma.json()["error"]["code"]) == (403, "forbidden")
    assert get(stack, path, tokens(stack, "two@merchant.test", PASSWORD)["IdToken"]).status_code == 200


def test_a_method_or_path_no_route_serves_is_api_gateways_404(stack):
    for method, path in (
        ("GET", "/no/such/route"),
        ("TRACE", "/invoices"),
        ("PUT", "/account"),
        ("PROPFIND", "/payments"),
    ):
        response = http().request(method, f"{stack['api_url']}{path}", timeout=10)
        assert (response.status_code, response.json()) == (404, {"message": "Not Found"}), (method, path)


def test_a_204_has_no_body_and_the_keep_alive_connection_stays_in_step(stack):
    """DELETE answers 204; the next request on the same connection must read its own answer."""
    portal = Portal(stack)
    link = portal.post(
        "/payment-methods/bank-accounts",
        {
            "routing_number": "011000015",
            "account_number": "99887766",
            "account_type": "savings",
            "holder_name": "Keep Alive",
        },
    )
    assert link.status_code == 201, link.text
    method_id = link.json()["payment_method_id"]
    connection = http_client.HTTPConnection(urlsplit(stack["api_url"]).netloc, timeout=10)
    auth = {"Authorization": f"Bearer {portal.token}"}
    connection.request("DELETE", f"/payment-methods/{method_id}", headers=auth)
    deleted = connection.getresponse()
    assert (deleted.status, deleted.read(), deleted.getheader("Content-Length")) == (204, b"", None)
    connection.request("GET", "/payment-methods", headers=auth)
    listed = connection.getresponse()
    assert listed.status == 200 and method_id not in listed.read().decode()
    connection.close()


def test_body_over_10_mb_is_413(stack):
    body = b"x" * (10 * 1024 * 1024 + 1)
    response = http().post(
        f"{stack['api_url']}/webhooks/stripe", data=body, timeout=30, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_webhook_without_signature_reaches_the_handler_without_a_token(stack):
    response = http().post(f"{stack['api_url']}/webhooks/stripe", json={"id": "evt_x"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"


def test_openapi_document_is_served(stack):
    doc = http().get(f"{stack['api_url']}/openapi.json", timeout=10).json()
    assert "/invoices/{invoice_id}/payments" in doc["paths"]
    page = http().get(f"{stack['api_url']}/docs", timeout=10)
    assert page.status_code == 200
    assert not re.search(r'(src|href)="(https?:)?//', page.text), "the page loads something from another host"
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        served = http().get(f"{stack['api_url']}/docs/{asset}", timeout=10)
        assert served.status_code == 200 and len(served.content) > 100_000, asset


def test_due_date_job_runs_on_demand_and_admins_decide_extensions(stack):
    from infra.local_stack import ADMIN_LOGIN

    report = http().post(f"{stack['api_url']}/_local/schedules/DueDateJobFunction", timeout=30)
    assert report.status_code == 200 and report.json()["queries"] == 62  # 30 days ahead, today, 31 back
    assert http().post(f"{stack['api_url']}/_local/schedules/Nope", timeout=5).status_code == 404

    portal = Portal(stack, stack["demo_users"][0]["email"])
    invoice = portal.get(f"/invoices/{portal.client_id}-partly-paid").json()
    due = invoice["due_date"]
    later = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(due, "%Y-%m-%d")) + 10 * 86400))
    asked = portal.post(
        f"/invoices/{invoice['invoice_id']}/extension-requests",
        {"requested_due_date": later, "reason": "Quarter-end cash flow."},
    )
    assert asked.status_code == 201, asked.text
    ext_id = asked.json()["extension_request_id"]

    refused = portal.post(f"/admin/extension-requests/{ext_id}/approve", {})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    admin = Portal.__new__(Portal)
    admin.stack, admin.http = stack, http()
    admin.http.headers["Authorization"] = "Bearer " + login(stack, ADMIN_LOGIN, stack["demo_users"][0]["password"])
    approved = admin.post(f"/admin/extension-requests/{ext_id}/approve", {})
    assert approved.status_code == 200 and approved.json()["due_date"] == later, approved.text
    shown = portal.get(f"/invoices/{invoice['invoice_id']}").json()
    assert shown["due_date"] == later and shown["extension_request"]["status"] == "approved"


def test_port_in_use_is_a_clear_error(stack, tmp_path):
    port = int(stack["api_url"].rsplit(":", 1)[1])
    log = tmp_path / "second.log"
    proc = start_stack(port, tmp_path / "second.json", log)
    assert proc.wait(30) != 0
    assert f"port {port}" in log.read_text()
    assert not (tmp_path / "second.json").exists()


def test_sigint_stops_everything_cleanly(running):
    stack = running["stack"]
    proc = running["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0, running["log"].read_text()
    assert not running["file"].exists()
    for url in (stack["api_url"], stack["aws_endpoint_url"], stack["dynamodb_endpoint_url"], stack["stripe_api_base"]):
        with pytest.raises(requests.ConnectionError):
            http().get(url, timeout=2)
