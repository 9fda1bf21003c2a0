"""OpenAPI 3.1 document of the portal API, built at dev time (pydantic is a dev dependency, not in the layer).

Where each part comes from:
- routes: template.yaml (infra.template.http_routes), the same list the local gateway serves;
- paths, methods, path parameters: Powertools' generator, from each function module's resolver `app`
  (app.get_openapi_json_schema()); no handler change needed;
- summaries: each function module's docstring;
- bodies, responses, query parameters, Idempotency-Key, security: written here from DESIGN.md's contract,
  since the handlers parse those by hand (no pydantic models at run time).

`python -m infra.openapi` prints it; `python -m infra.openapi --write` refreshes docs/openapi.json (a test
checks that the committed file equals this output).
"""

import importlib
import json
import sys
from pathlib import Path

from infra import template
from shared.ledger import DESCRIPTIONS

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "openapi.json"

_nullable = lambda schema: {"anyOf": [schema, {"type": "null"}]}  # noqa: E731  (OpenAPI 3.1 style)
_int = {"type": "integer"}
_str = {"type": "string"}
_ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {**_str, "description": "Stable snake_case code, e.g. invoice_not_found."},
                       "message": {**_str, "description": "A sentence a client can act on."}}}}},
    "Unauthorized": {"type": "object", "description": "API Gateway's JWT authorizer refusal.",
                     "properties": {"message": {**_str, "example": "Unauthorized"}}},
    "LineItem": {"type": "object", "required": ["description", "quantity", "unit_amount", "amount"],
                 "properties": {"description": _str, "quantity": _int, "unit_amount": _int, "amount": _int}},
    "Invoice": {"type": "object", "description": "Amounts are integers in minor units (cents). List items "
                "may omit line_items and payments.",
                "required": ["invoice_id", "number", "status", "currency", "total", "amount_paid", "amount_pending",
                             "fees", "balance", "issued_date", "due_date", "overdue", "payable", "allow_partial",
                             "minimum_payment"],
                "properties": {
                    "invoice_id": _str, "number": {**_str, "example": "INV-1042"},
                    "status": {"type": "string", "enum": ["open", "partially_paid", "processing", "paid", "void"]},
                    "currency": {**_str, "example": "usd"}, "total": _int, "amount_paid": _int,
                    "amount_pending": _int, "fees": _int, "balance": _int,
                    "issued_date": {"type": "string", "format": "date"},
                    "due_date": {"type": "string", "format": "date"},
                    "overdue": {"type": "boolean"}, "payable": {"type": "boolean"},
                    "allow_partial": {"type": "boolean"}, "minimum_payment": _int,
                    "line_items": {"type": "array", "items": _ref("LineItem")},
                    "payments": {"type": "array", "items": _ref("Payment")},
                    "activity": {"type": "array", "description": "Every change to the invoice's money, oldest "
                                 "first. Each kind moves one number by its signed amount: invoiced, late_fee and "
                                 "correction add up to total + fees; payment_received, payment_returned, "
                                 "chargeback, chargeback_reversed and refunded to amount_paid; transfer_started and "
                                 "transfer_finished to amount_pending; the rest to the part kept as credit.\n\n"
                                 + "\n".join(f"- `{k}`: {w}" for k, w in DESCRIPTIONS.items()),
                                 "items": {"type": "object", "required": ["kind", "amount", "at", "payment_id",
                                                                          "refund_id"], "properties": {
                                     "kind": {"type": "string", "enum": list(DESCRIPTIONS)},
                                     "amount": {**_int, "description": "Cents, signed: the change to its number."},
                                     "at": {"type": "string", "format": "date-time"},
                                     "payment_id": _nullable(_str), "refund_id": _nullable(_str)}}},
                    "extension_request": _nullable(_ref("ExtensionRequest"))}},
    "Payment": {"type": "object",
                "required": ["payment_id", "invoice_id", "amount", "currency", "method", "status", "created_at",
                             "succeeded_at", "failure", "card", "bank", "receipt_sent"],
                "properties": {
                    "payment_id": _str, "invoice_id": _str, "amount": _int, "currency": _str,
                    "method": {"type": "string", "enum": ["card", "ach"]},
                    "status": {"type": "string", "enum": ["pending", "processing", "succeeded", "failed", "canceled",
                                                          "refunded", "partially_refunded", "disputed"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "succeeded_at": _nullable({"type": "string", "format": "date-time"}),
                    "failure": _nullable({"type": "object", "properties": {"code": _str, "message": _str}}),
                    "card": _nullable({"type": "object", "properties": {"brand": _str, "last4": _str}}),
                    "bank": _nullable({"type": "object", "properties": {"bank_name": _str, "last4": _str}}),
                    "receipt_sent": {"type": "boolean"},
                    "problem_reports": {"type": "array", "items": _ref("ReportSummary")},
                    "refunds": {"type": "array", "items": {"type": "object", "properties": {
                        "refund_id": _str, "amount": _int, "created_at": {"type": "string", "format": "date-time"},
                        "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]}}}}}},
    "CreatedPayment": {"allOf": [_ref("Payment"), {"type": "object", "properties": {"client_secret": {
        **_nullable(_str), "description": "For card payments: confirm it with Stripe.js."}}}]},
    "PaymentRequest": {"type": "object", "required": ["method"], "properties": {
        "method": {"type": "string", "enum": ["card", "ach"]},
        "amount": {**_int, "description": "Optional; defaults to the balance. Partial amounts only where the "
                                          "invoice allows them, and not under minimum_payment."},
        "payment_method_id": {**_str, "description": "Optional saved payment method."},
        "save_payment_method": {"type": "boolean"}}},
    "InvoiceList": {"type": "object", "required": ["invoices", "next_cursor"], "properties": {
        "invoices": {"type": "array", "items": _ref("Invoice")}, "next_cursor": _nullable(_str)}},
    "PaymentList": {"type": "object", "required": ["payments", "next_cursor"], "properties": {
        "payments": {"type": "array", "items": _ref("Payment")}, "next_cursor": _nullable(_str)}},
    "WebhookReceived": {"type": "object", "properties": {"received": {"type": "boolean", "const": True}}},
    "PaymentMethod": {"type": "object", "properties": {
        "payment_method_id": _str, "type": {"type": "string", "enum": ["card", "bank_account"]},
        "default": {"type": "boolean"},
        "card": _nullable({"type": "object", "properties": {
            "brand": _str, "last4": _str, "exp_month": _int, "exp_year": _int, "expires_soon": {"type": "boolean"}}}),
        "bank": _nullable({"type": "object", "properties": {
            "bank_name": _str, "account_type": {"type": "string", "enum": ["checking", "savings"]}, "last4": _str,
            "status": {"type": "string", "enum": ["verification_pending", "verified", "verification_failed"]}}})}},
    "PaymentMethodList": {"type": "object", "properties": {
        "payment_methods": {"type": "array", "items": _ref("PaymentMethod")}}},
    "BankAccountRequest": {"type": "object", "required": ["routing_number", "account_number", "account_type",
                                                          "holder_name"], "properties": {
        "routing_number": {**_str, "pattern": "^[0-9]{9}$"}, "account_number": {**_str, "pattern": "^[0-9]{4,17}$"},
        "account_type": {"type": "string", "enum": ["checking", "savings"]}, "holder_name": _str}},
    "VerifyRequest": {"type": "object", "required": ["amounts"], "properties": {
        "amounts": {"type": "array", "items": _int, "minItems": 2, "maxItems": 2,
                    "description": "The two micro-deposits, in cents."}}},
    "SetupIntent": {"type": "object", "properties": {"client_secret": _str}},
    "RefundRequest": {"type": "object", "required": ["amount", "reason"], "properties": {
        "amount": {**_int, "minimum": 1}, "reason": {**_str, "maxLength": 500},
        "correction": {"type": "boolean", "description": "An overcharge correction: the invoice total comes "
                                                          "down too and the invoice stays paid."}}},
    "Refund": {"type": "object", "properties": {
        "refund_id": _str, "payment_id": _str, "amount": _int, "currency": _str, "reason": _str,
        "correction": {"type": "boolean"}, "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
        "created_at": {"type": "string", "format": "date-time"}}},
    "ExtensionRequestBody": {"type": "object", "required": ["requested_due_date", "reason"], "properties": {
        "requested_due_date": {"type": "string", "format": "date",
                               "description": "After the current due date, at most 90 days later."},
        "reason": {**_str, "maxLength": 1000}}},
    "ExtensionRequest": {"type": "object", "properties": {
        "extension_request_id": _str, "invoice_id": _str, "requested_due_date": {"type": "string", "format": "date"},
        "reason": _str, "status": {"type": "string", "enum": ["pending", "approved", "declined"]}}},
    "ExtensionDecision": {"allOf": [_ref("ExtensionRequest"), {"type": "object", "properties": {
        "due_date": {"type": "string", "format": "date"}}}]},
    "ProblemReportRequest": {"type": "object", "required": ["kind", "message"], "additionalProperties": False,
                             "properties": {
        "kind": {"type": "string", "enum": ["wrong_amount", "double_charge", "not_recognized", "other"]},
        "message": {**_str, "minLength": 1, "maxLength": 2000}}},
    "ProblemReport": {"type": "object", "required": ["problem_report_id", "payment_id", "kind", "message", "status",
                                                     "created_at"], "properties": {
        "problem_report_id": _str, "payment_id": _str,
        "kind": {"type": "string", "enum": ["wrong_amount", "double_charge", "not_recognized", "other"]},
        "message": _str, "status": {"type": "string", "enum": ["open", "resolved"]},
        "created_at": {"type": "string", "format": "date-time"}}},
    "ResolutionRequest": {"type": "object", "required": ["resolution"], "additionalProperties": False,
                          "properties": {"resolution": {**_str, "minLength": 1, "maxLength": 2000}}},
    "ResolvedProblemReport": {"allOf": [_ref("ProblemReport"), {"type": "object", "properties": {
        "status": {"type": "string", "const": "resolved"}, "resolved_at": {"type": "string", "format": "date-time"},
        "resolution": _str}}]},
    "ReportSummary": {"type": "object", "properties": {
        "problem_report_id": _str, "kind": _str, "status": {"type": "string", "enum": ["open", "resolved"]},
        "created_at": {"type": "string", "format": "date-time"}}},
    "Account": {"type": "object", "properties": {
        "client_id": _str, "name": _str, "billing_email": _str, "due_date_reminders": {"type": "boolean"},
        "reminder_days_before": {"type": "array", "items": _int, "maxItems": 3},
        "payment_receipts": {"type": "boolean", "const": True}, "credit_balance": _int}},
    "AccountPatch": {"type": "object", "additionalProperties": False, "properties": {
        "name": _str, "billing_email": _str, "due_date_reminders": {"type": "boolean"},
        "reminder_days_before": {"type": "array", "items": {**_int, "minimum": 1, "maximum": 30}, "maxItems": 3},
        "payment_receipts": {"type": "boolean", "const": True}}},
    "InvoiceRequest": {"type": "object", "additionalProperties": False,
                       "required": ["client_id", "number", "line_items", "due_date"], "properties": {
        "client_id": _str, "number": {**_str, "minLength": 1, "maxLength": 40},
        "line_items": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
            "type": "object", "additionalProperties": False, "required": ["description", "quantity", "unit_amount"],
            "properties": {"description": {**_str, "minLength": 1, "maxLength": 500},
                           "quantity": {**_int, "minimum": 1}, "unit_amount": {**_int, "minimum": 0}}},
            "description": "Integer cents only; the total (sum of quantity * unit_amount) must be above zero."},
        "due_date": {"type": "string", "format": "date", "description": "On or after issued_date."},
        "issued_date": {"type": "string", "format": "date", "description": "Default: today in the merchant's zone."},
        "currency": {"type": "string", "enum": ["aud", "cad", "eur", "gbp", "usd"], "default": "usd"},
        "allow_partial": {"type": "boolean", "default": False},
        "minimum_payment": {**_int, "minimum": 0, "default": 0, "description": "Cents; needs allow_partial."},
        "late_fee_policy": _nullable({"type": "object", "required": ["kind"], "additionalProperties": False,
                                      "properties": {"kind": {"type": "string", "enum": ["none", "flat", "percent"]},
                                                     "amount": _int, "basis_points": _int,
                                                     "grace_days": {**_int, "minimum": 0, "maximum": 30}},
                                      "description": "Omitted or null: the merchant's default policy."})}},
    "PortalSettings": {"type": "object", "description": "Public: what a portal needs before sign-in.",
                       "required": ["region", "user_pool_id", "user_pool_client_id", "identity_endpoint",
                                    "stripe_publishable_key", "stripe_js_url", "card_brands", "payment_methods",
                                    "merchant"], "properties": {
        "region": _str, "user_pool_id": _str, "user_pool_client_id": _str,
        "identity_endpoint": {**_str, "description": "Cognito endpoint for InitiateAuth (USER_PASSWORD_AUTH)."},
        "stripe_publishable_key": {**_str, "description": "Empty when the deployment has none: no card payments."},
        "stripe_js_url": {**_str, "example": "https://js.stripe.com/v3/"},
        "card_brands": {"type": "array", "items": {"type": "string", "enum": ["visa", "mastercard", "amex",
                                                                              "discover"]}},
        "payment_methods": {"type": "array", "items": {"type": "string", "enum": ["card", "ach"]}},
        "merchant": {"type": "object", "properties": {"name": _str, "support_email": _str,
                                                      "support_phone": _nullable(_str)}}}},
    "AdminInvoice": {"allOf": [_ref("Invoice"), {"type": "object", "required": ["client_id"],
                                                 "properties": {"client_id": _str}}]},
}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(description: str) -> dict:
    return _json("Error", description)


_PAGE = [{"name": "limit", "in": "query", "required": False, "schema": _int},
         {"name": "cursor", "in": "query", "required": False, "schema": _str,
          "description": "next_cursor of the previous page"}]

# Per route: what the handler reads by hand and what it answers (DESIGN.md, "HTTP contract").
OPERATIONS = {
    "GET /invoices": {
        "parameters": [{"name": "status", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["open", "partially_paid", "processing", "paid",
                                                              "void"]}}] + _PAGE,
        "responses": {"200": _json("InvoiceList", "The client's invoices, newest first."),
                      "400": _error("Bad filter, limit or cursor.")}},
    "GET /invoices/{invoice_id}": {
        "responses": {"200": _json("Invoice", "The invoice with line items and payments."),
                      "404": _error("invoice_not_found (also for another client's invoice).")}},
    "POST /invoices/{invoice_id}/payments": {
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": _str,
                        "description": "The same key with the same body returns the same payment; with another "
                                       "body it is 422 idempotency_key_reused."}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("PaymentRequest")}}},
        "responses": {
            "201": {**_json("CreatedPayment", "The payment (the same one for a replayed key)."),
                    "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true", "false"]}}}},
            "400": _error("idempotency_key_required, invalid_json."),
            "404": _error("invoice_not_found, payment_method_not_found."),
            "409": _error("invoice_paid, invoice_void, payment_in_progress, payment_canceled (a saved card's "
                          "payment was replaced from another window before it was confirmed: nothing was "
                          "charged and the payment is canceled)."),
            "422": _error("partial_payment_not_allowed, amount_exceeds_balance, amount_below_minimum, "
                          "invalid_amount, unsupported_method, idempotency_key_reused, "
                          "bank_account_not_verified, payment_method_required, unsupported_currency (ach on an "
                          "invoice not in usd)."),
            "503": _error("processor_unavailable: nothing was charged; retry with the same key.")}},
    "GET /payments": {
        "parameters": [{"name": "invoice_id", "in": "query", "required": False, "schema": _str}] + _PAGE,
        "responses": {"200": _json("PaymentList", "The client's payment history, newest first."),
                      "400": _error("Bad limit or cursor.")}},
    "GET /payments/{payment_id}": {
        "responses": {"200": _json("Payment", "One payment."),
                      "404": _error("payment_not_found (also for another client's payment).")}},
    "POST /invoices/{invoice_id}/extension-requests": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ExtensionRequestBody")}}},
        "responses": {"201": _json("ExtensionRequest", "Stored and sent to the merchant; shown on the invoice."),
                      "404": _error("invoice_not_found."),
                      "409": _error("invoice_paid, invoice_void, extension_request_pending."),
                      "422": _error("invalid_date, date_not_after_due_date, date_too_far, invalid_reason.")}},
    "POST /admin/extension-requests/{extension_request_id}/approve": {
        "responses": {"200": _json("ExtensionDecision", "Approved: the due date moved."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("extension_request_not_found."), "409": _error("extension_request_decided.")}},
    "POST /admin/extension-requests/{extension_request_id}/decline": {
        "responses": {"200": _json("ExtensionDecision", "Declined: the due date stays."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("extension_request_not_found."), "409": _error("extension_request_decided.")}},
    "POST /admin/invoices": {
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": _str,
                        "description": "Scoped by client: the same key with the same body returns the same "
                                       "invoice; with another body it is 422 idempotency_key_reused."}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("InvoiceRequest")}}},
        "responses": {
            "201": {**_json("AdminInvoice", "The open invoice (the same one for a replayed key)."),
                    "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true", "false"]}}}},
            "400": _error("idempotency_key_required, invalid_idempotency_key, invalid_json."),
            "403": _error("forbidden: not in the merchant's admin group."),
            "404": _error("client_not_found."),
            "422": _error("invalid_line_items, invalid_amount, invalid_date, invalid_number, "
                          "invalid_late_fee_policy, invalid_field, unknown_field, idempotency_key_reused.")}},
    "POST /admin/clients/{client_id}/invoices/{invoice_id}/void": {
        "responses": {"200": _json("AdminInvoice", "Void; an unconfirmed card payment was canceled at Stripe."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("invoice_not_found."),
                      "409": _error("invoice_paid, invoice_void, invoice_partially_paid (refund first), "
                                    "payment_in_progress, concurrent_change."),
                      "503": _error("processor_unavailable: nothing changed; try again.")}},
    "GET /admin/clients/{client_id}/invoices": {
        "parameters": [{"name": "status", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["open", "partially_paid", "processing", "paid",
                                                              "void"]}}] + _PAGE,
        "responses": {"200": _json("InvoiceList", "The client's invoices, as the portal lists them."),
                      "400": _error("invalid_status, invalid_limit, invalid_cursor."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("client_not_found.")}},
    "GET /admin/clients/{client_id}/payments": {
        "parameters": [{"name": "invoice_id", "in": "query", "required": False, "schema": _str}] + _PAGE,
        "responses": {"200": _json("PaymentList", "The client's payments, newest first, as the portal lists them."),
                      "400": _error("invalid_limit, invalid_cursor."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("client_not_found.")}},
    "POST /payments/{payment_id}/problem-reports": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ProblemReportRequest")}}},
        "responses": {"201": _json("ProblemReport", "Stored, shown on the payment and emailed to the merchant."),
                      "400": _error("invalid_json."),
                      "404": _error("payment_not_found (also for another client's payment)."),
                      "409": _error("problem_report_open: a report of this kind is still open on the payment."),
                      "422": _error("invalid_kind, invalid_message, unknown_field.")}},
    "POST /admin/problem-reports/{problem_report_id}/resolve": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ResolutionRequest")}}},
        "responses": {"200": _json("ResolvedProblemReport", "Resolved; a new report of that kind may follow."),
                      "400": _error("invalid_json."), "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("problem_report_not_found."),
                      "409": _error("problem_report_resolved, concurrent_change."),
                      "422": _error("invalid_resolution, unknown_field.")}},
    "POST /admin/payments/{payment_id}/refunds": {
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": _str,
                        "description": "The same key and body return the same refund."}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RefundRequest")}}},
        "responses": {"201": _json("Refund", "Recorded and sent to the processor (pending for bank refunds)."),
                      "400": _error("idempotency_key_required, invalid_json."),
                      "403": _error("forbidden: not in the merchant's admin group."),
                      "404": _error("payment_not_found."),
                      "409": _error("payment_not_refundable (not succeeded), concurrent_change."),
                      "422": _error("invalid_amount, invalid_reason, amount_exceeds_refundable, refund_refused, "
                                    "idempotency_key_reused."),
                      "503": _error("processor_unavailable: the refund stays pending; retry with the same key.")}},
    "GET /portal-settings": {"responses": {"200": _json("PortalSettings", "Public settings; no token needed.")}},
    "GET /payment-methods": {"responses": {"200": _json("PaymentMethodList", "Saved cards and bank accounts.")}},
    "POST /payment-methods/setup": {"responses": {"201": _json("SetupIntent", "Confirm it with Stripe.js to save "
                                                                             "a card without paying.")}},
    "POST /payment-methods/bank-accounts": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BankAccountRequest")}}},
        "responses": {"201": _json("PaymentMethod", "Linked; two micro-deposits are on their way."),
                      "409": _error("bank_account_exists."),
                      "422": _error("invalid_routing_number, invalid_account_number, invalid_account_type, "
                                    "invalid_holder_name, bank_account_rejected.")}},
    "POST /payment-methods/{payment_method_id}/verify": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("VerifyRequest")}}},
        "responses": {"200": _json("PaymentMethod", "Verified."),
                      "404": _error("payment_method_not_found."),
                      "409": _error("micro_deposits_pending, bank_account_already_verified, verification_failed."),
                      "422": _error("invalid_amounts, incorrect_amounts, verification_attempts_exceeded.")}},
    "POST /payment-methods/{payment_method_id}/default": {
        "responses": {"200": _json("PaymentMethod", "Now the default."), "404": _error("payment_method_not_found."),
                      "422": _error("bank_account_not_verified.")}},
    "DELETE /payment-methods/{payment_method_id}": {
        "responses": {"204": {"description": "Detached at the processor and removed."},
                      "404": _error("payment_method_not_found.")}},
    "GET /account": {"responses": {"200": _json("Account", "Account settings."),
                                   "404": _error("account_not_found.")}},
    "PATCH /account": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AccountPatch")}}},
        "responses": {"200": _json("Account", "The updated settings."),
                      "422": _error("unknown_field, invalid_email, invalid_reminder_days, receipts_required, "
                                    "invalid_field.")}},
    "POST /webhooks/ach": {
        "parameters": [{"name": "X-Request-Signature-SHA-256", "in": "header", "required": True, "schema": _str}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _json("WebhookReceived", "Queued for the ACH event worker, or a topic not handled."),
                      "400": _error("invalid_signature, invalid_payload (nothing queued)."),
                      "503": _error("temporarily_unavailable: the queue refused the event; the processor retries."),
                      "500": _error("Unexpected failure; the processor retries.")}},
    "POST /webhooks/stripe": {
        "parameters": [{"name": "Stripe-Signature", "in": "header", "required": True, "schema": _str}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _json("WebhookReceived", "Processed, already processed, or not handled."),
                      "400": _error("invalid_signature, invalid_payload."),
                      "500": _error("Failed part-way; Stripe retries and the retry finishes the job.")}},
}


