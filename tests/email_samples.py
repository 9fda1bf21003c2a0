"""One of every email the system sends, from fixed facts, for the email tests and their screenshots."""

from shared.domain.autopay import authorization_text
from shared.domain.merchant import Merchant
from shared.emails.account_emails import render_change_requested, render_changed, render_confirmation
from shared.emails.ach_account_emails import (
    BankFacts,
    render_ach_status,
    render_bank_unverified,
    render_micro_deposits_arrived,
)
from shared.emails.ach_emails import AchFacts, render_ach_initiated, render_payment_failed
from shared.emails.autopay_emails import (
    AutopayFacts,
    ChargeFacts,
    render_authorized,
    render_failed,
    render_notice,
    render_off,
    render_too_late,
)
from shared.emails.invoice_emails import (
    InvoiceFacts,
    render_extension_decided,
    render_extension_requested,
    render_overdue,
    render_reminder,
)
from shared.emails.money_back_emails import (
    DisputeFacts,
    RefundFacts,
    WarningFacts,
    render_dispute,
    render_early_fraud_warning,
    render_outside_refund,
    render_overpayment,
    render_refund_receipt,
)
from shared.emails.receipts import ReceiptFacts, render_receipt
from shared.emails.report_emails import ReportFacts, render_problem_report

MERCHANT = Merchant(
    name="Acme Bookkeeping",
    sender_email="billing@acme.test",
    support_email="help@acme.test",
    support_phone="+1 555 0100",
    portal_url="https://portal.acme.test",
    time_zone="America/New_York",
)
PAYMENT_ID = "pay_0c1f9a7e5b2d4c8a"
REFUND_ID = "ref_77d2a1c0e9b84f31"
INVOICE = InvoiceFacts(
    to="ana@acme.test",
    client_name="Ana Archer",
    invoice_number="INV-1042",
    invoice_id="inv-1042",
    amount_due=48500,
    currency="usd",
    due_date="2026-12-10",
)
CHARGE = ChargeFacts(
    to="ana@acme.test",
    client_name="Ana Archer",
    invoice_number="INV-1042",
    invoice_id="inv-1042",
    amount=32000,
    currency="usd",
    method="Visa ending in 4242",
    charge_date="2027-01-20",
    due_date="2027-01-20",
    installment="installment 2 of 3",
    retries=("2027-01-23", "2027-01-27"),
)
ACH = AchFacts(
    to="ana@acme.test",
    client_name="Ana Archer",
    invoice_number="INV-1042",
    invoice_id="inv-1042",
    amount=48000,
    currency="usd",
    bank_name="Sandbox Test Bank",
    last4="6789",
    payment_id=PAYMENT_ID,
    created_at="2026-12-01T15:04:00.000000Z",
)
BANK = BankFacts(
    to="ana@acme.test", client_id="client-acme", client_name="Ana Archer", bank_name="Sandbox Test Bank", last4="6789"
)

