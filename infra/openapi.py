"""OpenAPI 3.1 document of the portal API, built at dev time; docs/openapi.json is its output.

Where each part comes from:
- routes: template.yaml (infra.template.http_routes), the same list the local gateway serves;
- paths, methods, path parameters: Powertools' generator, from each function module's resolver `app`;
- summaries: each function module's docstring;
- request bodies: shared.http.request_schemas, the JSON Schemas the parsers take their fields from (so an unknown field
  is refused exactly where the document says additionalProperties: false);
- limits: the constants the code checks (shared.http.validation, shared.http.payment_requests, shared.services.queries);
- error codes: shared.http.errors.ErrorCode, each code with its status and meaning; ERRORS below names the codes each
  route answers; failure.code values from shared.domain.declines and shared.domain.bank_accounts;
- response schemas: written here, closed (additionalProperties: false), because the views build plain dicts.

The tests validate every response they receive against this document (tests/openapi_check.py), so a status,
field or error code the document does not list fails the test that produced it.

`python -m infra.openapi` prints it; `python -m infra.openapi --write` refreshes docs/openapi.json (a test
checks that the committed file equals this output).
"""

import importlib
import json
import sys
from pathlib import Path

from infra import template
from shared.books.ledger import CLIENT_VISIBLE, DESCRIPTIONS
from shared.domain.bank_accounts import _RETURNS as ACH_RETURNS
from shared.domain.declines import _MESSAGES as DECLINES
from shared.domain.invoices import STATUSES as INVOICE_STATUSES
from shared.http import request_schemas
from shared.http.errors import ErrorCode
from shared.http.payment_requests import MAX_IDEMPOTENCY_KEY
from shared.http.request_schemas import MAX_INVOICES
from shared.http.validation import MAX_DEPTH, MAX_ID_LENGTH, NOT_FOUND_CODES
from shared.services.queries import MAX_LIMIT

# The journal's kinds a client sees in `activity` (the merchant's own losses are not shown).
LEDGER_KINDS = {kind: words for kind, words in DESCRIPTIONS.items() if kind in CLIENT_VISIBLE}
ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "openapi.json"

_nullable = lambda schema: {"anyOf": [schema, {"type": "null"}]}  # noqa: E731  (OpenAPI 3.1 style)
_int = {"type": "integer"}
_str = {"type": "string"}
_bool = {"type": "boolean"}
_datetime = {"type": "string", "format": "date-time"}
_date = {"type": "string", "format": "date"}
_ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731


