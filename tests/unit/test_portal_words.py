"""Every code a client can see has words written for a client in portal/words.js, and docs/portal.md's tables say
the same: a journal kind a client sees (shared.books.ledger.CLIENT_VISIBLE), a payment or invoice status, or an error code a portal
route can answer (infra/openapi.py's ERRORS, the documented contract) without words fails here."""

import re
from pathlib import Path

from infra import openapi
from shared.books.ledger import CLIENT_VISIBLE
from shared.domain.invoices import STATUSES

ROOT = Path(__file__).resolve().parents[2]
WORDS = (ROOT / "portal" / "words.js").read_text()
PORTAL_DOC = (ROOT / "docs" / "portal.md").read_text()
PAYMENT_STATUSES = (
    "pending",
    "processing",
    "succeeded",
    "failed",
    "canceled",
    "refunded",
    "partially_refunded",
    "disputed",
)


def words(name: str) -> dict[str, str]:
    """`export const NAME = {` ... `};` of words.js, one `key: 'words',` per line (the file's own rule)."""
    block = re.search(rf"^export const {name} = \{{\n(.*?)^\}};", WORDS, re.S | re.M)
    assert block, f"{name} is not in portal/words.js"
    lines = block.group(1).strip("\n").split("\n")
    entries = [re.fullmatch(r"  (\w+): (['\"])(.+)\2,", line) for line in lines]
    assert all(entries), f"{name}: a line is not `key: 'words',`: {[line for line, e in zip(lines, entries) if not e]}"
    return {e.group(1): e.group(3) for e in entries}


def portal_error_codes() -> set[str]:
    codes = {"unauthorized"}
    for key, statuses in openapi.ERRORS.items():
        path = key.split(" ", 1)[1]
        if path.startswith(("/admin", "/webhooks")):
            continue
        codes.update(c for cs in openapi._by_status(statuses).values() for c in cs)
        codes.update(code for name, code in openapi.NOT_FOUND_CODES.items() if "{" + name + "}" in path)
    return codes


def doc_table(heading: str) -> dict[str, str]:
    section = PORTAL_DOC.split(heading, 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| (.+?) \|$", section, re.M))


def test_every_activity_kind_a_client_sees_has_words():
    assert set(words("ACTIVITY_WORDS")) == set(CLIENT_VISIBLE)


def test_every_installment_status_has_words():
    from shared.domain.payment_plans import DUE, OVERDUE, PAID_STATUS

    assert set(words("INSTALLMENT_STATUS_WORDS")) == {DUE, OVERDUE, PAID_STATUS}


def test_every_status_has_words():
    assert set(words("INVOICE_STATUS_WORDS")) == set(STATUSES)
    assert set(words("PAYMENT_STATUS_WORDS")) == set(PAYMENT_STATUSES)
    assert words("PAYMENT_STATUS_WORDS")["failed"] == "Declined"


def test_every_error_a_portal_route_answers_has_words():
    missing = portal_error_codes() - set(words("ERROR_WORDS"))
    assert not missing, f"error codes without words in portal/words.js: {sorted(missing)}"


def test_no_words_use_the_codes_themselves():
    for name in ("ACTIVITY_WORDS", "INVOICE_STATUS_WORDS", "PAYMENT_STATUS_WORDS", "ERROR_WORDS"):
        for key, text in words(name).items():
            assert "_" not in text, f"{name}.{key} reads like a code: {text!r}"


def test_the_portal_page_tables_say_the_same_words():
    for heading, name in (
        ("## Words a client reads", "ACTIVITY_WORDS"),
        ("### Payment statuses", "PAYMENT_STATUS_WORDS"),
        ("### Invoice statuses", "INVOICE_STATUS_WORDS"),
        ("### Installment statuses", "INSTALLMENT_STATUS_WORDS"),
    ):
        assert doc_table(heading) == words(name), f"docs/portal.md's {heading!r} table and words.js {name} differ"
