"""A client's first day, in Chromium at 1280x800 and 390x844 against one local stack: invited by
`ops-create-client`, signing in with the temporary password from the invitation email (read from the stack's
/_local/emails), choosing a password with Cognito's rules shown, "Forgot password?", the merchant's contacts,
words written for a client, the card form checked complete and kept on "Back", Amex and Discover, declines
grouped, PDFs, paged lists, no sideways scroll on a phone, and the lost-contact screen ("Don't pay again yet")
until the API says whether the payment went through. Screenshots: docs/portal/ (UPDATE_SCREENSHOTS=1)."""

import re
import subprocess
import sys
import uuid

import pytest
import requests
from playwright.sync_api import expect

from infra.demo import Portal
from tests.drivers.portal import no_sideways_scroll, open_payment, open_portal, sign_in, type_card, verified_bank
from tests.e2e.test_local_stack import ROOT, stack_in

expect.set_options(timeout=15_000)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
NEW_EMAIL = "cleo@cedar.test"
NEW_PASSWORD = "Cedar-Portal-2026"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("first-day-stack")
    with stack_in(folder) as stack:
        yield {**stack, "file": str(folder / "stack.json")}


@pytest.fixture
def page(browser, stack):
    context, page, errors = open_portal(browser, stack, timeout_ms=None)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def emails(stack) -> dict:
    return requests.get(f"{stack['api_url']}/_local/emails.json", timeout=10, proxies={"http": None}).json()


def test_an_invited_client_signs_in_chooses_a_password_and_can_reset_it(page, stack, shots):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.create_client",
            "--stack-file",
            stack["file"],
            "--client",
            "client-cedar",
            "--name",
            "Cedar Studio",
            "--email",
            NEW_EMAIL,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [invitation] = [m for m in emails(stack)["cognito"] if m["to"] == NEW_EMAIL]
    temporary = re.search(r"temporary password is (\S+)\.$", invitation["text"]).group(1)
    page.goto(f"{stack['api_url']}/_local/emails")  # the page make local names
    expect(page.get_by_role("heading", name="Emails sent by the local stack")).to_be_visible()
    expect(page.get_by_text(f"to {NEW_EMAIL}")).to_be_visible()
    page.screenshot(path=shots / "21-local-emails.png")

    page.goto("/")
    page.get_by_label("Email").fill(NEW_EMAIL)
    page.get_by_label("Password", exact=True).fill(temporary)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    rules = page.get_by_role("list", name="Your password needs")
    expect(rules).to_contain_text("At least 12 characters")  # the pool's policy, shown before anything is sent
    expect(rules).to_contain_text("An uppercase letter")
    sent = []
    page.on("request", lambda r: sent.append(r.headers.get("x-amz-target")) if r.method == "POST" else None)
    page.get_by_label("New password").fill("short")
    page.get_by_label("Type it again").fill("short")
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Your new password needs: at least 12 characters")
    assert sent == []  # checked in the page first
    page.get_by_label("New password").fill(NEW_PASSWORD)
    expect(rules.get_by_text("At least 12 characters")).to_have_class("met")
    page.get_by_label("Type it again").fill(NEW_PASSWORD)
    page.screenshot(path=shots / "22-choose-password.png")
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    expect(page.get_by_text("You have no invoices yet.")).to_be_visible()
    assert "AWSCognitoIdentityProviderService.RespondToAuthChallenge" in sent

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(NEW_EMAIL)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    code = re.search(
        r"(\d{6})", [m for m in emails(stack)["cognito"] if m["kind"] == "password reset code"][0]["text"]
    )[1]
    page.get_by_label("Code from the email").fill("000000" if code != "000000" else "111111")
    page.get_by_label("New password").fill("Cedar-Portal-2027")
    page.get_by_label("Type it again").fill("Cedar-Portal-2027")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.get_by_label("Code from the email").fill(code)
    page.screenshot(path=shots / "23-reset-password.png")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    page.get_by_label("Password", exact=True).fill("Cedar-Portal-2027")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()


