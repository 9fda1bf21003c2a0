"""The emails of a billing email change: the link to the new address, and the notices to the current one (when
the change is asked for, and when it is confirmed). Pure rendering.

The email to the new address holds nothing the client typed, not even their name: whoever asks for a change
chooses that address, so it gets the merchant's own words only."""

from shared.domain.merchant import Merchant
from shared.emails.email_layout import Email, Message, render


def render_confirmation(to: str, link: str, merchant: Merchant) -> Email:
    return render(
        to,
        f"Confirm your billing email for {merchant.name}",
        Message(
            heading="Confirm your billing email",
            greeting="Hello,",
            paragraphs=(
                f"Someone asked for {merchant.name}'s receipts and payment notices to be sent to this address. "
                "If it was you, confirm it: the link opens your account in the Client Portal (sign in if it "
                "asks). It works once, within 24 hours.",
                "If you did not ask for this, ignore this email: nothing changes.",
            ),
            action=("Confirm this address", link),
        ),
        merchant,
    )


def render_change_requested(to: str, client_name: str, new_address: str, merchant: Merchant) -> Email:
    return render(
        to,
        "Your billing email is about to change",
        Message(
            heading="A new billing email was requested",
            greeting=f"Hello {client_name},",
            paragraphs=(
                f"Someone signed in to your account asked for receipts and notices from {merchant.name} to go "
                f"to {new_address} instead of this address. Nothing changes until that address confirms it "
                "with the link we sent there (within 24 hours): until then they keep coming here.",
                "If this was not you, contact us right away and change your portal password.",
            ),
        ),
        merchant,
    )


def render_changed(to: str, client_name: str, new_address: str, merchant: Merchant) -> Email:
    return render(
        to,
        "Your billing email was changed",
        Message(
            heading="Your billing email was changed",
            greeting=f"Hello {client_name},",
            paragraphs=(
                f"From now on, receipts and notices from {merchant.name} go to {new_address}; this address "
                "gets no more of them.",
                "If you did not make this change, contact us right away.",
            ),
        ),
        merchant,
    )
