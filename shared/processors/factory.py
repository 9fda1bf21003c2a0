"""The configured processors, each built on first use and kept for the container's life: the card SDK
(stripe, the heaviest import) and the ACH client are loaded only by a request that needs them (at a SnapStart
init, shared/coldstart/__init__.py loads the SDK into the snapshot)."""

from functools import cache


@cache
def card_processor():
    from shared.processors import stripe_cards

    return stripe_cards.from_environment()


@cache
def ach_processor():
    from shared.processors import dwolla

    return dwolla.from_environment()


def forget_processors() -> None:
    """Build both again on next use (after their secrets or endpoints changed: tests, the local stack)."""
    card_processor.cache_clear()
    ach_processor.cache_clear()
