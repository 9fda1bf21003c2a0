"""Back office (admin group): create invoices idempotently, void unpaid ones, read any client's lists."""

import pytest
import requests

from shared.aws.models import ExtensionRequest, Invoice, LineItem, Payment
from shared.aws.store import status_actions
from shared.books.dynamo import DynamoRepository
from shared.domain import clock
from tests.helpers import call, table_snapshot
from tests.races import competing

ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
CLIENT = {"sub": "u", "custom:client_id": "client-a"}
AUTH = ("sk_test_portal", "")
BODY = {
    "client_id": "client-a",
    "number": "INV-7001",
    "due_date": "2030-01-31",
    "issued_date": "2030-01-01",
    "line_items": [
        {"description": "Bookkeeping, January", "quantity": 3, "unit_amount": 12500},
        {"description": "Payroll filing", "quantity": 1, "unit_amount": 4999},
    ],
    "allow_partial": True,
    "minimum_payment": 10000,
    "late_fee_policy": {"kind": "flat", "amount": 2500, "grace_days": 5},
}


def create(body=BODY, key="new-inv-1", claims=ADMIN, headers=None):
    headers = {"Idempotency-Key": key} if headers is None else headers
    return call(
        "AdminInvoicesFunction", method="POST", path_suffix="/admin/invoices", body=body, headers=headers, claims=claims
    )


def void(invoice_id, client_id="client-a", claims=ADMIN):
    return call(
        "AdminInvoicesFunction",
        method="POST",
        path_suffix="/void",
        claims=claims,
        path_parameters={"client_id": client_id, "invoice_id": invoice_id},
    )


def admin_list(kind, client_id="client-a", query=None, claims=ADMIN):
    return call(
        "AdminInvoicesFunction",
        method="GET",
        path_suffix=f"/{kind}",
        claims=claims,
        query=query,
        path_parameters={"client_id": client_id},
    )


def pay_by_card(invoice_id, key):
    return call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        body={"method": "card"},
        headers={"Idempotency-Key": key},
    )


def client_get(invoice_id):
    return call("GetInvoiceFunction", path_parameters={"invoice_id": invoice_id})


# ---------- create ----------


def test_create_makes_an_open_invoice_the_client_sees(seeded):
    status, body, headers = create()
    assert status == 201 and headers["Idempotent-Replayed"] == "false"
    invoice_id = body["invoice_id"]
    assert invoice_id.startswith("inv_")
    assert body["client_id"] == "client-a"
    total = 3 * 12500 + 4999
    assert {
        k: body[k]
        for k in (
            "number",
            "status",
            "currency",
            "total",
            "balance",
            "amount_paid",
            "fees",
            "issued_date",
            "due_date",
            "payable",
            "overdue",
            "allow_partial",
            "minimum_payment",
        )
    } == {
        "number": "INV-7001",
        "status": "open",
        "currency": "usd",
        "total": total,
        "balance": total,
        "amount_paid": 0,
        "fees": 0,
        "issued_date": "2030-01-01",
        "due_date": "2030-01-31",
        "payable": True,
        "overdue": False,
        "allow_partial": True,
        "minimum_payment": 10000,
    }
    assert body["line_items"] == [
        {"description": "Bookkeeping, January", "quantity": 3, "unit_amount": 12500, "amount": 37500},
        {"description": "Payroll filing", "quantity": 1, "unit_amount": 4999, "amount": 4999},
    ]
    assert body["payments"] == []

    status, seen, _ = client_get(invoice_id)
    assert status == 200
    assert seen == {k: v for k, v in body.items() if k != "client_id"}
    _, listed, _ = call("ListInvoicesFunction", query={"status": "open"})
    assert invoice_id in [i["invoice_id"] for i in listed["invoices"]]

    stored = Invoice.get("client-a", invoice_id)
    assert stored.late_fee_policy.attribute_values == {
        "kind": "flat",
        "amount": 2500,
        "basis_points": 0,
        "grace_days": 5,
    }
    assert stored.open_due_date == "2030-01-31"  # in the due-date index: reminders and fees will find it
    assert stored.status_key == f"open#2030-01-01#{invoice_id}"
    # Another client never sees it.
    status, _, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": invoice_id}, client_id="client-b")
    assert status == 404