def _closed(properties: dict, required: list[str] | None = None, **extra) -> dict:
    """A response object with exactly these fields: an undocumented field fails the tests."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required or [],
        "properties": properties,
        **extra,
    }


def _extend(base: dict, properties: dict, required: list[str] = ()) -> dict:
    return {**base, "properties": {**base["properties"], **properties}, "required": base["required"] + list(required)}


# What each code means comes with the code (shared.http.errors.ErrorCode); {MAX_...} in a meaning is the limit it checks.
LIMITS = {
    "MAX_IDEMPOTENCY_KEY": MAX_IDEMPOTENCY_KEY,
    "MAX_LIMIT": MAX_LIMIT,
    "MAX_ID_LENGTH": MAX_ID_LENGTH,
    "MAX_DEPTH": MAX_DEPTH,
    "MAX_INVOICES": MAX_INVOICES,
}


def describe(code: ErrorCode) -> str:
    text = code.description
    for name, value in LIMITS.items():
        text = text.replace("{" + name + "}", str(value))
    return text


E = ErrorCode  # short, for the table below
# Answered by any function, for a route it does not serve: API Gateway sends none (it answers an unknown route itself).
ANY_ROUTE = (E.ROUTE_NOT_FOUND,)
_BODY = (E.INVALID_JSON,)
_BODY_422 = (E.UNKNOWN_FIELD,)
_KEY = (E.IDEMPOTENCY_KEY_REQUIRED, E.INVALID_IDEMPOTENCY_KEY)
_PAGE_400 = (E.INVALID_LIMIT, E.INVALID_CURSOR)

# Per route: the codes it can answer besides those of its auth (401, and 403 under /admin/) and of its path ids
# (404), in the order each status lists them. Each is answered with its status, or (code, status) with its other
# one (ErrorCode.statuses).
ERRORS: dict[str, tuple] = {
    "GET /invoices": (E.INVALID_STATUS, *_PAGE_400),
    "GET /invoices/{invoice_id}": (),
    "GET /invoices/{invoice_id}/activity": (E.INVALID_CURSOR,),
    "POST /invoices/{invoice_id}/payments": (
        *_KEY,
        *_BODY,
        E.ACH_AUTHORIZATION_REQUIRED,
        E.PAYMENT_METHOD_NOT_FOUND,
        E.INVOICE_PAID,
        E.INVOICE_VOID,
        E.PAYMENT_IN_PROGRESS,
        E.PAYMENT_CANCELED,
        E.CONCURRENT_CHANGE,
        E.PARTIAL_PAYMENT_NOT_ALLOWED,
        E.AMOUNT_EXCEEDS_BALANCE,
        E.AMOUNT_BELOW_MINIMUM,
        E.INVALID_AMOUNT,
        E.UNSUPPORTED_METHOD,
        E.IDEMPOTENCY_KEY_REUSED,
        E.BANK_ACCOUNT_NOT_VERIFIED,
        E.PAYMENT_METHOD_REQUIRED,
        E.UNSUPPORTED_CURRENCY,
        E.INVALID_FIELD,
        E.AMOUNT_BELOW_CARD_MINIMUM,
        E.AMOUNT_ABOVE_CARD_MAXIMUM,
        E.AMOUNT_ABOVE_ACH_MAXIMUM,
        E.ACH_AUTHORIZATION_OUTDATED,
        E.ACH_WEEKLY_LIMIT,
        E.BANK_PAYMENTS_SUSPENDED,
        E.BANK_PAYMENTS_DEACTIVATED,
        E.PROCESSOR_REFUSED,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "POST /payments": (
        *_KEY,
        *_BODY,
        E.ACH_AUTHORIZATION_REQUIRED,
        E.INVOICE_NOT_FOUND,
        E.PAYMENT_METHOD_NOT_FOUND,
        E.PAYMENT_IN_PROGRESS,
        E.PAYMENT_CANCELED,
        E.CARD_FEE_CHANGED,
        E.CONCURRENT_CHANGE,
        (E.INVOICE_PAID, 422),
        (E.INVOICE_VOID, 422),
        E.DUPLICATE_INVOICES,
        E.TOO_MANY_INVOICES,
        E.MIXED_CURRENCIES,
        E.UNSUPPORTED_METHOD,
        E.IDEMPOTENCY_KEY_REUSED,
        E.BANK_ACCOUNT_NOT_VERIFIED,
        E.PAYMENT_METHOD_REQUIRED,
        E.UNSUPPORTED_CURRENCY,
        E.INVALID_FIELD,
        E.AMOUNT_BELOW_CARD_MINIMUM,
        E.AMOUNT_ABOVE_CARD_MAXIMUM,
        E.AMOUNT_ABOVE_ACH_MAXIMUM,
        E.ACH_AUTHORIZATION_OUTDATED,
        E.ACH_WEEKLY_LIMIT,
        E.BANK_PAYMENTS_SUSPENDED,
        E.BANK_PAYMENTS_DEACTIVATED,
        E.PROCESSOR_REFUSED,
        E.CARD_DETAILS_REQUIRED,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "POST /payments/quote": (
        *_BODY,
        E.INVOICE_NOT_FOUND,
        E.PAYMENT_METHOD_NOT_FOUND,
        E.PAYMENT_IN_PROGRESS,
        (E.INVOICE_PAID, 422),
        (E.INVOICE_VOID, 422),
        E.DUPLICATE_INVOICES,
        E.TOO_MANY_INVOICES,
        E.MIXED_CURRENCIES,
        E.UNSUPPORTED_METHOD,
        E.PAYMENT_METHOD_REQUIRED,
        E.INVALID_FIELD,
        E.PROCESSOR_REFUSED,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "GET /payments": (E.INVALID_INVOICE_ID, *_PAGE_400),
    "GET /payments/{payment_id}": (),
    "POST /payments/{payment_id}/receipt": (E.RECEIPT_NOT_AVAILABLE, E.RECEIPT_RECENTLY_SENT),
    "POST /invoices/{invoice_id}/extension-requests": (
        *_BODY,
        E.INVOICE_PAID,
        E.INVOICE_VOID,
        E.EXTENSION_REQUEST_PENDING,
        E.PAYMENT_PLAN_ACTIVE,
        E.CONCURRENT_CHANGE,
        E.INVALID_DATE,
        E.DATE_NOT_AFTER_DUE_DATE,
        E.DATE_TOO_FAR,
        E.INVALID_REASON,
        *_BODY_422,
    ),
    "POST /admin/extension-requests/{extension_request_id}/approve": (
        *_BODY,
        E.EXTENSION_REQUEST_DECIDED,
        E.EXTENSION_REQUEST_EXPIRED,
        E.CONCURRENT_CHANGE,
        E.INVALID_NOTE,
        *_BODY_422,
    ),
    "POST /admin/extension-requests/{extension_request_id}/decline": (
        *_BODY,
        E.EXTENSION_REQUEST_DECIDED,
        E.CONCURRENT_CHANGE,
        E.INVALID_NOTE,
        *_BODY_422,
    ),
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/payment-plan": (
        *_KEY,
        *_BODY,
        E.INVOICE_PAID,
        E.INVOICE_VOID,
        E.PAYMENT_IN_PROGRESS,
        E.EXTENSION_REQUEST_PENDING,
        E.CONCURRENT_CHANGE,
        E.INVALID_INSTALLMENTS,
        E.INVALID_AMOUNT,
        E.INVALID_DATE,
        E.INSTALLMENTS_DO_NOT_SUM,
        E.INSTALLMENT_DATES_NOT_ASCENDING,
        E.INSTALLMENT_BEFORE_TODAY,
        E.IDEMPOTENCY_KEY_REUSED,
        *_BODY_422,
    ),
    "GET /admin/clients": (*_PAGE_400, E.UNKNOWN_PARAMETER),
    "GET /admin/clients/{client_id}": (E.UNKNOWN_PARAMETER,),
    "GET /admin/clients/{client_id}/invoices/{invoice_id}": (E.UNKNOWN_PARAMETER,),
    "GET /admin/attention": (E.UNKNOWN_PARAMETER,),
    "PUT /account/autopay": (
        *_BODY,
        E.AUTOPAY_AUTHORIZATION_REQUIRED,
        E.ACCOUNT_NOT_FOUND,
        E.CONCURRENT_CHANGE,
        (E.PAYMENT_METHOD_NOT_FOUND, 422),
        E.BANK_ACCOUNT_NOT_VERIFIED,
        E.CARD_EXPIRED,
        E.AUTOPAY_AUTHORIZATION_OUTDATED,
        E.BANK_PAYMENTS_SUSPENDED,
        E.BANK_PAYMENTS_DEACTIVATED,
        E.INVALID_FIELD,
        *_BODY_422,
    ),
    "DELETE /account/autopay": (E.ACCOUNT_NOT_FOUND, E.CONCURRENT_CHANGE),
    "POST /admin/invoices": (
        *_KEY,
        *_BODY,
        E.CLIENT_NOT_FOUND,
        E.INVALID_LINE_ITEMS,
        E.INVALID_AMOUNT,
        E.INVALID_DATE,
        E.INVALID_NUMBER,
        E.INVALID_LATE_FEE_POLICY,
        E.LATE_FEE_TOO_HIGH,
        E.INVALID_FIELD,
        E.IDEMPOTENCY_KEY_REUSED,
        *_BODY_422,
    ),
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/void": (
        E.INVOICE_PAID,
        E.INVOICE_VOID,
        E.INVOICE_PARTIALLY_PAID,
        E.PAYMENT_IN_PROGRESS,
        E.PAYMENT_DISPUTED,
        E.PAYMENT_HOLDS_MONEY,
        E.CONCURRENT_CHANGE,
        E.PROCESSOR_REFUSED,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "GET /admin/clients/{client_id}/invoices": (E.INVALID_STATUS, *_PAGE_400),
    "GET /admin/clients/{client_id}/payments": (E.INVALID_INVOICE_ID, *_PAGE_400),
    "POST /payments/{payment_id}/problem-reports": (
        *_BODY,
        E.PROBLEM_REPORT_OPEN,
        E.CONCURRENT_CHANGE,
        E.INVALID_KIND,
        E.INVALID_MESSAGE,
        *_BODY_422,
    ),
    "POST /admin/problem-reports/{problem_report_id}/resolve": (
        *_BODY,
        E.PROBLEM_REPORT_RESOLVED,
        E.CONCURRENT_CHANGE,
        E.INVALID_RESOLUTION,
        *_BODY_422,
    ),
    "POST /admin/payments/{payment_id}/refunds": (
        *_KEY,
        *_BODY,
        E.PAYMENT_NOT_REFUNDABLE,
        E.CONCURRENT_CHANGE,
        E.INVALID_AMOUNT,
        E.INVALID_REASON,
        E.AMOUNT_EXCEEDS_REFUNDABLE,
        E.REFUND_REFUSED,
        E.IDEMPOTENCY_KEY_REUSED,
        E.INVALID_FIELD,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "GET /portal-settings": (),
    "GET /invoices/{invoice_id}/pdf": (),
    "GET /payments/{payment_id}/receipt.pdf": (E.RECEIPT_NOT_AVAILABLE,),
    "GET /payment-methods": (),
    "POST /payment-methods/setup": (E.ACCOUNT_NOT_FOUND, E.PROCESSOR_REFUSED, E.PROCESSOR_UNAVAILABLE),
    "POST /payment-methods/bank-accounts": (
        *_BODY,
        E.ACCOUNT_NOT_FOUND,
        E.BANK_ACCOUNT_EXISTS,
        E.BILLING_EMAIL_IN_USE,
        E.BANK_ACCOUNT_DETAILS_DIFFER,
        E.BANK_ACCOUNT_RELINK_TOO_SOON,
        E.INVALID_ROUTING_NUMBER,
        E.INVALID_ACCOUNT_NUMBER,
        E.INVALID_ACCOUNT_TYPE,
        E.INVALID_HOLDER_NAME,
        E.BANK_ACCOUNT_REJECTED,
        E.BANK_ACCOUNT_BLOCKED,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "POST /payment-methods/{payment_method_id}/verify": (
        *_BODY,
        E.MICRO_DEPOSITS_PENDING,
        E.BANK_ACCOUNT_ALREADY_VERIFIED,
        E.VERIFICATION_FAILED,
        E.INVALID_AMOUNTS,
        E.INCORRECT_AMOUNTS,
        E.VERIFICATION_ATTEMPTS_EXCEEDED,
        *_BODY_422,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "POST /payment-methods/{payment_method_id}/default": (E.BANK_ACCOUNT_NOT_VERIFIED,),
    "DELETE /payment-methods/{payment_method_id}": (
        (E.CONCURRENT_CHANGE, 422),
        E.PROCESSOR_REFUSED,
        E.PROCESSOR_UNAVAILABLE,
    ),
    "GET /account": (E.ACCOUNT_NOT_FOUND,),
    "PATCH /account": (
        *_BODY,
        E.ACCOUNT_NOT_FOUND,
        E.INVALID_FIELD,
        E.INVALID_EMAIL,
        E.INVALID_REMINDER_DAYS,
        E.RECEIPTS_REQUIRED,
        *_BODY_422,
        E.BILLING_EMAIL_CHANGE_TOO_SOON,
    ),
    "POST /account/billing-email/confirm": (
        *_BODY,
        E.ACCOUNT_NOT_FOUND,
        E.CONFIRMATION_INVALID,
        E.CONFIRMATION_EXPIRED,
        *_BODY_422,
    ),
    "POST /webhooks/ach": (E.INVALID_SIGNATURE, E.INVALID_PAYLOAD, E.TEMPORARILY_UNAVAILABLE, E.PROCESSOR_UNAVAILABLE),
    "POST /webhooks/stripe": (
        E.INVALID_SIGNATURE,
        E.INVALID_PAYLOAD,
        E.CURRENCY_MISMATCH,
        E.INTERNAL_ERROR,
        E.PROCESSOR_UNAVAILABLE,
    ),
}

_FAILURE_CODES = {
    **{code: message for code, message in DECLINES.items()},
    "card_declined": "Any other card decline (also lost, stolen or fraud: deliberately not said).",
    "transfer_refused": "The ACH processor refused to start the transfer; nothing was debited.",
    "ach_return": "The bank returned the ACH debit without a return code.",
    **{code: reason for code, reason in ACH_RETURNS.items()},
}
FAILURE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "message"],
    "description": "Why the payment failed. code: a card decline code or an ACH return code (R01-R85); "
    "message: a sentence to show the client.\n\n"
    + "\n".join(f"- `{c}`: {m}" for c, m in _FAILURE_CODES.items())
    + '\n- `R..`: any other ACH return code: "Your bank returned this payment."',
    "properties": {
        "code": {
            "anyOf": [{"type": "string", "enum": sorted(_FAILURE_CODES)}, {"type": "string", "pattern": "^R[0-9]{2}$"}]
        },
        "message": _str,
    },
}

# Fields some errors add beside code and message.
_ERROR_DETAILS = {
    "attempts_remaining": {
        **_int,
        "description": "incorrect_amounts only: micro-deposit attempts left (0: the next "
        "wrong answer fails the verification).",
    },
    "retry_after_seconds": {**_int, "description": "429 only: when to ask again (also the Retry-After header)."},
    "available": {
        **_int,
        "description": "ach_weekly_limit only: cents the client can still send by bank transfer this week.",
    },
    "limit": {**_int, "description": "ach_weekly_limit only: the weekly limit, in cents."},
    "resets_on": {**_date, "description": "ach_weekly_limit only: the Monday (UTC) the weekly limit starts again."},
    "retry_after": {
        **_datetime,
        "description": "bank_account_relink_too_soon only: when the account can be linked again.",
    },
    "card_fee": {**_int, "description": "card_fee_changed only: the card fee now, in cents."},
}

_INVOICE_STATUS = {"type": "string", "enum": list(INVOICE_STATUSES)}
_PAYMENT_STATUS = {
    "type": "string",
    "enum": ["pending", "processing", "succeeded", "failed", "canceled", "refunded", "partially_refunded", "disputed"],
}
_REFUND_STATUS = {"type": "string", "enum": ["pending", "succeeded", "failed"]}
_REPORT_KIND = request_schemas.PROBLEM_REPORT["properties"]["kind"]

_PAYMENT = _closed(
    {
        "payment_id": _str,
        "invoice_id": _str,
        "amount": _int,
        "currency": _str,
        "invoice_number": {
            **_nullable(_str),
            "description": "The invoice's number (null only for payments recorded before the field existed).",
        },
        "method": {"type": "string", "enum": ["card", "ach"]},
        "status": _PAYMENT_STATUS,
        "created_at": _datetime,
        "succeeded_at": _nullable(_datetime),
        "failure": {
            **_nullable(_ref("Failure")),
            "description": "On failed payments, and on canceled ones a decline "
            "led to (the client then paid another way).",
        },
        "card": _nullable(_closed({"brand": _str, "last4": _str})),
        "bank": _nullable(_closed({"bank_name": _nullable(_str), "last4": _nullable(_str)})),
        "receipt_sent": _bool,
        "receipt_reference": {
            **_nullable(_str),
            "description": "The receipt number the receipt email shows (e.g. "
            "4821-0937-5512); null until the money arrived.",
        },
        "ach_authorization": _nullable(_ref("AchAuthorization")),
        "allocations": {
            "type": "array",
            "items": _ref("Allocation"),
            "minItems": 1,
            "description": "What the payment pays on each invoice, in order of allocation (the oldest due "
            "date first; the first is invoice_id). One invoice: one allocation, the amount.",
        },
        "card_fee": {**_int, "description": "Cents of card fee (a credit card surcharge) in amount; 0 for none."},
        "refunds": {
            "type": "array",
            "items": _closed({"refund_id": _str, "amount": _int, "created_at": _datetime, "status": _REFUND_STATUS}),
        },
        "problem_reports": {"type": "array", "items": _ref("ReportSummary")},
    },
    [
        "payment_id",
        "invoice_id",
        "amount",
        "currency",
        "method",
        "status",
        "created_at",
        "succeeded_at",
        "failure",
        "card",
        "bank",
        "receipt_sent",
    ],
)
_EXTENSION = _closed(
    {
        "extension_request_id": _str,
        "requested_due_date": _date,
        "reason": _str,
        "status": {"type": "string", "enum": ["pending", "approved", "declined"]},
        "note": {**_nullable(_str), "description": "The merchant's note with the answer, if any."},
    },
    ["extension_request_id", "requested_due_date", "reason", "status", "note"],
)
_PLAN = _closed(
    {
        "installments": {
            "type": "array",
            "items": _closed(
                {
                    "number": {**_int, "description": "1, 2, ... in date order."},
                    "amount": {
                        **_int,
                        "description": "Cents. The last one also carries late fees charged (and corrections made) "
                        "since the plan was set up, so the installments add up to what is owed.",
                    },
                    "due_date": _date,
                    "status": {
                        "type": "string",
                        "enum": ["due", "paid", "overdue"],
                        "description": "paid: the money has arrived; overdue: past its due date with part of it neither paid "
                        "nor on its way.",
                    },
                    "amount_due": {
                        **_int,
                        "description": "What is still to pay of it (money on its way counts as paid here).",
                    },
                },
                ["number", "amount", "due_date", "status", "amount_due"],
            ),
        }
    },
    ["installments"],
    description="The invoice's balance in installments: payments cover them in date order. Set with POST "
    "/admin/clients/{client_id}/invoices/{invoice_id}/payment-plan.",
)
_AUTOPAY_CHARGE = _closed(
    {
        "due_date": {**_date, "description": "The invoice's (or installment's) due date the charge pays."},
        "charge_date": {**_date, "description": "When it is charged (tried again 3 and 7 days later if declined)."},
        "amount": {**_int, "description": "Cents: the most it takes, as the emailed notice said."},
        "method": {**_str, "example": "Visa ending in 4242"},
    },
    ["due_date", "charge_date", "amount", "method"],
    description="An autopay charge the client was emailed about and that has not gone through yet.",
)
_AUTOPAY = _closed(
    {"payment_method_id": _str, "authorized_at": _datetime},
    ["payment_method_id", "authorized_at"],
    description="Autopay is on with this saved method since authorized_at.",
)
_ACTIVITY_ENTRY = _closed(
    {
        "kind": {
            "type": "string",
            "enum": list(LEDGER_KINDS),
            "description": "\n".join(f"- `{kind}`: {words}" for kind, words in LEDGER_KINDS.items()),
        },
        "amount": {**_int, "description": "Cents, signed: the change to the number this kind moves."},
        "at": _datetime,
        "payment_id": {**_nullable(_str), "description": "The payment it is about, if any."},
        "refund_id": {**_nullable(_str), "description": "The refund it is about, if any."},
    },
    ["kind", "amount", "at", "payment_id", "refund_id"],
    description="One change to an invoice's money.",
)
_INVOICE = _closed(
    {
        "invoice_id": _str,
        "number": {**_str, "example": "INV-1042"},
        "status": _INVOICE_STATUS,
        "currency": {**_str, "example": "usd"},
        "total": _int,
        "amount_paid": _int,
        "amount_pending": _int,
        "fees": _int,
        "card_fees": {
            **_int,
            "description": "Card fees paid with its credit card payments (never owed: not in the "
            "balance; its own line in line_items).",
        },
        "balance": _int,
        "issued_date": _date,
        "due_date": _date,
        "overdue": _bool,
        "payable": _bool,
        "allow_partial": _bool,
        "minimum_payment": _int,
        "line_items": {"type": "array", "items": _ref("LineItem")},
        "payments": {"type": "array", "items": _ref("Payment")},
        "extension_request": _nullable(_ref("ExtensionRequest")),
        "late_fee_policy": _ref("LateFeePolicy"),
        "activity": {
            "type": "array",
            "items": _ref("ActivityEntry"),
            "description": (
                "Invoice detail: the first 100 changes to the invoice's money, oldest first, never edited afterwards "
                "(activity_next_cursor pages on). Each entry moves one of the invoice's numbers by its signed amount: "
                "invoiced, late_fee and correction add up to total + fees; payment_received, payment_returned, chargeback, "
                "chargeback_reversed and refunded to amount_paid; transfer_started and transfer_finished to "
                "amount_pending; card_fee, card_fee_refunded, card_fee_charged_back and card_fee_reversed to card_fees; "
                "the others to the client's credit."
            ),
        },
        "activity_next_cursor": {
            **_nullable(_str),
            "description": "Invoice detail: more activity follows (GET /invoices/{invoice_id}/activity?cursor=).",
        },
        "payment_plan": _nullable(_ref("PaymentPlan")),
        "autopay_charge": _nullable(_ref("AutopayCharge")),
    },
    [
        "invoice_id",
        "number",
        "status",
        "currency",
        "total",
        "amount_paid",
        "amount_pending",
        "fees",
        "card_fees",
        "balance",
        "issued_date",
        "due_date",
        "overdue",
        "payable",
        "allow_partial",
        "minimum_payment",
        "extension_request",
        "payment_plan",
        "autopay_charge",
    ],
    description="Amounts are integers in minor units (cents). Lists omit line_items, payments and activity.",
)
_REPORT = _closed(
    {
        "problem_report_id": _str,
        "payment_id": _str,
        "kind": _REPORT_KIND,
        "message": _str,
        "status": {"type": "string", "enum": ["open", "resolved"]},
        "created_at": _datetime,
    },
    ["problem_report_id", "payment_id", "kind", "message", "status", "created_at"],
)

SCHEMAS = {
    "Error": _closed(
        {
            "error": _closed(
                {
                    "code": {
                        **_str,
                        "description": "\n".join(
                            ["Stable snake_case code; each operation lists its codes per status. Besides them:"]
                            + [f"- `{code}` ({code.status}): {describe(code)}" for code in ANY_ROUTE]
                        ),
                    },
                    "message": {**_str, "description": "A sentence a client can act on."},
                    **_ERROR_DETAILS,
                },
                ["code", "message"],
            )
        },
        ["error"],
        description="Every error the functions answer.",
    ),
    "GatewayMessage": _closed(
        {"message": {**_str, "example": "Unauthorized"}},
        ["message"],
        description="API Gateway's own answers: 400 Bad Request (a malformed request), 401 "
        "Unauthorized (JWT authorizer), 404 Not Found (no such route), 413 Request "
        "Entity Too Large.",
    ),
    "Failure": FAILURE,
    "LateFeePolicy": _closed(
        {
            "kind": {"type": "string", "enum": ["none", "flat", "percent"]},
            "amount": {**_nullable(_int), "description": "flat: the fee in cents."},
            "basis_points": {**_nullable(_int), "description": "percent: 150 = 1.5% of the unpaid balance."},
            "grace_days": {**_int, "description": "Days after the due date before the fee is charged."},
            "fee_on_balance": {**_int, "description": "What the fee would be on today's balance, in cents."},
        },
        ["kind", "amount", "basis_points", "grace_days", "fee_on_balance"],
        description="The invoice's own policy, else the merchant's default.",
    ),
    "AchAuthorization": _closed(
        {
            "text": _str,
            "accepted_at": _datetime,
            "payment_method_id": _str,
            "bank_name": _nullable(_str),
            "last4": _str,
            "amount": _int,
            "currency": _str,
        },
        description="The debit authorization the client accepted, kept with the payment (NACHA WEB debits).",
    ),
    "ReceiptResend": _closed(
        {
            "payment_id": _str,
            "receipt_reference": _str,
            "sent_to": _str,
            "status": {"type": "string", "const": "queued"},
        },
        ["payment_id", "receipt_reference", "sent_to", "status"],
    ),
    "LineItem": _closed(
        {"description": _str, "quantity": _int, "unit_amount": _int, "amount": _int},
        ["description", "quantity", "unit_amount", "amount"],
    ),
    "Invoice": _INVOICE,
    "InvoiceDetail": _extend(_INVOICE, {}, ["line_items", "payments", "activity", "activity_next_cursor"]),
    "ActivityPage": _closed(
        {"activity": {"type": "array", "items": _ref("ActivityEntry")}, "next_cursor": _nullable(_str)},
        ["activity", "next_cursor"],
    ),
    "ActivityEntry": _ACTIVITY_ENTRY,
    "AdminInvoice": _extend(
        _INVOICE, {"client_id": _str}, ["client_id", "line_items", "payments", "activity", "activity_next_cursor"]
    ),
    "Payment": _PAYMENT,
    "Allocation": _closed(
        {
            "invoice_id": _str,
            "invoice_number": _nullable(_str),
            "amount": {**_int, "description": "Cents paid on the invoice."},
            "card_fee": {**_int, "description": "Cents of card fee on that amount."},
        },
        ["invoice_id", "invoice_number", "amount", "card_fee"],
    ),
    "Quote": _closed(
        {
            "currency": _str,
            "amount": {**_int, "description": "The invoices' balances together, in cents."},
            "card_fee": {
                **_nullable(
                    _closed(
                        {
                            "basis_points": {**_int, "description": "The fee in force: 250 = 2.5 % (at most 300)."},
                            "amount": {
                                **_nullable(_int),
                                "description": "Cents for this card (0 for a debit or prepaid card); null "
                                "until a card is named.",
                            },
                            "card_funding": {
                                **_nullable(_str),
                                "description": "Stripe's card.funding: credit, debit, prepaid, "
                                "unknown. Only credit carries the fee.",
                            },
                        },
                        ["basis_points", "amount", "card_funding"],
                    )
                ),
                "description": "null: no card fee (none is set, it is off, or a bank transfer).",
            },
            "total": {**_int, "description": "What the client pays: amount + the card fee."},
            "card": _nullable(_closed({"brand": _str, "last4": _str})),
            "allocations": {"type": "array", "items": _ref("Allocation")},
        },
        ["currency", "amount", "card_fee", "total", "card", "allocations"],
        description="What paying these invoices costs now. Show it, card fee and all, before the client submits; "
        "send card_fee.amount back as card_fee.",
    ),
    "CreatedPayment": _extend(
        _PAYMENT,
        {
            "client_secret": {**_str, "description": "Card payments: confirm it with Stripe.js."},
            "next_action": {
                "type": "string",
                "enum": ["authenticate"],
                "description": "authenticate: the bank asks for 3-D Secure; finish it with Stripe.js "
                "(handleNextAction) using client_secret.",
            },
        },
    ),
    "InvoiceList": _closed(
        {"invoices": {"type": "array", "items": _ref("Invoice")}, "next_cursor": _nullable(_str)},
        ["invoices", "next_cursor"],
    ),
    "AdminInvoiceList": _closed(
        {"invoices": {"type": "array", "items": _ref("Invoice")}, "next_cursor": _nullable(_str)},
        ["invoices", "next_cursor"],
    ),
    "PaymentList": _closed(
        {"payments": {"type": "array", "items": _ref("Payment")}, "next_cursor": _nullable(_str)},
        ["payments", "next_cursor"],
    ),
    "WebhookReceived": _closed({"received": {"type": "boolean", "const": True}}, ["received"]),
    "PaymentMethod": _closed(
        {
            "payment_method_id": _str,
            "type": {"type": "string", "enum": ["card", "bank_account"]},
            "default": _bool,
            "card": _nullable(
                _closed({"brand": _str, "last4": _str, "exp_month": _int, "exp_year": _int, "expires_soon": _bool})
            ),
            "bank": _nullable(
                _closed(
                    {
                        "bank_name": _nullable(_str),
                        "account_type": {"type": "string", "enum": ["checking", "savings"]},
                        "last4": _str,
                        "status": {
                            "type": "string",
                            "enum": ["verification_pending", "verified", "verification_failed"],
                        },
                        "verification_attempts_remaining": {
                            **_nullable(_int),
                            "description": "Micro-deposit attempts left; null once verified.",
                        },
                        "verify_again": {
                            **_bool,
                            "description": "The processor unverified this account after a bank return: new "
                            "micro-deposits were sent; verify it again with them.",
                        },
                    }
                )
            ),
        },
        ["payment_method_id", "type", "default", "card", "bank"],
    ),
    "PaymentMethodList": _closed(
        {"payment_methods": {"type": "array", "items": _ref("PaymentMethod")}}, ["payment_methods"]
    ),
    "SetupIntent": _closed({"client_secret": _str}, ["client_secret"]),
    "Refund": _closed(
        {
            "refund_id": _str,
            "payment_id": _str,
            "amount": _int,
            "currency": _str,
            "reason": _str,
            "correction": _bool,
            "status": _REFUND_STATUS,
            "created_at": _datetime,
        },
        ["refund_id", "payment_id", "amount", "currency", "reason", "correction", "status", "created_at"],
    ),
    "ExtensionRequest": _EXTENSION,
    "CreatedExtensionRequest": _extend(_EXTENSION, {"invoice_id": _str}, ["invoice_id"]),
    "ExtensionDecision": _extend(_EXTENSION, {"invoice_id": _str, "due_date": _date}, ["invoice_id", "due_date"]),
    "ProblemReport": _REPORT,
    "ResolvedProblemReport": _extend(
        _REPORT, {"resolved_at": _datetime, "resolution": _str}, ["resolved_at", "resolution"]
    ),
    "ReportSummary": _closed(
        {
            "problem_report_id": _str,
            "kind": _REPORT_KIND,
            "status": {"type": "string", "enum": ["open", "resolved"]},
            "created_at": _datetime,
        },
        ["problem_report_id", "kind", "status", "created_at"],
    ),
    "Account": _closed(
        {
            "client_id": _str,
            "name": _str,
            "billing_email": {**_str, "description": "Where receipts and notices go."},
            "pending_billing_email": {
                **_nullable(_str),
                "description": (
                    "A new billing email waiting for the new address to confirm the single-use link it was "
                    "emailed (24 hours; POST /account/billing-email/confirm). Until then billing_email "
                    "gets everything; null when no change is waiting."
                ),
            },
            "due_date_reminders": _bool,
            "reminder_days_before": {"type": "array", "items": _int, "maxItems": 3},
            "payment_receipts": {"type": "boolean", "const": True},
            "credit_balance": _int,
            "bank_payments": {
                "type": "string",
                "enum": ["available", "suspended", "deactivated"],
                "description": "Whether the client can pay by bank transfer: the processor "
                "suspends or deactivates a client after some bank returns.",
            },
            "autopay": _nullable(_ref("Autopay")),
        },
        [
            "client_id",
            "name",
            "billing_email",
            "pending_billing_email",
            "due_date_reminders",
            "reminder_days_before",
            "payment_receipts",
            "credit_balance",
            "bank_payments",
            "autopay",
        ],
    ),
    "Autopay": _AUTOPAY,
    "AutopayState": _closed({"autopay": _ref("Autopay")}, ["autopay"]),
    "PaymentPlan": _PLAN,
    "AutopayCharge": _AUTOPAY_CHARGE,
    "ClientList": _closed(
        {"clients": {"type": "array", "items": _ref("Account")}, "next_cursor": _nullable(_str)},
        ["clients", "next_cursor"],
        description="Clients of a page, by name.",
    ),
    "Attention": _closed(
        {
            "payments": {
                "type": "array",
                "items": _extend(
                    _PAYMENT,
                    {
                        "client_id": _str,
                        "client_name": _nullable(_str),
                        "reason": {
                            "type": "string",
                            "enum": ["dispute", "credit", "stuck"],
                            "description": "dispute: an open dispute or inquiry to answer in Stripe; credit: money beyond "
                            "what was owed, kept as the client's credit (refund it or let it stand); "
                            "stuck: pending over a day or processing over 10 days.",
                        },
                    },
                    ["client_id", "client_name", "reason"],
                ),
            },
            "extension_requests": {
                "type": "array",
                "items": _extend(
                    _EXTENSION,
                    {
                        "client_id": _str,
                        "client_name": _nullable(_str),
                        "invoice_id": _str,
                        "invoice_number": _str,
                        "due_date": _date,
                        "expired": {**_bool, "description": "The requested date has passed: decline only."},
                    },
                    ["client_id", "client_name", "invoice_id", "invoice_number", "due_date", "expired"],
                ),
            },
            "problem_reports": {
                "type": "array",
                "items": _extend(
                    _REPORT, {"client_id": _str, "client_name": _nullable(_str)}, ["client_id", "client_name"]
                ),
            },
        },
        ["payments", "extension_requests", "problem_reports"],
        description="What needs a person, oldest first.",
    ),
    "PortalSettings": _closed(
        {
            "region": _str,
            "user_pool_id": _str,
            "user_pool_client_id": _str,
            "identity_endpoint": {**_str, "description": "Cognito endpoint for InitiateAuth (USER_PASSWORD_AUTH)."},
            "stripe_publishable_key": {**_str, "description": "Empty when the deployment has none: no card payments."},
            "stripe_js_url": {**_str, "example": "https://js.stripe.com/v3/"},
            "card_brands": {
                "type": "array",
                "items": {"type": "string", "enum": ["visa", "mastercard", "amex", "discover"]},
            },
            "payment_methods": {"type": "array", "items": {"type": "string", "enum": ["card", "ach"]}},
            "card_minimum_amounts": {
                "type": "object",
                "additionalProperties": _int,
                "description": "Cents per currency: the processor's minimum card charge.",
            },
            "ach_authorization_text": {
                **_str,
                "description": "Show it with a checkbox; send it back in ach_authorization.",
            },
            "micro_deposit_attempts": _int,
            "receipt_resend_interval_seconds": _int,
            "autopay_authorization_text": {
                **_str,
                "description": "The recurring authorization autopay needs: show it "
                "with a checkbox; send it back in PUT /account/autopay.",
            },
            "autopay_days_before": {**_int, "description": "Autopay charges this many days before the due date."},
            "autopay_notice_days": {
                **_int,
                "description": "Each autopay charge is emailed at least this many days "
                "ahead (its amount, date and method).",
            },
            "merchant": _closed(
                {
                    "name": _str,
                    "support_email": _str,
                    "support_phone": _nullable(_str),
                    "time_zone": {**_str, "description": "IANA time zone: the merchant's days and times."},
                },
                ["name", "support_email", "support_phone", "time_zone"],
            ),
            "password_policy": _closed(
                {
                    "minimum_length": _int,
                    "require_lowercase": _bool,
                    "require_uppercase": _bool,
                    "require_numbers": _bool,
                    "require_symbols": _bool,
                },
                ["minimum_length", "require_lowercase", "require_uppercase", "require_numbers", "require_symbols"],
                description="The user pool's password rules, to show before a new password is sent.",
            ),
            "card_fee": {
                **_nullable(
                    _closed(
                        {"basis_points": _int, "applies_to": {"type": "string", "const": "credit_cards"}},
                        ["basis_points", "applies_to"],
                    )
                ),
                "description": "The card fee on credit cards (POST /payments), to disclose where the portal "
                "names the cards it takes; null: none.",
            },
            "reminder_days": _closed(
                {"choices": {"type": "array", "items": _int}, "max_chosen": _int, "min_day": _int, "max_day": _int},
                ["choices", "max_chosen", "min_day", "max_day"],
                description="Days before the due date a portal offers for reminders, and what PATCH /account accepts.",
            ),
        },
        [
            "region",
            "user_pool_id",
            "user_pool_client_id",
            "identity_endpoint",
            "stripe_publishable_key",
            "stripe_js_url",
            "card_brands",
            "payment_methods",
            "card_minimum_amounts",
            "ach_authorization_text",
            "micro_deposit_attempts",
            "receipt_resend_interval_seconds",
            "merchant",
            "password_policy",
            "reminder_days",
            "autopay_authorization_text",
            "autopay_days_before",
            "autopay_notice_days",
            "card_fee",
        ],
        description="Public: what a portal needs before sign-in.",
    ),
    # Request bodies: the parsers' own schemas.
    "PaymentRequest": request_schemas.PAYMENT,
    "PaymentsRequest": request_schemas.PAYMENTS,
    "PaymentQuoteRequest": request_schemas.PAYMENT_QUOTE,
    "BankAccountRequest": request_schemas.BANK_ACCOUNT,
    "VerifyRequest": request_schemas.VERIFY,
    "RefundRequest": request_schemas.REFUND,
    "ExtensionRequestBody": request_schemas.EXTENSION,
    "ProblemReportRequest": request_schemas.PROBLEM_REPORT,
    "ResolutionRequest": request_schemas.RESOLUTION,
    "AccountPatch": request_schemas.ACCOUNT_PATCH,
    "BillingEmailConfirmation": request_schemas.BILLING_EMAIL_CONFIRMATION,
    "InvoiceRequest": request_schemas.INVOICE,
    "PaymentPlanRequest": request_schemas.PAYMENT_PLAN,
    "AutopayRequest": request_schemas.AUTOPAY,
    "ExtensionDecisionRequest": request_schemas.EXTENSION_DECISION,
}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _errors(codes: list[str], gateway: str | None = None) -> dict:
    """One status: the Error shape with `code` limited to these codes, each explained; with `gateway`, API
    Gateway's own {"message"} answer as well."""
    schema = _closed(
        {
            "error": _closed(
                {"code": {"type": "string", "enum": codes}, "message": _str, **_ERROR_DETAILS}, ["code", "message"]
            )
        },
        ["error"],
    )
    lines = [f"- `{code}`: {describe(code)}" for code in codes]
    if gateway:
        schema = {"oneOf": [schema, _ref("GatewayMessage")]}
        lines.insert(0, gateway)
    return {"description": "\n".join(lines), "content": {"application/json": {"schema": schema}}}


