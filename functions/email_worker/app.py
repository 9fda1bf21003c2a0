"""Email worker: SQS jobs -> one email each, sent at most once.

Each message is a job of shared/emails/jobs.py: SENDERS maps its kind to its record type and the function that sends it
(a message without a kind is a receipt). A kind no sender knows is logged and dropped, as before; a message its
record refuses (a field missing) fails and is retried.

Failed records are reported back to SQS (partial batch response), retried, then kept in the DLQ.
"""

import json
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.aws.notify import send_email
from shared.aws.sqs_entry import SQSRecord, sqs_entry
from shared.domain import clock, merchant
from shared.domain.merchant import Merchant
from shared.emails import jobs
from shared.http.web import logger, metrics
from shared.processors.factory import card_processor
from shared.services.email_ledger import AlreadySent
from shared.services.notices import send_notice

# The invoice, problem report and money-back senders (their emails' renderers) load on their kind's first job:
# a receipt, the usual first job, loads none of them (shared/coldstart loads them into a SnapStart snapshot).


def _card_details(payment_method_id: str):
    return card_processor().card_details(payment_method_id)


# Each sender: (the job, the merchant, the merchant's own address) -> "sent" or why not. Its job is of the record
# type beside it in SENDERS (Any: a Callable of one record type is not a Callable of every Job).
Sender = Callable[[Any, Merchant, str], str]


def _payment_email(job: jobs.PaymentEmail | jobs.ReceiptResend, shop: Merchant, _: str) -> str:
    return send_notice(
        job.kind,
        job.client_id,
        job.payment_id,
        merchant=shop,
        send=send_email,
        card_details=_card_details,
        resend_at=getattr(job, "resend_at", None),
    )


def _invoice_email(job: jobs.Job, shop: Merchant, merchant_email: str) -> str:
    from shared.services.invoice_notices import send_invoice_notice

    return send_invoice_notice(
        job.message(), merchant=shop, merchant_email=merchant_email, send=send_email, today=clock.today()
    )


def _autopay_email(job: jobs.Job, shop: Merchant, _: str) -> str:
    from shared.services.autopay_notices import send_autopay_notice

    return send_autopay_notice(job.message(), merchant=shop, send=send_email, today=clock.today())


def _problem_report_email(job: jobs.ProblemReportEmail, shop: Merchant, merchant_email: str) -> str:
    from shared.services.problem_reports import send_report_notice

    return send_report_notice(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


def _bank_account_email(job: jobs.BankAccountEmail, shop: Merchant, merchant_email: str) -> str:
    from shared.services.ach_account_notices import send_account_notice

    return send_account_notice(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


def _billing_email_notice(job: jobs.Job, shop: Merchant, _: str) -> str:
    from shared.services.account_notices import send_account_notice

    return send_account_notice(job.message(), merchant=shop, send=send_email)


def _refund_receipt(job: jobs.RefundReceipt, shop: Merchant, _: str) -> str:
    from shared.services.money_back_notices import send_refund_receipt

    return send_refund_receipt(job.message(), merchant=shop, send=send_email)


def _overpayment_flag(job: jobs.PaymentEmail, shop: Merchant, merchant_email: str) -> str:
    from shared.services.money_back_notices import send_overpayment_flag

    return send_overpayment_flag(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


def _outside_refund(job: jobs.OutsideRefund, shop: Merchant, merchant_email: str) -> str:
    from shared.services.money_back_notices import send_outside_refund_notice

    return send_outside_refund_notice(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


def _dispute(job: jobs.DisputeEmail, shop: Merchant, merchant_email: str) -> str:
    from shared.services.money_back_notices import send_dispute_notice

    return send_dispute_notice(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


def _early_fraud_warning(job: jobs.EarlyFraudWarning, shop: Merchant, merchant_email: str) -> str:
    from shared.services.money_back_notices import send_early_fraud_warning

    return send_early_fraud_warning(job.message(), merchant=shop, merchant_email=merchant_email, send=send_email)


# kind -> (its record type, its sender): the one registry.
SENDERS: dict[str, tuple[type[jobs.Job], Sender]] = {
    "receipt": (jobs.PaymentEmail, _payment_email),
    "ach_initiated": (jobs.PaymentEmail, _payment_email),
    "payment_failed": (jobs.PaymentEmail, _payment_email),
    "receipt_resend": (jobs.ReceiptResend, _payment_email),
    "overpayment": (jobs.PaymentEmail, _overpayment_flag),
    "reminder": (jobs.Reminder, _invoice_email),
    "overdue": (jobs.OverdueNotice, _invoice_email),
    "extension_requested": (jobs.ExtensionEmail, _invoice_email),
    "extension_decided": (jobs.ExtensionEmail, _invoice_email),
    "problem_report": (jobs.ProblemReportEmail, _problem_report_email),
    "refund_receipt": (jobs.RefundReceipt, _refund_receipt),
    "outside_refund": (jobs.OutsideRefund, _outside_refund),
    "dispute": (jobs.DisputeEmail, _dispute),
    "early_fraud_warning": (jobs.EarlyFraudWarning, _early_fraud_warning),
    "micro_deposits_arrived": (jobs.BankAccountEmail, _bank_account_email),
    "bank_unverified": (jobs.BankAccountEmail, _bank_account_email),
    "ach_status": (jobs.BankAccountEmail, _bank_account_email),
    "billing_email_confirmation": (jobs.BillingEmailConfirmation, _billing_email_notice),
    "billing_email_change_requested": (jobs.BillingEmailNotice, _billing_email_notice),
    "billing_email_changed": (jobs.BillingEmailNotice, _billing_email_notice),
    "autopay_authorized": (jobs.AutopayAuthorized, _autopay_email),
    "autopay_off": (jobs.AutopayOff, _autopay_email),
    "autopay_notice": (jobs.AutopayDueNotice, _autopay_email),
    "autopay_too_late": (jobs.AutopayDueNotice, _autopay_email),
    "autopay_failed": (jobs.PaymentEmail, _autopay_email),
}


def send_job_email(record: SQSRecord) -> None:
    message = json.loads(record.body)
    kind = message.get("kind", "receipt")
    if kind not in SENDERS:
        logger.error("unknown email job kind", extra={"kind": kind})
        return
    record_type, send = SENDERS[kind]
    job = record_type.from_message({**message, "kind": kind})
    try:
        outcome = send(job, merchant.from_environment(), os.environ.get("MERCHANT_EMAIL", ""))
    except AlreadySent:
        outcome = "already_sent"
    if outcome == "sent":
        metrics.add_metric(name="ReceiptSent" if kind == "receipt" else "NoticeSent", unit=MetricUnit.Count, value=1)


handler = sqs_entry(send_job_email)
