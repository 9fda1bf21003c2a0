"""DynamoDB records through PynamoDB. Key design (see docs/money.md, "Data model"):

- every client-facing table is keyed by client_id first, so a read with another client's id finds nothing
  (404 by construction, no existence leak) and every list is a Query on one partition, never a Scan;
- Invoice and Payment carry a version number: every state change is a conditional write on it;
- ProcessedEvent records each webhook event id inside the same transaction as the change it caused.
"""

import os
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from shared.aws.dynamodb import connection

if TYPE_CHECKING:
    from pynamodb.attributes import Attribute
    from pynamodb.constants import NUMBER

    class NumberAttribute(Attribute[int]):
        """For the type checker only: PynamoDB types a number as float, but every number stored here is an
        integer (cents, counts, epoch seconds) and reads back as int (json.loads), so the models say int.
        A list of plain values is `ListAttribute[str](of=UnicodeAttribute)`: PynamoDB types `of` as the
        element's own type rather than its attribute class, hence the `type: ignore[arg-type]` on those."""

        attr_type = NUMBER
else:
    from pynamodb.attributes import NumberAttribute


class _Table(Model):
    """A model whose table is reached through the process's one connection (shared/aws/dynamodb.py)."""

    @classmethod
    def _get_connection(cls):
        table = super()._get_connection()
        shared = connection()
        if table.connection is not shared:  # once per model class: keep its key schema, drop its own session
            if table.table_name not in shared._tables:  # two models may share a table (invoices and journals)
                shared.add_meta_table(table.connection.get_meta_table(table.table_name))
            table.connection = shared
        return table


def register_table(table_name: str) -> None:
    """Give the shared connection the key schema of `table_name`, from the first model stored there (Invoice, for
    the table it shares with JournalItem)."""
    for model in _Table.__subclasses__():
        if model.Meta.table_name == table_name:
            model._get_connection()
            return


def _meta(env_var: str, default: str) -> Any:  # PynamoDB reads it as its MetaProtocol, which lists more
    class Meta:
        table_name = os.environ.get(env_var, default)
        region = os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        # Endpoint: None lets botocore honour AWS_ENDPOINT_URL(_DYNAMODB) for the local stack and tests.
        host = os.environ.get("DYNAMODB_ENDPOINT_URL") or None

    return Meta


class ClientsByStripeCustomer(GlobalSecondaryIndex):
    """Stripe's payment_method.* events name the customer, not our client."""

    class Meta:
        index_name = "by-stripe-customer"
        projection = AllProjection()

    stripe_customer_id = UnicodeAttribute(hash_key=True)


class AutopayAuthorization(MapAttribute):
    """A client's standing authorization to pay its invoices automatically (shared/domain/autopay.py): the exact words
    accepted, when, and the saved method they name. Regulation E (12 CFR 1005.10(b)) and NACHA's WEB rules: a
    recurring debit needs the consumer's authorization, similarly authenticated, a copy to the consumer, and a
    record kept two years after it ends (the last one ended stays as `autopay_previous`; every payment made under
    it keeps the text too)."""

    payment_method_id = UnicodeAttribute()
    method_type = UnicodeAttribute()  # card | bank_account
    method_label = UnicodeAttribute()  # "Visa ending in 4242", shown and emailed
    text = UnicodeAttribute()  # exactly the words shown and accepted
    authorized_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)  # client | method_removed | method_expired | method_unusable


class ClientsByAchCustomer(GlobalSecondaryIndex):
    """The ACH processor's customer events (suspended, deactivated, activated) name its customer, not our client."""

    class Meta:
        index_name = "by-ach-customer"
        projection = AllProjection()

    ach_customer_id = UnicodeAttribute(hash_key=True)


