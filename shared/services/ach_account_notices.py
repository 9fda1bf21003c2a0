"""The notice worker's bank-account emails (jobs: shared.emails.jobs.account_job), each sent once per processor event
through the email ledger: "micro_deposits_arrived" to the client, "ach_status" and "bank_unverified" to the
merchant. A client email that no longer fits (the account verified or removed meanwhile) is dropped; the merchant's
say what happened and are always sent."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.aws.models import Client, SavedPaymentMethod
from shared.aws.store import get_many
from shared.domain.merchant import Merchant
from shared.emails.ach_account_emails import (
    BankFacts,
    render_ach_status,
    render_bank_unverified,
    render_micro_deposits_arrived,
)
from shared.emails.email_layout import Email
from shared.services.email_ledger import send_once

log = Logger(child=True)


def ledger_key(job: dict) -> str:
    return f"{job['kind']}:{job['client_id']}:{job['event_key']}"


def send_account_notice(
    job: dict, *, merchant: Merchant, merchant_email: str, send: Callable[[Email, str], str]
) -> str:
    """Raises AlreadySent / NoticeBusy (from the ledger) to the worker."""
    kind, client_id = job["kind"], job["client_id"]
    client, method = get_many((Client, client_id), (SavedPaymentMethod, client_id, job.get("payment_method_id") or "-"))
    if client is None:
        log.error("account notice for an unknown client", extra={"client_id": client_id, "kind": kind})
        return "unknown_client"
    if kind == "ach_status":
        email = render_ach_status(_merchant_address(merchant_email), client_id, client.name, job["status"], merchant)
    elif method is None:
        return "not_applicable"  # the bank account was removed meanwhile
    else:
        facts = BankFacts(
            to=client.billing_email,
            client_id=client_id,
            client_name=client.name,
            bank_name=method.bank_name or "Bank",
            last4=method.bank_last4 or "",
        )
        if kind == "micro_deposits_arrived":
            if method.bank_status != "verification_pending":
                return "not_applicable"  # verified (or failed) before the email went out
            email = render_micro_deposits_arrived(facts, merchant)
        else:
            email = render_bank_unverified(_merchant_address(merchant_email), facts, merchant)
    send_once(ledger_key(job), kind, email, merchant.sender_email, send)
    log.info("account notice sent", extra={"client_id": client_id, "kind": kind})
    return "sent"


def _merchant_address(merchant_email: str) -> str:
    if not merchant_email:
        raise RuntimeError("MERCHANT_EMAIL is not set: cannot tell the merchant about a client's bank transfers")
    return merchant_email
