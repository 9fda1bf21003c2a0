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
    time_zone: str = "UTC"  # IANA name: dates and times in emails are the merchant's

    def help_line(self, opening: str = "Questions?") -> str:
        """Where a client gets help, as every email ends."""
        contacts = [self.support_email] + ([self.support_phone] if self.support_phone else [])
        return f"{opening} Contact us at " + " or ".join(contacts) + "."

    def invoice_link(self, invoice_id: str) -> str:
        """The invoice's page in the portal ("" when no portal URL is configured)."""
        return f"{self.portal_url}/invoices/{invoice_id}" if self.portal_url else ""


def from_environment() -> Merchant:
    return Merchant(
        name=os.environ.get("MERCHANT_NAME", "Your service provider"),
        sender_email=os.environ.get("SENDER_EMAIL", "billing@example.com"),
        support_email=os.environ.get("SUPPORT_EMAIL", os.environ.get("SENDER_EMAIL", "billing@example.com")),
        support_phone=os.environ.get("SUPPORT_PHONE", ""),
        portal_url=os.environ.get("PORTAL_BASE_URL", "").rstrip("/"),
        time_zone=os.environ.get("MERCHANT_TIMEZONE", "UTC"),
    )