class Client(_Table):
    Meta = _meta("CLIENTS_TABLE", "portal-clients")
    client_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    billing_email = UnicodeAttribute()
    stripe_customer_id = UnicodeAttribute(null=True)
    due_date_reminders = BooleanAttribute(default=True)
    reminder_days_before = ListAttribute[int](of=NumberAttribute, default=lambda: [7, 1])  # type: ignore[arg-type]
    # The one default method is a pointer here rather than a flag on each method: changing it is one write.
    default_payment_method_id = UnicodeAttribute(null=True)
    by_stripe_customer = ClientsByStripeCustomer()
    # Overpayments kept for the client, in cents. Only ever changed by atomic ADD, so no version number.
    credit_balance = NumberAttribute(default=0)
    ach_customer_id = UnicodeAttribute(null=True)  # the ACH processor's customer
    autopay = AutopayAuthorization(null=True)  # None: the client pays each invoice itself
    autopay_previous = AutopayAuthorization(null=True)  # the last authorization that ended, with when and why
    by_ach_customer = ClientsByAchCustomer()
    # The ACH customer's status when the processor restricted it (suspended | deactivated; None: it may send), and
    # when that was last read from the processor (unix ms): an older read never overwrites a newer one.
    ach_status = UnicodeAttribute(null=True)
    ach_status_read_at = NumberAttribute(null=True)
    # A business: its processor customer carries `name` as businessName, and contact_name (the person who pays
    # for it, when known) as the customer's first and last name.
    business = BooleanAttribute(default=False)
    contact_name = UnicodeAttribute(null=True)
    # A billing email change waiting for the new address to confirm it (shared/services/billing_email.py): the
    # address, the SHA-256 of the single-use token its link carries (the token itself is only in that email),
    # when the link expires and when the change was asked for (epoch seconds).
    pending_billing_email = UnicodeAttribute(null=True)
    billing_email_token_hash = UnicodeAttribute(null=True)
    billing_email_token_expires_at = NumberAttribute(null=True)
    billing_email_requested_at = NumberAttribute(null=True)


class LineItem(MapAttribute):
    description = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_amount = NumberAttribute()
    amount = NumberAttribute()


class InvoicesByStatus(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    status_key = UnicodeAttribute(range_key=True)  # "<status>#<issued_date>#<invoice_id>"


class InvoicesByOpenDueDate(GlobalSecondaryIndex):
    """Sparse: only invoices with money still owed carry open_due_date, so the daily due-date job reads the
    invoices due on a day and never the paid or void history."""

    class Meta:
        index_name = "by-open-due-date"
        projection = AllProjection()

    open_due_date = UnicodeAttribute(hash_key=True)
    invoice_id = UnicodeAttribute(range_key=True)


class InvoicesByIssued(LocalSecondaryIndex):
    """Sparse: invoice items only (their journal entries share the partition), newest issued first."""

    class Meta:
        index_name = "by-issued"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    issued_key = UnicodeAttribute(range_key=True)  # "<issued_date>#<invoice_id>"


class InvoicesByExtensionRequest(GlobalSecondaryIndex):
    """The merchant decides an extension request by its id alone."""

    class Meta:
        index_name = "by-extension-request"
        projection = AllProjection()

    extension_request_id = UnicodeAttribute(hash_key=True)


class LateFeePolicy(MapAttribute):
    kind = UnicodeAttribute()  # none | flat | percent
    amount = NumberAttribute(default=0)  # flat: cents
    basis_points = NumberAttribute(default=0)  # percent: 150 = 1.5% of the unpaid balance
    grace_days = NumberAttribute(default=0)


class ExtensionRequest(MapAttribute):
    extension_request_id = UnicodeAttribute()
    requested_due_date = UnicodeAttribute()
    previous_due_date = UnicodeAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | approved | declined
    created_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)  # the merchant's words with the answer, emailed and shown to the client


class Installment(MapAttribute):
    amount = NumberAttribute()  # cents
    due_date = UnicodeAttribute()  # YYYY-MM-DD, strictly after the one before


class PaymentPlan(MapAttribute):
    """The merchant's split of an invoice's balance into installments (shared/domain/payment_plans.py), at most
    MAX_INSTALLMENTS so the invoice item stays small. What each installment still owes is derived from the
    invoice's money, never stored: a payment covers the installments in date order."""

    installments = ListAttribute(of=Installment)
    base = NumberAttribute()  # paid or in flight when the plan was made: the installments count from there
    created_at = UnicodeAttribute()


class AutopayNotice(MapAttribute):
    """The advance notice of an autopay charge, as emailed (Regulation E 1005.10(d): the amount and the date, at
    least 10 days before): the charge may not take more than it said, nor come before its date."""

    due_date = UnicodeAttribute()  # the invoice's (or the installment's) due date the charge pays
    charge_date = UnicodeAttribute()  # the first try; retries follow on set days after it
    amount = NumberAttribute()
    sent_on = UnicodeAttribute()  # the day the notice was recorded and its email queued
    method_label = UnicodeAttribute()