def _pdf(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Content-Disposition": {"required": True, "schema": _str}},
        "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
    }


def _body(schema_name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema_name)}}}


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY, "pattern": "^[\\x20-\\x7e]+$"},
    "description": "One per attempt (a UUID). The same key and body return the same result "
    "(Idempotent-Replayed: true); with another body: "
    f"{E.IDEMPOTENCY_KEY_REUSED.status} {E.IDEMPOTENCY_KEY_REUSED}.",
}
_REPLAYED = {
    "Idempotent-Replayed": {
        "required": True,
        "schema": {"type": "string", "enum": ["true", "false"]},
        "description": "true: this answer is the one the first request with this "
        "Idempotency-Key got; nothing new happened.",
    }
}
_PAGE = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 25},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": _str,
        "description": "next_cursor of the previous page of the same list (same filters).",
    },
]
_STATUS = {
    "name": "status",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": [*INVOICE_STATUSES, "overdue"]},
    "description": "overdue: open or partially paid invoices past their due date.",
}
_INVOICE_FILTER = {
    "name": "invoice_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
}


def _created(schema: str, description: str) -> dict:
    return {**_json(schema, description), "headers": _REPLAYED}


# Per route: parameters, body and success answers (the errors are ERRORS).
OPERATIONS = {
    "GET /invoices": {
        "parameters": [_STATUS, *_PAGE],
        "responses": {"200": _json("InvoiceList", "The client's invoices, newest first.")},
    },
    "GET /invoices/{invoice_id}": {
        "responses": {
            "200": _json(
                "InvoiceDetail",
                "The invoice with its line items, its newest 100 payments (GET /payments?invoice_id= pages "
                "through all) and the first 100 entries of its activity (activity_next_cursor: the rest).",
            )
        }
    },
    "GET /invoices/{invoice_id}/activity": {
        "parameters": [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "activity_next_cursor of the invoice, or next_cursor of the previous page.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        ],
        "responses": {"200": _json("ActivityPage", "The next entries of the invoice's activity, oldest first.")},
    },
    "POST /invoices/{invoice_id}/payments": {
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("PaymentRequest"),
        "responses": {"201": _created("CreatedPayment", "The payment (the same one for a replayed key).")},
    },
    "POST /payments": {
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("PaymentsRequest"),
        "responses": {
            "201": _created(
                "CreatedPayment",
                "One payment of every invoice's full balance (allocations), the same one for a replayed key.",
            )
        },
    },
    "POST /payments/quote": {
        "requestBody": _body("PaymentQuoteRequest"),
        "responses": {"200": _json("Quote", "What it costs now; nothing is recorded or charged.")},
    },
    "GET /payments": {
        "parameters": [_INVOICE_FILTER, *_PAGE],
        "responses": {"200": _json("PaymentList", "The client's payment history, newest first.")},
    },
    "GET /payments/{payment_id}": {
        "responses": {
            "200": _json(
                "Payment",
                "One payment. Pending or processing for "
                "over a minute: checked with the processor "
                "first (at most every 30 s).",
            )
        }
    },
    "POST /payments/{payment_id}/receipt": {
        "responses": {"202": _json("ReceiptResend", "Queued to the billing email.")}
    },
    "POST /invoices/{invoice_id}/extension-requests": {
        "requestBody": _body("ExtensionRequestBody"),
        "responses": {
            "201": _json("CreatedExtensionRequest", "Stored and sent to the merchant; shown on the invoice.")
        },
    },
    "POST /admin/extension-requests/{extension_request_id}/approve": {
        "requestBody": {**_body("ExtensionDecisionRequest"), "required": False},
        "responses": {
            "200": _json(
                "ExtensionDecision",
                "Approved: the due date moved; the client is emailed, with the note if there is one.",
            )
        },
    },
    "POST /admin/extension-requests/{extension_request_id}/decline": {
        "requestBody": {**_body("ExtensionDecisionRequest"), "required": False},
        "responses": {
            "200": _json(
                "ExtensionDecision",
                "Declined: the due date stays; the client is emailed, with the note if there is one.",
            )
        },
    },
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/payment-plan": {
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("PaymentPlanRequest"),
        "responses": {
            "201": _created(
                "AdminInvoice",
                "The invoice with its payment_plan (the same answer for a replayed key); any earlier plan is replaced.",
            )
        },
    },
    "GET /admin/clients": {
        "parameters": _PAGE,
        "responses": {"200": _json("ClientList", "The merchant's clients, a page at a time.")},
    },
    "GET /admin/clients/{client_id}": {
        "responses": {"200": _json("Account", "One client's account, as the client reads it.")}
    },
    "GET /admin/clients/{client_id}/invoices/{invoice_id}": {
        "responses": {"200": _json("AdminInvoice", "The invoice as its client reads it, with its client_id.")}
    },
    "GET /admin/attention": {"responses": {"200": _json("Attention", "What needs a person.")}},
    "PUT /account/autopay": {
        "requestBody": _body("AutopayRequest"),
        "responses": {
            "200": _json("AutopayState", "Autopay is on with this method; a copy of the authorization is emailed.")
        },
    },
    "DELETE /account/autopay": {"responses": {"204": {"description": "Autopay is off (or was). No body."}}},
    "POST /admin/invoices": {
        "parameters": [{**_IDEMPOTENCY_KEY, "description": "Scoped by client. " + _IDEMPOTENCY_KEY["description"]}],
        "requestBody": _body("InvoiceRequest"),
        "responses": {"201": _created("AdminInvoice", "The open invoice (the same one for a replayed key).")},
    },
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/void": {
        "responses": {"200": _json("AdminInvoice", "Void; an unconfirmed card payment was canceled at Stripe.")}
    },
    "GET /admin/clients/{client_id}/invoices": {
        "parameters": [_STATUS, *_PAGE],
        "responses": {"200": _json("InvoiceList", "The client's invoices, as the portal lists them.")},
    },
    "GET /admin/clients/{client_id}/payments": {
        "parameters": [_INVOICE_FILTER, *_PAGE],
        "responses": {"200": _json("PaymentList", "The client's payments, newest first, as the portal lists them.")},
    },
    "POST /payments/{payment_id}/problem-reports": {
        "requestBody": _body("ProblemReportRequest"),
        "responses": {"201": _json("ProblemReport", "Stored, shown on the payment and emailed to the merchant.")},
    },
    "POST /admin/problem-reports/{problem_report_id}/resolve": {
        "requestBody": _body("ResolutionRequest"),
        "responses": {"200": _json("ResolvedProblemReport", "Resolved; a new report of that kind may follow.")},
    },
    "POST /admin/payments/{payment_id}/refunds": {
        "parameters": [_IDEMPOTENCY_KEY],
        "requestBody": _body("RefundRequest"),
        "responses": {"201": _json("Refund", "Recorded and sent to the processor (pending for bank refunds).")},
    },
    "GET /invoices/{invoice_id}/pdf": {
        "responses": {"200": _pdf("The invoice: the merchant, line items, payments and the balance due.")}
    },
    "GET /payments/{payment_id}/receipt.pdf": {
        "responses": {"200": _pdf("The receipt of a payment that went through, with its invoice's balance.")}
    },
    "GET /portal-settings": {
        "responses": {
            "200": {
                **_json("PortalSettings", "Public settings; no token needed."),
                "headers": {"Cache-Control": {"schema": _str}},
            }
        }
    },
    "GET /payment-methods": {"responses": {"200": _json("PaymentMethodList", "Saved cards and bank accounts.")}},
    "POST /payment-methods/setup": {
        "responses": {"201": _json("SetupIntent", "Confirm it with Stripe.js to save a card without paying.")}
    },
    "POST /payment-methods/bank-accounts": {
        "requestBody": _body("BankAccountRequest"),
        "responses": {"201": _json("PaymentMethod", "Linked; two micro-deposits are on their way.")},
    },
    "POST /payment-methods/{payment_method_id}/verify": {
        "requestBody": _body("VerifyRequest"),
        "responses": {"200": _json("PaymentMethod", "Verified.")},
    },
    "POST /payment-methods/{payment_method_id}/default": {
        "responses": {"200": _json("PaymentMethod", "Now the default.")}
    },
    "DELETE /payment-methods/{payment_method_id}": {
        "responses": {"204": {"description": "Detached at the processor and removed. No body."}}
    },
    "GET /account": {"responses": {"200": _json("Account", "Account settings.")}},
    "PATCH /account": {
        "requestBody": _body("AccountPatch"),
        "responses": {
            "200": _json(
                "Account",
                "The updated settings; a new billing_email is pending_billing_email until its link is confirmed.",
            )
        },
    },
    "POST /account/billing-email/confirm": {
        "requestBody": _body("BillingEmailConfirmation"),
        "responses": {
            "200": _json("Account", "Confirmed: billing_email is the new address (once: the link's token is spent).")
        },
    },
    "POST /webhooks/ach": {
        "parameters": [
            {
                "name": "X-Request-Signature-SHA-256",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
            }
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _json("WebhookReceived", "Queued for the ACH event worker, or a topic not handled.")},
    },
    "POST /webhooks/stripe": {
        "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": _str}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {
            "200": _json(
                "WebhookReceived",
                "Processed, already processed, not handled, or about an object Stripe does not know (nothing changed).",
            )
        },
    },
}

