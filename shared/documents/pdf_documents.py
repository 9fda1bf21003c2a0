"""The invoice and the receipt as PDF documents (GET /invoices/{id}/pdf, GET /payments/{id}/receipt.pdf), made
from the same JSON the API answers (shared/http/views.py), so a PDF and the portal never disagree on a number.

ReportLab (BSD): its Platypus layout breaks a long invoice over pages with the table's header repeated, and it
loads in about 0.12 s where fpdf2 took 0.25-0.33 s (fpdf2 imports fontTools too; both need Pillow). Its cost to the
layer and to a cold start: docs/pdf-cost.md. Text uses the standard Helvetica font in WinAnsi (cp1252) encoding, which every PDF reader
has; a character outside it (rare in names and descriptions) is written as "?" rather than failing. Pure: takes
dicts, returns bytes."""

import _strptime  # type: ignore[import-not-found]  # noqa: F401  (datetime.strptime's: else the first date a page shows)
import encodings.cp1252  # noqa: F401  (the WinAnsi codec, otherwise looked up by the first text a page shows)
from datetime import datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shared.domain.merchant import Merchant

_SYMBOLS = {"usd": "$", "cad": "CA$", "eur": "\u20ac", "gbp": "\u00a3", "aud": "A$"}
_STATUS = {
    "open": "Open",
    "partially_paid": "Partially paid",
    "processing": "Payment processing",
    "paid": "Paid",
    "void": "Canceled",
}
_PAYMENT_STATUS = {
    "pending": "Waiting for confirmation",
    "processing": "Processing",
    "succeeded": "Paid",
    "failed": "Declined",
    "canceled": "Not completed",
    "refunded": "Refunded",
    "partially_refunded": "Partly refunded",
    "disputed": "Disputed",
}
_BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}


def money(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{_SYMBOLS.get(currency, currency.upper() + ' ')}{whole:,}.{part:02d}"


def _day(iso_date: str | None) -> str:
    if not iso_date:
        return ""
    d = datetime.strptime(iso_date[:10], "%Y-%m-%d")
    return f"{d:%b} {d.day}, {d.year}"


def _when(iso: str | None, merchant: Merchant) -> str:
    if not iso:
        return ""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(merchant.time_zone))
    return f"{at:%b} {at.day}, {at.year}, {at:%I:%M %p %Z}".replace(" 0", " ")


def _plain(text) -> str:
    """What Helvetica in WinAnsi can show; anything else as "?"."""
    return str(text).encode("cp1252", "replace").decode("cp1252")


def _safe(text) -> str:
    """_plain, escaped for ReportLab's paragraph markup."""
    return escape(_plain(text))


def method_text(payment: dict) -> str:
    if payment.get("card"):
        return f"{_BRANDS.get(payment['card']['brand'], 'Card')} ending in {payment['card']['last4']}"
    if payment.get("bank"):
        return f"{payment['bank'].get('bank_name') or 'Bank'} account ending in {payment['bank']['last4']}"
    return "Bank transfer (ACH)" if payment.get("method") == "ach" else "Card"


