"""Every JSON request body, described once as JSON Schema. The parsers take their field lists from here
(json_object refuses any other field: unknown_field) and infra/openapi.py publishes these same schemas, so the
document and the validation cannot drift. The parsers still check each field by hand because each problem has
its own error code and sentence (invalid_amount, invalid_routing_number...), which a schema error cannot give.

Pure data: no AWS, no processor."""

from shared.http.errors import ErrorCode
from shared.http.validation import MAX_EMAIL, TEXT_PATTERN

_FEE_CHANGED = ErrorCode.CARD_FEE_CHANGED

_str = {"type": "string"}
_int = {"type": "integer"}
_bool = {"type": "boolean"}
_date = {"type": "string", "format": "date"}
# Ids this API issues are short; longer ones cannot be DynamoDB keys (see shared.http.validation.MAX_ID_LENGTH).
_id = {"type": "string", "minLength": 1, "maxLength": 255}


def _text(max_bytes: int, description: str = "") -> dict:
    """Free text (shared.http.validation.text_field): at most `max_bytes` of UTF-8, which JSON Schema cannot say (its
    maxLength counts characters, so it is only the outer bound), and no control or direction-changing character."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_bytes,
        "pattern": TEXT_PATTERN,
        "description": " ".join(
            filter(
                None,
                [
                    description,
                    f"At most {max_bytes} bytes of UTF-8 (an accented "
                    "letter takes 2, most other scripts 3); no line "
                    "break, tab, other control character or "
                    "bidirectional override.",
                ],
            )
        ),
    }


def _object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties}


PAYMENT = _object(
    {
        "method": {"type": "string", "enum": ["card", "ach"]},
        "amount": {
            **_int,
            "minimum": 1,
            "description": "Cents. Optional: the balance by default. Partial amounts only "
            "where the invoice allows them, and not under minimum_payment.",
        },
        "payment_method_id": {**_id, "description": "A saved payment method of this client."},
        "save_payment_method": {**_bool, "default": False},
        "ach_authorization": {
            **_object(
                {
                    "accepted": {"type": "boolean", "const": True},
                    "text": {
                        **_str,
                        "description": "Word for word the `ach_authorization_text` of GET /portal-settings.",
                    },
                },
                ("accepted", "text"),
            ),
            "description": "Required for `ach`, refused for `card`: the client's acceptance of "
            "the debit authorization the portal showed (NACHA, WEB debits).",
        },
    },
    ("method",),
)

# POST /payments: several invoices, one payment (shared/http/multi_payment_requests.py). MAX_INVOICES keeps the largest
# unit of work of such a payment under DynamoDB's 100 items per transaction (docs/several-invoices-and-card-fees.md).
MAX_INVOICES = 20
_INVOICE_IDS = {
    "type": "array",
    "items": _id,
    "minItems": 1,
    "maxItems": MAX_INVOICES,
    "uniqueItems": True,
    "description": f"1-{MAX_INVOICES} of the client's unpaid invoices, all in one currency: their full "
    "balances are paid.",
}
_STRIPE_PAYMENT_METHOD = {
    "type": "string",
    "pattern": "^pm_[A-Za-z0-9_]{1,250}$",
    "description": "A card Stripe.js just collected (stripe.createPaymentMethod): the card fee "
    "depends on whether it is a credit card.",
}
PAYMENT_QUOTE = _object(
    {
        "invoice_ids": _INVOICE_IDS,
        "method": {"type": "string", "enum": ["card", "ach"]},
        "payment_method_id": {**_id, "description": "A saved payment method of this client."},
        "stripe_payment_method": _STRIPE_PAYMENT_METHOD,
    },
    ("invoice_ids", "method"),
)
PAYMENTS = _object(
    {
        **PAYMENT_QUOTE["properties"],
        "save_payment_method": {**_bool, "default": False, "description": "Card: save the new card for next time."},
        "card_fee": {
            **_int,
            "minimum": 0,
            "default": 0,
            "description": "Card: the card fee the client was shown (the quote's card_fee.amount), in cents. A "
            f"higher fee is never charged: {_FEE_CHANGED.status} {_FEE_CHANGED}.",
        },
        "ach_authorization": PAYMENT["properties"]["ach_authorization"],
    },
    ("invoice_ids", "method"),
)

BANK_ACCOUNT = _object(
    {
        "routing_number": {**_str, "pattern": "^[0-9]{9}$", "description": "ABA routing number (checksum checked)."},
        "account_number": {**_str, "pattern": "^[0-9]{4,17}$"},
        "account_type": {"type": "string", "enum": ["checking", "savings"]},
        "holder_name": _text(100),
    },
    ("routing_number", "account_number", "account_type", "holder_name"),
)

VERIFY = _object(
    {
        "amounts": {
            "type": "array",
            "items": {**_int, "minimum": 1, "maximum": 9},
            "minItems": 2,
            "maxItems": 2,
            "description": "The two micro-deposits, in cents (each under 10 cents).",
        },
    },
    ("amounts",),
)

REFUND = _object(
    {
        "amount": {**_int, "minimum": 1},
        "reason": _text(500),
        "correction": {
            **_bool,
            "default": False,
            "description": "An overcharge correction: the invoice total comes down too and the invoice stays paid.",
        },
    },
    ("amount", "reason"),
)

EXTENSION = _object(
    {
        "requested_due_date": {**_date, "description": "After the current due date, at most 90 days later."},
        "reason": _text(1000),
    },
    ("requested_due_date", "reason"),
)

PROBLEM_REPORT = _object(
    {
        "kind": {"type": "string", "enum": ["wrong_amount", "double_charge", "not_recognized", "other"]},
        "message": _text(2000),
    },
    ("kind", "message"),
)

RESOLUTION = _object({"resolution": _text(2000)}, ("resolution",))

ACCOUNT_PATCH = _object(
    {
        "name": _text(200),
        "billing_email": {
            **_str,
            "format": "email",
            "maxLength": MAX_EMAIL,
            "description": "Just the address (no display name or angle brackets), 7-bit ASCII. It "
            "becomes the billing email once the new address confirms the link it is "
            "emailed (pending_billing_email until then).",
        },
        "due_date_reminders": _bool,
        "reminder_days_before": {
            "type": "array",
            "items": {**_int, "minimum": 1, "maximum": 30},
            "maxItems": 3,
            "uniqueItems": True,
        },
        "payment_receipts": {"type": "boolean", "const": True, "description": "Receipts can't be turned off."},
    }
)

BILLING_EMAIL_CONFIRMATION = _object(
    {
        "token": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,128}$",
            "description": "The token of the link emailed to the new address (after #confirm_email=).",
        },
    },
    ("token",),
)

LINE_ITEM = _object(
    {
        "description": _text(500),
        "quantity": {**_int, "minimum": 1, "maximum": 1_000_000},
        "unit_amount": {
            **_int,
            "minimum": 0,
            "maximum": 99_999_999,
            "description": "Cents; at most Stripe's largest card payment (99999999).",
        },
    },
    ("description", "quantity", "unit_amount"),
)

LATE_FEE_POLICY = _object(
    {
        "kind": {"type": "string", "enum": ["none", "flat", "percent"]},
        "amount": {
            **_int,
            "minimum": 0,
            "description": "Cents, for kind flat: above zero, at most the invoice's total "
            "and the deployment's MaxLateFeeCents.",
        },
        "basis_points": {
            **_int,
            "minimum": 0,
            "maximum": 2500,
            "description": "For kind percent (1-2500: at most 25% of the unpaid balance).",
        },
        "grace_days": {**_int, "minimum": 0, "maximum": 30},
    },
    ("kind",),
)

INVOICE = _object(
    {
        "client_id": {**_str, "minLength": 1, "maxLength": 128},
        "number": _text(40),
        "line_items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": LINE_ITEM,
            "description": "Integer cents only; the total (sum of quantity * unit_amount) must be above zero "
            "and at most 99999999, the largest card payment (Stripe's eight digits).",
        },
        "due_date": {**_date, "description": "On or after issued_date."},
        "issued_date": {**_date, "description": "Default: today in the merchant's zone."},
        "currency": {"type": "string", "enum": ["aud", "cad", "eur", "gbp", "usd"], "default": "usd"},
        "allow_partial": {**_bool, "default": False},
        "minimum_payment": {**_int, "minimum": 0, "default": 0, "description": "Cents; needs allow_partial."},
        "late_fee_policy": {
            "anyOf": [LATE_FEE_POLICY, {"type": "null"}],
            "description": "Omitted or null: the merchant's default policy.",
        },
    },
    ("client_id", "number", "line_items", "due_date"),
)

PAYMENT_PLAN = _object(
    {
        "installments": {
            "type": "array",
            "minItems": 2,
            "maxItems": 12,
            "items": _object(
                {
                    "amount": {**_int, "minimum": 1, "description": "Cents."},
                    "due_date": {**_date, "description": "After the one before; the first on or after today."},
                },
                ("amount", "due_date"),
            ),
            "description": "Amounts that add up to the invoice's balance, dates ascending, the last within a year.",
        },
    },
    ("installments",),
)

AUTOPAY = _object(
    {
        "payment_method_id": {**_id, "description": "A saved card, or a verified bank account, of this client."},
        "authorization": {
            **_object(
                {
                    "accepted": {"type": "boolean", "const": True},
                    "text": {
                        **_str,
                        "description": "Word for word the `autopay_authorization_text` of GET /portal-settings.",
                    },
                },
                ("accepted", "text"),
            ),
            "description": "The client's acceptance of the recurring authorization the portal "
            "showed (Regulation E 12 CFR 1005.10(b); NACHA WEB debits).",
        },
    },
    ("payment_method_id", "authorization"),
)

EXTENSION_DECISION = _object(
    {
        "note": _text(1000, "Optional: a note to the client, in the email and on the invoice."),
    }
)


def fields(schema: dict) -> set[str]:
    return set(schema["properties"])
