"""Account settings: validation of a PATCH /account body. Pure: no storage."""

import re

from shared.errors import Unprocessable
from shared.money import is_cents
from shared import request_schemas
from shared.validation import json_object

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
MAX_REMINDERS, MIN_DAYS, MAX_DAYS = 3, 1, 30


def parse_account_patch(body: object) -> dict:
    """{"field": new value} for the fields to change; raises the first problem found."""
    body = json_object(body, request_schemas.ACCOUNT_PATCH)
    changes = {}
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise Unprocessable("name must be 1-200 characters.", code="invalid_field")
        changes["name"] = name.strip()
    if "billing_email" in body:
        email = body["billing_email"]
        if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
            raise Unprocessable("billing_email must be a valid email address, like name@example.com.",
                                code="invalid_email")
        changes["billing_email"] = email.strip()
    if "due_date_reminders" in body:
        if not isinstance(body["due_date_reminders"], bool):
            raise Unprocessable("due_date_reminders must be true or false.", code="invalid_field")
        changes["due_date_reminders"] = body["due_date_reminders"]
    if "reminder_days_before" in body:
        days = body["reminder_days_before"]
        if not isinstance(days, list) or len(days) > MAX_REMINDERS \
                or not all(is_cents(d) and MIN_DAYS <= d <= MAX_DAYS for d in days) or len(set(days)) != len(days):
            raise Unprocessable(f"reminder_days_before must list at most {MAX_REMINDERS} different whole numbers "
                                f"of days, each from {MIN_DAYS} to {MAX_DAYS}.", code="invalid_reminder_days")
        changes["reminder_days_before"] = sorted(days, reverse=True)
    if "payment_receipts" in body:
        if not isinstance(body["payment_receipts"], bool):
            raise Unprocessable("payment_receipts must be true or false.", code="invalid_field")
        if body["payment_receipts"] is False:
            raise Unprocessable("Payment receipts can't be turned off: we are required to send a receipt for "
                                "every payment.", code="receipts_required")
    return changes