class _Page:
    """One document being laid out with ReportLab's Platypus."""

    def __init__(self, title: str, merchant: Merchant):
        self.colors, self.inch, self.Paragraph, self.Spacer, self.Table, self.TableStyle = (
            colors,
            inch,
            Paragraph,
            Spacer,
            Table,
            TableStyle,
        )
        styles = getSampleStyleSheet()
        self.body, self.small, self.h1, self.h2 = (
            styles["BodyText"],
            styles["Italic"],
            styles["Title"],
            styles["Heading2"],
        )
        self.h1.alignment = 0
        self.buffer = BytesIO()
        self.doc = SimpleDocTemplate(
            self.buffer,
            pagesize=LETTER,
            title=title,
            author=merchant.name,
            leftMargin=0.8 * inch,
            rightMargin=0.8 * inch,
            topMargin=0.7 * inch,
            bottomMargin=0.8 * inch,
        )
        self.merchant = merchant
        self.story: list[Any] = []

    def text(self, text: str, style=None) -> None:
        self.story.append(self.Paragraph(_safe(text), style or self.body))

    def heading(self, text: str) -> None:
        self.story.append(self.Paragraph(_safe(text), self.h2))

    def table(
        self,
        rows: list[list[str]],
        widths: list[float],
        right: tuple[int, ...] = (),
        header: bool = True,
        bold_last: bool = False,
    ) -> None:
        cells = [
            [self.Paragraph(_safe(c), self.body) if i == 0 else _plain(c) for i, c in enumerate(row)] for row in rows
        ]
        table = self.Table(cells, colWidths=[w * self.inch for w in widths], repeatRows=1 if header else 0)
        style: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.colors.HexColor("#d9dde5")),
        ]
        style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in right]
        if header:
            style += [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("TEXTCOLOR", (0, 0), (-1, 0), self.colors.HexColor("#5a6272")),
            ]
        if bold_last:
            style += [("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")]
        table.setStyle(self.TableStyle(style))
        self.story.append(table)

    def space(self, inches: float = 0.15) -> None:
        self.story.append(self.Spacer(1, inches * self.inch))

    def render(self) -> bytes:
        merchant = self.merchant

        def footer(canvas, doc):
            canvas.saveState()
            canvas.setFont("Helvetica", 8)
            canvas.setFillColor(self.colors.HexColor("#5a6272"))
            contacts = " or ".join(c for c in (merchant.support_email, merchant.support_phone) if c)
            canvas.drawString(
                doc.leftMargin, 0.5 * self.inch, _plain(f"Questions? Contact {merchant.name} at {contacts}.")
            )
            canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 0.5 * self.inch, f"Page {doc.page}")
            canvas.restoreState()

        self.doc.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return self.buffer.getvalue()


def invoice_pdf(invoice: dict, merchant: Merchant) -> bytes:
    """The invoice as the API answers it (invoice_view, with line items and payments): who it is from, its
    line items, its payments and what is still owed."""
    c = invoice["currency"]
    page = _Page(f"Invoice {invoice['number']}", merchant)
    page.text(merchant.name, page.h2)
    page.text(f"Invoice {invoice['number']}", page.h1)
    page.table(
        [
            ["Issued", _day(invoice["issued_date"])],
            ["Due", _day(invoice["due_date"])],
            ["Status", _STATUS.get(invoice["status"], "Open") + (" (overdue)" if invoice.get("overdue") else "")],
        ],
        [1.4, 5.4],
        header=False,
    )
    page.heading("Line items")
    rows = [["Description", "Qty", "Unit price", "Amount"]]
    rows += [
        [li["description"], str(li["quantity"]), money(li["unit_amount"], c), money(li["amount"], c)]
        for li in invoice.get("line_items") or []
    ]
    page.table(rows, [3.7, 0.6, 1.25, 1.25], right=(1, 2, 3))
    page.space()
    totals = [["Total", money(invoice["total"], c)]]
    if invoice.get("fees"):
        totals.append(["Late fees", money(invoice["fees"], c)])
    totals.append(["Paid to date", money(invoice["amount_paid"], c)])
    if invoice.get("card_fees"):
        totals.append(["Card fees paid (not part of the balance)", money(invoice["card_fees"], c)])
    if invoice.get("amount_pending"):
        totals.append(["Bank transfers in progress", money(invoice["amount_pending"], c)])
    totals.append(["Balance due", money(invoice["balance"], c)])
    page.table(totals, [5.55, 1.25], right=(1,), header=False, bold_last=True)
    payments = [p for p in invoice.get("payments") or [] if p["status"] not in ("failed", "canceled")]
    page.heading("Payments")
    if payments:
        rows = [["Date", "Method", "Status", "Amount"]]
        rows += [
            [
                _when(p.get("succeeded_at") or p["created_at"], merchant),
                method_text(p),
                _PAYMENT_STATUS.get(p["status"], "Processing"),
                money(_on_invoice(p, invoice["invoice_id"]), p["currency"]),
            ]
            for p in payments
        ]
        page.table(rows, [2.0, 2.3, 1.25, 1.25], right=(3,))
    else:
        page.text("No payments yet.")
    page.space()
    page.text(f"Times are in {merchant.time_zone.replace('_', ' ')} time.", page.small)
    if merchant.portal_url and invoice["balance"] > 0:
        page.text(f"Pay online: {merchant.invoice_link(invoice['invoice_id'])}")
    return page.render()