class Invoice(_Table):
    Meta = _meta("INVOICES_TABLE", "portal-invoices")
    client_id = UnicodeAttribute(hash_key=True)
    invoice_id = UnicodeAttribute(range_key=True)
    number = UnicodeAttribute()
    currency = UnicodeAttribute(default="usd")
    total = NumberAttribute()
    fees = NumberAttribute(default=0)
    amount_paid = NumberAttribute(default=0)
    amount_pending = NumberAttribute(default=0)
    card_fees = NumberAttribute(default=0)  # card fees paid with credit card payments (never owed: README "Card fees")
    # The balances above are a projection of the invoice's journal entries, which are items of their own
    # beside it (JournalItem): the invoice's size never depends on its history (docs/money.md, "The books").
    entry_count = NumberAttribute(default=0)  # entries written so far: the next one's sequence number
    issued_date = UnicodeAttribute()
    issued_key = UnicodeAttribute(null=True)  # "<issued_date>#<invoice_id>" (see InvoicesByIssued)
    due_date = UnicodeAttribute()
    allow_partial = BooleanAttribute(default=False)
    minimum_payment = NumberAttribute(default=0)
    line_items = ListAttribute(of=LineItem, default=list)
    status = UnicodeAttribute()
    status_key = UnicodeAttribute()
    # The one unconfirmed card payment the client may still confirm; a new payment replaces it.
    open_payment_id = UnicodeAttribute(null=True)
    open_due_date = UnicodeAttribute(null=True)  # = due_date while money is owed (see InvoicesByOpenDueDate)
    late_fee_policy = LateFeePolicy(null=True)  # None: the merchant's default policy
    late_fee_period = UnicodeAttribute(null=True)  # the due date a late fee was last charged for
    extension_request = ExtensionRequest(null=True)
    extension_request_id = UnicodeAttribute(null=True)  # set while a request exists (see the index)
    request_fingerprint = UnicodeAttribute(null=True)  # back-office creation: same key + same body = replay
    payment_plan = PaymentPlan(null=True)
    autopay_notices = ListAttribute(of=AutopayNotice, null=True)  # the recent ones (bounded: see shared/autopay)
    version = VersionAttribute()
    by_status = InvoicesByStatus()
    by_issued = InvoicesByIssued()
    by_open_due_date = InvoicesByOpenDueDate()
    by_extension_request = InvoicesByExtensionRequest()


class JournalItem(_Table):
    """One journal entry as stored (the entry itself is shared/books/ledger.py's `Entry`, which says what each
    kind moves): an immutable item of its own in the invoices table beside its invoice, same partition, sort key
    "<invoice_id>#<sequence>", so one Query reads an invoice with the start of its history, and the entries of a
    change are written in the transaction that changes the balances."""

    Meta = _meta("INVOICES_TABLE", "portal-invoices")
    client_id = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True, attr_name="invoice_id")  # "<invoice_id>#<sequence, 9 digits>"
    kind = UnicodeAttribute()
    amount = NumberAttribute()  # cents moved, > 0, from the kind's first account to its second
    key = UnicodeAttribute()  # the event it came from
    at = UnicodeAttribute()
    payment_id = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)


class PaymentsByCreated(LocalSecondaryIndex):
    class Meta:
        index_name = "by-created"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)  # "<created_at>#<payment_id>"


class PaymentsByInvoice(LocalSecondaryIndex):
    class Meta:
        index_name = "by-invoice"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    invoice_key = UnicodeAttribute(range_key=True)  # "<invoice_id>#<created_at>#<payment_id>"


class RefundSummary(MapAttribute):
    """A refund as the payment shows it (the Refund item is the record; this copy is written in the same
    transaction, so reading a payment needs no second query)."""

    refund_id = UnicodeAttribute()
    amount = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()


class ReportSummary(MapAttribute):
    problem_report_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()


class DisputeRecord(MapAttribute):
    """The payment's card dispute as Stripe last reported it, and the money it moved (shared/dispute_states)."""

    dispute_id = UnicodeAttribute()
    status = UnicodeAttribute()  # Stripe's dispute status
    status_at = NumberAttribute()
    withdrawn = NumberAttribute(null=True)  # cents Stripe withdrew (None: not yet)
    reinstated = NumberAttribute(null=True)  # cents Stripe gave back (None: not yet)


