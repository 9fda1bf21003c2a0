"""One headless Chromium for the browser tests: Debian's (apt-get install chromium; .ci/run does it), driven by
Playwright for Python. Playwright's own browser download cannot work on these machines."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_folder(tmp_path_factory):
    """docs/<name>/ with UPDATE_SCREENSHOTS=1 (the committed pictures), else a temporary folder: every run
    takes them, so a page or email that fails to render fails its test either way."""
    def folder(name: str) -> Path:
        path = ROOT / "docs" / name if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp(name)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return folder