def test_contacts_words_dates_and_numbers_that_agree(page, stack, shots):
    sign_in(page, "ana@acme.test")
    sidebar = page.locator(".sidebar")
    # The merchant's support email and phone from GET /portal-settings, in the sidebar of every page.
    expect(sidebar.get_by_role("link", name="help@example.com")).to_have_attribute("href", "mailto:help@example.com")
    expect(sidebar.get_by_role("link", name="+1 555 0100")).to_have_attribute("href", "tel:+15550100")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="INV-1043", exact=True))
    listed_total = row.locator("td.num").first.inner_text().splitlines()[0]
    row.get_by_role("link", name="INV-1043").click()
    summary = page.locator(".summary")
    expect(summary).to_contain_text(listed_total)  # the list's Total is the invoice's Total
    activity = page.locator("ol.activity")
    expect(activity).to_contain_text("Invoice issued")
    expect(activity).to_contain_text("Late fee added")
    issued = summary.locator("div").filter(has_text="Issued").locator("dd").inner_text()
    expect(activity.locator("li").first).to_contain_text(issued)  # "Invoice issued" on the Issued date
    expect(page.locator("main")).not_to_contain_text("_")  # no code like transfer_started anywhere
    expect(page.get_by_text("Dates and times are in America/New York time.")).to_be_visible()
    expect(page.locator("main .contact")).to_contain_text("help@example.com")
    page.screenshot(path=shots / "24-invoice-activity.png", full_page=True)

    page.goto("/invoices/client-acme-partly-paid")  # the activity's payment on the payment's own day
    paid_on = page.get_by_role("row").filter(has_text="Visa ending in 4242").locator("td").first.inner_text()
    expect(page.locator("ol.activity li").filter(has_text="Payment received")).to_contain_text(
        ", ".join(paid_on.split(", ")[:2])
    )  # "Nov 27, 2026, 10:00 AM EST" -> "Nov 27, 2026"

    page.goto("/invoices/client-acme-paid")  # paid: nothing to ask for, and no "No extension was requested"
    expect(page.get_by_role("heading", name=re.compile("^Invoice INV-"))).to_be_visible()
    expect(page.get_by_text("No extension was requested")).to_have_count(0)
    expect(page.get_by_role("heading", name="Extension request")).to_have_count(0)


def test_card_form_checked_before_review_kept_on_back_and_amex_pays(page, stack, shots):
    sign_in(page, "ben@birch.test")
    dialog = open_payment(page, "INV-2042")
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and "/payments" in r.url else None)
    dialog.get_by_role("button", name="Review payment").click()  # nothing typed
    expect(dialog.locator("#card-error")).to_contain_text("Enter your card details")
    dialog.get_by_label("Card number").fill("3782 822463 1000")  # one digit short of Amex's 15
    dialog.get_by_label("Expiration date (MM / YY)").fill("12 / 34")
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.locator("#card-error")).to_contain_text("Your card number is incomplete.")
    page.screenshot(path=shots / "25-card-incomplete.png")
    assert posted == []  # the form said so: nothing was sent
    type_card(dialog, "3782 822463 10005", cvc="1234")  # Stripe's Amex test card, 15 digits, 4-digit CVC
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.get_by_role("heading", name="Review your payment")).to_be_visible()
    dialog.get_by_role("button", name="Back").click()
    expect(dialog.get_by_label("Card number")).to_have_value("3782 822463 10005")  # kept
    expect(dialog.get_by_label("Security code (CVC)")).to_have_value("1234")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).to_contain_text("American Express ending in 0005")
    dialog.get_by_role("button", name="Done").click()


def test_discover_pays_and_declines_are_grouped_in_history(page, stack, shots):
    sign_in(page, "ben@birch.test")
    dialog = open_payment(page, "INV-2041")
    for _ in range(2):  # declined twice, then paid with a Discover card
        type_card(dialog, "4000 0000 0000 9995")
        dialog.get_by_role("button", name="Review payment").click()
        dialog.get_by_role("button", name="Submit Payment").click()
        expect(dialog.get_by_role("heading", name="Your card was declined")).to_be_visible()
        dialog.get_by_role("button", name="Try a different payment method").click()
    type_card(dialog, "6011 1111 1111 1117")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).to_contain_text("Discover ending in 1117")
    dialog.get_by_role("button", name="Done").click()
    page.get_by_role("link", name="Payment history").click()
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name="INV-2041"))
    expect(rows).to_have_count(1)  # one entry for the invoice, its declines under it
    expect(rows).to_contain_text("Paid")
    expect(rows.get_by_text("2 earlier attempts declined")).to_be_visible()
    rows.get_by_text("2 earlier attempts declined").click()
    expect(rows).to_contain_text("insufficient funds")
    page.screenshot(path=shots / "26-history-grouped.png", full_page=True)
    with page.expect_download() as download:
        rows.get_by_role("button", name=re.compile("^Download receipt")).click()
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-" and download.value.suggested_filename.startswith("receipt-")


