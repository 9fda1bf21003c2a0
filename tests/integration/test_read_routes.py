"""GET /invoices, /invoices/{id}, /payments, /payments/{id}: one client's data only, paged, one Query each."""

import base64
import json

import pytest

from infra.seed import put_invoice
from tests.helpers import call, run_fresh, table_snapshot


def test_list_shows_only_the_clients_invoices_newest_issued_first(seeded):
    status, body, _ = call("ListInvoicesFunction")
    assert status == 200 and body["next_cursor"] is None
    assert [(i["invoice_id"], i["issued_date"]) for i in body["invoices"]] == [
        ("inv-part", "2026-11-02"),
        ("inv-full", "2026-11-01"),
        ("inv-void", "2026-10-02"),
        ("inv-paid", "2026-10-01"),
    ]
    assert all("line_items" not in i for i in body["invoices"])
    paid = next(i for i in body["invoices"] if i["invoice_id"] == "inv-paid")
    assert (paid["status"], paid["balance"], paid["payable"]) == ("paid", 0, False)


def test_status_filter_uses_the_stored_status(seeded):
    _, body, _ = call("ListInvoicesFunction", query={"status": "paid"})
    assert [i["number"] for i in body["invoices"]] == ["INV-1003"]
    _, body, _ = call("ListInvoicesFunction", query={"status": "open"})
    assert {i["invoice_id"] for i in body["invoices"]} == {"inv-full", "inv-part"}


def test_pagination_walks_every_invoice_once(seeded):
    for n in range(7):
        put_invoice("client-a", f"inv-x{n}", number=f"INV-9{n}", total=1000, due_date="2026-12-31")
    seen, cursor = [], None
    for _ in range(10):
        _, body, _ = call("ListInvoicesFunction", query={"limit": "3", **({"cursor": cursor} if cursor else {})})
        assert len(body["invoices"]) <= 3
        seen += [i["invoice_id"] for i in body["invoices"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        # Opaque to the client: the client id is in no cursor (it comes from the token).
        assert "client-a" not in base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert sorted(seen) == sorted(["inv-void", "inv-part", "inv-paid", "inv-full"] + [f"inv-x{n}" for n in range(7)])


def test_overdue_is_derived_from_the_due_date(seeded):
    put_invoice("client-a", "inv-late", number="INV-0900", total=5000, due_date="2020-01-01")
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-late"})
    assert body["overdue"] is True
    _, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-paid"})
    assert body["overdue"] is False


def other_clients_cursor():
    key = {"client_id": {"S": "client-b"}, "invoice_id": {"S": "inv-b"}}
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "function,query,code",
    [
        ("ListInvoicesFunction", {"status": "unpaid"}, "invalid_status"),
        ("ListInvoicesFunction", {"status": ""}, "invalid_status"),
        ("ListInvoicesFunction", {"limit": "0"}, "invalid_limit"),
        ("ListInvoicesFunction", {"limit": "101"}, "invalid_limit"),
        ("ListInvoicesFunction", {"limit": "ten"}, "invalid_limit"),
        ("ListInvoicesFunction", {"limit": "-1"}, "invalid_limit"),
        ("ListInvoicesFunction", {"cursor": "not-a-cursor"}, "invalid_cursor"),
        ("ListInvoicesFunction", {"cursor": other_clients_cursor()}, "invalid_cursor"),
        ("ListPaymentsFunction", {"limit": "x"}, "invalid_limit"),
        ("ListPaymentsFunction", {"cursor": other_clients_cursor()}, "invalid_cursor"),
    ],
)
def test_bad_filters_are_400(seeded, function, query, code):
    before = table_snapshot()
    status, body, _ = call(function, query=query)
    assert (status, body["error"]["code"]) == (400, code)
    assert table_snapshot() == before


def test_invoice_detail_has_line_items_and_payments(seeded):
    call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-part"},
        body={"method": "card", "amount": 5000},
        headers={"Idempotency-Key": "d"},
    )
    status, body, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-part"})
    assert status == 200
    assert body["line_items"] == [
        {"description": "Professional services", "quantity": 1, "unit_amount": 100000, "amount": 100000}
    ]
    [payment] = body["payments"]
    assert payment["amount"] == 5000 and payment["status"] == "pending" and "client_secret" not in payment


