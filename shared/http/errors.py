"""Errors the client can act on. Each carries the HTTP status and the stable snake_case code of the contract.

`ErrorCode` is every code the API answers, with its status and what it means for the caller: infra/openapi.py
publishes it (docs/openapi.json), and tests/test_error_codes.py holds every code the code raises to it. The words a
client sees stay where each error is raised (they name the field, the amount, the date)."""

from enum import StrEnum


def _code(code: str, status: int, description: str, *, also: int | None = None) -> tuple:
    return code, status, description, also


class ErrorCode(StrEnum):
    """`status`: the HTTP status the code is answered with; `statuses`: with `also`, a second one some routes
    answer it with (the invoice of a several-invoice payment that is paid is 422, not 409). `description`: the
    meaning published in docs/openapi.json; {MAX_...} is filled in there with the limit the code checks."""

    status: int
    statuses: tuple[int, ...]
    description: str

    def __new__(cls, code: str, status: int, description: str, also: int | None):
        member = str.__new__(cls, code)
        member._value_ = code
        member.status, member.description = status, description
        member.statuses = (status,) if also is None else (status, also)
        return member

    INVALID_JSON = _code(
        "invalid_json",
        400,
        "The body is not a JSON object: not UTF-8 JSON, nested deeper than {MAX_DEPTH} levels, or "
        "text with a lone surrogate.",
    )
    UNKNOWN_FIELD = _code(
        "unknown_field", 422, "The body has a field this route does not take (nothing is ignored silently)."
    )
    INVALID_FIELD = _code(
        "invalid_field",
        422,
        "A field has the wrong type or shape (a name: empty, over its bytes; or it holds a line "
        "break, tab, other control character or bidirectional override); the message names it.",
    )
    IDEMPOTENCY_KEY_REQUIRED = _code("idempotency_key_required", 400, "The Idempotency-Key header is missing.")
    INVALID_IDEMPOTENCY_KEY = _code(
        "invalid_idempotency_key",
        400,
        "The Idempotency-Key header is not 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters.",
    )
    IDEMPOTENCY_KEY_REUSED = _code(
        "idempotency_key_reused", 422, "The Idempotency-Key was used before with another body."
    )
    INVALID_LIMIT = _code("invalid_limit", 400, "limit is not a whole number from 1 to {MAX_LIMIT}.")
    INVALID_CURSOR = _code(
        "invalid_cursor", 400, "cursor is not the next_cursor of the previous page of this same list."
    )
    INVALID_STATUS = _code("invalid_status", 400, "status is not an invoice status.")
    INVALID_INVOICE_ID = _code("invalid_invoice_id", 400, "invoice_id is not an id (1-{MAX_ID_LENGTH} characters).")
    UNAUTHORIZED = _code(
        "unauthorized", 401, "An access token, or an ID token without custom:client_id: sign in again."
    )
    FORBIDDEN = _code("forbidden", 403, "Not in the merchant's admin group.")
    ACCOUNT_NOT_FOUND = _code("account_not_found", 404, "The signed-in client has no account record.")
    CLIENT_NOT_FOUND = _code("client_not_found", 404, "No client with that id.")
    INVOICE_NOT_FOUND = _code(
        "invoice_not_found", 404, "No such invoice for this client (also another client's invoice)."
    )
    PAYMENT_NOT_FOUND = _code(
        "payment_not_found", 404, "No such payment for this client (also another client's payment)."
    )
    PAYMENT_METHOD_NOT_FOUND = _code(
        "payment_method_not_found", 404, "No such saved payment method for this client.", also=422
    )
    EXTENSION_REQUEST_NOT_FOUND = _code("extension_request_not_found", 404, "No extension request with that id.")
    PROBLEM_REPORT_NOT_FOUND = _code("problem_report_not_found", 404, "No problem report with that id.")
    INVOICE_PAID = _code("invoice_paid", 409, "The invoice is already paid.", also=422)
    INVOICE_VOID = _code("invoice_void", 409, "The invoice was voided.", also=422)
    INVOICE_PARTIALLY_PAID = _code("invoice_partially_paid", 409, "Part of the invoice is paid: refund first.")
    PAYMENT_DISPUTED = _code(
        "payment_disputed", 409, "A payment on the invoice is disputed: void it once the dispute is closed."
    )
    PAYMENT_HOLDS_MONEY = _code(
        "payment_holds_money", 409, "A payment on the invoice still holds money (kept as credit): refund it first."
    )
    PAYMENT_IN_PROGRESS = _code("payment_in_progress", 409, "A payment for the rest of the invoice is being processed.")
    PAYMENT_CANCELED = _code(
        "payment_canceled",
        409,
        "A saved card's payment was replaced from another window before it was confirmed: nothing was charged.",
    )
    CONCURRENT_CHANGE = _code(
        "concurrent_change",
        409,
        "Something changed the same record at the same moment; nothing was changed: try again.",
        also=422,
    )
    PARTIAL_PAYMENT_NOT_ALLOWED = _code("partial_payment_not_allowed", 422, "The invoice must be paid in full.")
    AMOUNT_EXCEEDS_BALANCE = _code("amount_exceeds_balance", 422, "The amount is more than the balance.")
    AMOUNT_BELOW_MINIMUM = _code("amount_below_minimum", 422, "The amount is under the invoice's minimum_payment.")
    INVALID_AMOUNT = _code(
        "invalid_amount", 422, "An amount is not a whole, positive number of cents (or the line items add up to zero)."
    )
    UNSUPPORTED_METHOD = _code("unsupported_method", 422, "method is not card or ach.")
    UNSUPPORTED_CURRENCY = _code("unsupported_currency", 422, "ACH takes invoices in usd only.")
    BANK_ACCOUNT_NOT_VERIFIED = _code(
        "bank_account_not_verified", 422, "The bank account's micro-deposits are not confirmed yet."
    )
    PAYMENT_METHOD_REQUIRED = _code(
        "payment_method_required", 422, "ACH needs a verified bank account's payment_method_id."
    )
    PROCESSOR_UNAVAILABLE = _code(
        "processor_unavailable",
        503,
        "The payment processor did not answer (or is not configured yet): nothing was "
        "charged or changed; retry (with the same Idempotency-Key).",
    )
    INVALID_DATE = _code("invalid_date", 422, "A date is not YYYY-MM-DD, or is out of order.")
    DATE_NOT_AFTER_DUE_DATE = _code(
        "date_not_after_due_date", 422, "The requested due date is not after the current one."
    )
    DATE_TOO_FAR = _code("date_too_far", 422, "The requested due date is more than 90 days after the current one.")
    INVALID_REASON = _code(
        "invalid_reason",
        422,
        "reason is empty or over its bytes (UTF-8); or it holds a line break, tab, other control "
        "character or bidirectional override.",
    )
    EXTENSION_REQUEST_PENDING = _code(
        "extension_request_pending", 409, "An extension request for this invoice is already waiting for an answer."
    )
    EXTENSION_REQUEST_DECIDED = _code(
        "extension_request_decided", 409, "The extension request was already approved or declined."
    )
    EXTENSION_REQUEST_EXPIRED = _code(
        "extension_request_expired",
        409,
        "The requested due date has passed: approving it would make the invoice "
        "overdue again at once (and a second late fee due). Decline it; the client can "
        "ask for a new date.",
    )
    INVALID_LINE_ITEMS = _code(
        "invalid_line_items",
        422,
        "line_items is not a list of 1-100 lines with description (1-500 bytes, no line "
        "break, tab, other control character or bidirectional override), quantity and "
        "unit_amount.",
    )
    INVALID_NUMBER = _code(
        "invalid_number",
        422,
        "number is empty, over 40 bytes (UTF-8) or not visible characters only; or it holds a "
        "line break, tab, other control character or bidirectional override.",
    )
    INVALID_LATE_FEE_POLICY = _code("invalid_late_fee_policy", 422, "late_fee_policy is not a valid policy.")
    LATE_FEE_TOO_HIGH = _code(
        "late_fee_too_high",
        422,
        "late_fee_policy asks for more than a client may be charged: a percentage over 25% "
        "(2500 basis points), or a flat fee over the invoice's total or over the deployment's "
        "MaxLateFeeCents.",
    )
    PROBLEM_REPORT_OPEN = _code("problem_report_open", 409, "A report of this kind is still open on the payment.")
    PROBLEM_REPORT_RESOLVED = _code("problem_report_resolved", 409, "The report was already resolved.")
    INVALID_KIND = _code("invalid_kind", 422, "kind is not one of the report kinds.")
    INVALID_MESSAGE = _code(
        "invalid_message",
        422,
        "message is empty or over 2000 bytes (UTF-8); or it holds a line break, tab, other "
        "control character or bidirectional override.",
    )
    INVALID_RESOLUTION = _code(
        "invalid_resolution",
        422,
        "resolution is empty or over 2000 bytes (UTF-8); or it holds a line break, tab, other "
        "control character or bidirectional override.",
    )
    PAYMENT_NOT_REFUNDABLE = _code("payment_not_refundable", 409, "Only a succeeded payment can be refunded.")
    AMOUNT_EXCEEDS_REFUNDABLE = _code(
        "amount_exceeds_refundable", 422, "The amount is more than what is left to refund."
    )
    REFUND_REFUSED = _code("refund_refused", 422, "The processor refused the refund.")
    BANK_ACCOUNT_EXISTS = _code("bank_account_exists", 409, "This bank account is already linked.")
    INVALID_ROUTING_NUMBER = _code(
        "invalid_routing_number", 422, "routing_number is not a valid 9-digit ABA routing number."
    )
    INVALID_ACCOUNT_NUMBER = _code("invalid_account_number", 422, "account_number is not 4-17 digits.")
    INVALID_ACCOUNT_TYPE = _code("invalid_account_type", 422, "account_type is not checking or savings.")
    INVALID_HOLDER_NAME = _code(
        "invalid_holder_name",
        422,
        "holder_name is empty or over 100 bytes (UTF-8); or it holds a line break, tab, "
        "other control character or bidirectional override.",
    )
    BANK_ACCOUNT_REJECTED = _code("bank_account_rejected", 422, "The ACH processor refused the bank account.")
    BILLING_EMAIL_IN_USE = _code(
        "billing_email_in_use", 409, "Another client's ACH customer at the processor has this billing email."
    )
    BANK_ACCOUNT_DETAILS_DIFFER = _code(
        "bank_account_details_differ",
        409,
        "This account is already linked with another account type or holder name: "
        "remove it first to link it with these.",
    )
    BANK_ACCOUNT_RELINK_TOO_SOON = _code(
        "bank_account_relink_too_soon",
        409,
        "The account failed verification and the processor lets it be linked again "
        "only 48 hours after it was first linked (retry_after).",
    )
    BANK_ACCOUNT_BLOCKED = _code(
        "bank_account_blocked",
        422,
        "The processor blocklisted this account after a bank return: another account or a card.",
    )
    ACH_WEEKLY_LIMIT = _code(
        "ach_weekly_limit",
        422,
        "The processor's limit for the client's bank transfers ($5,000 a week, Monday to Sunday "
        "UTC) would be exceeded: available says what is left, resets_on when it starts again.",
    )
    BANK_PAYMENTS_SUSPENDED = _code(
        "bank_payments_suspended",
        422,
        "The processor suspended the client's bank transfers (after a bank return): pay "
        "by card; the merchant asks the processor to lift it.",
    )
    BANK_PAYMENTS_DEACTIVATED = _code(
        "bank_payments_deactivated",
        422,
        "The processor deactivated the client's bank transfers (a debit returned as "
        "not authorized): pay by card; the merchant can reactivate them.",
    )
    MICRO_DEPOSITS_PENDING = _code("micro_deposits_pending", 409, "The micro-deposits have not arrived yet.")
    BANK_ACCOUNT_ALREADY_VERIFIED = _code("bank_account_already_verified", 409, "The bank account is verified already.")
    VERIFICATION_FAILED = _code(
        "verification_failed", 409, "Verification failed for good: link the account again or pay by card."
    )
    INVALID_AMOUNTS = _code(
        "invalid_amounts",
        422,
        "amounts is not two whole numbers of cents from 1 to 9 (micro-deposits are under 10 "
        "cents; no attempt is spent).",
    )
    INCORRECT_AMOUNTS = _code("incorrect_amounts", 422, "The amounts do not match the micro-deposits.")
    VERIFICATION_ATTEMPTS_EXCEEDED = _code(
        "verification_attempts_exceeded", 422, "Too many wrong attempts: the bank account can no longer be verified."
    )
    INVALID_EMAIL = _code(
        "invalid_email",
        422,
        "billing_email is not just an email address in 7-bit ASCII (a display name, angle brackets "
        "or anything around the address is refused).",
    )
    BILLING_EMAIL_CHANGE_TOO_SOON = _code(
        "billing_email_change_too_soon",
        429,
        "A billing email change was asked for less than a minute ago: ask again "
        "after retry_after_seconds (also the Retry-After header); the first one's "
        "link was sent.",
    )
    CONFIRMATION_INVALID = _code(
        "confirmation_invalid",
        422,
        "The confirmation link's token is not the pending change's: used already, replaced "
        "by a newer change, incomplete, or another client's. Nothing changed.",
    )
    CONFIRMATION_EXPIRED = _code(
        "confirmation_expired",
        422,
        "The confirmation link is older than 24 hours: ask for the change again. Nothing changed.",
    )
    INVALID_REMINDER_DAYS = _code(
        "invalid_reminder_days", 422, "reminder_days_before is not up to 3 different days from 1 to 30."
    )
    RECEIPTS_REQUIRED = _code("receipts_required", 422, "Payment receipts can't be turned off.")
    INVALID_SIGNATURE = _code(
        "invalid_signature", 400, "The signature header is missing, malformed, or does not match the body."
    )
    INVALID_PAYLOAD = _code("invalid_payload", 400, "The event could not be read.")
    TEMPORARILY_UNAVAILABLE = _code(
        "temporarily_unavailable", 503, "The event queue refused the event; the processor delivers it again."
    )
    INTERNAL_ERROR = _code(
        "internal_error", 500, "Failed part-way; the processor retries and the retry finishes the job."
    )
    ACH_AUTHORIZATION_REQUIRED = _code(
        "ach_authorization_required",
        400,
        "A bank transfer without the debit authorization accepted: send "
        "ach_authorization {accepted: true, text: <ach_authorization_text>}.",
    )
    ACH_AUTHORIZATION_OUTDATED = _code(
        "ach_authorization_outdated",
        422,
        "The authorization text accepted is not the current ach_authorization_text: show the new one and ask again.",
    )
    AMOUNT_BELOW_CARD_MINIMUM = _code(
        "amount_below_card_minimum",
        422,
        "Under the processor's minimum card charge (card_minimum_amounts): pay by bank transfer.",
    )
    AMOUNT_ABOVE_CARD_MAXIMUM = _code(
        "amount_above_card_maximum",
        422,
        "Over Stripe's largest card charge (99999999 cents: eight digits): pay part of it. Nothing was sent to Stripe.",
    )
    AMOUNT_ABOVE_ACH_MAXIMUM = _code(
        "amount_above_ach_maximum",
        422,
        "Over the ACH processor's limit per transfer (AchMaxTransferCents; Dwolla's "
        "default $5,000): pay part of it, or by card. Nothing was recorded or sent.",
    )
    PROCESSOR_REFUSED = _code(
        "processor_refused",
        422,
        "The card processor refused the request as invalid (Stripe's invalid_request_error): "
        "nothing was charged; sending it again gets the same answer.",
    )
    RECEIPT_NOT_AVAILABLE = _code(
        "receipt_not_available", 409, "The payment has not gone through, so there is no receipt yet."
    )
    DUPLICATE_INVOICES = _code("duplicate_invoices", 422, "invoice_ids lists an invoice twice.")
    TOO_MANY_INVOICES = _code(
        "too_many_invoices",
        422,
        "invoice_ids lists more than {MAX_INVOICES} invoices (one payment's unit of work must "
        "fit in one DynamoDB transaction): pay the rest in another payment.",
    )
    MIXED_CURRENCIES = _code(
        "mixed_currencies", 422, "The invoices are in different currencies: one payment is in one currency."
    )
    CARD_FEE_CHANGED = _code(
        "card_fee_changed",
        409,
        "The card fee is higher than the card_fee sent (the one the client was shown): nothing "
        "was charged; quote again and show the new fee (error.card_fee).",
    )
    CARD_DETAILS_REQUIRED = _code(
        "card_details_required",
        422,
        "A card fee is on and depends on the card: send stripe_payment_method (the card "
        "Stripe.js collected) or a saved card's payment_method_id.",
    )
    RECEIPT_RECENTLY_SENT = _code(
        "receipt_recently_sent",
        429,
        "A receipt was sent moments ago: ask again after retry_after_seconds (also the Retry-After header).",
    )
    AUTOPAY_AUTHORIZATION_REQUIRED = _code(
        "autopay_authorization_required",
        400,
        "Autopay without its authorization accepted: send authorization "
        "{accepted: true, text: <autopay_authorization_text>}.",
    )
    AUTOPAY_AUTHORIZATION_OUTDATED = _code(
        "autopay_authorization_outdated",
        422,
        "The authorization text accepted is not the current "
        "autopay_authorization_text: show the new one and ask again.",
    )
    CARD_EXPIRED = _code("card_expired", 422, "The saved card has expired.")
    INVALID_INSTALLMENTS = _code(
        "invalid_installments", 422, "installments is not a list of 2-12 objects with amount and due_date."
    )
    INSTALLMENTS_DO_NOT_SUM = _code(
        "installments_do_not_sum", 422, "The installment amounts do not add up to the invoice's balance."
    )
    INSTALLMENT_DATES_NOT_ASCENDING = _code(
        "installment_dates_not_ascending",
        422,
        "Installment due dates are not in ascending order (one per day at most).",
    )
    INSTALLMENT_BEFORE_TODAY = _code(
        "installment_before_today", 422, "The first installment is due before today (the merchant's time zone)."
    )
    PAYMENT_PLAN_ACTIVE = _code(
        "payment_plan_active", 409, "The invoice is paid in installments: their dates are the merchant's to change."
    )
    INVALID_NOTE = _code(
        "invalid_note",
        422,
        "note is empty, longer than 1000 bytes of UTF-8, or holds a line break or another control character.",
    )
    UNKNOWN_PARAMETER = _code("unknown_parameter", 400, "The query string names a parameter this route does not take.")
    CURRENCY_MISMATCH = _code(
        "currency_mismatch",
        422,
        "A refund Stripe reports is in another currency than its payment: nothing is counted "
        "(Stripe refunds in the charge's currency, so this is not expected).",
    )
    ROUTE_NOT_FOUND = _code(
        "route_not_found",
        404,
        "The function has no such route (API Gateway answers an unknown route itself, with "
        '{"message": "Not Found"}, before any function runs).',
    )