# What a code generator names each operation, and one summary each (a function serving several routes has one
# per route). A route added to template.yaml without a line here fails the build (KeyError) and the test.
NAMES = {
    "GET /portal-settings": ("getPortalSettings", "Public settings a portal loads before sign-in"),
    "GET /invoices": ("listInvoices", "List the client's invoices, newest issued first"),
    "GET /invoices/{invoice_id}": ("getInvoice", "Get an invoice with its line items, payments and activity"),
    "GET /invoices/{invoice_id}/activity": ("listInvoiceActivity", "Page through an invoice's activity"),
    "GET /invoices/{invoice_id}/pdf": ("getInvoicePdf", "Download an invoice as a PDF"),
    "POST /invoices/{invoice_id}/payments": ("createPayment", "Start paying an invoice by card or bank transfer"),
    "POST /invoices/{invoice_id}/extension-requests": ("requestExtension", "Ask for a later due date"),
    "POST /payments": ("payInvoices", "Pay several invoices in one card payment or bank transfer"),
    "POST /payments/quote": ("quotePayment", "What paying several invoices costs, card fee included"),
    "GET /payments": ("listPayments", "List the client's payments, newest first"),
    "GET /payments/{payment_id}": ("getPayment", "Get a payment: did it go through?"),
    "GET /payments/{payment_id}/receipt.pdf": ("getReceiptPdf", "Download a payment's receipt as a PDF"),
    "POST /payments/{payment_id}/receipt": ("resendReceipt", "Email a payment's receipt again"),
    "POST /payments/{payment_id}/problem-reports": ("reportProblem", "Report a problem with a payment"),
    "GET /payment-methods": ("listPaymentMethods", "List saved cards and bank accounts"),
    "POST /payment-methods/setup": ("createCardSetup", "Start saving a card without paying"),
    "POST /payment-methods/bank-accounts": ("addBankAccount", "Link a bank account for bank transfers"),
    "POST /payment-methods/{payment_method_id}/verify": ("verifyBankAccount", "Verify a bank account's two deposits"),
    "POST /payment-methods/{payment_method_id}/default": ("setDefaultPaymentMethod", "Make a saved method the default"),
    "DELETE /payment-methods/{payment_method_id}": ("deletePaymentMethod", "Remove a saved card or bank account"),
    "GET /account": ("getAccount", "Get the client's account settings"),
    "PATCH /account": ("updateAccount", "Change the billing email or reminder settings"),
    "POST /account/billing-email/confirm": ("confirmBillingEmail", "Confirm a new billing email with its emailed link"),
    "POST /admin/invoices": ("createInvoice", "Back office: issue an invoice to a client"),
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/void": ("voidInvoice", "Back office: void an invoice"),
    "GET /admin/clients/{client_id}/invoices": ("listClientInvoices", "Back office: list a client's invoices"),
    "GET /admin/clients/{client_id}/payments": ("listClientPayments", "Back office: list a client's payments"),
    "POST /admin/payments/{payment_id}/refunds": ("refundPayment", "Back office: refund a payment fully or partly"),
    "POST /admin/extension-requests/{extension_request_id}/approve": (
        "approveExtension",
        "Back office: approve an extension request",
    ),
    "POST /admin/extension-requests/{extension_request_id}/decline": (
        "declineExtension",
        "Back office: decline an extension request",
    ),
    "POST /admin/problem-reports/{problem_report_id}/resolve": (
        "resolveProblemReport",
        "Back office: resolve a problem report",
    ),
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/payment-plan": (
        "setPaymentPlan",
        "Back office: split an invoice's balance into installments",
    ),
    "GET /admin/clients": ("listClients", "Back office: list the merchant's clients"),
    "GET /admin/clients/{client_id}": ("getClient", "Back office: get a client's account"),
    "GET /admin/clients/{client_id}/invoices/{invoice_id}": ("getClientInvoice", "Back office: get a client's invoice"),
    "GET /admin/attention": ("listAttention", "Back office: what needs a person"),
    "PUT /account/autopay": ("turnOnAutopay", "Turn autopay on with a saved card or verified bank account"),
    "DELETE /account/autopay": ("turnOffAutopay", "Turn autopay off"),
    "POST /webhooks/stripe": ("receiveStripeEvent", "Stripe's webhook events"),
    "POST /webhooks/ach": ("receiveAchEvent", "The ACH processor's webhook events"),
}


