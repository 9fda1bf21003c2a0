"""One headless Chromium for the browser tests (tests/drivers/portal.py launches it: Debian's, driven by Playwright
for Python), the screenshots' folder, and every answer of the local gateway checked against docs/openapi.json."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests import openapi_check
from tests.drivers.portal import launch, page, shots  # noqa: F401  (page, shots: fixtures of every portal test)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p.chromium)
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


@pytest.fixture(autouse=True)
def answers_match_the_document(monkeypatch):
    """Every answer of the local gateway (its Server header says so) to a route it serves is checked against
    docs/openapi.json; the processors' stand-ins and moto are not the API and are left alone."""
    send = requests.Session.send

    def checked_send(self, request, **kwargs):
        response = send(self, request, **kwargs)
        route = openapi_check.route_of(request.method, urlsplit(request.url).path)
        if route and response.headers.get("Server", "").startswith("local-apigw"):
            openapi_check.check(request.method, route, response.status_code, response.headers, response.content)
        return response

    monkeypatch.setattr(requests.Session, "send", checked_send)