class DomainError(Exception):
    """The generic statuses (BadRequest, NotFound, Conflict...) take their `code` where they are raised."""

    status = 400
    code: str
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}  # extra fields of the error object a client acts on (documented per code)
        self.headers = headers or {}
        if code:
            self.code = code
        if status:
            self.status = status


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401
    code = ErrorCode.UNAUTHORIZED
    message = "Sign in again: your session is missing or has expired."


class Forbidden(DomainError):
    status = 403
    code = ErrorCode.FORBIDDEN
    message = "This is for the merchant's staff only."


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unprocessable(DomainError):
    status = 422


class TooManyRequests(DomainError):
    status = 429


class ProcessorUnavailable(DomainError):
    """The payment processor did not answer; nothing was charged and the same request can be retried."""

    status = 503
    code = ErrorCode.PROCESSOR_UNAVAILABLE
    message = "The payment service is not responding. Nothing was charged; try again in a minute."


class ProcessorRefused(DomainError):
    """The processor refused a request as invalid (Stripe's invalid_request_error: a 400 or 404 of its API):
    nothing was charged, and the same request would be refused again, so it is not a 503. `processor_code` is the
    processor's own code (resource_missing, amount_too_large...), for the log; `not_found`: it does not know the
    object named."""

    status = 422
    code = ErrorCode.PROCESSOR_REFUSED
    message = (
        "The payment service could not accept this request, so nothing was charged. Try another payment "
        "method, or contact us."
    )

    def __init__(self, processor_code: str | None = None, *, not_found: bool = False):
        super().__init__()
        self.processor_code, self.not_found = processor_code, not_found


def invoice_not_found() -> NotFound:
    return NotFound("We couldn't find that invoice.", code=ErrorCode.INVOICE_NOT_FOUND)


def payment_not_found() -> NotFound:
    return NotFound("We couldn't find that payment.", code=ErrorCode.PAYMENT_NOT_FOUND)


class UnknownProcessorObject(Exception):
    """A signed event names an object its processor does not know (404): asking again will not change that, so the
    event is acknowledged and changes nothing."""


class SecretNotConfigured(Exception):
    """A processor secret still holds the template's marker (or lacks a field): an operator must put the real values.
    Names the secret and its fields, never a value."""

    def __init__(self, secret: str, fields: list[str]):
        super().__init__(f"{secret} is not configured: {', '.join(fields)}")
        self.secret, self.fields = secret, fields