def _link(operation_id: str, **parameters: str) -> dict:
    return {"operationId": operation_id, "parameters": parameters}


# What a client does next with an answer: create, then read, then change or delete (Schemathesis follows these).
LINKS = {
    ("GET /invoices", "200"): {
        "GetInvoice": _link("getInvoice", invoice_id="$response.body#/invoices/0/invoice_id"),
        "InvoicePdf": _link("getInvoicePdf", invoice_id="$response.body#/invoices/0/invoice_id"),
        "InvoiceActivity": _link("listInvoiceActivity", invoice_id="$response.body#/invoices/0/invoice_id"),
        "PayInvoice": _link("createPayment", invoice_id="$response.body#/invoices/0/invoice_id"),
        "AskForMoreTime": _link("requestExtension", invoice_id="$response.body#/invoices/0/invoice_id"),
    },
    ("POST /invoices/{invoice_id}/payments", "201"): {
        "GetPayment": _link("getPayment", payment_id="$response.body#/payment_id"),
        "ReceiptPdf": _link("getReceiptPdf", payment_id="$response.body#/payment_id"),
        "ReportProblem": _link("reportProblem", payment_id="$response.body#/payment_id"),
        "Refund": _link("refundPayment", payment_id="$response.body#/payment_id"),
        "InvoicePayments": _link("listPayments", invoice_id="$response.body#/invoice_id"),
    },
    ("POST /payments", "201"): {
        "GetPayment": _link("getPayment", payment_id="$response.body#/payment_id"),
        "Refund": _link("refundPayment", payment_id="$response.body#/payment_id"),
    },
    ("GET /payments", "200"): {
        "GetPayment": _link("getPayment", payment_id="$response.body#/payments/0/payment_id"),
        "ReceiptPdf": _link("getReceiptPdf", payment_id="$response.body#/payments/0/payment_id"),
    },
    ("POST /payment-methods/bank-accounts", "201"): {
        "Verify": _link("verifyBankAccount", payment_method_id="$response.body#/payment_method_id"),
        "MakeDefault": _link("setDefaultPaymentMethod", payment_method_id="$response.body#/payment_method_id"),
        "Delete": _link("deletePaymentMethod", payment_method_id="$response.body#/payment_method_id"),
    },
    ("GET /payment-methods", "200"): {
        "Delete": _link("deletePaymentMethod", payment_method_id="$response.body#/payment_methods/0/payment_method_id")
    },
    ("POST /admin/invoices", "201"): {
        "Void": _link("voidInvoice", client_id="$response.body#/client_id", invoice_id="$response.body#/invoice_id"),
        "SplitIntoInstallments": _link(
            "setPaymentPlan", client_id="$response.body#/client_id", invoice_id="$response.body#/invoice_id"
        ),
        "Read": _link(
            "getClientInvoice", client_id="$response.body#/client_id", invoice_id="$response.body#/invoice_id"
        ),
        "ClientInvoices": _link("listClientInvoices", client_id="$response.body#/client_id"),
    },
    ("POST /invoices/{invoice_id}/extension-requests", "201"): {
        "Approve": _link("approveExtension", extension_request_id="$response.body#/extension_request_id"),
        "Decline": _link("declineExtension", extension_request_id="$response.body#/extension_request_id"),
    },
    ("POST /payments/{payment_id}/problem-reports", "201"): {
        "Resolve": _link("resolveProblemReport", problem_report_id="$response.body#/problem_report_id")
    },
}

