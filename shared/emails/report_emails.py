"""The email to the merchant about a client's problem report on a payment. It carries every id the merchant
needs to look the payment up at the processor and to resolve the report. Pure rendering: no I/O."""

from dataclasses import dataclass

from shared.domain.merchant import Merchant
from shared.domain.money import format_amount
from shared.emails.email_layout import Email, Message, local_time, render

KIND_LABELS = {
    "wrong_amount": "wrong amount",
    "double_charge": "double charge",
    "not_recognized": "not recognized",
    "other": "other problem",
}


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
    message = Message(
        heading=f"Problem report: {label}",
        amount=format_amount(facts.amount, facts.currency),
        caption=f"Reported {local_time(facts.created_at, merchant)}",
        greeting="Hello,",
        rows=(
            ("Kind", f"{facts.kind} ({label})"),
            ("Client", f"{facts.client_name} ({facts.client_id})"),
            ("Invoice", facts.invoice_number),
            ("Processor", facts.processor),
            ("Processor payment id", facts.processor_payment_id or "(none yet)"),
            ("Payment id", facts.payment_id),
            ("Problem report id", facts.problem_report_id),
        ),
        paragraphs=(
            f"{facts.client_name} ({facts.client_id}) reported a problem with a payment: {label}.",
            f"Their message: {facts.message}",
            f"Resolve it in the back office: POST /admin/problem-reports/{facts.problem_report_id}/resolve",
        ),
    )
    return render(facts.to, subject, message, merchant)
