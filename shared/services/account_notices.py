"""The notice worker's side of a billing email change (shared/services/billing_email.py): the link to the new
address and the two notices to the current one, each sent once through the email ledger, and only while it still
fits (a job for a change since confirmed or replaced sends nothing)."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.aws.models import Client
from shared.domain.merchant import Merchant
from shared.emails.account_emails import render_change_requested, render_changed, render_confirmation
from shared.emails.receipts import Email
from shared.services.billing_email import CHANGED, CONFIRMATION, REQUESTED, token_hash
from shared.services.email_ledger import send_once

log = Logger(child=True)


def send_account_notice(job: dict, *, merchant: Merchant, send: Callable[[Email, str], str]) -> str:
    try:
        client = Client.get(job["client_id"], consistent_read=True)
    except Client.DoesNotExist:
        return "unknown_client"
    kind = job["kind"]
    change = token_hash(job["token"]) if kind == CONFIRMATION else job.get("change")
    waiting = client.billing_email_token_hash == change and client.pending_billing_email
    if kind == CONFIRMATION and waiting:
        email = render_confirmation(
            client.pending_billing_email, f"{merchant.portal_url}/account#confirm_email={job['token']}", merchant
        )
    elif kind == REQUESTED and waiting:
        email = render_change_requested(client.billing_email, client.name, client.pending_billing_email, merchant)
    elif kind == CHANGED and job.get("previous") and job["previous"] != client.billing_email:
        email = render_changed(job["previous"], client.name, client.billing_email, merchant)
    else:  # confirmed, replaced or unknown since it was queued: the email no longer fits
        return "not_applicable"
    send_once(f"email:{kind}:{client.client_id}:{change}", kind, email, merchant.sender_email, send)
    log.info("account notice sent", extra={"kind": kind, "client_id": client.client_id})
    return "sent"
