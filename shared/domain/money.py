"""Money is an integer count of minor units (cents) with a lowercase ISO currency. No floats anywhere."""

from typing import TypeGuard

# Minor units per major unit for the currencies the portal bills in; anything else is refused at creation.
_MINOR_UNITS = {"usd": 2, "cad": 2, "eur": 2, "gbp": 2, "aud": 2}
_SYMBOLS = {"usd": "$", "cad": "CA$", "eur": "€", "gbp": "£", "aud": "A$"}


def is_cents(value: object) -> TypeGuard[int]:
    """True for a real int (bool is an int subclass in Python, but never an amount)."""
    return isinstance(value, int) and not isinstance(value, bool)


def minor_units(currency: str) -> int:
    """Digits after the decimal point of `currency` (2 for every currency the portal bills in)."""
    return _MINOR_UNITS.get(currency.lower(), 2)


def format_amount(cents: int, currency: str) -> str:
    """1234567, 'usd' -> '$12,345.67' using integer arithmetic only."""
    if not is_cents(cents):
        raise TypeError("amounts are integer cents")
    digits = _MINOR_UNITS.get(currency, 2)
    sign = "-" if cents < 0 else ""
    major, minor = divmod(abs(cents), 10**digits)
    symbol = _SYMBOLS.get(currency, currency.upper() + " ")
    return f"{sign}{symbol}{major:,}.{minor:0{digits}d}"
