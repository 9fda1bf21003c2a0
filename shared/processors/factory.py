"""The configured processors, each built on first use and kept for the container's life: the card SDK
(stripe, the heaviest import) and the ACH client are loaded only by a request that needs them."""

from functools import cache

from shared.init_type import ahead_of_requests, load_ahead

load_ahead("shared.secrets")  # each processor's key is a secret: its client's data read at init (aws.prime_models)


@cache
def card_processor():
    from shared.processors import stripe_cards

    return stripe_cards.from_environment()


@cache
def ach_processor():
    from shared.processors import dwolla

    return dwolla.from_environment()


def prime_card_processor() -> None:
    """At an init no request waits for (SnapStart's, or provisioned concurrency's), load the Stripe adapter, the
    SDK and every class a card request loads, so that a resumed instance's first request does not; no client,
    key or connection is made (those come on first use, after restore). At an on-demand init nothing: a request
    that never calls Stripe (an ACH payment, a settled payment's read) does not pay for it."""
    if ahead_of_requests():
        from shared.processors import stripe_cards, stripe_sdk  # noqa: F401  (the adapter: into the snapshot)

        stripe_sdk.load_request_classes()


def forget_processors() -> None:
    """Build both again on next use (after their secrets or endpoints changed: tests, the local stack)."""
    card_processor.cache_clear()
    ach_processor.cache_clear()
