"""Card disputes (chargebacks): Stripe's charge.dispute.created / charge.dispute.closed.

Opened: the payment shows `disputed` (its money is at the bank's mercy). Closed as won: the payment goes back
to what it was. Closed as lost: the bank took the money back, so it comes off the invoice's amount_paid and
the invoice is owed again. Each event is recorded in the same transaction as its change; a closed event
that arrives before its created event is applied as both. The merchant is emailed at each step.
"""

import logging
from collections.abc import Callable

from pynamodb.exceptions import TransactWriteError

from shared.invoices import InvoiceMoney, derive_status
from shared.models import Invoice, Payment, ProcessedEvent
from shared.payment_states import DISPUTED, PARTIALLY_REFUNDED, SUCCEEDED
from shared.services.payment_updates import record_event_only, record_of
from shared.store import get_many, lost_race, money_of, status_actions, write_transaction

log = logging.getLogger(__name__)
DISPUTABLE = (SUCCEEDED, PARTIALLY_REFUNDED)


def apply_dispute(event_key: str, event_type: str, dispute: dict, enqueue_job: Callable[[dict], None]) -> str:
    intent_id, dispute_id = dispute.get("payment_intent"), dispute.get("id")
    amount, closed_status = dispute.get("amount"), dispute.get("status")
    found = next(iter(Payment.by_processor_id.query(intent_id, limit=1)), None) if isinstance(intent_id, str) else None
    if found is None or not isinstance(dispute_id, str) or not isinstance(amount, int):
        log.warning("dispute for a charge this system does not know", extra={"dispute_id": dispute_id})
        return record_event_only(event_key, event_type)
    closing = event_type == "charge.dispute.closed"
    for _ in range(5):
        payment, invoice, seen = get_many((Payment, found.client_id, found.payment_id),
                                          (Invoice, found.client_id, found.invoice_id), (ProcessedEvent, event_key))
        if seen is not None:
            return "duplicate"
        already_open = payment.dispute_id == dispute_id and payment.dispute_status == "open"
        finished = payment.dispute_id == dispute_id and payment.dispute_status in ("won", "lost")
        if finished or (not closing and already_open) or (not already_open and payment.status not in DISPUTABLE):
            return record_event_only(event_key, event_type)
        actions, invoice_actions, phase = [], [], "opened"
        before = payment.status_before_dispute if already_open else payment.status
        if not closing:
            actions = [Payment.status.set(DISPUTED), Payment.dispute_id.set(dispute_id),
                       Payment.dispute_status.set("open"), Payment.status_before_dispute.set(before)]
        elif closed_status == "won":
            phase = "won"
            actions = [Payment.status.set(before), Payment.dispute_id.set(dispute_id),
                       Payment.dispute_status.set("won"), Payment.status_before_dispute.set(before)]
        else:
            phase = "lost"
            actions = [Payment.status.set(DISPUTED), Payment.dispute_id.set(dispute_id),
                       Payment.dispute_status.set("lost"), Payment.status_before_dispute.set(before)]
            money = money_of(invoice)
            taken = min(amount, payment.amount - payment.refunded_amount, money.amount_paid)
            paid = money.amount_paid - taken
            status = derive_status(InvoiceMoney(money.total, money.fees, paid, money.amount_pending))
            invoice_actions = [Invoice.amount_paid.set(paid), *status_actions(status, invoice)]
        try:
            with write_transaction() as tx:
                tx.update(payment, actions=actions)
                if invoice_actions:
                    tx.update(invoice, actions=invoice_actions)
                tx.save(record_of(event_key, event_type), condition=ProcessedEvent.event_id.does_not_exist())
        except TransactWriteError as exc:
            if lost_race(exc):
                continue
            raise
        enqueue_job({"kind": "dispute", "client_id": payment.client_id, "payment_id": payment.payment_id,
                     "invoice_id": payment.invoice_id, "dispute_id": dispute_id, "phase": phase, "amount": amount})
        log.warning("dispute " + phase, extra={"payment_id": payment.payment_id, "dispute_id": dispute_id,
                                               "amount": amount})
        return "applied"
    raise RuntimeError("dispute kept losing races")
