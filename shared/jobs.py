"""The one queue port: a job is a dict with a "kind" (see functions/send_receipt), handed to an `Enqueue`. In
Lambda that is shared.notify.enqueue_job (SQS); in service tests a list's append. Every service that queues
takes it as a required argument, so a forgotten wiring fails loudly instead of dropping emails. Pure."""

from collections.abc import Callable

Enqueue = Callable[[dict], None]

# Kinds the notice worker sends besides a payment's (receipt, receipt_resend, ach_initiated, payment_failed: see
# shared/services/notices.py), named here so that it loads each kind's sender on its first job only.
INVOICE_KINDS = ("reminder", "overdue", "extension_requested", "extension_decided")
PROBLEM_REPORT = "problem_report"
MONEY_BACK_KINDS = ("refund_receipt", "dispute", "overpayment", "outside_refund", "early_fraud_warning")
AUTOPAY_KINDS = ("autopay_authorized", "autopay_off", "autopay_notice", "autopay_too_late", "autopay_failed")
# Bank-transfer account notices (shared/services/ach_account_notices.py): the client's micro-deposits arrived; to
# the merchant, the processor suspended, deactivated or reactivated a client, or unverified its bank.
ACH_ACCOUNT_KINDS = ("micro_deposits_arrived", "bank_unverified", "ach_status")
# A billing email change (shared/services/billing_email.py): the link to the new address, the notices to the old.
ACCOUNT_KINDS = ("billing_email_confirmation", "billing_email_change_requested", "billing_email_changed")


def payment_job(client_id: str, payment_id: str, kind: str) -> dict:
    """An email about a payment (receipt, ach_initiated, payment_failed, overpayment)."""
    return {"client_id": client_id, "payment_id": payment_id, "kind": kind}


def account_job(client_id: str, kind: str, event_key: str, **fields: str) -> dict:
    """An ACH account notice, sent once per processor event (`event_key`)."""
    return {"client_id": client_id, "kind": kind, "event_key": event_key, **fields}
