"""No 500 for anything a caller sends: each hostile input gets a documented 4xx (or, for a signed event about an
object the processor does not know, 200) and changes nothing."""

import base64
import json
import time

import pytest
from pynamodb.connection.base import Connection

from shared.processors.ach_webhooks import SIGNATURE_HEADER
from tests.conftest import WEBHOOK_SECRET
from tests.drivers.stripe import post
from tests.helpers import call, signed_webhook, table_snapshot

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
KEY = {"Idempotency-Key": "hostile-1"}
# Every route that reads a JSON body, with a body that would otherwise be accepted, and the text field in it.
JSON_ROUTES = {
    "payment": dict(
        function="CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        headers=KEY,
        body={"method": "card", "payment_method_id": "x"},
        text="payment_method_id",
    ),
    "extension": dict(
        function="RequestExtensionFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"requested_due_date": "2026-12-20", "reason": "x"},
        text="reason",
    ),
    "problem report": dict(
        function="ProblemReportsFunction",
        path_parameters={"payment_id": "pay-1"},
        body={"kind": "other", "message": "x"},
        text="message",
    ),
    "resolution": dict(
        function="AdminProblemReportsFunction",
        path_parameters={"problem_report_id": "pr-1"},
        claims=ADMIN,
        body={"resolution": "x"},
        text="resolution",
    ),
    "admin invoice": dict(
        function="AdminInvoicesFunction",
        method="POST",
        path_suffix="/admin/invoices",
        claims=ADMIN,
        headers=KEY,
        text="number",
        body={
            "client_id": "client-a",
            "number": "x",
            "due_date": "2026-12-31",
            "line_items": [{"description": "Audit", "quantity": 1, "unit_amount": 100}],
        },
    ),
    "refund": dict(
        function="AdminRefundsFunction",
        path_parameters={"payment_id": "pay-1"},
        claims=ADMIN,
        headers=KEY,
        body={"amount": 100, "reason": "x"},
        text="reason",
    ),
    "bank account": dict(
        function="AddBankAccountFunction",
        text="holder_name",
        body={
            "routing_number": "011000015",
            "account_number": "123456789",
            "account_type": "checking",
            "holder_name": "x",
        },
    ),
    "verify": dict(
        function="VerifyBankAccountFunction",
        path_parameters={"payment_method_id": "pm-1"},
        body={"amounts": [1, 2]},
        text=None,
    ),
    "account": dict(function="AccountFunction", method="PATCH", body={"name": "x"}, text="name"),
}


def send(route: dict, body) -> tuple[int, dict]:
    args = {k: v for k, v in route.items() if k not in ("function", "body", "text")}
    status, answer, _ = call(route["function"], body=body, **args)
    return status, answer


def refused(status: int, body: dict, expected_status: int, code: str) -> None:
    assert (status, body["error"]["code"]) == (expected_status, code), body


@pytest.mark.parametrize("name", JSON_ROUTES)
def test_deeply_nested_json_is_invalid_json(seeded, name):
    before = table_snapshot()
    refused(*send(JSON_ROUTES[name], "[" * 100_000 + "]" * 100_000), 400, "invalid_json")
    refused(*send(JSON_ROUTES[name], {"a": json.loads("[" * 40 + "]" * 40)}), 400, "invalid_json")
    assert table_snapshot() == before


@pytest.mark.parametrize("name", [n for n, r in JSON_ROUTES.items() if r["text"]])
def test_a_lone_surrogate_in_a_text_field_is_invalid_json(seeded, name):
    route = JSON_ROUTES[name]
    raw = json.dumps(route["body"] | {route["text"]: "PLACEHOLDER"}).replace("PLACEHOLDER", "ok \\ud800 ok")
    before = table_snapshot()
    refused(*send(route, raw), 400, "invalid_json")
    assert table_snapshot() == before


def test_non_ascii_signature_headers_are_invalid_signatures(seeded):
    before = table_snapshot()
    payload, _ = signed_webhook({"id": "evt_1", "type": "ping", "data": {"object": {}}}, WEBHOOK_SECRET)
    for function, header in (("StripeWebhookFunction", "Stripe-Signature"), ("AchWebhookFunction", SIGNATURE_HEADER)):
        value = f"t={int(time.time())},v1=é" if header == "Stripe-Signature" else "é" * 64
        status, body, _ = call(function, body=payload, headers={header: value}, client_id=None)
        refused(status, body, 400, "invalid_signature")
    assert table_snapshot() == before