_UNAUTHORIZED = 'API Gateway\'s {"message": "Unauthorized"} for a missing, expired or foreign token; or:'
_MALFORMED = 'API Gateway\'s {"message": "Bad Request"} for a request HTTP cannot read (a malformed header).'
_TOO_LARGE = {
    "description": 'API Gateway\'s {"message": "Request Entity Too Large"}: the body is over 10 MB.',
    "content": {"application/json": {"schema": _ref("GatewayMessage")}},
}


def _by_status(entries: tuple) -> dict[int, list[ErrorCode]]:
    """A route's ERRORS entry grouped by the status each code is answered with, in the entry's order."""
    errors: dict[int, list[ErrorCode]] = {}
    for entry in entries:
        code, status = entry if isinstance(entry, tuple) else (entry, entry.status)
        if status not in code.statuses:
            raise ValueError(f"{code} is answered with {code.statuses}, not {status} (shared.http.errors.ErrorCode)")
        errors.setdefault(status, []).append(code)
    return errors


def _error_responses(key: str, path: str, auth: bool, has_body: bool) -> dict:
    errors = _by_status(ERRORS[key])
    ids = [name for name in NOT_FOUND_CODES if "{" + name + "}" in path]
    if ids:  # every path id answers its not-found code (also when it is longer than any id can be)
        errors[404] = list(dict.fromkeys([E(NOT_FOUND_CODES[name]) for name in ids] + errors.get(404, [])))
    if auth and path.startswith("/admin/"):
        errors[403] = [E.FORBIDDEN]
    # Any route: a request HTTP cannot read (e.g. a Content-Length that is not a number) gets the gateway's own 400.
    responses = {
        str(status): _errors(codes, gateway=_MALFORMED if status == 400 else None)
        for status, codes in sorted(errors.items())
    }
    responses.setdefault(
        "400", {"description": _MALFORMED, "content": {"application/json": {"schema": _ref("GatewayMessage")}}}
    )
    if "429" in responses:
        responses["429"]["headers"] = {
            "Retry-After": {
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
                "description": "Seconds until the next try may succeed.",
            }
        }
    if auth:
        responses["401"] = _errors([E.UNAUTHORIZED], gateway=_UNAUTHORIZED)
    if has_body:
        responses["413"] = _TOO_LARGE
    return dict(sorted(responses.items()))


