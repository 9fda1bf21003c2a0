"""Who the merchant is, for emails and descriptions: deployment parameters, never hard-coded."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Merchant:
    name: str
    sender_email: str
    support_email: str
    support_phone: str
    portal_url: str


def from_environment() -> Merchant:
    return Merchant(
        name=os.environ.get("MERCHANT_NAME", "Your service provider"),
        sender_email=os.environ.get("SENDER_EMAIL", "billing@example.com"),
        support_email=os.environ.get("SUPPORT_EMAIL", os.environ.get("SENDER_EMAIL", "billing@example.com")),
        support_phone=os.environ.get("SUPPORT_PHONE", ""),
        portal_url=os.environ.get("PORTAL_BASE_URL", "").rstrip("/"),
    )
