"""Account settings: validation of a PATCH /account body and of a billing email confirmation. Pure: no storage."""

import re
from datetime import datetime
from typing import Any

from shared.domain.money import is_cents
from shared.http import request_schemas
from shared.http.errors import Unprocessable
from shared.http.validation import is_email_address, json_object, text_field

MAX_REMINDERS, MIN_DAYS, MAX_DAYS = 3, 1, 30
MAX_NAME_BYTES = 200
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")  # what secrets.token_urlsafe makes (43 characters), with room


def parse_account_patch(body: object) -> dict:
    """{"field": new value} for the fields to change; raises the first problem found."""
    body = json_object(body, request_schemas.ACCOUNT_PATCH)
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = text_field(body["name"], "name", "invalid_field", MAX_NAME_BYTES)
    if "billing_email" in body:
        changes["billing_email"] = parse_email(body["billing_email"])
    if "due_date_reminders" in body:
        if not isinstance(body["due_date_reminders"], bool):
            raise Unprocessable("due_date_reminders must be true or false.", code="invalid_field")
        changes["due_date_reminders"] = body["due_date_reminders"]
    if "reminder_days_before" in body:
        days = body["reminder_days_before"]
        if (
            not isinstance(days, list)
            or len(days) > MAX_REMINDERS
            or not all(is_cents(d) and MIN_DAYS <= d <= MAX_DAYS for d in days)
            or len(set(days)) != len(days)
        ):
            raise Unprocessable(
                f"reminder_days_before must list at most {MAX_REMINDERS} different whole numbers "
                f"of days, each from {MIN_DAYS} to {MAX_DAYS}.",
                code="invalid_reminder_days",
            )
        changes["reminder_days_before"] = sorted(days, reverse=True)
    if "payment_receipts" in body:
        if not isinstance(body["payment_receipts"], bool):
            raise Unprocessable("payment_receipts must be true or false.", code="invalid_field")
        if body["payment_receipts"] is False:
            raise Unprocessable(
                "Payment receipts can't be turned off: we are required to send a receipt for every payment.",
                code="receipts_required",
            )
    return changes


def parse_email(value: object) -> str:
    """A bare email address (spaces around it dropped), or 422 invalid_email: no display name, no angle brackets,
    nothing but the address (shared.http.validation.is_email_address)."""
    email = value.strip() if isinstance(value, str) else value
    if not is_email_address(email):
        raise Unprocessable(
            "billing_email must be just an email address, like name@example.com (no name or brackets around it).",
            code="invalid_email",
        )
    return email


def parse_confirmation(body: object) -> str:
    """The token of a billing email confirmation link; anything else is a link that confirms nothing."""
    token = json_object(body, request_schemas.BILLING_EMAIL_CONFIRMATION).get("token")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise Unprocessable(
            "This confirmation link is not complete: open it again from the email, or copy the whole link.",
            code="confirmation_invalid",
        )
    return token


def pending_billing_email(client, now: datetime) -> str | None:
    """The address waiting for its confirmation, while the link emailed to it still works."""
    expires = client.billing_email_token_expires_at
    if client.pending_billing_email and expires is not None and expires > now.timestamp():
        return client.pending_billing_email
    return None