class AchAuthorization(MapAttribute):
    """The debit authorization the client accepted, kept with the payment (NACHA: WEB debits need a record of
    the authorization the consumer gave, retained two years)."""

    text = UnicodeAttribute()  # exactly the words shown and accepted
    accepted_at = UnicodeAttribute()
    payment_method_id = UnicodeAttribute()  # the saved bank account debited
    bank_name = UnicodeAttribute(null=True)
    bank_last4 = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()


class AutopayAttempt(MapAttribute):
    """What an autopay payment was for: its id and the processor's idempotency key are derived from (invoice,
    due date, day tried), so one charge per invoice or installment and day, whatever runs twice or at once."""

    due_date = UnicodeAttribute()  # the invoice's or installment's due date it pays
    charge_date = UnicodeAttribute()  # the notice's first day; this try may be a retry after it
    tried_on = UnicodeAttribute()
    attempt = NumberAttribute()  # 1, then at most two retries


class PaymentsNeedingAttention(GlobalSecondaryIndex):
    """Sparse: only payments a person should look at carry `attention` (shared/domain/attention.py), set and cleared by the
    books' unit of work in the write that changes them; the console's list of what needs a person reads it."""

    class Meta:
        index_name = "needs-attention"
        projection = AllProjection()

    attention = UnicodeAttribute(hash_key=True)  # the reason: dispute | credit
    created_key = UnicodeAttribute(range_key=True)


class Allocation(MapAttribute):
    """One invoice's share of a payment that pays several invoices (or carries a card fee): shared/domain/allocations.py."""

    invoice_id = UnicodeAttribute()
    invoice_number = UnicodeAttribute()
    amount = NumberAttribute()  # cents it pays on the invoice: that invoice's balance when the payment started
    card_fee = NumberAttribute(default=0)  # cents of card fee charged on that amount


class PaymentsById(GlobalSecondaryIndex):
    """Back-office routes name a payment by its id alone."""

    class Meta:
        index_name = "by-payment-id"
        projection = AllProjection()

    payment_id = UnicodeAttribute(hash_key=True)


class PaymentsByProcessorId(GlobalSecondaryIndex):
    """Disputes and refunds arrive naming the processor's payment (PaymentIntent id or transfer URL)."""

    class Meta:
        index_name = "by-processor-payment-id"
        projection = AllProjection()

    processor_payment_id = UnicodeAttribute(hash_key=True)


class PaymentsUnsettled(GlobalSecondaryIndex):
    """Sparse: only payments still pending or processing carry `unsettled`, so reconciliation reads those."""

    class Meta:
        index_name = "unsettled"
        projection = AllProjection()

    unsettled = UnicodeAttribute(hash_key=True)  # always "unsettled" while it exists
    created_key = UnicodeAttribute(range_key=True)


