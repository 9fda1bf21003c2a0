"""Dwolla's rules as a client meets them in the portal (Chromium, against its own local stack): the weekly limit
of bank transfers offers a card or a smaller amount, a client whose bank transfers Dwolla suspended is told so
before choosing a bank, and the micro-deposits are "under 10 cents". Screenshots at 1280 and 390 px."""

import re
import time

import pytest
from playwright.sync_api import expect

from infra.demo import Portal
from tests.drivers.portal import invoice_row, no_serious_accessibility_problems, open_payment, sign_in, verified_bank
from tests.e2e.test_local_stack import stack_in

expect.set_options(timeout=15_000)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("bank-rules-stack")) as stack:
        yield stack


def test_over_the_weekly_limit_the_portal_offers_a_card_or_a_smaller_amount(page, stack, shots):
    portal = Portal(stack, "ana@acme.test")
    bank = verified_bank(portal, "123456780000")
    settings = portal.get("/portal-settings").json()
    big = portal.post(
        "/invoices/client-acme-partial/payments",
        {
            "method": "ach",
            "payment_method_id": bank,
            "ach_authorization": {"accepted": True, "text": settings["ach_authorization_text"]},
        },
        headers={"Idempotency-Key": "bank-rules-big"},
    )
    assert big.status_code == 201, big.text  # $4,800.00 of this week's $5,000.00

    sign_in(page, "ana@acme.test")
    dialog = open_payment(page, "INV-1044")  # $700.00 still due, partial payments allowed
    dialog.get_by_label("Bank transfer (ACH)").check()
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_label(re.compile("^I authorize this one-time debit of")).check()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Over the weekly limit for bank transfers")).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text("You were not charged.")
    expect(dialog).to_contain_text("You can still send $200.00 by bank transfer this week; the limit resets on")
    no_serious_accessibility_problems(page, "weekly limit")
    page.set_viewport_size({"width": 1280, "height": 820})
    page.screenshot(path=shots / "21-ach-weekly-limit.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=shots / "22-ach-weekly-limit-phone.png")
    page.set_viewport_size({"width": 1280, "height": 820})

    dialog.get_by_role("button", name="Pay $200.00 by bank transfer").click()
    amount = dialog.get_by_label("Amount to pay (USD)")
    expect(amount).to_be_focused()
    expect(amount).to_have_value("200.00")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_label(re.compile("^I authorize this one-time debit of")).check()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment submitted")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()

    dialog = open_payment(page, "INV-1041")  # full payment only: a card is what is left
    dialog.get_by_label("Bank transfer (ACH)").check()
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_label(re.compile("^I authorize this one-time debit of")).check()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("alert")).to_contain_text("You were not charged.")
    expect(dialog).to_contain_text("The limit resets on")
    expect(dialog.get_by_role("button", name=re.compile("by bank transfer$"))).to_have_count(0)
    dialog.get_by_role("button", name="Pay by card instead").click()
    expect(dialog.get_by_label("Card", exact=True)).to_be_checked()
    expect(invoice_row(page, "INV-1041")).to_contain_text("Pay Now")


def test_a_suspended_client_sees_why_before_choosing_a_bank(page, stack, shots):
    """Dwolla suspended the client's customer after an R10: the pay form and Account Settings say so."""
    portal = Portal(stack, "ben@birch.test")
    bank = verified_bank(portal, "223456780010")  # R10: removed, blocklisted, customer suspended
    settings = portal.get("/portal-settings").json()
    paid = portal.post(
        "/invoices/client-birch-partial/payments",
        {
            "method": "ach",
            "payment_method_id": bank,
            "amount": 10000,
            "ach_authorization": {"accepted": True, "text": settings["ach_authorization_text"]},
        },
        headers={"Idempotency-Key": "bank-rules-r10"},
    )
    assert paid.status_code == 201, paid.text
    for _ in range(60):  # the return arrives by webhook after the sandbox's delay
        if portal.get("/account").json()["bank_payments"] == "suspended":
            break
        time.sleep(0.5)
    assert portal.get("/account").json()["bank_payments"] == "suspended"

    sign_in(page, "ben@birch.test")
    row = page.get_by_role("row").filter(has=page.get_by_role("button", name=re.compile("^Pay Now"))).first
    row.get_by_role("button", name=re.compile("^Pay Now")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Bank transfer (ACH)").check()
    expect(dialog).to_contain_text("Bank transfers from your account are on hold with our payment processor")
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.get_by_role("alert").first).to_contain_text("Choose Card")
    page.set_viewport_size({"width": 1280, "height": 820})
    page.screenshot(path=shots / "23-bank-transfers-on-hold.png")
    dialog.get_by_role("button", name="Cancel").click()
    page.get_by_role("link", name="Account Settings").click()
    expect(page.get_by_role("main")).to_contain_text("on hold with our payment processor")
    no_serious_accessibility_problems(page, "bank transfers on hold")


def test_the_deposits_are_under_10_cents(page, stack, shots):
    sign_in(page, "ana@acme.test")
    page.get_by_role("link", name="Account Settings").click()
    page.get_by_label("Account holder name").fill("Ana Demo")
    page.get_by_label("Routing number").fill("222222226")
    page.get_by_label("Account number").fill("987654320000")
    page.get_by_role("button", name="Link bank account").click()
    bank = page.get_by_role("listitem").filter(has_text="ending in 0000").filter(has_text="Waiting")
    bank.get_by_role("button", name=re.compile("^Verify")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("two small deposits (each under 10 cents)")
    dialog.get_by_label("First deposit ($)").fill("0.32")
    dialog.get_by_label("Second deposit ($)").fill("0.45")
    dialog.get_by_role("button", name="Verify").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Each deposit is under 10 cents")
