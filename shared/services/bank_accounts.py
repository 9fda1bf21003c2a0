"""Link a bank account for ACH and verify it with the processor's two micro-deposits.

Only the processor's id, the bank's name, the account type and the last 4 digits are stored here.
"""

import hashlib

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared import clock
from shared.bank_accounts import BankAccountRequest, attempts_left
from shared.errors import Conflict, NotFound, Unprocessable
from shared.ids import new_id
from shared.models import Client, SavedPaymentMethod
from shared.processors.ach import AchError, AchProcessor, BankAccount, VerifyResult
from shared.services.customers import ach_customer_for
from shared.services.saved_methods import get_method, method_not_found

log = Logger(child=True)  # the handler's Powertools Logger: JSON with its fields and the correlation id
PENDING, VERIFIED, FAILED = "verification_pending", "verified", "verification_failed"


def _status_of(bank: BankAccount) -> str:
    return VERIFIED if bank.status == "verified" else PENDING


def link_bank_account(client_id: str, request: BankAccountRequest, ach: AchProcessor) -> SavedPaymentMethod:
    try:
        client = Client.get(client_id)
    except Client.DoesNotExist:
        raise NotFound("We couldn't find your account.", code="account_not_found") from None
    # The same account linked twice (a retry) gives the same key, so the processor answers the same source.
    fingerprint = hashlib.sha256(f"{client_id}:{request.routing_number}:{request.account_number}".encode())
    try:
        customer_id = ach_customer_for(client, ach)
        bank = ach.add_bank_account(customer_id=customer_id, routing_number=request.routing_number,
                                    account_number=request.account_number, account_type=request.account_type,
                                    holder_name=request.holder_name,
                                    idempotency_key=f"bank:{fingerprint.hexdigest()[:32]}")
    except AchError as exc:
        log.info("bank account refused by the processor", extra={"code": exc.code})
        if exc.code == "EmailInUse":  # another client's processor customer has this billing email
            raise Conflict("Your billing email is already used for bank payments by another account. Change it "
                           "on your account page, or pay by card.", code="billing_email_in_use") from None
        raise Unprocessable(f"The bank account could not be linked: {exc.message}",
                            code="bank_account_rejected") from None
    known = next(iter(SavedPaymentMethod.by_processor_id.query(bank.id, limit=1)), None)
    if known is not None:
        if known.client_id != client_id:  # cannot happen with per-client customers; never show it
            raise Conflict("This bank account can't be linked.", code="bank_account_exists")
        raise Conflict("This bank account is already linked to your account.", code="bank_account_exists")
    method = SavedPaymentMethod(
        client_id, new_id("ba"), type="bank_account", processor="ach", processor_method_id=bank.id,
        created_at=clock.now_iso(), bank_name=bank.bank_name, bank_account_type=request.account_type,
        bank_last4=request.last4, bank_status=_status_of(bank))
    method.save(condition=SavedPaymentMethod.payment_method_id.does_not_exist())
    log.info("bank account linked", extra={"payment_method_id": method.payment_method_id,
                                           "last4": request.last4})
    return method


def verify_bank_account(client_id: str, method_id: str, amounts: tuple[int, int],
                        ach: AchProcessor) -> SavedPaymentMethod:
    method = get_method(client_id, method_id)
    if method.type != "bank_account":
        raise method_not_found()
    if method.bank_status == VERIFIED:
        raise Conflict("This bank account is already verified.", code="bank_account_already_verified")
    if method.bank_status == FAILED:
        raise Conflict("This bank account can no longer be verified. Remove it and link it again, or pay "
                       "by card.", code="verification_failed")
    try:
        result = ach.verify_bank_account(method.processor_method_id, amounts)
    except AchError as exc:  # e.g. the micro-deposits bounced: this account can no longer be verified
        log.info("bank verification refused by the processor", extra={"code": exc.code})
        set_bank_status(method, FAILED)
        raise Conflict("This bank account can no longer be verified. Remove it and link it again, or pay "
                       "by card.", code="verification_failed") from None
    if result in (VerifyResult.VERIFIED, VerifyResult.ALREADY_VERIFIED):
        return set_bank_status(method, VERIFIED)
    if result == VerifyResult.NOT_READY:
        raise Conflict("The two small deposits haven't reached your account yet. They take 1-2 business "
                       "days; try again then.", code="micro_deposits_pending")
    if result == VerifyResult.TOO_MANY_ATTEMPTS:
        set_bank_status(method, FAILED)
        raise Unprocessable("Those amounts don't match, and the bank allows no more attempts. Remove this "
                            "account and link it again, or pay by card.", code="verification_attempts_exceeded")
    remaining = _count_wrong_attempt(method)
    left = f"{remaining} attempt{'s' if remaining != 1 else ''} left" if remaining else "this was the last attempt"
    raise Unprocessable(f"Those amounts don't match the two deposits ({left}). Check your bank statement and try "
                        "again.", code="incorrect_amounts", details={"attempts_remaining": remaining})


def _count_wrong_attempt(method: SavedPaymentMethod) -> int:
    """Count a wrong answer (atomic ADD: two tabs answering at once both count) and return what is left."""
    try:
        method.update(actions=[SavedPaymentMethod.verification_attempts.add(1)],
                      condition=SavedPaymentMethod.payment_method_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise method_not_found() from None
        raise
    return attempts_left(method.verification_attempts)


def set_bank_status(method: SavedPaymentMethod, status: str) -> SavedPaymentMethod:
    """Record a verification outcome; a verified account becomes the default when the client has none."""
    try:
        method.update(actions=[SavedPaymentMethod.bank_status.set(status)],
                      condition=SavedPaymentMethod.payment_method_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise method_not_found() from None
        raise
    if status == VERIFIED:
        try:
            Client(method.client_id).update(
                actions=[Client.default_payment_method_id.set(method.payment_method_id)],
                condition=Client.client_id.exists() & Client.default_payment_method_id.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    return method
