"""Notice worker: SQS jobs -> one email each, sent at most once.

Payment jobs {"client_id", "payment_id", "kind"}: receipt (also a job without a kind), receipt_resend (with
"resend_at", when the client asked), ach_initiated, payment_failed. Invoice jobs {"client_id", "invoice_id", "kind", ...}: reminder, overdue,
extension_requested (to the merchant), extension_decided. Problem report jobs {"kind": "problem_report",
"client_id", "payment_id", "problem_report_id"} (to the merchant). Refund receipts {"kind": "refund_receipt",
"client_id", "refund_id"}; dispute notices {"kind": "dispute", "client_id", "payment_id", "dispute_id",
"phase"}, overpayment flags {"kind": "overpayment", "client_id", "payment_id"}, refunds made outside the portal
{"kind": "outside_refund", "client_id", "refund_id"} and early fraud warnings {"kind": "early_fraud_warning",
"client_id", "payment_id", "warning_id", "fraud_type", "actionable", "refund_id"} (to the merchant). Bank-account
notices {"kind": "micro_deposits_arrived" (to the client) | "bank_unverified" | "ach_status" (to the merchant),
"client_id", "event_key", ...}. A billing email change {"kind": "billing_email_confirmation", "client_id", "token"}
(to the new address), {"kind": "billing_email_change_requested" | "billing_email_changed", "client_id", "change",
"previous"?} (to the old one). Autopay's emails (shared/services/autopay_notices.py): autopay_authorized and
autopay_off {"client_id", "authorized_at", ...}, autopay_notice and autopay_too_late {"client_id", "invoice_id",
"due_date"}, autopay_failed {"client_id", "payment_id"}.

Failed records are reported back to SQS (partial batch response), retried, then kept in the DLQ.
"""

import json
import os

from aws_lambda_powertools.metrics import MetricUnit

from shared import clock, merchant
from shared.jobs import (ACCOUNT_KINDS, ACH_ACCOUNT_KINDS, AUTOPAY_KINDS, INVOICE_KINDS, MONEY_BACK_KINDS,
                         PROBLEM_REPORT)
from shared.notify import send_email
from shared.processors.factory import card_processor
from shared.services.email_ledger import AlreadySent
from shared.services.notices import send_notice
from shared.sqs_entry import SQSRecord, sqs_entry
from shared.web import metrics


def _card_details(payment_method_id: str):
    return card_processor().card_details(payment_method_id)


def _send(job: dict, kind: str) -> str:
    shop, merchant_email = merchant.from_environment(), os.environ.get("MERCHANT_EMAIL", "")
    if kind in INVOICE_KINDS:
        from shared.services.invoice_notices import send_invoice_notice

        return send_invoice_notice(job, merchant=shop, merchant_email=merchant_email, send=send_email,
                                   today=clock.today())
    if kind in AUTOPAY_KINDS:
        from shared.services.autopay_notices import send_autopay_notice

        return send_autopay_notice(job, merchant=shop, send=send_email, today=clock.today())
    if kind == PROBLEM_REPORT:
        from shared.services.problem_reports import send_report_notice

        return send_report_notice(job, merchant=shop, merchant_email=merchant_email, send=send_email)
    if kind in ACH_ACCOUNT_KINDS:
        from shared.services.ach_account_notices import send_account_notice as send_bank_notice

        return send_bank_notice(job, merchant=shop, merchant_email=merchant_email, send=send_email)
    if kind in ACCOUNT_KINDS:
        from shared.services.account_notices import send_account_notice

        return send_account_notice(job, merchant=shop, send=send_email)
    if kind in MONEY_BACK_KINDS:
        from shared.services import money_back_notices

        if kind == "refund_receipt":
            return money_back_notices.send_refund_receipt(job, merchant=shop, send=send_email)
        if kind == "dispute":
            return money_back_notices.send_dispute_notice(job, merchant=shop, merchant_email=merchant_email,
                                                          send=send_email)
        if kind == "outside_refund":
            return money_back_notices.send_outside_refund_notice(job, merchant=shop, merchant_email=merchant_email,
                                                                 send=send_email)
        if kind == "early_fraud_warning":
            return money_back_notices.send_early_fraud_warning(job, merchant=shop, merchant_email=merchant_email,
                                                               send=send_email)
        return money_back_notices.send_overpayment_flag(job, merchant=shop, merchant_email=merchant_email,
                                                        send=send_email)
    return send_notice(kind, job["client_id"], job["payment_id"], merchant=shop, send=send_email,
                       card_details=_card_details, resend_at=job.get("resend_at"))


def record_handler(record: SQSRecord) -> None:
    job = json.loads(record.body)
    kind = job.get("kind", "receipt")
    try:
        outcome = _send(job, kind)
    except AlreadySent:
        outcome = "already_sent"
    if outcome == "sent":
        metrics.add_metric(name="ReceiptSent" if kind == "receipt" else "NoticeSent", unit=MetricUnit.Count,
                           value=1)


handler = sqs_entry(record_handler)