def test_settings_reminders_and_saved_feedback_in_view(page, stack, shots):
    sign_in(page, "ben@birch.test")
    page.get_by_role("link", name="Account Settings").click()
    days = page.get_by_role("group", name="Send reminders").get_by_role("checkbox")
    for i in range(days.count()):
        days.nth(i).uncheck()
    for i in range(3):
        days.nth(i).check()
    expect(days.nth(3)).to_be_disabled()  # the API takes at most 3: the form offers no 4th
    page.get_by_role("button", name="Save settings").click()
    status = page.locator(".saved-status")
    expect(status).to_have_text("Your settings are saved.")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_be_in_viewport()
    page.screenshot(path=shots / "27-settings-saved.png")


def test_lists_follow_next_cursor_and_phone_pages_fit(browser, stack, shots):
    admin = Portal(stack, "owner@merchant.test")
    for n in range(27):  # more than one page (the portal asks 25 at a time)
        created = admin.post(
            "/admin/invoices",
            {
                "client_id": "client-cedar",
                "number": f"INV-9{n:03d}",
                "due_date": "2030-01-31",
                "issued_date": "2029-12-01",
                "line_items": [{"description": "Design", "quantity": 1, "unit_amount": 1000 + n}],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert created.status_code == 201, created.text
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=stack["portal_url"],
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    sign_in(page, NEW_EMAIL, "Cedar-Portal-2027")
    numbers = page.get_by_role("row").get_by_role("link")
    expect(numbers).to_have_count(25)
    page.get_by_role("button", name="Load more invoices").click()
    expect(numbers).to_have_count(27)
    expect(page.get_by_role("button", name="Load more invoices")).to_be_hidden()
    no_sideways_scroll(page, "invoices")
    page.close()
    page = context.new_page()
    sign_in(page, "ben@birch.test")
    page.get_by_role("link", name="Payment history").click()
    expect(page.get_by_role("heading", name="Payment history")).to_be_visible()
    no_sideways_scroll(page, "payment history")
    page.screenshot(path=shots / "28-phone-history.png", full_page=True)
    for path in ("/invoices/client-birch-partly-paid", "/account"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        no_sideways_scroll(page, path)
    page.goto("/invoices/client-birch-partly-paid")
    expect(page.get_by_role("heading", name="Invoice INV-2044")).to_be_visible()  # not the "Loading…" before it
    expect(page.locator("ol.activity")).to_be_visible()
    page.screenshot(path=shots / "29-phone-invoice.png", full_page=True)
    context.close()


class LostAnswer:
    """page.route for the payment's POST: the first request reaches the API, which makes the payment, and its
    answer is lost (the connection resets); the portal's next one (the same Idempotency-Key, asking what
    happened) is held until the test lets it through, so the screen in between can be checked."""

    def __init__(self, page):
        self.page, self.keys, self.held = page, [], []
        page.route(re.compile(r"/invoices/[^/]+/payments$"), self.handle)

    def handle(self, route):
        if route.request.method != "POST":
            return route.fallback()
        self.keys.append(route.request.headers["idempotency-key"])
        if len(self.keys) == 1:
            route.fetch()  # the API makes the payment...
            route.abort("connectionreset")  # ...and the portal never hears back
        else:
            self.held.append(route)

    def release(self):
        for _ in range(150):  # Playwright calls handle() while the page waits
            if self.held:
                break
            self.page.wait_for_timeout(100)
        assert len(self.held) == 1, "the portal did not ask the API again"
        self.held.pop().continue_()


def lost_contact_screen(dialog):
    expect(dialog.get_by_role("heading", name="Don't pay again yet")).to_be_visible()
    expect(dialog).to_contain_text(
        "We lost contact while your payment was being processed. Please do not click Pay again"
    )
    expect(dialog.get_by_role("status")).to_contain_text("Checking whether your payment went through")


def test_lost_contact_then_the_payment_went_through(page, stack, shots):
    """The bank payment was made but its answer was lost: "Don't pay again yet" until the API says it went
    through, then only that (no warning left), and one payment, not two."""
    verified_bank(Portal(stack, "ana@acme.test"))
    sign_in(page, "ana@acme.test")
    lost = LostAnswer(page)
    dialog = open_payment(page, "INV-1041")
    dialog.get_by_label("Bank transfer (ACH)").check()
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_label(re.compile("^I authorize this one-time debit of")).check()
    dialog.get_by_role("button", name="Submit Payment").click()
    lost_contact_screen(dialog)
    page.screenshot(path=shots / "30-lost-contact.png")
    lost.release()
    expect(dialog.get_by_role("heading", name="Your payment went through")).to_be_visible()
    expect(dialog).to_contain_text("Your payment of $1,250.00 went through")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog).to_contain_text("There is nothing more to do: do not pay again.")
    expect(dialog.get_by_role("heading", name="Don't pay again yet")).to_have_count(0)
    expect(dialog.get_by_text("We lost contact")).to_have_count(0)
    page.screenshot(path=shots / "31-lost-contact-went-through.png")
    assert len(lost.keys) == 2 and lost.keys[0] == lost.keys[1]  # asked again with the same key: no new payment
    payments = Portal(stack, "ana@acme.test").get("/payments", invoice_id="client-acme-full").json()["payments"]
    assert [(p["method"], p["amount"], p["bank"]["last4"]) for p in payments] == [("ach", 125000, "1234")]
    assert payments[0]["status"] in ("processing", "succeeded")


def test_lost_contact_then_the_payment_did_not_go_through_on_a_phone(browser, stack, shots):
    """The card payment was started but its answer (with the secret Stripe.js confirms with) was lost, so the card
    was never charged: "Don't pay again yet", then "did not go through", and trying again pays once."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=stack["portal_url"],
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, "ben@birch.test")
    lost = LostAnswer(page)
    dialog = open_payment(page, "INV-2043")
    type_card(dialog, "4242 4242 4242 4242")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_role("button", name="Submit Payment").click()
    lost_contact_screen(dialog)
    no_sideways_scroll(page, "the lost-contact screen")
    page.screenshot(path=shots / "32-phone-lost-contact.png")
    lost.release()
    expect(dialog.get_by_role("heading", name="Your payment did not go through")).to_be_visible()
    expect(dialog).to_contain_text("You were not charged. You can try again.")
    expect(dialog.get_by_role("button", name="Try again")).to_be_focused()
    expect(dialog.get_by_role("heading", name="Don't pay again yet")).to_have_count(0)
    expect(dialog.get_by_text("We lost contact")).to_have_count(0)
    page.screenshot(path=shots / "33-phone-lost-contact-not-through.png")
    dialog.get_by_role("button", name="Try again").click()
    page.unroute_all()
    type_card(dialog, "4242 4242 4242 4242")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    payments = Portal(stack, "ben@birch.test").get("/payments", invoice_id="client-birch-overdue").json()["payments"]
    assert sorted(p["status"] for p in payments) == ["canceled", "succeeded"], payments  # charged once
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


def test_pdf_pages_rendered(stack, shots, tmp_path):
    """Each page of the invoice and receipt PDFs as a PNG (poppler's pdftoppm), for people to look at."""
    portal = Portal(stack, "ben@birch.test")
    invoice = portal.get("/invoices/client-birch-partly-paid/pdf")
    assert invoice.headers["Content-Type"] == "application/pdf" and invoice.content.startswith(b"%PDF-")
    paid = [p for p in portal.get("/payments").json()["payments"] if p["receipt_reference"]][0]
    receipt = portal.get(f"/payments/{paid['payment_id']}/receipt.pdf")
    assert receipt.content.startswith(b"%PDF-")
    other = Portal(stack, "ana@acme.test").get(f"/payments/{paid['payment_id']}/receipt.pdf")
    assert other.status_code == 404  # another client's receipt
    for name, pdf in (("pdf-invoice", invoice.content), ("pdf-receipt", receipt.content)):
        source = tmp_path / f"{name}.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(source), str(shots / name)], check=True)
        assert (shots / f"{name}-1.png").exists()


def test_the_invoice_list_fits_a_phone_without_scrolling_inside(browser, stack, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=stack["portal_url"],
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    sign_in(page, "ben@birch.test")
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "the invoice table scrolls sideways on a phone"
    no_sideways_scroll(page, "invoices")
    context.close()