def test_defaults_issued_today_usd_full_payment_and_the_merchants_fee_policy(seeded):
    body = {
        "client_id": "client-b",
        "number": "B-1",
        "due_date": "2099-12-31",
        "line_items": [{"description": "Audit", "quantity": 1, "unit_amount": 1}],
    }
    status, created, _ = create(body)
    assert status == 201
    assert (
        created["issued_date"],
        created["currency"],
        created["allow_partial"],
        created["minimum_payment"],
        created["total"],
    ) == (clock.today().isoformat(), "usd", False, 0, 1)
    assert Invoice.get("client-b", created["invoice_id"]).late_fee_policy is None


def test_same_key_same_body_is_the_same_invoice_and_another_body_is_refused(seeded):
    _, first, _ = create()
    before = table_snapshot()
    status, again, headers = create()
    assert status == 201 and headers["Idempotent-Replayed"] == "true"
    assert again == first
    assert table_snapshot() == before

    for change in (
        {"number": "INV-7002"},
        {"due_date": "2030-02-01"},
        {"allow_partial": False, "minimum_payment": 0},
        {"late_fee_policy": None},
        {"currency": "cad"},
        {"line_items": [{"description": "Bookkeeping, January", "quantity": 3, "unit_amount": 12501}]},
    ):
        status, body, _ = create({**BODY, **change})
        assert (status, body["error"]["code"]) == (422, "idempotency_key_reused"), change
    assert table_snapshot() == before

    # The key is the merchant's per client: the same key for another client is another invoice.
    status, other, _ = create({**BODY, "client_id": "client-b"})
    assert status == 201 and other["invoice_id"] != first["invoice_id"]


def test_a_replay_still_matches_after_a_late_fee_and_an_approved_extension(seeded):
    _, first, _ = create()
    invoice = Invoice.get("client-a", first["invoice_id"])
    # What the due-date job and an approved extension do to an invoice afterwards.
    invoice.update(
        actions=[
            Invoice.fees.add(2500),
            Invoice.late_fee_period.set("2030-01-31"),
            Invoice.line_items.set(
                list(invoice.line_items)
                + [LineItem(description="Late fee ($25.00)", quantity=1, unit_amount=2500, amount=2500)]
            ),
            Invoice.due_date.set("2030-03-01"),
            Invoice.extension_request.set(
                ExtensionRequest(
                    extension_request_id="ext_1",
                    requested_due_date="2030-03-01",
                    previous_due_date="2030-01-31",
                    reason="x",
                    status="approved",
                    created_at="2030-01-20T00:00:00Z",
                )
            ),
        ]
    )
    status, again, _ = create()
    assert status == 201 and again["invoice_id"] == first["invoice_id"] and again["fees"] == 2500


def test_concurrent_creates_with_one_key_make_one_invoice(seeded, monkeypatch):
    """A retry of the same create commits between this request's read (nothing there yet) and its write:
    this one's write is refused and it answers as a replay of the other."""

    after_other = []

    def other_create():
        result = create()
        after_other.append(table_snapshot())
        return result

    other = competing(monkeypatch, DynamoRepository, "load", other_create)
    status, body, headers = create()
    other_status, other_body, other_headers = other.result
    assert (other_status, other_headers["Idempotent-Replayed"]) == (201, "false")
    assert (status, headers["Idempotent-Replayed"], body) == (201, "true", other_body)
    assert table_snapshot() == after_other[0]  # the refused write changed nothing
    _, listed, _ = admin_list("invoices", query={"status": "open"})
    assert [i["invoice_id"] for i in listed["invoices"] if i["number"] == "INV-7001"] == [body["invoice_id"]]
    status, refused, _ = create({**BODY, "number": "OTHER"})  # the key now names the winner's invoice
    assert (status, refused["error"]["code"]) == (422, "idempotency_key_reused")


def _lines(*items):
    return {**BODY, "line_items": list(items)}


def _line(**overrides):
    return {"description": "Work", "quantity": 1, "unit_amount": 1000, **overrides}