def build(server_url: str | None = None) -> dict:
    paths: dict[str, dict] = {}
    for route in sorted(template.http_routes(), key=lambda r: (r["path"], r["method"])):
        module = importlib.import_module(route["module"])
        generated = json.loads(module.app.get_openapi_json_schema())["paths"]
        method, key = route["method"].lower(), f"{route['method']} {route['path']}"
        if route["path"] not in generated or method not in generated[route["path"]]:
            raise LookupError(f"{key} is in template.yaml but {route['module']} has no such route")
        generated_op = generated[route["path"]][method]
        extra = OPERATIONS.get(key, {})
        op = {"operationId": route["function"],
              "summary": (module.__doc__ or key).strip().splitlines()[0],
              "tags": ["webhooks" if "webhooks" in route["path"] else route["path"].split("/")[1]],
              "parameters": generated_op.get("parameters", []) + extra.get("parameters", []),
              "responses": dict(extra.get("responses", {"200": {"description": "OK"}}))}
        if "requestBody" in extra:
            op["requestBody"] = extra["requestBody"]
        if route["auth"]:
            op["responses"]["401"] = _json("Unauthorized", "API Gateway's {\"message\": \"Unauthorized\"} for a "
                                           "missing, expired or foreign token; the error unauthorized for an access "
                                           "token, or on a portal route an ID token without custom:client_id.")
        else:
            op["security"] = []  # webhooks: the processor signs the body; portal settings: public
        if "webhooks" in route["path"]:
            # A webhook's own 503 (e.g. the ACH queue refusing the event) is kept; both mean "retry later".
            own = op["responses"].get("503", {}).get("description")
            not_configured = ("processor_unavailable: the processor's secret is not configured yet; nothing changed "
                              "and the processor retries.")
            op["responses"]["503"] = _error(f"{not_configured} {own}" if own else not_configured)
        paths.setdefault(route["path"], {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Portal payments API", "version": "1.0.0",
                 "description": "Payment backend of the Client Portal. Amounts are integers in minor units. "
                                "Errors are {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": server_url or "http://127.0.0.1:3000", "description": "local stack (make local)"}],
        "security": [{"cognitoIdToken": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"cognitoIdToken": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "ID token of the merchant's Cognito user pool (InitiateAuth USER_PASSWORD_AUTH); "
                           "the client is its custom:client_id claim."}}},
    }


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _environment() -> None:
    """The function modules read a few variables at import; placeholders are enough to describe them."""
    import os

    for k, v in {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                 "POWERTOOLS_TRACE_DISABLED": "1"}.items():
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
