"""The README says what the code has: its Layout section names every Python module (a new module without a
line fails here); docs/http-api.md explains every kind of an invoice's activity; the README stays a page a
newcomer reads (at most 400 lines)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRS = ("shared", "functions", "infra", "ops", "bench", "tests")


def section(title: str, page: str = "README.md", level: str = "##") -> str:
    text = "\n" + (ROOT / page).read_text() + f"\n{level} end\n"
    start = text.index(f"\n{level} {title}\n")
    return text[start : text.index(f"\n{level} ", start + 1)]


def layout_names() -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_.]+", section("Layout")))


def module_names() -> dict[str, str]:
    """path -> the name the Layout must show: the file's name, or its directory's for a function's app.py."""
    names = {}
    for folder in DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if path.name == "__init__.py" or any(p.startswith(".") or p == "__pycache__" for p in parts):
                continue
            names[str(path.relative_to(ROOT))] = path.parent.name if path.name == "app.py" else path.name
    return names


def test_every_module_is_named_in_the_layout():
    named = layout_names()
    missing = sorted(path for path, name in module_names().items() if name not in named)
    assert not missing, f"not in the README's Layout section: {missing}"


def test_the_check_sees_a_module_the_layout_does_not_name():
    assert "no_such_module.py" not in layout_names()
    assert module_names()["shared/books/ledger.py"] == "ledger.py"
    assert module_names()["functions/get_invoice/app.py"] == "get_invoice"


def test_the_readme_is_a_page_a_newcomer_reads():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 400


def test_every_activity_kind_is_explained_in_the_http_api_page_as_the_api_document_says():
    from shared.books.ledger import CLIENT_VISIBLE, DESCRIPTIONS

    rows = dict(
        re.findall(r"^\| `([a-z_]+)` \| [+-] `[a-z_]+` \| (.+) \|$", section("HTTP API", "docs/http-api.md", "#"), re.M)
    )
    assert rows == {kind: words for kind, words in DESCRIPTIONS.items() if kind in CLIENT_VISIBLE}
