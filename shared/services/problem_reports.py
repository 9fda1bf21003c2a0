"""Problem reports: a client says a payment is wrong; the merchant is emailed and later resolves the report.

One OPEN report per payment and kind. That rule lives on the payment (`open_report_kinds`) and is enforced
by the database, not by a read-then-write: one transaction puts the report (condition: new) and appends
the kind to the payment's list under the condition that the list does not hold it yet, together with the
report's summary (`problem_reports`, shown on the payment). That payment update does not check the
payment's version, so a webhook changing the payment at the same moment does not make the report fail;
the condition on the list is what matters. Two submissions at once: exactly one transaction commits.

Resolving rewrites both lists (kind removed, summary marked resolved) under the payment's version, and
marks the report resolved under the condition that it is still open, in one transaction, retried on a
lost race. After that a new report of the same kind can be opened.

The merchant's email is a job for the notice worker, sent once per report through the same email ledger
as the due-date emails (`email_ledger.send_once`)."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.aws.models import Client, Invoice, Payment, ProblemReport, ReportSummary
from shared.aws.retries import until_won
from shared.aws.store import write_transaction
from shared.domain import clock
from shared.domain.ids import new_id
from shared.domain.merchant import Merchant
from shared.emails.jobs import PROBLEM_REPORT, Enqueue
from shared.emails.receipts import Email
from shared.emails.report_emails import ReportFacts, render_problem_report
from shared.http import request_schemas
from shared.http.errors import Conflict, NotFound, Unprocessable
from shared.http.validation import json_object, text_field
from shared.services.email_ledger import send_once
from shared.services.queries import get_payment

log = Logger(child=True)
KINDS = ("wrong_amount", "double_charge", "not_recognized", "other")
OPEN, RESOLVED = "open", "resolved"
MAX_TEXT = 2000  # bytes
ATTEMPTS = 3


# ---------- parsing ----------


def parse_report(body: object) -> tuple[str, str]:
    body = json_object(body, request_schemas.PROBLEM_REPORT)
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise Unprocessable(f"kind must be one of: {', '.join(KINDS)}.", code="invalid_kind")
    return kind, text_field(body.get("message"), "message", "invalid_message", MAX_TEXT)


def parse_resolution(body: object) -> str:
    body = json_object(body, request_schemas.RESOLUTION)
    return text_field(body.get("resolution"), "resolution", "invalid_resolution", MAX_TEXT)


def report_view(report: ProblemReport, *, resolved_fields: bool = False) -> dict:
    view = {
        "problem_report_id": report.problem_report_id,
        "payment_id": report.payment_id,
        "kind": report.kind,
        "message": report.message,
        "status": report.status,
        "created_at": report.created_at,
    }
    if resolved_fields:
        view |= {"resolved_at": report.resolved_at, "resolution": report.resolution}
    return view


def _job(client_id: str, payment_id: str, problem_report_id: str) -> dict:
    return {
        "kind": PROBLEM_REPORT,
        "client_id": client_id,
        "payment_id": payment_id,
        "problem_report_id": problem_report_id,
    }


# ---------- client: open a report ----------


def _already_open(payment: Payment, kind: str, enqueue: Enqueue) -> Conflict:
    # The open report's email job is queued again: if the first request died between its commit and its
    # enqueue, the client's retry still gets the merchant told. The worker's ledger makes a repeat a no-op.
    existing = next((s for s in payment.problem_reports if s.kind == kind and s.status == OPEN), None)
    if existing is not None:
        enqueue(_job(payment.client_id, payment.payment_id, existing.problem_report_id))
    return Conflict(
        "You already reported this problem on this payment; we are looking into it.", code="problem_report_open"
    )


def open_report(client_id: str, payment_id: str, body: object, enqueue: Enqueue) -> ProblemReport:
    payment = get_payment(client_id, payment_id, consistent=True)  # another client's: not there, 404
    kind, message = parse_report(body)

    def attempt() -> ProblemReport:
        if kind in (payment.open_report_kinds or []):
            raise _already_open(payment, kind, enqueue)
        created_at, report_id = clock.now_iso(), new_id("pr")
        report = ProblemReport(
            client_id,
            report_id,
            payment_id=payment_id,
            kind=kind,
            message=message,
            status=OPEN,
            created_at=created_at,
            payment_key=f"{payment_id}#{created_at}#{report_id}",
        )
        summary = ReportSummary(problem_report_id=report_id, kind=kind, status=OPEN, created_at=created_at)
        with write_transaction() as tx:
            tx.save(report, condition=ProblemReport.problem_report_id.does_not_exist())
            tx.update(
                payment,
                actions=[
                    Payment.open_report_kinds.set((Payment.open_report_kinds | []).append([kind])),
                    Payment.problem_reports.set((Payment.problem_reports | []).append([summary])),
                ],
                condition=Payment.payment_id.exists() & ~Payment.open_report_kinds.contains(kind),
                add_version_condition=False,
            )
        enqueue(_job(client_id, payment_id, report_id))
        log.info(
            "problem report opened", extra={"payment_id": payment_id, "kind": kind, "problem_report_id": report_id}
        )
        return report

    def give_up() -> Exception:
        payment.refresh(consistent_read=True)
        if kind in (payment.open_report_kinds or []):  # the other writer opened this very report
            return _already_open(payment, kind, enqueue)
        return Conflict("The payment changed while saving your report; try again.", code="concurrent_change")

    # After a lost race: decide again on the payment as it is now.
    return until_won(
        attempt, attempts=ATTEMPTS, before_retry=lambda: payment.refresh(consistent_read=True), give_up=give_up
    )


# ---------- merchant: resolve a report ----------


def _report_by_id(problem_report_id: str) -> ProblemReport:
    report = next(iter(ProblemReport.by_id.query(problem_report_id, limit=1)), None)
    if report is not None:
        try:  # the index is eventually consistent; decide on the record itself
            report.refresh(consistent_read=True)
        except ProblemReport.DoesNotExist:
            report = None
    if report is None:
        raise NotFound("There is no problem report with that id.", code="problem_report_not_found")
    return report


def _resolved_conflict() -> Conflict:
    return Conflict("This problem report was already resolved.", code="problem_report_resolved")


def resolve_report(problem_report_id: str, body: object) -> ProblemReport:
    report = _report_by_id(problem_report_id)
    resolution = parse_resolution(body)

    def attempt() -> ProblemReport:
        if report.status != OPEN:
            raise _resolved_conflict()
        payment = Payment.get(report.client_id, report.payment_id, consistent_read=True)
        summaries = list(payment.problem_reports or [])
        for summary in summaries:
            if summary.problem_report_id == problem_report_id:
                summary.status = RESOLVED
        kinds = [k for k in (payment.open_report_kinds or []) if k != report.kind]
        resolved_at = clock.now_iso()
        with write_transaction() as tx:
            tx.update(
                report,
                actions=[
                    ProblemReport.status.set(RESOLVED),
                    ProblemReport.resolved_at.set(resolved_at),
                    ProblemReport.resolution.set(resolution),
                ],
                condition=ProblemReport.status == OPEN,
            )
            # Conditional on the version read: the lists are rewritten whole, so nothing may slip in.
            tx.update(payment, actions=[Payment.open_report_kinds.set(kinds), Payment.problem_reports.set(summaries)])
        report.status, report.resolved_at, report.resolution = RESOLVED, resolved_at, resolution
        log.info(
            "problem report resolved", extra={"problem_report_id": problem_report_id, "payment_id": report.payment_id}
        )
        return report

    def give_up() -> Exception:
        report.refresh(consistent_read=True)
        if report.status != OPEN:  # the other writer resolved it
            return _resolved_conflict()
        return Conflict("The payment changed while resolving; try again.", code="concurrent_change")

    # After a lost race: decide again on the report as it is now.
    return until_won(
        attempt, attempts=ATTEMPTS, before_retry=lambda: report.refresh(consistent_read=True), give_up=give_up
    )


# ---------- worker: the merchant's email ----------


def ledger_key(job: dict) -> str:
    return f"email:{PROBLEM_REPORT}:{job['client_id']}:{job['problem_report_id']}"


def send_report_notice(job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]) -> str:
    """Email the merchant about one report, at most once (raises AlreadySent / NoticeBusy like the due-date
    emails). A report resolved before its email went out is not announced any more."""
    client_id, report_id = job["client_id"], job["problem_report_id"]
    try:
        report = ProblemReport.get(client_id, report_id, consistent_read=True)
        payment = Payment.get(client_id, report.payment_id)
        invoice = Invoice.get(client_id, payment.invoice_id)
        client = Client.get(client_id)
    except (ProblemReport.DoesNotExist, Payment.DoesNotExist, Invoice.DoesNotExist, Client.DoesNotExist):
        log.error("problem report email for an unknown record", extra={"problem_report_id": report_id})
        return "unknown_report"
    if report.payment_id != job.get("payment_id"):
        log.error("problem report job names another payment", extra={"problem_report_id": report_id})
        return "unknown_report"
    if report.status != OPEN:
        return "not_applicable"
    if not merchant_email:
        raise RuntimeError("MERCHANT_EMAIL is not set: cannot tell the merchant about a problem report")
    email = render_problem_report(
        ReportFacts(
            to=merchant_email,
            problem_report_id=report_id,
            kind=report.kind,
            message=report.message,
            created_at=report.created_at,
            client_id=client_id,
            client_name=client.name,
            payment_id=payment.payment_id,
            invoice_number=invoice.number,
            amount=payment.amount,
            currency=payment.currency,
            processor=payment.processor,
            processor_payment_id=payment.processor_payment_id,
        ),
        merchant,
    )
    send_once(ledger_key(job), PROBLEM_REPORT, email, merchant.sender_email, send)
    log.info("problem report email sent", extra={"problem_report_id": report_id})
    return "sent"