@pytest.mark.parametrize(
    "function,params,code",
    [
        ("GetInvoiceFunction", {"invoice_id": "inv-b"}, "invoice_not_found"),
        ("GetInvoiceFunction", {"invoice_id": "does-not-exist"}, "invoice_not_found"),
        ("GetPaymentFunction", {"payment_id": "pay_does_not_exist"}, "payment_not_found"),
    ],
)
def test_other_clients_and_unknown_ids_are_404(seeded, function, params, code):
    status, body, _ = call(function, path_parameters=params)
    assert (status, body["error"]["code"]) == (404, code)


def test_another_clients_payment_is_404_and_absent_from_lists(seeded):
    _, b_payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-b"},
        body={"method": "card"},
        headers={"Idempotency-Key": "b"},
        client_id="client-b",
    )
    status, body, _ = call("GetPaymentFunction", path_parameters={"payment_id": b_payment["payment_id"]})
    assert (status, body["error"]["code"]) == (404, "payment_not_found")
    _, listing, _ = call("ListPaymentsFunction")
    assert listing == {"payments": [], "next_cursor": None}
    _, listing, _ = call("ListPaymentsFunction", query={"invoice_id": "inv-b"})
    assert listing["payments"] == []
    _, own, _ = call(
        "GetPaymentFunction", path_parameters={"payment_id": b_payment["payment_id"]}, client_id="client-b"
    )
    assert own["payment_id"] == b_payment["payment_id"]


def test_payment_history_pages_newest_first(seeded):
    ids = []
    for n in range(3):
        _, p, _ = call(
            "CreatePaymentFunction",
            path_parameters={"invoice_id": "inv-part"},
            body={"method": "card", "amount": 5000 + n},
            headers={"Idempotency-Key": f"h{n}"},
        )
        ids.append(p["payment_id"])
    _, first, _ = call("ListPaymentsFunction", query={"limit": "2"})
    _, second, _ = call("ListPaymentsFunction", query={"limit": "2", "cursor": first["next_cursor"]})
    assert [p["payment_id"] for p in first["payments"] + second["payments"]] == list(reversed(ids))


