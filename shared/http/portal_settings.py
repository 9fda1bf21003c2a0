"""What a portal needs before anyone signs in: where to sign in (the Cognito pool and its endpoint), which
Stripe.js and publishable key to load, which card brands and methods to offer, and who the merchant is.
None of it is secret (a publishable key is meant for browsers). Pure: reads only the mapping it is given."""

import json
from collections.abc import Mapping

from shared.domain import autopay
from shared.domain.accounts import MAX_DAYS, MAX_REMINDERS, MIN_DAYS
from shared.domain.ach_authorization import authorization_text
from shared.domain.bank_accounts import MICRO_DEPOSIT_ATTEMPTS
from shared.domain.merchant import Merchant
from shared.emails.receipts import RESEND_INTERVAL
from shared.http.payment_requests import CARD_MINIMUMS

# The card brands the merchant accepts (the help page: Visa, Mastercard, American Express, Discover), as
# Stripe names them in PaymentMethod.card.brand.
CARD_BRANDS = ("visa", "mastercard", "amex", "discover")
STRIPE_JS_URL = "https://js.stripe.com/v3/"
# The reminder days the account page offers; PATCH /account takes at most MAX_REMINDERS of any MIN_DAYS-MAX_DAYS.
REMINDER_DAY_CHOICES = (1, 3, 7, 14)


def password_policy(env: Mapping[str, str]) -> dict:
    """The user pool's password policy (template.yaml passes the pool's own PasswordPolicy as PASSWORD_POLICY;
    tests/test_template.py checks they are the same), so a portal shows Cognito's rules before a new password
    is sent. Cognito's defaults when it is not set."""
    policy = json.loads(env.get("PASSWORD_POLICY") or "{}")
    return {
        "minimum_length": int(policy.get("MinimumLength", 8)),
        "require_lowercase": bool(policy.get("RequireLowercase", True)),
        "require_uppercase": bool(policy.get("RequireUppercase", True)),
        "require_numbers": bool(policy.get("RequireNumbers", True)),
        "require_symbols": bool(policy.get("RequireSymbols", True)),
    }


def portal_settings(env: Mapping[str, str], merchant: Merchant, card_fee_basis_points: int = 0) -> dict:
    """`card_fee_basis_points`: the card fee in force (shared/domain/surcharges.py), disclosed before a card is chosen."""
    region = env.get("AWS_REGION", "us-east-1")
    # The endpoint botocore itself would use (AWS_ENDPOINT_URL is set only by the local stack and tests, to
    # moto), so the browser signs in against the same pool the backend's tokens are checked against.
    identity = (
        env.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        or env.get("AWS_ENDPOINT_URL")
        or f"https://cognito-idp.{region}.amazonaws.com"
    )
    # Locally the Stripe API is localstripe, which serves its Stripe.js stand-in at /js.stripe.com/v3/.
    stripe_base = env.get("STRIPE_API_BASE", "").rstrip("/")
    return {
        "region": region,
        "user_pool_id": env.get("USER_POOL_ID", ""),
        "user_pool_client_id": env.get("USER_POOL_CLIENT_ID", ""),
        "identity_endpoint": identity.rstrip("/") + "/",
        "stripe_publishable_key": env.get("STRIPE_PUBLISHABLE_KEY", ""),
        "stripe_js_url": f"{stripe_base}/js.stripe.com/v3/" if stripe_base else STRIPE_JS_URL,
        "card_brands": list(CARD_BRANDS),
        "payment_methods": ["card", "ach"],
        # Cents per currency; below it a card payment is refused (422 amount_below_card_minimum). An
        # invoice's own minimum_payment is on the invoice.
        "card_minimum_amounts": dict(CARD_MINIMUMS),
        "ach_authorization_text": authorization_text(merchant),  # shown with a checkbox, sent back accepted
        # Autopay's recurring authorization (PUT /account/autopay sends it back accepted), and when it charges.
        "autopay_authorization_text": autopay.authorization_text(merchant, autopay.days_before_from(env)),
        "autopay_days_before": autopay.days_before_from(env),
        "autopay_notice_days": autopay.NOTICE_DAYS,
        "micro_deposit_attempts": MICRO_DEPOSIT_ATTEMPTS,
        "receipt_resend_interval_seconds": int(RESEND_INTERVAL.total_seconds()),
        "merchant": {
            "name": merchant.name,
            "support_email": merchant.support_email,
            "support_phone": merchant.support_phone or None,
            "time_zone": merchant.time_zone,
        },
        "password_policy": password_policy(env),
        "reminder_days": {
            "choices": list(REMINDER_DAY_CHOICES),
            "max_chosen": MAX_REMINDERS,
            "min_day": MIN_DAYS,
            "max_day": MAX_DAYS,
        },
        "card_fee": (
            {"basis_points": card_fee_basis_points, "applies_to": "credit_cards"} if card_fee_basis_points else None
        ),
    }