class Payment(_Table):
    Meta = _meta("PAYMENTS_TABLE", "portal-payments")
    client_id = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute(range_key=True)
    invoice_id = UnicodeAttribute()
    invoice_number = UnicodeAttribute(null=True)  # copied at creation: history needs no join (None: older records)
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    method = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    succeeded_at = UnicodeAttribute(null=True)
    failure_code = UnicodeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    failure_at = NumberAttribute(null=True)
    card_brand = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    bank_name = UnicodeAttribute(null=True)
    bank_last4 = UnicodeAttribute(null=True)
    processor = UnicodeAttribute()  # stripe | ach
    processor_payment_id = UnicodeAttribute(null=True)
    processor_method_id = UnicodeAttribute(null=True)
    save_payment_method = BooleanAttribute(default=False)
    request_fingerprint = UnicodeAttribute()
    # When the last receipt went out (shown as receipt_sent; the email ledger is what sends each email once).
    receipt_sent_at = UnicodeAttribute(null=True)
    created_key = UnicodeAttribute()
    invoice_key = UnicodeAttribute()
    unsettled = UnicodeAttribute(null=True)  # "unsettled" while pending/processing (see PaymentsUnsettled)
    attention = UnicodeAttribute(null=True)  # why a person should look at it, if anyone should (see the index)
    processor_idempotency_key = UnicodeAttribute(null=True)  # reconciliation re-asks the processor with it
    # This payment's dimension of the books: account -> cents (shared/books/ledger.py PaymentBalances).
    balances: "MapAttribute[str, int]" = MapAttribute(default=dict)  # raw: account names are data, not a schema
    refund_pending_amount = NumberAttribute(default=0)  # refunds asked for and not yet final
    open_report_kinds = ListAttribute[str](of=UnicodeAttribute, default=list)  # type: ignore[arg-type]  # one open problem report per kind
    refunds = ListAttribute(of=RefundSummary, default=list)
    problem_reports = ListAttribute(of=ReportSummary, default=list)
    dispute = DisputeRecord(null=True)
    ach_authorization = AchAuthorization(null=True)
    autopay = AutopayAttempt(null=True)  # an autopay charge (None: the client paid from the portal)
    status_checked_at = NumberAttribute(null=True)  # unix s: when GET /payments/{id} last asked the processor
    receipt_resent_at = NumberAttribute(null=True)  # unix s: the last receipt the client asked to resend
    # A payment of several invoices (POST /payments): every invoice's share, in order of allocation; the first is
    # also `invoice_id`, so the indexes, the processors' metadata and every reader of one payment's invoice work
    # unchanged. The other invoices find it through a PaymentLink each (docs/several-invoices-and-card-fees.md).
    allocations = ListAttribute(of=Allocation, null=True)
    card_fee = NumberAttribute(null=True)  # cents of card fee (a credit card surcharge) in `amount`; None: none
    card_funding = UnicodeAttribute(null=True)  # Stripe's card.funding when the fee was decided: credit, debit, ...
    version = VersionAttribute()
    by_created = PaymentsByCreated()
    by_invoice = PaymentsByInvoice()
    by_payment_id = PaymentsById()
    by_processor_id = PaymentsByProcessorId()
    unsettled_index = PaymentsUnsettled()
    needs_attention = PaymentsNeedingAttention()

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        """Every invoice this payment pays, in order of allocation (the first is `invoice_id`)."""
        return tuple(a.invoice_id for a in self.allocations) if self.allocations else (self.invoice_id,)

    def balance_map(self) -> dict[str, int]:
        raw = self.balances
        values = raw.as_dict() if isinstance(raw, MapAttribute) else (raw or {})
        return {name: int(cents) for name, cents in values.items()}

    @property
    def refunded_amount(self) -> int:
        """Refunds that succeeded, cents (a projection of the journal, like every balance)."""
        return self.balance_map().get("refunds", 0)

    @property
    def credited_amount(self) -> int:
        """The part of this payment kept as the client's credit, cents."""
        return self.balance_map().get("credit", 0)


class PaymentLink(_Table):
    """A payment of several invoices, listed with each invoice after its first: an item in the payments table whose
    sort key is "<payment_id>#<invoice_id>" and whose `invoice_key` puts it in that invoice's by-invoice index (the
    payment itself carries the first invoice's). Readers of an invoice's payments swap it for the payment
    (shared/aws/payment_links.py). It has no created_key, so GET /payments lists each payment once."""

    Meta = _meta("PAYMENTS_TABLE", "portal-payments")
    client_id = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute(range_key=True)  # "<payment_id>#<invoice_id>"
    invoice_id = UnicodeAttribute()
    invoice_key = UnicodeAttribute()  # "<invoice_id>#<created_at>#<payment_id>", as a payment's own