@pytest.mark.parametrize(
    "function,params",
    [
        ("ListInvoicesFunction", None),
        ("GetInvoiceFunction", {"invoice_id": "inv-full"}),
        ("ListPaymentsFunction", None),
        ("GetPaymentFunction", {"payment_id": "p"}),
    ],
)
def test_no_client_claim_is_401(seeded, function, params):
    status, body, _ = call(function, path_parameters=params, claims={"sub": "x", "custom:client_id": ""})
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_overdue_filter_lists_exactly_the_overdue_invoices_paged(seeded):
    put_invoice("client-a", "inv-late1", number="INV-0901", total=5000, due_date="2020-01-01")
    put_invoice("client-a", "inv-late2", number="INV-0902", total=6000, due_date="2020-02-01", amount_paid=1000)
    put_invoice("client-a", "inv-late-paid", number="INV-0903", total=7000, due_date="2020-03-01", amount_paid=7000)
    put_invoice("client-a", "inv-late-void", number="INV-0904", total=7000, due_date="2020-03-01", void=True)
    put_invoice("client-b", "inv-b-late", number="INV-2901", total=5000, due_date="2020-01-01")
    _, everything, _ = call("ListInvoicesFunction")
    expected = sorted(i["invoice_id"] for i in everything["invoices"] if i["overdue"])
    assert expected == ["inv-late1", "inv-late2"]  # the derived flag is what the filter means
    seen, cursor = [], None
    for _ in range(5):
        status, body, _ = call(
            "ListInvoicesFunction", query={"status": "overdue", "limit": "1", **({"cursor": cursor} if cursor else {})}
        )
        assert status == 200 and len(body["invoices"]) <= 1
        assert all(i["overdue"] for i in body["invoices"])
        seen += [i["invoice_id"] for i in body["invoices"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == expected


def test_overdue_filter_refuses_another_filters_cursor_and_changes_nothing(seeded):
    before = table_snapshot()
    for query, code in (
        ({"status": "overdue", "cursor": other_clients_cursor()}, "invalid_cursor"),
        ({"status": "Overdue"}, "invalid_status"),
        ({"status": "overdue", "limit": "0"}, "invalid_limit"),
    ):
        status, body, _ = call("ListInvoicesFunction", query=query)
        assert (status, body["error"]["code"]) == (400, code)
        assert "overdue" in body["error"]["message"] or code != "invalid_status"
    assert table_snapshot() == before


def test_invoice_shows_its_late_fee_policy_and_what_it_would_cost(seeded, monkeypatch):
    put_invoice(
        "client-a",
        "inv-flat",
        number="INV-0910",
        total=36000,
        due_date="2026-12-20",
        late_fee={"kind": "flat", "amount": 2500, "grace_days": 5},
    )
    _, flat, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-flat"})
    assert flat["late_fee_policy"] == {
        "kind": "flat",
        "amount": 2500,
        "basis_points": None,
        "grace_days": 5,
        "fee_on_balance": 2500,
    }
    # No policy of its own: the merchant's default, as a percentage of what is still owed.
    monkeypatch.setenv("DEFAULT_LATE_FEE_POLICY", '{"kind": "percent", "basis_points": 150, "grace_days": 3}')
    _, listed, _ = call("ListInvoicesFunction")
    part = next(i for i in listed["invoices"] if i["invoice_id"] == "inv-part")
    assert part["late_fee_policy"] == {
        "kind": "percent",
        "amount": None,
        "basis_points": 150,
        "grace_days": 3,
        "fee_on_balance": 1500,
    }  # 1.5% of 100,000
    monkeypatch.delenv("DEFAULT_LATE_FEE_POLICY")
    _, none, _ = call("GetInvoiceFunction", path_parameters={"invoice_id": "inv-full"})
    assert none["late_fee_policy"] == {
        "kind": "none",
        "amount": None,
        "basis_points": None,
        "grace_days": 0,
        "fee_on_balance": 0,
    }


@pytest.mark.parametrize(
    "function,parameter",
    [
        ("GetInvoiceFunction", "invoice_id"),
        ("InvoiceActivityFunction", "invoice_id"),
        ("InvoicePdfFunction", "invoice_id"),
        ("ReceiptPdfFunction", "payment_id"),
    ],
)
def test_a_new_container_answers_its_first_request(seeded, function, parameter):
    """A fresh process, as a new Lambda container: its first request is the read itself, with nothing before it
    that could have set up the table it reads (the invoice and its journal are read with one raw Query)."""
    from tests.integration.test_pdfs import paid_part

    value = "inv-part" if parameter == "invoice_id" else paid_part("inv-part", 10000, "fresh")["payment_id"]
    status = run_fresh(
        f"import json\nfrom tests.helpers import call\n"
        f"print(json.dumps(call({function!r}, path_parameters={{{parameter!r}: {value!r}}})[0]))"
    )
    assert status == 200


def test_a_new_containers_first_raw_read_of_the_books_works(seeded):
    """The reconciliation job's check of the books reads a client's partition with a raw Query too."""
    entries = run_fresh(
        "import json\nfrom shared.books.dynamo import DynamoRepository\n"
        "print(json.dumps([e.kind for e in DynamoRepository().client_journal('client-a')]))"
    )
    assert entries.count("invoiced") == 4  # one per seeded invoice of client-a
