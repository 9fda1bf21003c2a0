"""Every email rendered in Chromium, as a mail client shows its HTML part: the merchant's name on top, the
amount large (an email about a bank account rather than money has none), the details table, nothing wider than a
phone. Screenshots go to docs/emails/ with UPDATE_SCREENSHOTS=1."""

import pytest

from tests.email_samples import ACCOUNT_EMAILS, BANK_ACCOUNT_EMAILS, CLIENT_EMAILS, MERCHANT_EMAILS

pytestmark = pytest.mark.e2e
ALL = {**CLIENT_EMAILS, **MERCHANT_EMAILS, **ACCOUNT_EMAILS}
NO_AMOUNT = {"autopay-authorized", "autopay-off"}  # about the authorization, not a sum of money


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 640, "height": 900}, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", ALL)
def test_email_renders_like_a_receipt(page, name, screenshot_folder):
    email = ALL[name]
    page.set_content(email.html)
    first = page.get_by_text("Acme Bookkeeping", exact=True).first
    assert first.bounding_box()["y"] < 60  # the merchant's name at the top
    amounts = page.locator("td").filter(has_text="$").all()
    if name in BANK_ACCOUNT_EMAILS:  # about a bank account, not an amount of money: no figure pretends otherwise
        assert amounts == [] and page.locator("table table td").count() >= 2  # the details table
    elif name not in ACCOUNT_EMAILS and name not in NO_AMOUNT:  # a billing email change has no amount either
        biggest = max(float(a.evaluate("e => getComputedStyle(e).fontSize")[:-2]) for a in amounts)
        assert biggest >= 30  # the amount, large
    page.screenshot(path=screenshot_folder("emails") / f"{name}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # readable on a phone
    page.set_viewport_size({"width": 640, "height": 900})
