"""DynamoDB records through PynamoDB. Key design (see README, "Data model"):

- every client-facing table is keyed by client_id first, so a read with another client's id finds nothing
  (404 by construction, no existence leak) and every list is a Query on one partition, never a Scan;
- Invoice and Payment carry a version number: every state change is a conditional write on it;
- ProcessedEvent records each webhook event id inside the same transaction as the change it caused.
"""

import os

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model


def _meta(env_var: str, default: str) -> type:
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


class Client(Model):
    Meta = _meta("CLIENTS_TABLE", "portal-clients")
    client_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    billing_email = UnicodeAttribute()
    stripe_customer_id = UnicodeAttribute(null=True)
    due_date_reminders = BooleanAttribute(default=True)
    reminder_days_before = ListAttribute(of=NumberAttribute, default=lambda: [7, 1])
    # The one default method is a pointer here rather than a flag on each method: changing it is one write.
    default_payment_method_id = UnicodeAttribute(null=True)
    by_stripe_customer = ClientsByStripeCustomer()
    # Overpayments kept for the client, in cents. Only ever changed by atomic ADD, so no version number.
    credit_balance = NumberAttribute(default=0)
    ach_customer_id = UnicodeAttribute(null=True)  # the ACH processor's customer


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


class Invoice(Model):
    Meta = _meta("INVOICES_TABLE", "portal-invoices")
    client_id = UnicodeAttribute(hash_key=True)
    invoice_id = UnicodeAttribute(range_key=True)
    number = UnicodeAttribute()
    currency = UnicodeAttribute(default="usd")
    total = NumberAttribute()
    fees = NumberAttribute(default=0)
    amount_paid = NumberAttribute(default=0)
    amount_pending = NumberAttribute(default=0)
    issued_date = UnicodeAttribute()
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
    version = VersionAttribute()
    by_status = InvoicesByStatus()
    by_open_due_date = InvoicesByOpenDueDate()
    by_extension_request = InvoicesByExtensionRequest()


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


class Payment(Model):
    Meta = _meta("PAYMENTS_TABLE", "portal-payments")
    client_id = UnicodeAttribute(hash_key=True)
    payment_id = UnicodeAttribute(range_key=True)
    invoice_id = UnicodeAttribute()
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
    credited_amount = NumberAttribute(default=0)  # part of this payment kept as client credit
    # Emails about this payment, each sent once: none -> sending (claimed until) -> sent.
    receipt_status = UnicodeAttribute(default="none")
    receipt_claimed_until = NumberAttribute(null=True)
    initiated_notice_status = UnicodeAttribute(default="none")  # ACH: "your payment is on its way"
    initiated_notice_claimed_until = NumberAttribute(null=True)
    failure_notice_status = UnicodeAttribute(default="none")  # ACH: failed or returned
    failure_notice_claimed_until = NumberAttribute(null=True)
    created_key = UnicodeAttribute()
    invoice_key = UnicodeAttribute()
    version = VersionAttribute()
    by_created = PaymentsByCreated()
    by_invoice = PaymentsByInvoice()


class PaymentMethodsByProcessorId(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-processor-id"
        projection = AllProjection()

    processor_method_id = UnicodeAttribute(hash_key=True)


class SavedPaymentMethod(Model):
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
    by_processor_id = PaymentMethodsByProcessorId()


class ProcessedEvent(Model):
    """Webhook event ids (recorded with the change they caused), tombstones, and the ledger of emails that
    are not about a payment ("reminder:<client>:<invoice>:<date>"), claimed before sending like receipts."""

    Meta = _meta("EVENTS_TABLE", "portal-processed-events")
    event_id = UnicodeAttribute(hash_key=True)  # "<source>:<processor event id>"
    event_type = UnicodeAttribute()
    processed_at = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # ledger entries: sending | sent
    claimed_until = NumberAttribute(null=True)
    expires_at = TTLAttribute()  # kept well past the processors' retry windows (Stripe: 3 days)