CARD_FEE = "Card fee (credit card surcharge)"


def _on_invoice(payment: dict, invoice_id: str) -> int:
    """What a payment paid on this invoice, its card fee there included (a payment of several invoices paid more)."""
    mine = [a for a in payment.get("allocations") or [] if a["invoice_id"] == invoice_id]
    return mine[0]["amount"] + mine[0]["card_fee"] if mine else payment["amount"]


def receipt_pdf(payment: dict, invoice: dict | None, merchant: Merchant) -> bytes:
    """A payment that went through: its receipt number (the receipt email's), amount, method, date, and the
    invoice it paid with what is still owed on it; a payment of several invoices (`invoice` None) lists what it
    paid on each. A card fee has its own line."""
    c = payment["currency"]
    allocations = payment.get("allocations") or []
    page = _Page(f"Receipt {payment['receipt_reference']}", merchant)
    page.text(merchant.name, page.h2)
    page.text(f"Receipt {payment['receipt_reference']}", page.h1)
    page.table(
        [
            ["Amount paid", money(payment["amount"], c)],
            *([[CARD_FEE, money(payment["card_fee"], c)]] if payment.get("card_fee") else []),
            ["Paid on", _when(payment.get("succeeded_at") or payment["created_at"], merchant)],
            ["Method", method_text(payment)],
            ["Status", _PAYMENT_STATUS.get(payment["status"], "Paid")],
            [
                "Invoice" if invoice else "Invoices",
                invoice["number"] if invoice else ", ".join(a["invoice_number"] or "" for a in allocations),
            ],
        ],
        [1.6, 5.2],
        header=False,
    )
    refunds = payment.get("refunds") or []
    if refunds:
        page.heading("Refunds")
        page.table(
            [["Date", "Amount"]] + [[_when(r["created_at"], merchant), money(r["amount"], c)] for r in refunds],
            [5.55, 1.25],
            right=(1,),
        )
    if invoice is None:
        page.heading("Paid on each invoice")
        rows = [["Invoice", "Amount"]] + [
            [f"Invoice {a['invoice_number']}", money(a["amount"], c)] for a in allocations
        ]
        if payment.get("card_fee"):
            rows.append([CARD_FEE, money(payment["card_fee"], c)])
        page.table(rows + [["Amount paid", money(payment["amount"], c)]], [5.55, 1.25], right=(1,), bold_last=True)
        page.space()
        page.text(
            f"Times are in {merchant.time_zone.replace('_', ' ')} time. Keep this receipt for your records.", page.small
        )
        return page.render()
    page.heading(f"Invoice {invoice['number']}")
    rows = [["Description", "Amount"]] + [
        [li["description"], money(li["amount"], invoice["currency"])] for li in invoice.get("line_items") or []
    ]
    page.table(rows, [5.55, 1.25], right=(1,))
    page.space()
    totals = [
        ["Invoice total", money(invoice["total"] + invoice.get("fees", 0), invoice["currency"])],
        ["Paid to date", money(invoice["amount_paid"], invoice["currency"])],
        ["Balance due", money(invoice["balance"], invoice["currency"])],
    ]
    page.table(totals, [5.55, 1.25], right=(1,), header=False, bold_last=True)
    page.space()
    page.text(
        f"Times are in {merchant.time_zone.replace('_', ' ')} time. Keep this receipt for your records.", page.small
    )
    return page.render()
