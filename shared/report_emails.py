"""The email to the merchant about a client's problem report on a payment. It carries every id the merchant
needs to look the payment up at the processor and to resolve the report. Pure rendering: no I/O."""

from dataclasses import dataclass
from html import escape

from shared.merchant import Merchant
from shared.money import format_amount
from shared.receipts import Email

KIND_LABELS = {"wrong_amount": "wrong amount", "double_charge": "double charge",
               "not_recognized": "not recognized", "other": "other problem"}


@dataclass(frozen=True)
class ReportFacts:
    to: str  # the merchant's billing address
    problem_report_id: str
    kind: str
    message: str
    created_at: str
    client_id: str
    client_name: str
    payment_id: str
    invoice_number: str
    amount: int
    currency: str
    processor: str
    processor_payment_id: str | None


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def render_problem_report(facts: ReportFacts, merchant: Merchant) -> Email:
    label = kind_label(facts.kind)
    subject = f"Problem report: {label} on payment {facts.payment_id} ({facts.invoice_number})"
    intro = f"{facts.client_name} ({facts.client_id}) reported a problem with a payment: {label}."
    details = [
        f"Kind: {facts.kind} ({label})",
        f"Client: {facts.client_name} ({facts.client_id})",
        f"Invoice: {facts.invoice_number}",
        f"Amount: {format_amount(facts.amount, facts.currency)}",
        f"Processor: {facts.processor}",
        f"Processor payment id: {facts.processor_payment_id or '(none yet)'}",
        f"Payment id: {facts.payment_id}",
        f"Problem report id: {facts.problem_report_id}",
        f"Reported at: {facts.created_at}",
    ]
    resolve = f"Resolve it in the back office: POST /admin/problem-reports/{facts.problem_report_id}/resolve"
    text = "\n".join(["Hello,", "", intro, "", "Their message:", facts.message, "", *details, "", resolve, "",
                      merchant.name])
    message_html = "<br>".join(escape(line) for line in facts.message.splitlines()) or escape(facts.message)
    html = (f"<html><body><p>Hello,</p><p>{escape(intro)}</p>"
            f"<p>Their message:</p><blockquote>{message_html}</blockquote>"
            + "<ul>" + "".join(f"<li>{escape(d)}</li>" for d in details) + "</ul>"
            + f"<p>{escape(resolve)}</p><p>{escape(merchant.name)}</p></body></html>")
    return Email(to=facts.to, subject=subject, text=text, html=html)
