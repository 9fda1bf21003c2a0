"""Link a bank account for ACH and verify it with the processor's two micro-deposits.

Only the processor's id, the bank's name, the account type and the last 4 digits are stored here.
"""

import hashlib
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger
from pynamodb.exceptions import UpdateError

from shared.aws.models import Client, SavedPaymentMethod
from shared.domain import clock
from shared.domain.bank_accounts import BankAccountRequest, attempts_left, invalid_amounts
from shared.domain.ids import new_id
from shared.http.errors import Conflict, NotFound, Unprocessable
from shared.processors.ach import AchError, AchProcessor, BankAccount, VerifyResult
from shared.services.customers import ach_customer_for
from shared.services.saved_methods import get_method, method_not_found

log = Logger(child=True)
VERIFICATION_PENDING, VERIFIED, VERIFICATION_FAILED = "verification_pending", "verified", "verification_failed"
AWAITING = "bank"  # the value of awaiting_verification (the sparse index) while verification is pending
# Dwolla re-activates an unverified bank removed and added again "within 48 hours of the initial created date"
# ("Remove a funding source"), and after too many wrong attempts says to "wait 48 hours after the initial funding
# source was added to re-add" it ("Verify micro-deposits").
RELINK_AFTER = timedelta(hours=48)


def _status_of(bank: BankAccount) -> str:
    return VERIFIED if bank.status == "verified" else VERIFICATION_PENDING


def status_actions(status: str) -> list:
    """The update actions that give a bank account `status`, keeping the awaiting-verification index in step."""
    return [
        SavedPaymentMethod.bank_status.set(status),
        SavedPaymentMethod.awaiting_verification.set(AWAITING)
        if status == VERIFICATION_PENDING
        else SavedPaymentMethod.awaiting_verification.remove(),
    ]


def _link_key(client_id: str, request: BankAccountRequest) -> str:
    """The processor's idempotency key of a link: the same account with the same details (a retry) gives the same
    key, so the processor answers the same bank; other details are another request, with a key of its own."""
    details = (
        f"{client_id}:{request.routing_number}:{request.account_number}:{request.account_type}:{request.holder_name}"
    )
    return f"bank:{hashlib.sha256(details.encode()).hexdigest()[:32]}"


def link_bank_account(client_id: str, request: BankAccountRequest, ach: AchProcessor) -> SavedPaymentMethod:
    try:
        client = Client.get(client_id)
    except Client.DoesNotExist:
        raise NotFound("We couldn't find your account.", code="account_not_found") from None
    try:
        customer_id = ach_customer_for(client, ach)
        bank = ach.add_bank_account(
            customer_id=customer_id,
            routing_number=request.routing_number,
            account_number=request.account_number,
            account_type=request.account_type,
            holder_name=request.holder_name,
            idempotency_key=_link_key(client_id, request),
        )
    except AchError as exc:
        log.info("bank account refused by the processor", extra={"code": exc.code})
        if exc.code == "EmailInUse":  # another client's processor customer has this billing email
            raise Conflict(
                "Your billing email is already used for bank payments by another account. Change it "
                "on your account page, or pay by card.",
                code="billing_email_in_use",
            ) from None
        if exc.code == "Blocklisted":  # a return code made the processor block this account
            raise Unprocessable(
                "This bank account can't be used for bank transfers: your bank returned a payment "
                "from it with a reason that blocks it. Link another account, or pay by card.",
                code="bank_account_blocked",
            ) from None
        raise Unprocessable(
            f"The bank account could not be linked: {exc.message}", code="bank_account_rejected"
        ) from None
    known = next(iter(SavedPaymentMethod.by_processor_id.query(bank.id, limit=1)), None)
    if known is not None:
        if known.client_id != client_id:  # cannot happen with per-client customers; never show it
            raise Conflict("This bank account can't be linked.", code="bank_account_exists")
        if (known.bank_account_type, bank.holder_name) != (request.account_type, request.holder_name[:50]):
            raise Conflict(
                f"This account is already linked, as a {known.bank_account_type} account in the name "
                f"of {bank.holder_name}. To change those details, remove it from your payment methods "
                "first, then link it again.",
                code="bank_account_details_differ",
            )
        raise Conflict("This bank account is already linked to your account.", code="bank_account_exists")
    if bank.verification == "locked":
        _too_soon(bank, ach)
    status = _status_of(bank)
    method = SavedPaymentMethod(
        client_id,
        new_id("ba"),
        type="bank_account",
        processor="ach",
        processor_method_id=bank.id,
        created_at=clock.now_iso(),
        bank_name=bank.bank_name,
        bank_account_type=bank.account_type or request.account_type,
        bank_last4=request.last4,
        bank_status=status,
        awaiting_verification=AWAITING if status == VERIFICATION_PENDING else None,
    )
    method.save(condition=SavedPaymentMethod.payment_method_id.does_not_exist())
    log.info("bank account linked", extra={"payment_method_id": method.payment_method_id, "last4": request.last4})
    return method


