"""Errors the client can act on. Each carries the HTTP status and the stable snake_case code of the contract."""


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None,
                 details: dict | None = None, headers: dict | None = None):
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
    code = "unauthorized"
    message = "Sign in again: your session is missing or has expired."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
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
    code = "processor_unavailable"
    message = "The payment service is not responding. Nothing was charged; try again in a minute."


class ProcessorRefused(DomainError):
    """The processor refused a request as invalid (Stripe's invalid_request_error: a 400 or 404 of its API):
    nothing was charged, and the same request would be refused again, so it is not a 503. `processor_code` is the
    processor's own code (resource_missing, amount_too_large...), for the log; `not_found`: it does not know the
    object named."""

    status = 422
    code = "processor_refused"
    message = ("The payment service could not accept this request, so nothing was charged. Try another payment "
               "method, or contact us.")

    def __init__(self, processor_code: str | None = None, *, not_found: bool = False):
        super().__init__()
        self.processor_code, self.not_found = processor_code, not_found


def invoice_not_found() -> NotFound:
    return NotFound("We couldn't find that invoice.", code="invoice_not_found")


def payment_not_found() -> NotFound:
    return NotFound("We couldn't find that payment.", code="payment_not_found")


class UnknownProcessorObject(Exception):
    """A signed event names an object its processor does not know (404): asking again will not change that, so the
    event is acknowledged and changes nothing."""


class SecretNotConfigured(Exception):
    """A processor secret still holds the template's marker (or lacks a field): an operator must put the real values.
    Names the secret and its fields, never a value."""

    def __init__(self, secret: str, fields: list[str]):
        super().__init__(f"{secret} is not configured: {', '.join(fields)}")
        self.secret, self.fields = secret, fields
