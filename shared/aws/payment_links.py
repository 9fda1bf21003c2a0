"""A payment of several invoices in each invoice's list of payments.

The payment item carries its first invoice's `invoice_key` (the by-invoice index); each other invoice gets a
PaymentLink item whose sort key is "<payment_id>#<invoice_id>". A Query of an invoice's payments then finds the
payment or its link, in time order with the invoice's own payments; `resolve` swaps each link for the payment,
with one BatchGetItem for all the links of a page (none when there are none: the common case costs nothing).
Payment ids never contain "#" (shared/domain/ids.py), so a link is never taken for a payment.
"""

from collections.abc import Callable, Iterable

from shared.aws.models import Payment, PaymentLink

SEPARATOR = "#"


def link_items(payment: Payment) -> list[PaymentLink]:
    """The links of a new payment: one per invoice after its first (none for a payment of one invoice)."""
    return [
        PaymentLink(
            payment.client_id,
            f"{payment.payment_id}{SEPARATOR}{invoice_id}",
            invoice_id=invoice_id,
            invoice_key=f"{invoice_id}#{payment.created_at}#{payment.payment_id}",
        )
        for invoice_id in payment.invoice_ids[1:]
    ]


def is_link_id(payment_id: str) -> bool:
    return SEPARATOR in payment_id


def linked_payment_id(item) -> str:
    return item.payment_id.split(SEPARATOR, 1)[0]


def resolve(
    client_id: str,
    items: Iterable[Payment],
    *,
    consistent: bool = False,
    fetch: Callable[[str, list[str]], list[Payment]] | None = None,
) -> list[Payment]:
    """`items` as a by-invoice Query returns them, each link swapped for its payment (a payment deleted since is
    left out). `fetch(client_id, payment_ids)`: how the payments are read (default: one BatchGetItem)."""
    items = list(items)
    wanted = list(dict.fromkeys(linked_payment_id(p) for p in items if is_link_id(p.payment_id)))
    if not wanted:
        return items
    found = {p.payment_id: p for p in (fetch or _batch_get)(client_id, wanted)}
    resolved = [found.get(linked_payment_id(p)) if is_link_id(p.payment_id) else p for p in items]
    return [p for p in resolved if p is not None]


def _batch_get(client_id: str, payment_ids: list[str]) -> list[Payment]:
    # At most 100 keys per BatchGetItem: a page of an invoice's payments is at most 100 (shared/services/queries.py).
    return list(Payment.batch_get([(client_id, payment_id) for payment_id in payment_ids], consistent_read=True))