@pytest.mark.parametrize(
    "body,headers,status,code",
    [
        (BODY, {}, 400, "idempotency_key_required"),
        (BODY, {"Idempotency-Key": "  "}, 400, "idempotency_key_required"),
        (BODY, {"Idempotency-Key": "x" * 256}, 400, "invalid_idempotency_key"),
        ("not json", None, 400, "invalid_json"),
        ([BODY], None, 400, "invalid_json"),
        ({**BODY, "total": 42499}, None, 422, "unknown_field"),
        ({**BODY, "client_id": ""}, None, 422, "invalid_field"),
        ({**BODY, "client_id": 7}, None, 422, "invalid_field"),
        ({k: v for k, v in BODY.items() if k != "client_id"}, None, 422, "invalid_field"),
        ({k: v for k, v in BODY.items() if k != "number"}, None, 422, "invalid_number"),
        ({**BODY, "number": ""}, None, 422, "invalid_number"),
        ({**BODY, "number": "   "}, None, 422, "invalid_number"),
        ({**BODY, "number": "N" * 41}, None, 422, "invalid_number"),
        ({**BODY, "number": 1042}, None, 422, "invalid_number"),
        ({k: v for k, v in BODY.items() if k != "line_items"}, None, 422, "invalid_line_items"),
        (_lines(), None, 422, "invalid_line_items"),
        (
            {**BODY, "line_items": {"description": "Work", "quantity": 1, "unit_amount": 1000}},
            None,
            422,
            "invalid_line_items",
        ),
        (_lines(_line(quantity=0)), None, 422, "invalid_line_items"),
        (_lines(_line(quantity=-1)), None, 422, "invalid_line_items"),
        (_lines(_line(quantity=1.5)), None, 422, "invalid_line_items"),
        (_lines(_line(quantity=1.0)), None, 422, "invalid_line_items"),
        (_lines(_line(quantity=True)), None, 422, "invalid_line_items"),
        (_lines(_line(quantity="2")), None, 422, "invalid_line_items"),
        (_lines(_line(description="")), None, 422, "invalid_line_items"),
        (_lines(_line(description=None)), None, 422, "invalid_line_items"),
        (_lines(_line(amount=1000)), None, 422, "invalid_line_items"),
        (_lines({"description": "Work", "quantity": 1}), None, 422, "invalid_line_items"),
        (_lines("Work"), None, 422, "invalid_line_items"),
        (_lines(_line(unit_amount=-1)), None, 422, "invalid_amount"),
        (_lines(_line(unit_amount=10.5)), None, 422, "invalid_amount"),
        (_lines(_line(unit_amount=1000.0)), None, 422, "invalid_amount"),
        (_lines(_line(unit_amount=False)), None, 422, "invalid_amount"),
        (_lines(_line(unit_amount="1000")), None, 422, "invalid_amount"),
        ({**_lines(_line(unit_amount=0)), "minimum_payment": 0}, None, 422, "invalid_amount"),
        ({**BODY, "minimum_payment": -1}, None, 422, "invalid_amount"),
        ({**BODY, "minimum_payment": 50.0}, None, 422, "invalid_amount"),
        ({**BODY, "minimum_payment": 10**9}, None, 422, "invalid_amount"),
        ({**BODY, "allow_partial": False}, None, 422, "invalid_field"),  # a minimum without partial payments
        ({**BODY, "allow_partial": "yes"}, None, 422, "invalid_field"),
        ({**BODY, "currency": "USD"}, None, 422, "invalid_field"),
        ({**BODY, "currency": "xyz"}, None, 422, "invalid_field"),
        ({k: v for k, v in BODY.items() if k != "due_date"}, None, 422, "invalid_date"),
        ({**BODY, "due_date": "01/31/2030"}, None, 422, "invalid_date"),
        ({**BODY, "due_date": "2030-02-30"}, None, 422, "invalid_date"),
        ({**BODY, "due_date": 20300131}, None, 422, "invalid_date"),
        ({**BODY, "issued_date": "2030-1-1"}, None, 422, "invalid_date"),
        ({**BODY, "due_date": "2029-12-31"}, None, 422, "invalid_date"),  # before issued_date
        (
            {**{k: v for k, v in BODY.items() if k != "issued_date"}, "due_date": "2000-01-01"},
            None,
            422,
            "invalid_date",
        ),  # before today, the default issue date
        ({**BODY, "late_fee_policy": {"kind": "monthly", "amount": 100}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": 0}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": 25.5}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": "2500"}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": True}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "percent", "basis_points": 0}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": {"kind": "percent", "basis_points": 10001}}, None, 422, "invalid_late_fee_policy"),
        (
            {**BODY, "late_fee_policy": {"kind": "flat", "amount": 100, "grace_days": 31}},
            None,
            422,
            "invalid_late_fee_policy",
        ),
        (
            {**BODY, "late_fee_policy": {"kind": "flat", "amount": 100, "grace_days": -1}},
            None,
            422,
            "invalid_late_fee_policy",
        ),
        (
            {**BODY, "late_fee_policy": {"kind": "flat", "amount": 100, "daily": True}},
            None,
            422,
            "invalid_late_fee_policy",
        ),
        ({**BODY, "late_fee_policy": {"amount": 100}}, None, 422, "invalid_late_fee_policy"),
        ({**BODY, "late_fee_policy": "flat"}, None, 422, "invalid_late_fee_policy"),
        # Fees no client should be charged (the total is 424.99; MaxLateFeeCents is 100.00 by default).
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": 1_000_000_000_000}}, None, 422, "late_fee_too_high"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": 42500}}, None, 422, "late_fee_too_high"),
        ({**BODY, "late_fee_policy": {"kind": "flat", "amount": 10001}}, None, 422, "late_fee_too_high"),
        ({**BODY, "late_fee_policy": {"kind": "percent", "basis_points": 2501}}, None, 422, "late_fee_too_high"),
        ({**BODY, "late_fee_policy": {"kind": "percent", "basis_points": 10000}}, None, 422, "late_fee_too_high"),
        # Amounts one card payment cannot take (Stripe: eight digits, 999,999.99).
        (_lines(_line(unit_amount=100_000_000)), None, 422, "invalid_amount"),
        (_lines(_line(quantity=2, unit_amount=60_000_000)), None, 422, "invalid_amount"),
        (_lines(_line(unit_amount=60_000_000), _line(unit_amount=40_000_000)), None, 422, "invalid_amount"),
        # Free text: no control or direction-changing character, bounded in UTF-8 bytes.
        ({**BODY, "number": "INV-7001\r\nBcc: x@evil.test"}, None, 422, "invalid_number"),
        ({**BODY, "number": "INV-\u202e1007"}, None, 422, "invalid_number"),
        ({**BODY, "number": "INV\u200b7001"}, None, 422, "invalid_number"),  # zero width: not visible
        ({**BODY, "number": "\u00e9" * 21}, None, 422, "invalid_number"),  # 21 characters, 42 bytes
        (_lines(_line(description="Work\nmore work")), None, 422, "invalid_line_items"),
        (_lines(_line(description="Work\x00")), None, 422, "invalid_line_items"),
        (_lines(_line(description="Work \u2067x\u2069")), None, 422, "invalid_line_items"),
        (_lines(_line(description="\u4e2d" * 167)), None, 422, "invalid_line_items"),  # 501 bytes
        ({**BODY, "client_id": "client-nobody"}, None, 404, "client_not_found"),
    ],
)
def test_bad_create_requests_change_nothing(seeded, body, headers, status, code):
    before = table_snapshot()
    got_status, got, _ = create(body, headers=headers)
    assert (got_status, got["error"]["code"]) == (status, code), got
    assert table_snapshot() == before


