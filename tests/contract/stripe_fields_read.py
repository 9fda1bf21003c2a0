"""Every field this project reads from a Stripe object, per object type: the one table that
tests/contract/test_stripe_objects.py holds against stripe-python's object classes for the pinned API
version (stripe/_payment_intent.py, _payment_method.py, _setup_intent.py, _refund.py, _charge.py,
_dispute.py, _event.py). The test also records what the webhook code really reads from each event's
object and fails on a read this table lacks, and on a handled event type EVENT_OBJECTS lacks: handling
a new event type means adding it, and the fields it reads, here.

Paths: "a.b" is field b of field a; "a[]" the elements of list a.
"""

# The object each handled event type carries in data.object (Stripe's event reference).
EVENT_OBJECTS = {
    "payment_intent.succeeded": "payment_intent",
    "payment_intent.payment_failed": "payment_intent",
    "payment_intent.processing": "payment_intent",
    "payment_intent.canceled": "payment_intent",
    "setup_intent.succeeded": "setup_intent",
    "payment_method.attached": "payment_method",
    "payment_method.detached": "payment_method",
    "payment_method.updated": "payment_method",
    "payment_method.automatically_updated": "payment_method",
    "refund.created": "refund",
    "refund.updated": "refund",
    "refund.failed": "refund",
    "charge.refunded": "charge",
    "charge.dispute.created": "dispute",
    "charge.dispute.updated": "dispute",
    "charge.dispute.funds_withdrawn": "dispute",
    "charge.dispute.funds_reinstated": "dispute",
    "charge.dispute.closed": "dispute",
    "radar.early_fraud_warning.created": "radar.early_fraud_warning",
    "radar.early_fraud_warning.updated": "radar.early_fraud_warning",
}

_REFUND = {"id", "status", "amount", "currency", "reason", "metadata", "metadata.client_id", "metadata.refund_id"}

# From webhook events (shared/processors/stripe_events.py, shared/services/stripe_webhooks.py, disputes.py)
# and from API answers (shared/processors/stripe_cards.py, refunds.py).
FIELDS_READ = {
    "event": {"id", "type", "created", "data.object"},
    "payment_intent": {
        "id",
        "status",
        "amount",
        "amount_received",
        "currency",
        "client_secret",
        "payment_method",
        "last_payment_error.code",
        "last_payment_error.decline_code",
        "metadata.client_id",
        "metadata.invoice_id",
        "metadata.payment_id",
    },
    "setup_intent": {"client_secret", "payment_method", "customer"},
    "payment_method": {
        "id",
        "type",
        "customer",
        "card.brand",
        "card.last4",
        "card.exp_month",
        "card.exp_year",
        "card.funding",
    },  # funding: the card fee is for credit cards only (shared/domain/surcharges.py)
    "customer": {"id"},
    "refund": _REFUND | {"payment_intent"},
    "charge": {"payment_intent"},  # its refunds are listed from Stripe (GET /v1/refunds?payment_intent=)
    "radar.early_fraud_warning": {"id", "actionable", "fraud_type", "payment_intent", "payment_intent.id"},
    "dispute": {
        "id",
        "payment_intent",
        "payment_intent.id",
        "amount",
        "currency",
        "status",
        "balance_transactions[].amount",
        "balance_transactions[].currency",
    },
}