def _too_soon(bank: BankAccount, ach: AchProcessor) -> None:
    """The processor brought back this account as it was when removed: too many wrong attempts, so it cannot be
    verified. It is removed again (it would count among the customer's banks) and the client told when to retry."""
    ach.remove_bank_account(bank.id)
    created = datetime.fromisoformat((bank.created_at or clock.now_iso()).replace("Z", "+00:00"))
    after = created + RELINK_AFTER
    raise Conflict(
        f"This account had too many wrong verification attempts. Our payment processor lets it be linked "
        f"again 48 hours after it was first linked, from {after:%B} {after.day} at {after:%H:%M} UTC; "
        "until then, pay by card or with another account.",
        code="bank_account_relink_too_soon",
        details={"retry_after": clock.iso(after)},
    )


def verify_bank_account(
    client_id: str, method_id: str, amounts: tuple[int, int], ach: AchProcessor
) -> SavedPaymentMethod:
    method = get_method(client_id, method_id)
    if method.type != "bank_account":
        raise method_not_found()
    if method.bank_status == VERIFIED:
        raise Conflict("This bank account is already verified.", code="bank_account_already_verified")
    if method.bank_status == VERIFICATION_FAILED:
        raise _cannot_verify()
    try:
        result = ach.verify_bank_account(method.processor_method_id, amounts)
    except AchError as exc:  # e.g. the micro-deposits bounced: this account can no longer be verified
        log.info("bank verification refused by the processor", extra={"code": exc.code})
        if exc.code == "ValidationError":  # a refusal of these amounts, never of the account
            raise invalid_amounts() from None
        set_bank_status(method, VERIFICATION_FAILED)
        raise _cannot_verify() from None
    if result == VerifyResult.INVALID_AMOUNTS:
        raise invalid_amounts()
    if result in (VerifyResult.VERIFIED, VerifyResult.ALREADY_VERIFIED):
        return set_bank_status(method, VERIFIED)
    if result == VerifyResult.NOT_READY:
        raise Conflict(
            "The two small deposits haven't reached your account yet. They take 1-2 business days; try again then.",
            code="micro_deposits_pending",
        )
    if result == VerifyResult.TOO_MANY_ATTEMPTS:
        set_bank_status(method, VERIFICATION_FAILED)
        raise Unprocessable(
            "Those amounts don't match, and no more attempts are allowed. You can remove this "
            "account and link it again 48 hours after you first linked it, or pay by card.",
            code="verification_attempts_exceeded",
        )
    remaining = _count_wrong_attempt(method)
    left = f"{remaining} attempt{'s' if remaining != 1 else ''} left" if remaining else "this was the last attempt"
    raise Unprocessable(
        f"Those amounts don't match the two deposits ({left}). Check your bank statement and try again.",
        code="incorrect_amounts",
        details={"attempts_remaining": remaining},
    )


def _cannot_verify() -> Conflict:
    return Conflict(
        "This bank account can no longer be verified. You can remove it and link it again 48 hours after "
        "you first linked it, link another account, or pay by card.",
        code="verification_failed",
    )


def _count_wrong_attempt(method: SavedPaymentMethod) -> int:
    """Count a wrong answer (atomic ADD: two tabs answering at once both count) and return what is left."""
    try:
        method.update(
            actions=[SavedPaymentMethod.verification_attempts.add(1)],
            condition=SavedPaymentMethod.payment_method_id.exists(),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise method_not_found() from None
        raise
    return attempts_left(method.verification_attempts)


def set_bank_status(method: SavedPaymentMethod, status: str) -> SavedPaymentMethod:
    """Record a verification outcome; a verified account becomes the default when the client has none."""
    again = [SavedPaymentMethod.verify_again.remove()] if status != VERIFICATION_PENDING else []
    actions = status_actions(status) + again
    try:
        method.update(actions=actions, condition=SavedPaymentMethod.payment_method_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise method_not_found() from None
        raise
    if status == VERIFIED:
        try:
            Client(method.client_id).update(
                actions=[Client.default_payment_method_id.set(method.payment_method_id)],
                condition=Client.client_id.exists() & Client.default_payment_method_id.does_not_exist(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    return method