# Emails to the client: no internal id may appear in them.
CLIENT_EMAILS = {
    "receipt": render_receipt(
        ReceiptFacts(
            to="ana@acme.test",
            client_name="Ana Archer",
            invoice_number="INV-1042",
            invoice_id="inv-1042",
            amount=30000,
            currency="usd",
            method_line="Visa ending in 4242",
            paid_at="2026-12-01T19:26:00.000000Z",
            invoice_total=48000,
            paid_to_date=30000,
            remaining_balance=18000,
            payment_id=PAYMENT_ID,
        ),
        MERCHANT,
    ),
    "receipt-several-invoices": render_receipt(
        ReceiptFacts(
            to="ana@acme.test",
            client_name="Ana Archer",
            invoice_number="INV-1042",
            invoice_id="inv-1042",
            amount=231750,
            currency="usd",
            method_line="Visa ending in 4242",
            paid_at="2026-12-01T19:26:00.000000Z",
            invoice_total=125000,
            paid_to_date=125000,
            remaining_balance=0,
            payment_id=PAYMENT_ID,
            invoices=(("INV-1042", 125000, 0), ("INV-1043", 100000, 0)),
            card_fee=6750,
        ),
        MERCHANT,
    ),
    "ach-initiated": render_ach_initiated(ACH, MERCHANT),
    "ach-failed": render_payment_failed(
        AchFacts(
            **{
                **ACH.__dict__,
                "failure_code": "R01",
                "failure_message": "Your bank returned the payment for insufficient funds. You can pay this invoice again by card, or with "
                "another bank account.",
            }
        ),
        MERCHANT,
    ),
    "reminder": render_reminder(INVOICE, MERCHANT, 7),
    "overdue": render_overdue(INVOICE, MERCHANT, fee_charged=0, fee_may_apply=True),
    "overdue-fee-charged": render_overdue(INVOICE, MERCHANT, fee_charged=2500, fee_may_apply=True),
    "extension-approved": render_extension_decided(INVOICE, MERCHANT, True, "2027-01-10"),
    "extension-declined": render_extension_decided(
        INVOICE, MERCHANT, False, "2027-01-10", "We need the payment by the original date; call us to talk it over."
    ),
    "autopay-authorized": render_authorized(
        AutopayFacts("ana@acme.test", "Ana Archer", "Visa ending in 4242"),
        MERCHANT,
        authorization_text(MERCHANT),
        "2026-12-01T15:04:00.000000Z",
    ),
    "autopay-notice": render_notice(CHARGE, MERCHANT),
    "autopay-failed": render_failed(
        CHARGE,
        MERCHANT,
        "Your card was declined for insufficient funds. Try another card or pay by bank transfer (ACH).",
        "2027-01-23",
    ),
    "autopay-too-late": render_too_late(
        ChargeFacts(**{**CHARGE.__dict__, "installment": None, "retries": ()}), MERCHANT
    ),
    "autopay-off": render_off(
        AutopayFacts("ana@acme.test", "Ana Archer", "Visa ending in 4242"), MERCHANT, "method_expired"
    ),
    "refund": render_refund_receipt(
        RefundFacts(
            to="ana@acme.test",
            client_name="Ana Archer",
            invoice_number="INV-1042",
            invoice_id="inv-1042",
            amount=10000,
            currency="usd",
            method_line="Visa ending in 4242",
            by_card=True,
            refund_id=REFUND_ID,
            payment_id=PAYMENT_ID,
            refunded_at="2026-12-03T14:00:00.000000Z",
            balance_after=10000,
        ),
        MERCHANT,
    ),
    "micro-deposits-arrived": render_micro_deposits_arrived(BANK, MERCHANT),
}
# Emails to the merchant's staff: they carry the ids the back office needs.
MERCHANT_EMAILS = {
    "extension-requested": render_extension_requested(
        InvoiceFacts(**{**INVOICE.__dict__, "to": "office@acme.test"}),
        MERCHANT,
        "2027-01-10",
        "Waiting on a client payment.",
        "ext_1",
    ),
    "problem-report": render_problem_report(
        ReportFacts(
            to="office@acme.test",
            problem_report_id="prb_1",
            kind="double_charge",
            message="I see this twice.",
            created_at="2026-12-02T16:00:00.000000Z",
            client_id="client-acme",
            client_name="Ana Archer",
            payment_id=PAYMENT_ID,
            invoice_number="INV-1042",
            amount=30000,
            currency="usd",
            processor="stripe",
            processor_payment_id="pi_123",
        ),
        MERCHANT,
    ),
    "dispute": render_dispute(
        DisputeFacts(
            to="office@acme.test",
            client_name="Ana Archer",
            client_id="client-acme",
            invoice_number="INV-1042",
            payment_id=PAYMENT_ID,
            processor_payment_id="pi_123",
            dispute_id="dp_1",
            amount=30000,
            currency="usd",
            phase="opened",
        ),
        MERCHANT,
    ),
    "overpayment": render_overpayment(
        "office@acme.test", "Ana Archer", "client-acme", "INV-1042", PAYMENT_ID, 5000, "usd", MERCHANT
    ),
    "outside-refund": render_outside_refund(
        "office@acme.test",
        "Ana Archer",
        "client-acme",
        "INV-1042",
        PAYMENT_ID,
        "pi_123",
        "re_123",
        10000,
        "usd",
        MERCHANT,
    ),
    "early-fraud-warning": render_early_fraud_warning(
        WarningFacts(
            to="office@acme.test",
            client_name="Ana Archer",
            client_id="client-acme",
            invoice_number="INV-1042",
            payment_id=PAYMENT_ID,
            processor_payment_id="pi_123",
            warning_id="issfr_1",
            fraud_type="unauthorized_use_of_card",
            actionable=True,
            amount=30000,
            currency="usd",
            refunded=None,
        ),
        MERCHANT,
    ),
    "early-fraud-warning-refunded": render_early_fraud_warning(
        WarningFacts(
            to="office@acme.test",
            client_name="Ana Archer",
            client_id="client-acme",
            invoice_number="INV-1042",
            payment_id=PAYMENT_ID,
            processor_payment_id="pi_123",
            warning_id="issfr_1",
            fraud_type="misc",
            actionable=True,
            amount=30000,
            currency="usd",
            refunded=30000,
        ),
        MERCHANT,
    ),
    "bank-transfers-suspended": render_ach_status(
        "office@acme.test", "client-acme", "Ana Archer", "suspended", MERCHANT
    ),
    "bank-transfers-deactivated": render_ach_status(
        "office@acme.test", "client-acme", "Ana Archer", "deactivated", MERCHANT
    ),
    "bank-transfers-available": render_ach_status("office@acme.test", "client-acme", "Ana Archer", "active", MERCHANT),
    "bank-unverified": render_bank_unverified("office@acme.test", BANK, MERCHANT),
}
# The emails about a client's bank account rather than an amount of money (no amount shown large).
BANK_ACCOUNT_EMAILS = {
    "micro-deposits-arrived",
    "bank-transfers-suspended",
    "bank-transfers-deactivated",
    "bank-transfers-available",
    "bank-unverified",
}

# Emails about the account itself (a billing email change): to the client, with no amount to show.
ACCOUNT_EMAILS = {
    "billing-email-confirmation": render_confirmation(
        "accounts@acme.test", "https://portal.acme.test/account#confirm_email=3q2-7wEXAMPLEtoken", MERCHANT
    ),
    "billing-email-change-requested": render_change_requested(
        "ana@acme.test", "Ana Archer", "accounts@acme.test", MERCHANT
    ),
    "billing-email-changed": render_changed("ana@acme.test", "Ana Archer", "accounts@acme.test", MERCHANT),
}