def test_the_issues_typo_is_refused_with_the_limit_in_words(seeded):
    """A flat fee of 10,000,000,000.00 on a 70.00 invoice (the admin meant 10.00), and a 100% fee."""
    body = {
        **_lines(_line(unit_amount=7000)),
        "allow_partial": False,
        "minimum_payment": 0,
        "late_fee_policy": {"kind": "flat", "amount": 1_000_000_000_000},
    }
    status, got, _ = create(body, key="typo")
    assert (status, got["error"]["code"]) == (422, "late_fee_too_high")
    assert "can't be more than the invoice's total ($70.00)" in got["error"]["message"]
    status, got, _ = create({**body, "late_fee_policy": {"kind": "percent", "basis_points": 10000}}, key="typo")
    assert (status, got["error"]["code"]) == (422, "late_fee_too_high") and "at most 25%" in got["error"]["message"]


@pytest.mark.parametrize(
    "policy,limit,fee_on_balance",
    [
        ({"kind": "percent", "basis_points": 2500}, None, 10000),  # 25% of 424.99, capped at 100.00
        ({"kind": "flat", "amount": 10000}, None, 10000),  # the cap itself
        ({"kind": "flat", "amount": 42499}, "50000", 42499),  # the whole total, with a cap above it
    ],
)
def test_the_largest_allowed_fees_are_accepted(seeded, monkeypatch, policy, limit, fee_on_balance):
    if limit:
        monkeypatch.setenv("MAX_LATE_FEE_CENTS", limit)
    status, body, _ = create({**BODY, "late_fee_policy": policy})
    assert status == 201 and body["late_fee_policy"]["fee_on_balance"] == fee_on_balance


