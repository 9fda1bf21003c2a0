"""Driving ACH in tests: a sandbox of one's own (the `sandbox` fixture), the sandbox's own calls (token, simulate,
micro-deposit amounts), a bank linked and verified and an ACH payment made through the handlers, and Dwolla's
webhooks delivered (then their worker run)."""

import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests

from functions.ach_event_worker import app as ach_worker
from infra import template
from infra.ach_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, HAL, AchSandbox
from infra.sqs_poller import Batch, SqsPoller
from shared.aws.models import Invoice, Payment, SavedPaymentMethod
from shared.aws.store import money_of
from shared.domain import merchant
from shared.domain.ach_authorization import authorization_text
from shared.processors.ach import VerifyResult
from shared.processors.ach_webhooks import sign
from tests.conftest import ACH_WEBHOOK_SECRET
from tests.helpers import call

ROUTING = "011000015"  # passes the ABA checksum
SANDBOX_ROUTING = "222222226"  # the routing number Dwolla's sandbox documents


@pytest.fixture(scope="module")
def sandbox():
    """An ACH sandbox for one test module that settles only when asked (POST /sandbox-simulations: `simulate`)."""
    server = AchSandbox(port=0, settle_seconds=-1).start()
    yield server
    server.stop()


def token(sandbox) -> str:
    return requests.post(
        f"{sandbox.url}/token",
        data={"grant_type": "client_credentials"},
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        timeout=5,
    ).json()["access_token"]


def api(sandbox, method, path_or_url, **kwargs):
    url = path_or_url if path_or_url.startswith("http") else f"{sandbox.url}{path_or_url}"
    headers = {"Authorization": f"Bearer {token(sandbox)}", "Accept": HAL, "Content-Type": HAL}
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


def simulate(sandbox) -> None:
    """Dwolla's sandbox 'process bank transfers' (and micro-deposits)."""
    assert api(sandbox, "POST", "/sandbox-simulations", json={}).status_code < 300


def link(account_number="123456780000", client_id="client-a", holder="Ann Archer", account_type="checking"):
    return call(
        "AddBankAccountFunction",
        client_id=client_id,
        body={
            "routing_number": ROUTING,
            "account_number": account_number,
            "account_type": account_type,
            "holder_name": holder,
        },
    )


def deposits(sandbox, method_id, client_id="client-a") -> list[int]:
    fs_url = SavedPaymentMethod.get(client_id, method_id).processor_method_id
    body = requests.get(
        f"{sandbox.url}/sandbox/funding-sources/{fs_url.rstrip('/').rsplit('/', 1)[1]}/micro-deposits", timeout=5
    ).json()
    values = body.get("amounts") or [body.get("amount1"), body.get("amount2")]
    return [int(str(v.get("value") if isinstance(v, dict) else v).replace(".", "")) for v in values]


def verified_bank(sandbox, account_number="123456780000", client_id="client-a") -> str:
    status, method, _ = link(account_number, client_id=client_id)
    assert status == 201, method
    simulate(sandbox)
    status, body, _ = call(
        "VerifyBankAccountFunction",
        client_id=client_id,
        path_parameters={"payment_method_id": method["payment_method_id"]},
        body={"amounts": deposits(sandbox, method["payment_method_id"], client_id)},
    )
    assert status == 200 and body["bank"]["status"] == "verified", body
    return method["payment_method_id"]


def accepted_authorization() -> dict:
    """The debit authorization as the portal sends it once the client ticked the box (the merchant's text)."""
    return {"accepted": True, "text": authorization_text(merchant.from_environment())}


def pay_ach(invoice_id, method_id, key="ach-1", amount=None, client_id="client-a"):
    body = {"method": "ach", "payment_method_id": method_id, "ach_authorization": accepted_authorization()} | (
        {"amount": amount} if amount else {}
    )
    return call(
        "CreatePaymentFunction",
        client_id=client_id,
        path_parameters={"invoice_id": invoice_id},
        body=body,
        headers={"Idempotency-Key": key},
    )


def transfer_url(client_id, payment_id):
    return Payment.get(client_id, payment_id).processor_payment_id


def invoice_numbers(invoice_id="inv-part", client_id="client-a"):
    invoice = Invoice.get(client_id, invoice_id)
    return invoice.status, invoice.amount_paid, invoice.amount_pending, money_of(invoice).balance


def envelope(topic, resource_url, *, event_id=None, timestamp=None) -> dict:
    stamp = (timestamp or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    return {
        "id": event_id or str(uuid.uuid4()),
        "resourceId": resource_url.rsplit("/", 1)[1],
        "topic": topic,
        "timestamp": stamp,
        "created": stamp,
        "_links": {"resource": {"href": resource_url}, "self": {"href": "https://events/x"}},
    }


def deliver(event, *, secret=ACH_WEBHOOK_SECRET, signature=None, raw=None):
    """The webhook alone: it answers and queues the event; nothing is applied until the worker runs."""
    payload = raw if raw is not None else json.dumps(event).encode()
    headers = {} if signature == "" else {"X-Request-Signature-SHA-256": signature or sign(payload, secret)}
    return call("AchWebhookFunction", body=payload, headers=headers, client_id=None)


def run_worker() -> Batch:
    """One batch of the ACH event queue through the worker, as Lambda's event source mapping hands it over
    (infra.sqs_poller): what succeeded is deleted, a reported failure stays for redelivery (then the DLQ)."""
    [source] = [s for s in template.sqs_event_sources() if s["function"] == "AchEventWorkerFunction"]
    return SqsPoller(
        os.environ["ACH_EVENT_QUEUE_URL"],
        ach_worker.handler,
        function=source["function"],
        batch_size=source["batch_size"],
    ).poll_once()


def queue_depth(queue_url) -> int:
    """Messages waiting on a queue (read without receiving them, so no receive count moves)."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return sum(int(v) for v in attributes["Attributes"].values())


def deliver_and_apply(event) -> Batch:
    """What Dwolla's delivery leads to: the webhook queues the event (200), then the worker applies it."""
    status, body, _ = deliver(event)
    assert (status, body) == (200, {"received": True}), body
    return run_worker()


def stale(hours=100):
    return datetime.now(UTC) - timedelta(hours=hours)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# ---- the Dwolla adapter (shared.processors.dwolla) itself against a sandbox


def new_customer(ach, name="Ann Archer") -> str:
    return ach.ensure_customer(client_id=str(uuid.uuid4()), name=name, email=f"{uuid.uuid4().hex[:10]}@example.test")


def add_bank(ach, account="123456780000", customer=None, key=None):
    """A bank added through the adapter (to a new customer unless one is given)."""
    return ach.add_bank_account(
        customer_id=customer or new_customer(ach),
        routing_number=SANDBOX_ROUTING,
        account_number=account,
        account_type="checking",
        holder_name="Ann Archer",
        idempotency_key=key or str(uuid.uuid4()),
    )


def verified_adapter_bank(ach, sandbox, account="123456780000", customer=None) -> str:
    """A bank added and verified through the adapter (the sandbox's deposits are 3 and 9 cents)."""
    bank = add_bank(ach, account, customer)
    simulate(sandbox)
    assert ach.verify_bank_account(bank.id, (3, 9)) == VerifyResult.VERIFIED
    return bank.id
