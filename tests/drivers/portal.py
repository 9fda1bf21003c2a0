"""Driving the reference portal in a browser (tests/e2e): Debian's Chromium launched through Playwright, a page on
a local stack's portal that fails its test on a JavaScript error or a Content-Security-Policy violation, signing
in, the invoice list and the payment dialog, the checks every screen gets (accessibility, no sideways scroll on a
phone), and a bank linked and verified through the API (infra.demo.Portal) when a test is about something else."""

import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

CHROMIUM = (
    "/usr/bin/chromium"  # Debian's (apt-get install chromium; .ci/run does): Playwright's download cannot work here
)
PASSWORD = "DemoPortal2026"  # every demo client's (infra/demo_data.py)
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
TIMEOUT_MS = 15_000  # as long as the pages' own actions may take on a loaded machine


def launch(browser_type, *args: str):
    """Chromium, headless, without its sandbox (no user namespaces here), with any further command-line `args`."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    return browser_type.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *args])


@pytest.fixture(scope="module")
def shots(screenshot_folder):
    """Where the portal's screenshots go (docs/portal/ with UPDATE_SCREENSHOTS=1)."""
    return screenshot_folder("portal")


def watch_csp(context) -> list[str]:
    """Every Content-Security-Policy violation in the context's pages: the `securitypolicyviolation` event,
    reported through a binding (so none is lost when a page navigates), and Chromium's console errors about it."""
    seen = []
    context.expose_binding("__cspViolation", lambda source, text: seen.append(text))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.__cspViolation("
        "`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} on ${e.documentURI}`));"
    )
    context.on(
        "console", lambda m: seen.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
    )
    return seen


def open_portal(browser, stack, viewport=DESKTOP, timeout_ms: int | None = TIMEOUT_MS):
    """A new context on the stack's portal and a page in it: (context, page, the page's JavaScript errors)."""
    context = browser.new_context(viewport=viewport, base_url=stack["portal_url"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if timeout_ms is not None:
        page.set_default_timeout(timeout_ms)
    return context, page, errors


@pytest.fixture
def page(browser, stack):
    """A desktop page on the module's `stack`; the test fails on any JavaScript error or CSP violation in it."""
    context, page, errors = open_portal(browser, stack)
    violations = watch_csp(context)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def sign_in(page, email: str, password: str = PASSWORD, *, heading: str = "Invoices", keyboard: bool = False):
    """Sign in from the start page (submitted with Enter when `keyboard`) and wait for the first page's heading."""
    page.goto("/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    if keyboard:
        page.get_by_label("Password", exact=True).press("Enter")
    else:
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def no_serious_accessibility_problems(page, where: str):
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"axe on {where}: {serious}"


def no_sideways_scroll(page, where: str, width: int = PHONE["width"]):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{where} is {scroll_width}px wide on a {width}px phone"


def invoice_row(page, number: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))


def open_payment(page, number: str):
    """The invoice's "Pay Now": the payment dialog, once its heading shows."""
    invoice_row(page, number).get_by_role("button", name=re.compile("^Pay Now")).click()
    expect(page.get_by_role("dialog").get_by_role("heading", name=f"Pay invoice {number}")).to_be_visible()
    return page.get_by_role("dialog")


def type_card(dialog, number: str, cvc: str = "123"):
    dialog.get_by_label("Card number").fill(number)
    dialog.get_by_label("Expiration date (MM / YY)").fill("12 / 34")
    dialog.get_by_label("Security code (CVC)").fill(cvc)
    dialog.get_by_label("ZIP code").fill("10001")


def verified_bank(portal, account: str = "123456781234") -> str:
    """A bank account linked and verified through the API as `portal` (an infra.demo.Portal); the stack's sandbox
    sends deposits of 3 and 9 cents, after its delay (409 until then)."""
    linked = portal.post(
        "/payment-methods/bank-accounts",
        {
            "routing_number": "222222226",
            "account_number": account,
            "account_type": "checking",
            "holder_name": "Ana Demo",
        },
    )
    assert linked.status_code == 201, linked.text
    method_id = linked.json()["payment_method_id"]
    for _ in range(60):
        verified = portal.post(f"/payment-methods/{method_id}/verify", {"amounts": [3, 9]})
        if verified.status_code != 409:
            break
        time.sleep(0.5)
    assert verified.status_code == 200, verified.text
    return method_id
