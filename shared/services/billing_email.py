"""A billing email change waits until the new address confirms it.

`PATCH /account` with a new `billing_email` does not move anything: the address is stored as pending, with the
SHA-256 of a random single-use token (256 bits, `secrets.token_urlsafe`) and an expiry 24 hours out. The new
address is emailed a link to the portal's Account Settings carrying the token in the URL's fragment (which no
server log and no Referer header ever holds), and the current address is told. Receipts and notices keep going
to the current address. `POST /account/billing-email/confirm {"token"}` by the same signed-in client makes the
pending address the billing email, in one conditional write on the token's hash and expiry that also removes
them: the link works once, however many tabs or link scanners follow it at the same moment, and the current
address is told again.

Authenticated, not public: whoever confirms must both read the new mailbox (the token) and be signed in as the
client (the ID token). So a link that reaches someone else (a mistyped address, a shared or forwarded mailbox)
cannot move a client's receipts, and a mail scanner that fetches the URL confirms nothing (the confirmation is a
POST from the signed-in page). The confirmation email carries none of the client's own words (not even the
name), so asking for a change sends nothing a client wrote to an address they chose; and a change can be asked
for once a minute (429), so the merchant's sender cannot be made to spray addresses.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared.aws.models import Client
from shared.domain.accounts import pending_billing_email
from shared.emails.jobs import Enqueue
from shared.http.errors import TooManyRequests, Unprocessable

log = Logger(child=True)
LINK_LIFETIME = timedelta(hours=24)
REQUEST_INTERVAL = timedelta(minutes=1)
CONFIRMATION, REQUESTED, CHANGED = (
    "billing_email_confirmation",
    "billing_email_change_requested",
    "billing_email_changed",
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Change:
    """A new pending address: the update's actions and condition, and the two emails to queue once it is written."""

    token: str
    actions: list
    condition: object

    def announce(self, client_id: str, enqueue: Enqueue) -> None:
        # The token rides in the job to the notice worker, which puts it in the link; nothing logs a job's body.
        enqueue({"kind": CONFIRMATION, "client_id": client_id, "token": self.token})
        enqueue({"kind": REQUESTED, "client_id": client_id, "change": token_hash(self.token)})


def plan_change(client: Client, email: str, now: datetime) -> Change | None:
    """What asking for `email` changes: nothing when it is already the billing email or the one pending (the link
    sent still works); else a new pending change replacing any other (its link stops working)."""
    if email == client.billing_email or email == pending_billing_email(client, now):
        return None
    token, at = secrets.token_urlsafe(32), int(now.timestamp())
    actions = [
        Client.pending_billing_email.set(email),
        Client.billing_email_token_hash.set(token_hash(token)),
        Client.billing_email_token_expires_at.set(at + int(LINK_LIFETIME.total_seconds())),
        Client.billing_email_requested_at.set(at),
    ]
    condition = Client.billing_email_requested_at.does_not_exist() | (
        Client.billing_email_requested_at <= at - int(REQUEST_INTERVAL.total_seconds())
    )
    return Change(token, actions, condition)


def too_soon(client: Client, now: datetime) -> TooManyRequests:
    wait = max(1, int((client.billing_email_requested_at or 0) + REQUEST_INTERVAL.total_seconds() - now.timestamp()))
    return TooManyRequests(
        "Your billing email change was asked for a moment ago. Check that address's inbox for "
        f"the link, or try again in {wait} seconds.",
        code="billing_email_change_too_soon",
        details={"retry_after_seconds": wait},
        headers={"Retry-After": str(wait)},
    )


def _invalid() -> Unprocessable:
    return Unprocessable(
        "This confirmation link is not valid any more: it was used already, or a newer change "
        "replaced it. Your billing email is shown below.",
        code="confirmation_invalid",
    )


def confirm(client: Client, token: str, now: datetime, enqueue: Enqueue) -> None:
    """Make the pending address the billing email, once: the write is conditional on this token's hash and on
    the link not having expired, and removes both, so a second confirmation (also one racing this one) finds
    nothing to confirm."""
    digest, at = token_hash(token), int(now.timestamp())
    stored = client.billing_email_token_hash
    if not stored or not hmac.compare_digest(stored, digest) or not client.pending_billing_email:
        raise _invalid()
    if (client.billing_email_token_expires_at or 0) <= at:
        raise Unprocessable(
            "This confirmation link has expired (links work for 24 hours). Change your billing "
            "email again to get a new one.",
            code="confirmation_expired",
        )
    previous, new = client.billing_email, client.pending_billing_email
    try:
        Client(client.client_id).update(
            actions=[
                Client.billing_email.set(new),
                Client.pending_billing_email.remove(),
                Client.billing_email_token_hash.remove(),
                Client.billing_email_token_expires_at.remove(),
            ],
            condition=(Client.billing_email_token_hash == digest) & (Client.billing_email_token_expires_at > at),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise _invalid() from None
        raise
    enqueue({"kind": CHANGED, "client_id": client.client_id, "previous": previous, "change": digest})
    log.info("billing email confirmed", extra={"client_id": client.client_id})
