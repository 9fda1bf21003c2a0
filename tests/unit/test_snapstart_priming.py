"""At an init no request waits for (SnapStart's, provisioned concurrency's), shared/coldstart.prime() loads every
Stripe class a card request loads and reads botocore's data for each client, so a resumed instance's first request
loads and reads none of it; at an on-demand init it does nothing, so a function that may never call Stripe or make a
client does not pay for it. Fresh interpreters: this one has loaded everything."""

import textwrap

import pytest

from tests.helpers import run_fresh

# Every card adapter operation, once, against tests/stripe_api_stub.py (one object of the
# asked kind), after importing a function under the given init type: which modules each phase loaded.
SCRIPT = """
import os
os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = {init_type!r}
import json, sys
from tests import stripe_api_stub
stripe_url = stripe_api_stub.serve()

import functions.get_payment.app
after_get_payment = set(sys.modules)
import functions.create_payment.app
from shared.processors.factory import card_processor
built_at_init = card_processor.cache_info().currsize
after_init = set(sys.modules)

from shared.processors.card import IntentRequest
from shared.processors.refunds import StripeRefunds
from shared.processors.stripe_cards import StripeCards
cards = StripeCards("sk_test_priming", stripe_url)
cards.ensure_customer(client_id="c1", email="a@example.test", name="A")
cards.create_intent(IntentRequest(amount=1000, currency="usd", customer_id="cus_1", description="Invoice 1",
                                  client_id="c1", invoice_id="i1", payment_id="p1", idempotency_key="k1",
                                  receipt_email="a@example.test", save_for_later=False))
cards.retrieve_intent("pi_1"); cards.intent_outcome("pi_1"); cards.cancel_intent("pi_1"); cards.confirm_intent("pi_1")
cards.card_details("pm_1"); cards.create_setup_intent(customer_id="cus_1", client_id="c1"); cards.detach("pm_1")
StripeRefunds(cards).refund(processor_payment_id="pi_1", processor_method_id=None, amount=100, metadata={{}},
                            idempotency_key="k2")
print(json.dumps({{"get_payment": sorted(after_get_payment), "init": sorted(after_init), "built_at_init": built_at_init,
                  "requests": sorted(set(sys.modules) - after_init)}}))
"""


def _run(init_type: str) -> dict:
    return run_fresh(textwrap.dedent(SCRIPT.format(init_type=init_type)))


def _stripe(modules) -> set[str]:
    return {name for name in modules if name == "stripe" or name.startswith("stripe.")}


@pytest.mark.parametrize("init_type", ["snap-start", "provisioned-concurrency"])
def test_ahead_of_requests_the_classes_load_at_init_and_no_request_loads_any(init_type):
    found = _run(init_type)
    assert {
        "stripe._stripe_client",
        "stripe._payment_intent",
        "stripe._refund_service",
        "shared.processors.stripe_cards",
    } <= set(found["init"])
    assert _stripe(found["requests"]) == set()
    assert found["built_at_init"] == 0  # no client, key or connection in the snapshot: made on first use


def test_on_demand_nothing_is_loaded_before_a_request_needs_it():
    found = _run("on-demand")
    assert _stripe(found["get_payment"]) == set()  # a read that may never call Stripe loads none of it
    assert _stripe(found["init"]) == set()  # nor does creating a payment before it knows the method (ACH never)
    assert {"stripe._stripe_client", "stripe._payment_intent", "stripe._refund_service"} <= _stripe(found["requests"])
    assert found["built_at_init"] == 0


# The data botocore reads to make each client (shared/coldstart.read_client_data), after importing the given
# functions: which data files the clients' creation read.
DATA_SCRIPT = """
import os
os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = {init_type!r}
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
import json
import {functions}
import botocore.loaders

read = []
load_file = botocore.loaders.JSONFileLoader.load_file

def recording(self, path, *args, **kwargs):
    data = load_file(self, path, *args, **kwargs)
    if data is not None:
        read.append(path.rsplit("/data/", 1)[-1])
    return data

botocore.loaders.JSONFileLoader.load_file = recording
from shared.aws import clients as aws
for service in {services!r}:
    aws.client(service)
print(json.dumps(read))
"""
# A card function (DynamoDB; Secrets Manager through the processor factory) and the notice worker (SQS and SES
# through shared/aws/notify.py); the ACH webhook (Secrets Manager through shared/aws/secrets.py, SQS through
# shared/aws/ach_event_queue.py).
EVERY_CLIENT = (
    "functions.email_worker.app, functions.setup_payment_method.app",
    ("dynamodb", "secretsmanager", "sqs", "ses"),
)
ACH_WEBHOOK = ("functions.ach_webhook.app", ("secretsmanager", "sqs"))


def _data_read(init_type: str, functions: str, services: tuple[str, ...]) -> set[str]:
    script = DATA_SCRIPT.format(init_type=init_type, functions=functions, services=services)
    return set(run_fresh(textwrap.dedent(script)))


@pytest.mark.parametrize("functions", [EVERY_CLIENT, ACH_WEBHOOK], ids=["card-and-notice", "ach-webhook"])
def test_ahead_of_requests_making_a_client_reads_no_model_or_endpoint_data(functions):
    # botocore's defaults file (a few hundred bytes) is all that is left to read
    assert _data_read("snap-start", *functions) <= {"sdk-default-configuration"}


def test_on_demand_the_clients_read_their_data_when_they_are_made():
    read = _data_read("on-demand", *EVERY_CLIENT)
    assert {
        "endpoints",
        "partitions",
        "dynamodb/2012-08-10/service-2",
        "ses/2010-12-01/service-2",
        "secretsmanager/2017-10-17/endpoint-rule-set-1",
    } <= read


# The two PDF functions: every request lays out a page with ReportLab, which they import at init.
PDF_SCRIPT = """
import os
os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = {init_type!r}
import json, sys
import functions.invoice_pdf.app, functions.receipt_pdf.app
after_init = set(sys.modules)
from shared.domain.merchant import Merchant
from shared.documents.pdf_documents import invoice_pdf
invoice_pdf({{"invoice_id": "i1", "number": "INV-1", "currency": "usd", "status": "open", "issued_date": "2026-11-01",
             "due_date": "2026-12-01", "total": 1000, "fees": 0, "amount_paid": 0, "amount_pending": 0, "balance": 1000,
             "line_items": [{{"description": "Design", "quantity": 1, "unit_amount": 1000, "amount": 1000}}],
             "payments": []}},
            Merchant(name="Acme", sender_email="b@acme.test", support_email="h@acme.test", support_phone="",
                     portal_url="", time_zone="America/New_York"))
print(json.dumps({{"init": sorted(after_init), "request": sorted(set(sys.modules) - after_init)}}))
"""


def _pdf_run(init_type: str) -> dict:
    return run_fresh(textwrap.dedent(PDF_SCRIPT.format(init_type=init_type)))


def test_ahead_of_requests_the_pdf_functions_load_what_a_first_page_needs():
    found = _pdf_run("snap-start")
    assert "reportlab.platypus" in found["init"]
    assert found["request"] == []  # a resumed instance's first PDF loads nothing more