def test_an_invoice_of_the_largest_card_payment_is_accepted(seeded):
    status, body, _ = create({**_lines(_line(unit_amount=99_999_999)), "minimum_payment": 0, "late_fee_policy": None})
    assert (status, body["total"]) == (201, 99_999_999)


def test_free_text_at_its_byte_limit_is_kept(seeded):
    status, body, _ = create(
        {
            **_lines(_line(description="\u4e2d" * 166)),
            "number": "\u00e9" * 20,
            "minimum_payment": 0,
            "late_fee_policy": None,
        }
    )
    assert status == 201 and body["number"] == "\u00e9" * 20  # 40 bytes
    assert body["line_items"][0]["description"] == "\u4e2d" * 166  # 498 bytes


# ---------- void ----------


def test_void_an_open_invoice(seeded):
    status, body, _ = void("inv-full")
    assert status == 200
    assert (body["status"], body["payable"], body["balance"], body["client_id"]) == ("void", False, 125000, "client-a")
    _, seen, _ = client_get("inv-full")
    assert (seen["status"], seen["payable"], seen["overdue"]) == ("void", False, False)
    stored = Invoice.get("client-a", "inv-full")
    assert stored.open_due_date is None  # out of the due-date index: no reminders, no fees
    assert stored.status_key.startswith("void#")
    _, listed, _ = call("ListInvoicesFunction", query={"status": "void"})
    assert "inv-full" in [i["invoice_id"] for i in listed["invoices"]]
    status, body, _ = pay_by_card("inv-full", "after-void")
    assert (status, body["error"]["code"]) == (409, "invoice_void")


def _set_money(invoice_id, amount_paid=0, amount_pending=0, status="partially_paid"):
    invoice = Invoice.get("client-a", invoice_id)
    invoice.update(
        actions=[
            Invoice.amount_paid.set(amount_paid),
            Invoice.amount_pending.set(amount_pending),
            *status_actions(status, invoice),
        ]
    )


@pytest.mark.parametrize(
    "setup,invoice_id,code",
    [
        (None, "inv-paid", "invoice_paid"),
        (None, "inv-void", "invoice_void"),
        (lambda: _set_money("inv-part", amount_paid=5000), "inv-part", "invoice_partially_paid"),
        (lambda: _set_money("inv-part", amount_pending=5000), "inv-part", "payment_in_progress"),
        (lambda: _set_money("inv-full", amount_pending=125000, status="processing"), "inv-full", "payment_in_progress"),
    ],
)
def test_void_refuses_what_was_paid_or_is_being_paid(seeded, setup, invoice_id, code):
    if setup:
        setup()
    before = table_snapshot()
    status, body, _ = void(invoice_id)
    assert (status, body["error"]["code"]) == (409, code)
    assert table_snapshot() == before


def test_void_of_an_unknown_invoice_is_404(seeded):
    before = table_snapshot()
    for client_id, invoice_id in (("client-a", "inv-nope"), ("client-a", "inv-b"), ("client-nobody", "inv-full")):
        status, body, _ = void(invoice_id, client_id=client_id)
        assert (status, body["error"]["code"]) == (404, "invoice_not_found")
    assert table_snapshot() == before


def test_void_cancels_the_unconfirmed_card_payment_at_stripe(seeded):
    status, started, _ = pay_by_card("inv-full", "tab-1")
    assert status == 201 and started["status"] == "pending"
    intent_id = Payment.get("client-a", started["payment_id"]).processor_payment_id
    assert Invoice.get("client-a", "inv-full").open_payment_id == started["payment_id"]

    status, body, _ = void("inv-full")
    assert status == 200 and body["status"] == "void"
    intent = requests.get(f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}", auth=AUTH, timeout=5).json()
    assert intent["status"] == "canceled"  # the open checkout can no longer charge the client
    assert Invoice.get("client-a", "inv-full").open_payment_id is None
    assert Payment.get("client-a", started["payment_id"]).status == "canceled"  # and its history says so
    status, body, _ = pay_by_card("inv-full", "tab-2")
    assert (status, body["error"]["code"]) == (409, "invoice_void")