def _path_parameter(parameter: dict) -> dict:
    """Powertools' path parameter, with the length every id has (a longer one answers its 404 before any read)."""
    if parameter.get("in") != "path":
        return parameter
    return {**parameter, "schema": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH}}


def build(server_url: str | None = None) -> dict:
    paths: dict[str, dict] = {}
    for route in sorted(template.http_routes(), key=lambda r: (r["path"], r["method"])):
        module = importlib.import_module(route["module"])
        generated = json.loads(module.app.get_openapi_json_schema())["paths"]
        method, key = route["method"].lower(), f"{route['method']} {route['path']}"
        if route["path"] not in generated or method not in generated[route["path"]]:
            raise LookupError(f"{key} is in template.yaml but {route['module']} has no such route")
        generated_op = generated[route["path"]][method]
        extra = OPERATIONS[key]
        operation_id, summary = NAMES[key]
        op = {
            "operationId": operation_id,
            "summary": summary,
            "description": (module.__doc__ or key).strip(),
            "tags": ["webhooks" if "webhooks" in route["path"] else route["path"].split("/")[1]],
            "parameters": [_path_parameter(p) for p in generated_op.get("parameters", [])]
            + extra.get("parameters", []),
            "responses": {
                **extra["responses"],
                **_error_responses(key, route["path"], route["auth"], "requestBody" in extra),
            },
        }
        if "requestBody" in extra:
            op["requestBody"] = extra["requestBody"]
        if not route["auth"]:
            op["security"] = []  # webhooks: the processor signs the body; portal settings: public
        paths.setdefault(route["path"], {})[method] = op
    # A copy owns none of the module's dicts: a caller (Schemathesis resolves references in place) cannot
    # change what the next build() returns.
    paths = json.loads(json.dumps(paths))
    for (key, status), links in LINKS.items():
        method, path = key.split(" ", 1)
        paths[path][method.lower()]["responses"][status]["links"] = links
    return json.loads(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {
                    "title": "Portal payments API",
                    "version": "1.0.0",
                    "description": "Payment backend of the Client Portal. Amounts are integers in minor units "
                    '(cents). Errors are {"error": {"code", "message"}}; each operation lists '
                    "its codes per status, with their meaning. API Gateway itself answers "
                    '{"message": ...} for 400 (a malformed request), 401 (token), 404 (no such '
                    "route) and 413 (body over 10 MB).",
                },
                "servers": [{"url": server_url or "http://127.0.0.1:3000", "description": "local stack (make local)"}],
                "security": [{"cognitoIdToken": []}],
                "paths": paths,
                "components": {
                    "schemas": SCHEMAS,
                    "securitySchemes": {
                        "cognitoIdToken": {
                            "type": "http",
                            "scheme": "bearer",
                            "bearerFormat": "JWT",
                            "description": "ID token of the merchant's Cognito user pool (InitiateAuth USER_PASSWORD_AUTH); "
                            "the client is its custom:client_id claim.",
                        }
                    },
                },
            }
        )
    )


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _environment() -> None:
    """The function modules read a few variables at import; placeholders are enough to describe them."""
    import os

    for k, v in {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
    }.items():
        os.environ.setdefault(k, v)


if __name__ == "__main__":
    _environment()
    text = render(build())
    if "--write" in sys.argv:
        COMMITTED.parent.mkdir(exist_ok=True)
        COMMITTED.write_text(text)
        print(f"wrote {COMMITTED}")
    else:
        sys.stdout.write(text)
