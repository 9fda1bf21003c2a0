"""GET /invoices/{invoice_id}/pdf and GET /payments/{payment_id}/receipt.pdf: real PDFs of the client's own
invoice and receipt, read back as text (pypdf) to check what a client sees in them; another client's are 404."""

import io

import pytest
from pypdf import PdfReader

from infra.seed import put_invoice
from shared.aws.models import Payment
from tests.drivers.stripe import deliver
from tests.helpers import call, intent_event, table_snapshot


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def paid_part(invoice_id: str, amount: int, key: str) -> dict:
    _, started, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": invoice_id},
        body={"method": "card", "amount": amount},
        headers={"Idempotency-Key": key},
    )
    stored = Payment.get("client-a", started["payment_id"])
    deliver(
        intent_event(
            "payment_intent.succeeded",
            intent_id=stored.processor_payment_id,
            amount=amount,
            client_id="client-a",
            invoice_id=invoice_id,
            payment_id=stored.payment_id,
            event_id=f"evt_{key}",
        )
    )
    return call("GetPaymentFunction", path_parameters={"payment_id": started["payment_id"]})[1]


def test_the_invoice_pdf_has_the_merchant_line_items_payments_and_balance(seeded):
    put_invoice(
        "client-a",
        "inv-lines",
        number="INV-1010",
        total=48000,
        due_date="2030-01-31",
        allow_partial=True,
        minimum_payment=5000,
        line_items=[("Monthly bookkeeping", 1, 30000), ("Payroll runs", 3, 6000)],
    )
    paid_part("inv-lines", 10000, "pdf-1")
    before = table_snapshot()
    status, pdf, headers = call("InvoicePdfFunction", path_parameters={"invoice_id": "inv-lines"})
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="invoice-INV-1010.pdf"'
    assert headers["Cache-Control"] == "private, no-store"
    pages, text = text_of(pdf)
    assert pages == 1
    for seen in (
        "Acme Bookkeeping",
        "Invoice INV-1010",
        "Monthly bookkeeping",
        "$300.00",
        "Payroll runs",
        "$60.00",
        "$180.00",
        "Total",
        "$480.00",
        "Paid to date",
        "$100.00",
        "Balance due",
        "$380.00",
        "Card",
        "Jan 31, 2030",
    ):
        assert seen in text, f"{seen!r} not in the invoice PDF:\n{text}"
    assert table_snapshot() == before  # reading changes nothing


def test_a_long_invoice_runs_over_pages_with_every_line(seeded):
    lines = [(f"Consulting day {n}", 1, 10000) for n in range(1, 71)]
    put_invoice("client-a", "inv-long", number="INV-1011", total=700000, due_date="2030-01-31", line_items=lines)
    _, pdf, _ = call("InvoicePdfFunction", path_parameters={"invoice_id": "inv-long"})
    pages, text = text_of(pdf)
    assert pages >= 2 and "Page 2" in text
    assert all(f"Consulting day {n}\n" in text or f"Consulting day {n} " in text for n in range(1, 71))
    assert "$7,000.00" in text


def test_a_name_outside_the_pdf_font_is_written_not_refused(seeded):
    put_invoice(
        "client-a",
        "inv-intl",
        number="INV-1012",
        total=1000,
        due_date="2030-01-31",
        line_items=[("Café au lait \u2014 \u20ac & <b>more</b> \u6771\u4eac", 1, 1000)],
    )
    status, pdf, _ = call("InvoicePdfFunction", path_parameters={"invoice_id": "inv-intl"})
    _, text = text_of(pdf)
    assert status == 200 and "Café au lait \u2014 \u20ac & <b>more</b> ??" in text


def test_the_receipt_pdf_is_the_payments_with_what_is_still_owed(seeded):
    payment = paid_part("inv-part", 25000, "pdf-2")
    status, pdf, headers = call("ReceiptPdfFunction", path_parameters={"payment_id": payment["payment_id"]})
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == f'attachment; filename="receipt-{payment["receipt_reference"]}.pdf"'
    _, text = text_of(pdf)
    for seen in (
        "Acme Bookkeeping",
        f"Receipt {payment['receipt_reference']}",
        "Amount paid",
        "$250.00",
        "Method",
        "INV-1002",
        "Balance due",
        "$750.00",
        "Professional services",
    ):
        assert seen in text, f"{seen!r} not in the receipt PDF:\n{text}"


def test_no_receipt_before_the_money_arrived(seeded):
    _, started, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "pdf-pending"},
    )
    before = table_snapshot()
    status, body, _ = call("ReceiptPdfFunction", path_parameters={"payment_id": started["payment_id"]})
    assert (status, body["error"]["code"]) == (409, "receipt_not_available")
    assert table_snapshot() == before


@pytest.mark.parametrize(
    "function,parameter", [("InvoicePdfFunction", "invoice_id"), ("ReceiptPdfFunction", "payment_id")]
)
def test_another_clients_or_an_unknown_document_is_404(seeded, function, parameter):
    payment = paid_part("inv-part", 5000, f"pdf-{function}")
    own = {"invoice_id": "inv-part", "payment_id": payment["payment_id"]}[parameter]
    expected = {"invoice_id": "invoice_not_found", "payment_id": "payment_not_found"}[parameter]
    before = table_snapshot()
    for client, value in (("client-b", own), ("client-a", "nope"), ("client-a", "x" * 300)):
        status, body, _ = call(function, path_parameters={parameter: value}, client_id=client)
        assert (status, body["error"]["code"]) == (404, expected)
    status, _, _ = call(function, path_parameters={parameter: own}, client_id=None)
    assert status == 401
    assert table_snapshot() == before
