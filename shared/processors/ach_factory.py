"""The configured ACH processor (Dwolla), built on first use."""

from functools import cache


@cache
def ach_processor():
    from shared.processors import dwolla

    return dwolla.from_environment()
