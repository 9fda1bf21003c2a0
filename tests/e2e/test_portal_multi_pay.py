"""Several invoices, one payment, in the reference portal (Playwright on Debian's Chromium) against a local stack
with a 3 % card fee on credit cards: tick invoices in the list, pay them together, the fee shown with its exact
amount before submitting (none for a debit card), one payment on each invoice, its fee on its own line.
Screenshots at 1280 x 800 and 390 x 844 (docs/portal/ with UPDATE_SCREENSHOTS=1)."""

import re

import pytest
from playwright.sync_api import expect

from tests.drivers.portal import (
    DESKTOP,
    PHONE,
    invoice_row,
    no_serious_accessibility_problems,
    open_portal,
    sign_in,
    type_card,
)
from tests.e2e.test_local_stack import stack_in

expect.set_options(timeout=15_000)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("multi-pay-stack"), env={"LOCAL_CARD_FEE_BASIS_POINTS": "300"}) as stack:
        yield stack


def tick(page, number):
    page.get_by_role("checkbox", name=re.compile(f"^Select invoice {number} ")).check()


def test_pay_two_invoices_by_credit_card_with_the_fee_shown_before_submitting(browser, stack, shots):
    context, page, errors = open_portal(browser, stack, DESKTOP)
    sign_in(page, "ana@acme.test")
    bar = page.get_by_role("region", name="Pay several invoices")
    expect(bar).to_contain_text(
        "Paying by credit card adds a 3% card fee; debit and prepaid cards and bank transfers have none."
    )
    expect(bar.get_by_role("button", name="Pay selected")).to_be_disabled()
    expect(page.get_by_role("checkbox", name=re.compile("^Select invoice INV-1045"))).to_have_count(0)  # paid
    tick(page, "INV-1041")
    tick(page, "INV-1044")
    expect(bar).to_contain_text("2 invoices selected: $1,950.00")  # 1,250.00 + the 700.00 still owed on INV-1044
    no_serious_accessibility_problems(page, "invoices with a selection")
    page.screenshot(path=shots / "34-select-invoices.png", full_page=True)

    bar.get_by_role("button", name="Pay selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Pay 2 invoices")).to_be_visible()
    expect(dialog).to_contain_text("Invoice INV-1041")
    expect(dialog).to_contain_text("$1,950.00")
    type_card(dialog, "4242424242424242")
    page.screenshot(path=shots / "35-pay-several-form.png")
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.get_by_role("heading", name="Review your payment")).to_be_visible()
    # 3 % of each balance, rounded down: 37.50 + 21.00
    expect(dialog).to_contain_text("Card fee (3%, credit card)")
    expect(dialog).to_contain_text("$58.50")
    expect(dialog.get_by_role("button", name="Pay $2,008.50")).to_be_visible()
    expect(dialog).to_contain_text("a refund gives back its share of the fee")
    no_serious_accessibility_problems(page, "the review with the card fee")
    page.screenshot(path=shots / "36-review-card-fee.png")

    dialog.get_by_role("button", name="Pay $2,008.50").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).to_contain_text("$2,008.50")
    expect(dialog).to_contain_text("One receipt for all 2 invoices")
    page.screenshot(path=shots / "37-paid-together.png")
    dialog.get_by_role("button", name="Done").click()
    for number in ("INV-1041", "INV-1044"):
        expect(invoice_row(page, number)).to_contain_text("Paid")

    invoice_row(page, "INV-1041").get_by_role("link", name="INV-1041").click()
    expect(page.get_by_role("heading", name="Invoice INV-1041")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Card fee \\(credit card surcharge\\), paid"))).to_contain_text(
        "$37.50"
    )
    expect(page.locator(".activity")).to_contain_text("Card fee for paying by credit card")
    expect(page.get_by_role("table").last).to_contain_text("of $2,008.50 paid for 2 invoices")
    page.screenshot(path=shots / "38-invoice-card-fee-line.png", full_page=True)
    page.get_by_role("link", name="Payment history").click()
    expect(page.get_by_role("row").filter(has_text="$2,008.50")).to_contain_text(
        "INV-1044, INV-1041"
    )  # due first, allocated first
    context.close()
    assert errors == []


def test_a_debit_card_pays_no_fee_on_a_phone(browser, stack, shots):
    context, page, errors = open_portal(browser, stack, PHONE)
    sign_in(page, "ben@birch.test")
    tick(page, "INV-2041")
    tick(page, "INV-2043")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=shots / "39-select-invoices-phone.png", full_page=True)
    page.get_by_role("button", name="Pay selected").click()
    dialog = page.get_by_role("dialog")
    type_card(dialog, "4000056655665556")  # Stripe's Visa debit test card
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog).to_contain_text("None: debit card")
    expect(dialog).not_to_contain_text("credit card)")
    total = dialog.locator(".big").inner_text()
    page.screenshot(path=shots / "40-review-debit-phone.png")
    dialog.get_by_role("button", name=f"Pay {total}").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).not_to_contain_text("Card fee")
    dialog.get_by_role("button", name="Done").click()
    expect(invoice_row(page, "INV-2043")).to_contain_text("Paid")
    context.close()
    assert errors == []
