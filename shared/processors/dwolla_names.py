"""Names Dwolla accepts. Its "Create a customer" reference: firstName and lastName "must be ≤ 50 characters and
contain no special characters [<>="`!?%~${}\\]", businessName ≤ 255 characters and the same characters. A client
called "Yahoo!" or "Smith & Sons <West>" would be refused, so every name sent is mapped first: each forbidden
character becomes its nearest acceptable one (docs/ach.md), never silently the whole name.
Pure.
"""

# The characters of Dwolla's list, and the brackets around it as well (whether they belong to the list is not
# clear from the page; refusing them too is the safe reading).
FORBIDDEN = frozenset('<>="`!?%~${}\\[]')
MAPPING = {
    '"': "'",
    "`": "'",  # quotes: an apostrophe
    "<": "(",
    "[": "(",
    "{": "(",  # brackets: parentheses
    ">": ")",
    "]": ")",
    "}": ")",
    "=": "-",
    "~": "-",  # a dash
    "\\": "/",  # a slash
    "%": " percent",  # "100% Organic" -> "100 percent Organic"
    "$": "S",  # "Ca$h Flow" -> "CaSh Flow"
    "!": "",
    "?": "",  # dropped: "Yahoo!" -> "Yahoo"
}
PERSON_NAME_LIMIT = 50  # firstName, lastName
BUSINESS_NAME_LIMIT = 255


def acceptable(text: str, limit: int) -> str:
    """`text` with every forbidden character mapped, runs of spaces made one, at most `limit` characters ("" when
    nothing is left)."""
    mapped = "".join(MAPPING.get(c, c) for c in text or "")
    return " ".join(mapped.split())[:limit].rstrip()


def person_names(name: str, email: str = "") -> tuple[str, str]:
    """Dwolla's required firstName and lastName: the first word and the rest ("Ann Marie Archer" -> "Ann",
    "Marie Archer"); one word is both; an empty name (after mapping) falls back to the email's local part."""
    words = (
        acceptable(name, 10 * PERSON_NAME_LIMIT).split()
        or acceptable(email.split("@", 1)[0], PERSON_NAME_LIMIT).split()
        or ["Customer"]
    )
    first, last = words[0], " ".join(words[1:]) or words[0]
    return acceptable(first, PERSON_NAME_LIMIT), acceptable(last, PERSON_NAME_LIMIT)


def business_name(name: str) -> str | None:
    return acceptable(name, BUSINESS_NAME_LIMIT) or None
