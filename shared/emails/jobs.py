"""The one queue port and its jobs. A job is an email to send, one typed record per kind (below); on the queue it is
its `message()`, a JSON object with a "kind" (a message without one is a receipt). The email worker
(functions/email_worker) turns a message back into its record and hands it to the kind's sender.

An `Enqueue` takes a job's message: in Lambda shared.aws.notify.enqueue_job (SQS); in service tests a list's append.
Every service that queues takes it as a required argument, so a forgotten wiring fails loudly instead of dropping
emails. Pure."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Self

Enqueue = Callable[[dict], None]


@dataclass(frozen=True, kw_only=True)
class Job:
    """`KINDS`: the kinds this record carries (those of the same fields share one record)."""

    KINDS: ClassVar[tuple[str, ...]]
    kind: str
    client_id: str

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"{type(self).__name__} is not a {self.kind} job")

    @classmethod
    def from_message(cls, message: dict) -> Self:
        """A message as queued; a field this record does not have is left out (an older or newer producer's)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in message.items() if name in names})

    def message(self) -> dict:
        """The JSON object queued; an optional field left out is not sent (as the producers always did)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if not (f.default is None and getattr(self, f.name) is None)
        }


@dataclass(frozen=True, kw_only=True)
class PaymentEmail(Job):
    """To the client about a payment (receipt, bank transfer started, declined or returned, autopay's charge
    failed), or to the merchant: an overpayment kept as credit."""

    KINDS = ("receipt", "ach_initiated", "payment_failed", "overpayment", "autopay_failed")
    payment_id: str


@dataclass(frozen=True, kw_only=True)
class ReceiptResend(Job):
    """A receipt again, asked for by the client at `resend_at` (epoch seconds): its own email."""

    KINDS = ("receipt_resend",)
    payment_id: str
    resend_at: int


@dataclass(frozen=True, kw_only=True)
class Reminder(Job):
    """A due-date reminder, decided on the day `on` (ISO date)."""

    KINDS = ("reminder",)
    invoice_id: str
    on: str


@dataclass(frozen=True, kw_only=True)
class OverdueNotice(Job):
    """The invoice (or its installment due on `due_date`) is overdue."""

    KINDS = ("overdue",)
    invoice_id: str
    due_date: str


@dataclass(frozen=True, kw_only=True)
class ExtensionEmail(Job):
    """A later due date asked for (to the merchant), or the merchant's answer (to the client)."""

    KINDS = ("extension_requested", "extension_decided")
    invoice_id: str
    extension_request_id: str


@dataclass(frozen=True, kw_only=True)
class ProblemReportEmail(Job):
    """A client reported a problem with a payment (to the merchant)."""

    KINDS = ("problem_report",)
    payment_id: str
    problem_report_id: str


PROBLEM_REPORT = ProblemReportEmail.KINDS[0]


@dataclass(frozen=True, kw_only=True)
class RefundReceipt(Job):
    KINDS = ("refund_receipt",)
    refund_id: str
    invoice_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class OutsideRefund(Job):
    """A refund made in Stripe's dashboard, counted like the portal's (to the merchant)."""

    KINDS = ("outside_refund",)
    refund_id: str


@dataclass(frozen=True, kw_only=True)
class DisputeEmail(Job):
    """A dispute's `phase` (opened, won, lost, withdrawn, reinstated...) and the `amount` it moved (to the
    merchant)."""

    KINDS = ("dispute",)
    payment_id: str
    dispute_id: str
    phase: str
    invoice_id: str | None = None
    amount: int | None = None


@dataclass(frozen=True, kw_only=True)
class EarlyFraudWarning(Job):
    """Stripe's early fraud warning on a card payment, and the refund it led to if any (to the merchant)."""

    KINDS = ("early_fraud_warning",)
    payment_id: str
    warning_id: str
    fraud_type: str = "unknown"
    actionable: bool = False
    refund_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class BankAccountEmail(Job):
    """A bank-account notice, sent once per processor event (`event_key`): the client's micro-deposits arrived;
    to the merchant, the processor suspended, deactivated or reactivated a client (`status`, `was`), or
    unverified its bank."""

    KINDS = ("micro_deposits_arrived", "bank_unverified", "ach_status")
    event_key: str
    payment_method_id: str | None = None
    status: str | None = None
    was: str | None = None


@dataclass(frozen=True, kw_only=True)
class BillingEmailConfirmation(Job):
    """The link that confirms a new billing email, to the new address."""

    KINDS = ("billing_email_confirmation",)
    token: str


@dataclass(frozen=True, kw_only=True)
class BillingEmailNotice(Job):
    """To the old address: a change was asked for, or made (`change`: the token's hash; `previous`: the old
    address once changed)."""

    KINDS = ("billing_email_change_requested", "billing_email_changed")
    change: str | None = None
    previous: str | None = None


@dataclass(frozen=True, kw_only=True)
class AutopayAuthorized(Job):
    KINDS = ("autopay_authorized",)
    authorized_at: str


@dataclass(frozen=True, kw_only=True)
class AutopayOff(Job):
    """Autopay ended other than by the client (`reason`), on `method`."""

    KINDS = ("autopay_off",)
    authorized_at: str
    reason: str | None = None
    method: str | None = None


@dataclass(frozen=True, kw_only=True)
class AutopayDueNotice(Job):
    """Autopay will charge the invoice's `due_date` amount, or was turned on too late to."""

    KINDS = ("autopay_notice", "autopay_too_late")
    invoice_id: str
    due_date: str


def payment_job(client_id: str, payment_id: str, kind: str) -> dict:
    """An email about a payment (receipt, ach_initiated, payment_failed, overpayment)."""
    return PaymentEmail(kind=kind, client_id=client_id, payment_id=payment_id).message()


def account_job(client_id: str, kind: str, event_key: str, **fields: str) -> dict:
    """An ACH account notice, sent once per processor event (`event_key`)."""
    return BankAccountEmail(kind=kind, client_id=client_id, event_key=event_key, **fields).message()