class PaymentMethodsByProcessorId(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-processor-id"
        projection = AllProjection()

    processor_method_id = UnicodeAttribute(hash_key=True)


class PaymentMethodsAwaitingVerification(GlobalSecondaryIndex):
    """Sparse: only bank accounts waiting for their micro-deposits carry `awaiting_verification`, so reconciliation
    reads those (and refreshes them from the processor when an event was lost)."""

    class Meta:
        index_name = "awaiting-verification"
        projection = AllProjection()

    awaiting_verification = UnicodeAttribute(hash_key=True)  # always "bank" while it exists
    created_at = UnicodeAttribute(range_key=True)


class SavedPaymentMethod(_Table):
    """A saved card (Stripe PaymentMethod) or bank account: processor ids and display fields only."""

    Meta = _meta("PAYMENT_METHODS_TABLE", "portal-payment-methods")
    client_id = UnicodeAttribute(hash_key=True)
    payment_method_id = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()  # card | bank_account
    processor = UnicodeAttribute()  # stripe | ach
    processor_method_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    card_brand = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    card_exp_month = NumberAttribute(null=True)
    card_exp_year = NumberAttribute(null=True)
    bank_name = UnicodeAttribute(null=True)
    bank_account_type = UnicodeAttribute(null=True)
    bank_last4 = UnicodeAttribute(null=True)
    bank_status = UnicodeAttribute(null=True)  # verification_pending | verified | verification_failed
    verification_attempts = NumberAttribute(default=0)  # wrong micro-deposit answers so far (atomic ADD)
    awaiting_verification = UnicodeAttribute(null=True)  # "bank" while verification_pending (the sparse index)
    verify_again = BooleanAttribute(null=True)  # the processor unverified it after a return: new micro-deposits
    by_processor_id = PaymentMethodsByProcessorId()
    awaiting_index = PaymentMethodsAwaitingVerification()


class RefundsByProcessorId(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-processor-refund-id"
        projection = AllProjection()

    processor_refund_id = UnicodeAttribute(hash_key=True)


class RefundsByPayment(LocalSecondaryIndex):
    class Meta:
        index_name = "by-payment"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    payment_key = UnicodeAttribute(range_key=True)  # "<payment_id>#<created_at>#<refund_id>"


class RefundsByStatus(GlobalSecondaryIndex):
    """Reconciliation reads the refunds still pending (an ACH credit transfer whose event was lost)."""

    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class Refund(_Table):
    """Money sent back for a payment: its own line in the payment history."""

    Meta = _meta("REFUNDS_TABLE", "portal-refunds")
    client_id = UnicodeAttribute(hash_key=True)
    refund_id = UnicodeAttribute(range_key=True)
    payment_id = UnicodeAttribute()
    invoice_id = UnicodeAttribute()
    invoice_ids = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # its payment's invoices, when several
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute()
    correction = BooleanAttribute(default=False)  # an overcharge correction: the invoice stays paid
    origin = UnicodeAttribute(default="portal")  # portal | stripe (made in Stripe's Dashboard or by Stripe)
    status = UnicodeAttribute()  # pending | succeeded | failed
    created_at = UnicodeAttribute()
    processor_refund_id = UnicodeAttribute(null=True)
    request_fingerprint = UnicodeAttribute()
    payment_key = UnicodeAttribute()
    receipt_status = UnicodeAttribute(default="none")
    version = VersionAttribute()
    by_processor_id = RefundsByProcessorId()
    by_payment = RefundsByPayment()
    by_status = RefundsByStatus()


class ProblemReportsById(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-report-id"
        projection = AllProjection()

    problem_report_id = UnicodeAttribute(hash_key=True)


class ProblemReportsByPayment(LocalSecondaryIndex):
    class Meta:
        index_name = "by-payment"
        projection = AllProjection()

    client_id = UnicodeAttribute(hash_key=True)
    payment_key = UnicodeAttribute(range_key=True)  # "<payment_id>#<created_at>#<problem_report_id>"


class ProblemReport(_Table):
    """A client's report that a payment is wrong (amount, double charge, not recognized, other)."""

    Meta = _meta("PROBLEM_REPORTS_TABLE", "portal-problem-reports")
    client_id = UnicodeAttribute(hash_key=True)
    problem_report_id = UnicodeAttribute(range_key=True)
    payment_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # wrong_amount | double_charge | not_recognized | other
    message = UnicodeAttribute()
    status = UnicodeAttribute()  # open | resolved
    created_at = UnicodeAttribute()
    resolved_at = UnicodeAttribute(null=True)
    resolution = UnicodeAttribute(null=True)
    payment_key = UnicodeAttribute()
    by_id = ProblemReportsById()
    by_payment = ProblemReportsByPayment()


class ProcessedEvent(_Table):
    """Webhook event ids (recorded with the change they caused), tombstones, and the ledger of every email
    ("receipt:<client>:<payment>", "reminder:<client>:<invoice>:<date>", ...), claimed before sending."""

    Meta = _meta("EVENTS_TABLE", "portal-processed-events")
    event_id = UnicodeAttribute(hash_key=True)  # "<source>:<processor event id>"
    event_type = UnicodeAttribute()
    processed_at = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # ledger entries: sending | sent
    claimed_until = NumberAttribute(null=True)
    expires_at = TTLAttribute()  # kept well past the processors' retry windows (Stripe: 3 days)
