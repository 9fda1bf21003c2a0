"""Which payments a person should look at, kept as a sparse index key (`Payment.attention`) that the books' unit
of work sets and clears in the same write as the change that causes it, like an invoice's status keys. The
merchant's console lists them (GET /admin/attention). Pure.

    dispute  a dispute (or an inquiry) is open: answer it in Stripe before its deadline
    credit   money beyond what was owed is kept as the client's credit: refund it, or let it stand
"""

from typing import Any

from shared.domain.dispute_states import CLOSED

REASONS = ("dispute", "credit")


def attention_of(dispute: Any, balances: dict[str, int]) -> str | None:
    """The most pressing reason, or None (the key is removed and the payment leaves the index)."""
    if dispute is not None and dispute.status not in CLOSED:
        return "dispute"
    if balances.get("credit", 0) > 0:
        return "credit"
    return None