def test_void_is_refused_when_the_card_payment_was_confirmed_meanwhile(seeded):
    _, started, _ = pay_by_card("inv-full", "tab-1")
    intent_id = Payment.get("client-a", started["payment_id"]).processor_payment_id
    base = seeded["stripe"].url
    requests.post(f"{base}/v1/payment_intents/{intent_id}", data={"payment_method": "pm_card_visa"}, auth=AUTH)
    confirmed = requests.post(f"{base}/v1/payment_intents/{intent_id}/confirm", auth=AUTH, timeout=5).json()
    assert confirmed["status"] == "succeeded"  # money moved; the webhook has not arrived yet
    before = table_snapshot()
    status, body, _ = void("inv-full")
    assert (status, body["error"]["code"]) == (409, "payment_in_progress")
    assert table_snapshot() == before


# ---------- lists ----------


def test_admin_lists_a_clients_invoices_page_by_page(seeded):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page, _ = admin_list("invoices", query=query)
        assert status == 200 and len(page["invoices"]) <= 2
        seen += [i["invoice_id"] for i in page["invoices"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == ["inv-full", "inv-paid", "inv-part", "inv-void"] and pages >= 2
    _, portal, _ = call("ListInvoicesFunction")
    _, admin, _ = admin_list("invoices")
    assert admin == portal  # the same shape as the portal's list
    _, paid, _ = admin_list("invoices", query={"status": "paid"})
    assert [i["invoice_id"] for i in paid["invoices"]] == ["inv-paid"]
    _, theirs, _ = admin_list("invoices", client_id="client-b")
    assert [i["invoice_id"] for i in theirs["invoices"]] == ["inv-b"]


def test_admin_lists_a_clients_payments(seeded):
    _, first, _ = pay_by_card("inv-full", "k1")
    _, second, _ = pay_by_card("inv-part", "k2")
    status, page, _ = admin_list("payments", query={"limit": "1"})
    assert status == 200 and len(page["payments"]) == 1 and page["next_cursor"]
    status, rest, _ = admin_list("payments", query={"limit": "1", "cursor": page["next_cursor"]})
    ids = {page["payments"][0]["payment_id"], rest["payments"][0]["payment_id"]}
    assert ids == {first["payment_id"], second["payment_id"]}
    _, portal, _ = call("ListPaymentsFunction")
    _, admin, _ = admin_list("payments")
    assert admin == portal
    _, one, _ = admin_list("payments", query={"invoice_id": "inv-part"})
    assert [p["payment_id"] for p in one["payments"]] == [second["payment_id"]]
    _, none, _ = admin_list("payments", client_id="client-b")
    assert none == {"payments": [], "next_cursor": None}


@pytest.mark.parametrize("kind", ["invoices", "payments"])
def test_admin_lists_refuse_unknown_clients_and_bad_paging(seeded, kind):
    status, body, _ = admin_list(kind, client_id="client-nobody")
    assert (status, body["error"]["code"]) == (404, "client_not_found")
    status, body, _ = admin_list(kind, query={"limit": "0"})
    assert (status, body["error"]["code"]) == (400, "invalid_limit")
    status, body, _ = admin_list(kind, query={"cursor": "garbage"})
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")
    # A cursor from another client's list is refused.
    _, page, _ = admin_list(kind, client_id="client-a", query={"limit": "1"})
    if page["next_cursor"]:
        status, body, _ = admin_list(kind, client_id="client-b", query={"cursor": page["next_cursor"]})
        assert (status, body["error"]["code"]) == (400, "invalid_cursor")


# ---------- who may ----------


@pytest.mark.parametrize("claims", [CLIENT, {"sub": "x", "cognito:groups": "[accountants]"}])
def test_only_admins_use_the_back_office(seeded, claims):
    _, started, _ = pay_by_card("inv-full", "tab-1")
    before = table_snapshot()
    for status, body, _ in (
        create(claims=claims),
        void("inv-full", claims=claims),
        void("inv-part", claims=claims),
        admin_list("invoices", claims=claims),
        admin_list("payments", claims=claims),
    ):
        assert (status, body["error"]["code"]) == (403, "forbidden")
    assert table_snapshot() == before
    intent_id = Payment.get("client-a", started["payment_id"]).processor_payment_id
    intent = requests.get(f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}", auth=AUTH, timeout=5).json()
    assert intent["status"] != "canceled"