def cursor(key: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_a_cursor_of_another_list_is_invalid(seeded):
    # Positions as next_cursor writes them (no partition key: the client comes from the token).
    from shared.services.queries import _owner

    owner = _owner("client-a")
    payments_cursor = cursor({"payment_id": "p1", "created_key": "2026-11-01T00:00:00Z#p1", "of": owner})
    invoices_cursor = cursor({"invoice_id": "inv-full", "of": owner})
    other_invoice = cursor({"payment_id": "p1", "invoice_key": "inv-part#2026-11-01T00:00:00Z#p1", "of": owner})
    before = table_snapshot()
    for function, query in (
        ("ListInvoicesFunction", {"cursor": payments_cursor}),
        ("ListInvoicesFunction", {"cursor": invoices_cursor, "status": "open"}),
        ("ListPaymentsFunction", {"cursor": invoices_cursor}),
        ("ListPaymentsFunction", {"cursor": payments_cursor, "invoice_id": "inv-full"}),
        ("ListPaymentsFunction", {"cursor": other_invoice, "invoice_id": "inv-full"}),
        ("ListPaymentsFunction", {"cursor": cursor([1] * 3)}),
        ("ListInvoicesFunction", {"cursor": cursor({"invoice_id": {"S": "inv-full"}, "of": owner})}),
        ("ListInvoicesFunction", {"cursor": cursor({"invoice_id": "inv-full"})}),
        ("ListInvoicesFunction", {"cursor": cursor({"client_id": "client-a", "invoice_id": "inv-full"})}),
    ):
        status, body, _ = call(function, query=query)
        refused(status, body, 400, "invalid_cursor")
    assert table_snapshot() == before


def test_a_superscript_digit_limit_is_invalid(seeded):
    status, body, _ = call("ListInvoicesFunction", query={"limit": "²"})
    refused(status, body, 400, "invalid_limit")


@pytest.fixture
def dynamodb_calls(monkeypatch):
    calls = []
    original = Connection.dispatch

    def dispatch(self, operation_name, operation_kwargs):
        calls.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", dispatch)
    return calls


LONG = "x" * 1100
ID_ROUTES = [  # (function, path parameters, extra call arguments, the 404 code)
    ("GetInvoiceFunction", {"invoice_id": LONG}, {}, "invoice_not_found"),
    ("GetPaymentFunction", {"payment_id": LONG * 3}, {}, "payment_not_found"),
    ("CreatePaymentFunction", {"invoice_id": LONG}, {"headers": KEY, "body": {"method": "card"}}, "invoice_not_found"),
    ("SetDefaultPaymentMethodFunction", {"payment_method_id": LONG}, {}, "payment_method_not_found"),
    ("DeletePaymentMethodFunction", {"payment_method_id": LONG}, {}, "payment_method_not_found"),
    (
        "AdminInvoicesFunction",
        {"client_id": LONG},
        {"claims": ADMIN, "method": "GET", "path_suffix": "/invoices"},
        "client_not_found",
    ),
    (
        "AdminExtensionDecisionFunction",
        {"extension_request_id": LONG},
        {"claims": ADMIN, "path_suffix": "/approve"},
        "extension_request_not_found",
    ),
]


@pytest.mark.parametrize("function,params,extra,code", ID_ROUTES, ids=[r[0] for r in ID_ROUTES])
def test_an_id_longer_than_a_key_can_be_is_refused_before_any_read(
    seeded, dynamodb_calls, function, params, extra, code
):
    before = table_snapshot()
    dynamodb_calls.clear()
    status, body, _ = call(function, path_parameters=params, **extra)
    refused(status, body, 404, code)
    assert dynamodb_calls == []
    assert table_snapshot() == before


def test_a_long_invoice_filter_and_a_long_saved_method_are_refused(seeded, dynamodb_calls):
    before = table_snapshot()
    status, body, _ = call("ListPaymentsFunction", query={"invoice_id": LONG})
    refused(status, body, 400, "invalid_invoice_id")
    status, body, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        headers=KEY,
        body={"method": "card", "payment_method_id": LONG},
    )
    refused(status, body, 422, "invalid_field")
    assert dynamodb_calls == []
    assert table_snapshot() == before


def test_a_signed_event_about_a_card_stripe_does_not_know_is_acknowledged_and_changes_nothing(seeded):
    event = {
        "id": "evt_unknown_pm",
        "object": "event",
        "type": "setup_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "seti_1",
                "object": "setup_intent",
                "customer": "cus_nobody",
                "payment_method": "pm_does_not_exist",
                "status": "succeeded",
            }
        },
    }
    before = table_snapshot()
    status, body, _ = post(event)
    assert (status, body) == (200, {"received": True})
    assert table_snapshot() == before
