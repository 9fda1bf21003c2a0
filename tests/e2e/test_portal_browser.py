"""The reference portal (portal/) in a real browser: Playwright driving Debian's Chromium, headless, against
one running local stack. Each test is a flow of the help page, asserted on what a person sees; axe-core
checks every main screen for serious or critical accessibility problems.

Screenshots of each main step are taken on every run (a page that fails to render fails its test) and
kept under docs/portal/ when UPDATE_SCREENSHOTS=1 (otherwise in a temporary folder; see conftest.py).

The portal runs under its Content-Security-Policy (the local server sends it, infra/portal_headers.py): every
test fails on any violation the browser reports, so each flow shows the policy allows what the portal does.
"""

import re
import time
from html import unescape

import pytest
import requests
from playwright.sync_api import expect

from tests.drivers.portal import (
    PASSWORD,
    invoice_row,
    no_serious_accessibility_problems,
    open_payment,
    sign_in,
    type_card,
    watch_csp,
)
from tests.e2e.test_local_stack import stack_in

# Assertions wait as long as the pages' actions do (15 s): Swagger UI rendering the whole document took over
# Playwright's default 5 s once, on a machine loaded by a profiler.
expect.set_options(timeout=15_000)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("portal-stack")) as stack:
        yield stack


def review_and_submit(dialog):
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.get_by_role("heading", name="Review your payment")).to_be_visible()
    dialog.get_by_role("button", name="Submit Payment").click()


def paid_with(page, dialog, number: str, method: str):
    """Submit, see the confirmation name the method, close it: the invoice shows Paid."""
    review_and_submit(dialog)
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).to_contain_text(method)
    dialog.get_by_role("button", name="Done").click()
    expect(invoice_row(page, number)).to_contain_text("Paid")


def test_sign_in_shows_only_your_own_invoices(page, stack, shots):
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    no_serious_accessibility_problems(page, "sign in")
    page.screenshot(path=shots / "01-sign-in.png")
    page.get_by_label("Email").fill("ana@acme.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect email or password.")

    sign_in(page, "ana@acme.test")
    numbers = page.get_by_role("row").get_by_role("link").all_inner_texts()
    assert sorted(numbers) == ["INV-1041", "INV-1042", "INV-1043", "INV-1044", "INV-1045"]  # none of Birch's
    expect(invoice_row(page, "INV-1043")).to_contain_text("Overdue")
    expect(invoice_row(page, "INV-1045")).to_contain_text("Paid")
    expect(invoice_row(page, "INV-1045").get_by_role("button")).to_have_count(0)  # nothing to pay
    for number in ("INV-1041", "INV-1042", "INV-1043", "INV-1044"):
        expect(invoice_row(page, number).get_by_role("button", name=re.compile("^Pay Now"))).to_be_visible()
    no_serious_accessibility_problems(page, "invoices")
    page.screenshot(path=shots / "02-invoices.png", full_page=True)
    page.get_by_role("link", name="Overdue", exact=True).click()  # the API's ?status=overdue
    expect(page.get_by_role("row").get_by_role("link")).to_have_count(1)
    expect(invoice_row(page, "INV-1043")).to_contain_text("Overdue")
    page.screenshot(path=shots / "17-overdue-filter.png")
    invoice_row(page, "INV-1043").get_by_role("link", name="INV-1043").click()
    # The invoice's own policy (flat $25.00, 5 days' grace), from the API.
    expect(page.locator("#late-fee")).to_have_text(
        "This invoice is overdue: a late fee of $25.00 applies (charged 5 days after the due date)."
    )
    page.get_by_role("link", name="Invoices").click()
    page.goto("/invoices/client-birch-full")  # another client's invoice: the API's 404
    expect(page.get_by_role("alert")).to_contain_text("couldn't find")


def test_pay_in_full_by_card_then_paid_and_in_history(page, stack, shots):
    sign_in(page, "ana@acme.test")
    dialog = open_payment(page, "INV-1041")
    type_card(dialog, "4242 4242 4242 4242")
    no_serious_accessibility_problems(page, "payment modal")
    page.screenshot(path=shots / "03-payment-modal.png")
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog).to_contain_text("$1,250.00 (full balance)")
    page.screenshot(path=shots / "04-review.png")
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog).to_contain_text("Visa ending in 4242")
    expect(dialog).to_contain_text("A receipt is on its way to ana@acme.test.")
    page.screenshot(path=shots / "05-confirmation.png")
    dialog.get_by_role("button", name="Done").click()
    expect(invoice_row(page, "INV-1041")).to_contain_text("Paid")
    expect(page.locator("main")).to_be_focused()  # its "Pay Now" is gone: focus to the content, not the body

    invoice_row(page, "INV-1041").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Invoice INV-1041")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Monthly bookkeeping"))).to_contain_text("$1,000.00")
    expect(page.locator(".balance")).to_contain_text("$0.00")
    no_serious_accessibility_problems(page, "invoice detail")
    page.screenshot(path=shots / "06-invoice-paid.png", full_page=True)
    page.get_by_role("link", name="Payment history").click()
    expect(page.get_by_role("heading", name="Payment history")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="INV-1041")
    expect(row).to_contain_text("$1,250.00")
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text(re.compile(r"Receipt \d{4}-\d{4}-\d{4}"))
    no_serious_accessibility_problems(page, "payment history")
    page.screenshot(path=shots / "07-payment-history.png", full_page=True)
    row.get_by_role("button", name="Email receipt").click()
    expect(page.get_by_role("status").first).to_contain_text("is on its way to ana@acme.test")
    page.screenshot(path=shots / "18-receipt-sent-again.png")
    row.get_by_role("button", name="Email receipt").click()  # again at once: the API's 429, said plainly
    expect(page.get_by_role("status").first).to_contain_text("You can ask again in 10 minutes.")


def test_declined_card_shows_the_reason_then_another_card_pays(page, stack, shots):
    sign_in(page, "ben@birch.test")
    dialog = open_payment(page, "INV-2043")
    type_card(dialog, "4000 0000 0000 9995")  # Stripe's test card: insufficient funds
    review_and_submit(dialog)
    expect(dialog.get_by_role("heading", name="Your card was declined")).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text("insufficient funds")
    page.screenshot(path=shots / "08-declined.png")
    dialog.get_by_role("button", name="Try a different payment method").click()
    type_card(dialog, "5555 5555 5555 4444")
    paid_with(page, dialog, "INV-2043", "Mastercard ending in 4444")


def test_partial_payment_below_the_minimum_is_refused_in_the_form(page, stack, shots):
    sign_in(page, "ana@acme.test")
    dialog = open_payment(page, "INV-1042")
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and "/payments" in r.url else None)
    dialog.get_by_label("Partial amount").check()
    dialog.get_by_label("Amount to pay (USD)").fill("10.00")
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog).to_contain_text("The minimum payment for this invoice is $50.00.")
    expect(dialog.get_by_label("Amount to pay (USD)")).to_be_focused()
    page.screenshot(path=shots / "09-partial-below-minimum.png")
    assert posted == []  # checked before anything is sent
    dialog.get_by_label("Amount to pay (USD)").fill("150.00")
    type_card(dialog, "4242424242424242")
    review_and_submit(dialog)
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    expect(dialog.locator(".big")).to_have_text("$150.00")
    expect(dialog).to_contain_text("Still owed")  # the partial payment's confirmation says what is left
    expect(dialog).to_contain_text("$4,650.00")
    dialog.get_by_role("button", name="Done").click()
    row = invoice_row(page, "INV-1042")
    expect(row).to_contain_text("Partially paid")
    expect(row).to_contain_text("$4,650.00")
    expect(row.get_by_role("button", name=re.compile("^Pay Now"))).to_be_focused()  # still payable: back where it was


def test_save_a_card_and_pay_the_next_invoice_with_it(page, stack, shots):
    sign_in(page, "ben@birch.test")
    dialog = open_payment(page, "INV-2041")
    type_card(dialog, "4242424242424242")
    dialog.get_by_label("Save this card for future payments").check()
    review_and_submit(dialog)
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()

    page.get_by_role("link", name="Account Settings").click()  # saved from Stripe's event, shortly after
    for _ in range(20):
        if page.get_by_text("Visa ending in 4242").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_role("listitem").filter(has_text="Visa ending in 4242")).to_contain_text("Default")
    no_serious_accessibility_problems(page, "account settings")
    page.screenshot(path=shots / "10-account-settings.png", full_page=True)

    page.get_by_role("link", name="Invoices").click()
    dialog = open_payment(page, "INV-2044")
    expect(dialog.get_by_label(re.compile("^Visa ending in 4242"))).to_be_checked()
    expect(dialog.get_by_label("Card number")).to_have_count(0)  # no card form with a saved card chosen
    paid_with(page, dialog, "INV-2044", "Visa ending in 4242")


def test_link_verify_and_pay_by_ach_through_to_paid(page, stack, shots):
    sign_in(page, "ana@acme.test")
    page.get_by_role("link", name="Account Settings").click()
    page.get_by_label("Account holder name").fill("Ana Demo")
    page.get_by_label("Routing number").fill("222222226")
    page.get_by_label("Account number").fill("123456780000")
    page.get_by_role("button", name="Link bank account").click()
    expect(page.get_by_role("status").first).to_contain_text("two small deposits")
    bank = page.get_by_role("listitem").filter(has_text="ending in 0000")
    expect(bank).to_contain_text("Waiting for verification")
    for _attempt in range(30):  # the deposits arrive after the sandbox's settle delay; first a wrong answer
        bank.get_by_role("button", name=re.compile("^Verify")).click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("First deposit ($)").fill("0.01")
        dialog.get_by_label("Second deposit ($)").fill("0.02")
        dialog.get_by_role("button", name="Verify").click()
        expect(dialog.get_by_role("alert")).to_contain_text("deposits")  # pending (409), or wrong (422)
        if "attempts left" in dialog.get_by_role("alert").inner_text():
            break
        dialog.get_by_role("button", name="Cancel").click()
        page.wait_for_timeout(500)
    expect(dialog.get_by_role("alert")).to_contain_text("don't match the two deposits (2 attempts left)")
    page.screenshot(path=shots / "19-verification-attempts-left.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(bank).to_contain_text("2 verification attempts left")
    bank.get_by_role("button", name=re.compile("^Verify")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("First deposit ($)").fill("0.03")
    dialog.get_by_label("Second deposit ($)").fill("0.09")
    dialog.get_by_role("button", name="Verify").click()
    expect(dialog.get_by_role("heading", name="Bank account verified")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    expect(bank).to_contain_text("Verified")

    page.get_by_role("link", name="Invoices").click()
    dialog = open_payment(page, "INV-1043")
    dialog.get_by_label("Bank transfer (ACH)").check()
    expect(dialog.get_by_label(re.compile("ending in 0000"))).to_be_checked()
    posted = []
    page.on(
        "request", lambda r: posted.append(r.post_data_json) if r.method == "POST" and "/payments" in r.url else None
    )
    dialog.get_by_role("button", name="Review payment").click()
    expect(dialog.get_by_role("group", name="Debit authorization")).to_contain_text(
        "to make a one-time electronic debit (ACH) from the bank account and for the amount shown above"
    )
    dialog.get_by_role("button", name="Submit Payment").click()  # not ticked: nothing is sent
    expect(dialog.get_by_role("alert").first).to_contain_text("Tick the box to authorize the debit")
    assert posted == []
    dialog.get_by_label(re.compile("^I authorize this one-time debit of")).check()
    no_serious_accessibility_problems(page, "ACH authorization")
    page.screenshot(path=shots / "20-ach-authorization.png")
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment submitted")).to_be_visible()
    assert posted[0]["ach_authorization"]["accepted"] is True
    expect(dialog).to_contain_text("Processing: 3-5 business days")
    page.screenshot(path=shots / "11-ach-submitted.png")
    dialog.get_by_role("button", name="Done").click()
    expect(invoice_row(page, "INV-1043")).to_contain_text(re.compile("Payment processing|Paid"))
    for _ in range(30):  # the sandbox settles it and posts its signed webhook
        if "Paid" in invoice_row(page, "INV-1043").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(invoice_row(page, "INV-1043")).to_contain_text("Paid")


def test_report_a_problem_on_a_payment(page, stack, shots):
    sign_in(page, "ana@acme.test")
    page.get_by_role("link", name="Payment history").click()
    row = page.get_by_role("row").filter(has_text="INV-1044")
    row.get_by_role("button", name="Report a problem").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("What is wrong?").select_option("double_charge")
    # Two lines, as a person types them: the portal sends them as one (the API refuses line breaks in free text).
    dialog.get_by_label("Details").fill("I see this amount twice\non my statement.")
    no_serious_accessibility_problems(page, "report a problem")
    page.screenshot(path=shots / "12-report-problem.png")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("heading", name="Report sent")).to_be_visible()
    expect(dialog).to_contain_text("double charge")


def test_keyboard_focus_stays_in_the_modal_and_escape_closes_it(page, stack):
    sign_in(page, "ana@acme.test")
    opener = invoice_row(page, "INV-1044").get_by_role("button", name=re.compile("^Pay Now"))
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Pay invoice INV-1044")).to_be_visible()
    for _ in range(25):
        page.keyboard.press("Tab")
        assert dialog.evaluate("d => d.contains(document.activeElement)"), "focus left the modal"
    page.keyboard.press("Shift+Tab")
    assert dialog.evaluate("d => d.contains(document.activeElement)")
    opener.evaluate("button => { button.dataset.before = 'close'; }")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    # Closing refreshes the list; wait until the button is a new one, then focus must be on it, not lost.
    expect(page.locator("[data-before]")).to_have_count(0)
    expect(opener).to_be_focused()


def test_usable_at_390_px(browser, stack, shots):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        base_url=stack["portal_url"],
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    violations = watch_csp(context)
    page = context.new_page()
    sign_in(page, "ben@birch.test")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    expect(invoice_row(page, "INV-2042").get_by_role("button", name=re.compile("^Pay Now"))).to_be_in_viewport(ratio=1)
    page.screenshot(path=shots / "13-phone-invoices.png", full_page=True)
    dialog = open_payment(page, "INV-2042")
    expect(dialog.get_by_role("button", name="Review payment")).to_be_in_viewport()
    page.screenshot(path=shots / "14-phone-payment.png")
    context.close()
    assert violations == []


def test_sign_out(page, stack):
    sign_in(page, "ana@acme.test")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/invoices")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    token_free = requests.get(f"{stack['api_url']}/invoices", timeout=10)
    assert token_free.status_code == 401


def test_api_docs_render_offline(browser, stack, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    outside = []
    context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: (outside.append(route.request.url), route.abort())
    )
    page = context.new_page()
    page.goto(f"{stack['api_url']}/docs")
    expect(page.get_by_role("heading", name=re.compile("Portal payments API"))).to_be_visible()
    expect(page.get_by_text("/invoices/{invoice_id}/payments", exact=True).first).to_be_visible()
    page.screenshot(path=shots / "15-api-docs.png")
    context.close()
    assert outside == []


def test_three_d_secure_failed_then_passed(page, stack, shots):
    sign_in(page, "ana@acme.test")
    dialog = open_payment(page, "INV-1044")
    type_card(dialog, "4000 0027 6000 3184")  # Stripe's test card that always asks for 3-D Secure
    review_and_submit(dialog)
    challenge = page.get_by_role("dialog", name="3D Secure test authentication")
    expect(challenge).to_be_visible()
    page.screenshot(path=shots / "16-3d-secure.png")
    challenge.get_by_role("button", name="Fail authentication").click()
    # Not a decline: the bank's check did not pass, and the client is told so.
    expect(dialog.get_by_role("heading", name="Your bank did not confirm this payment")).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text("3-D Secure check")
    dialog.get_by_role("button", name="Try again").click()
    type_card(dialog, "4000 0027 6000 3184")
    review_and_submit(dialog)
    page.get_by_role("dialog", name="3D Secure test authentication").get_by_role(
        "button", name="Complete authentication"
    ).click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    expect(invoice_row(page, "INV-1044")).to_contain_text("Paid")


def test_the_policy_is_on_a_foreign_script_is_blocked_and_the_portal_cannot_be_framed(browser, stack):
    """What the headers are for: a script from anywhere but the portal and Stripe.js does not run (an injected
    skimmer), and another site cannot show the portal in a frame ("Submit Payment" cannot be clickjacked)."""
    context = browser.new_context(base_url=stack["portal_url"])
    violations = watch_csp(context)
    page = context.new_page()
    response = page.goto("/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.evaluate("""() => {
        const foreign = document.createElement('script');
        foreign.src = 'http://127.0.0.2:9/skimmer.js';
        document.head.appendChild(foreign);
        const inline = document.createElement('script');
        inline.textContent = 'window.skimmed = true';
        document.head.appendChild(inline);
    }""")

    def seen(text: str) -> bool:
        for _ in range(50):  # the reports are queued events: wait up to 5 s for them
            if any(text in v for v in violations):
                return True
            page.wait_for_timeout(100)
        return False

    assert seen("blocked http://127.0.0.2:9/skimmer.js"), violations
    assert seen("blocked inline"), violations
    assert page.evaluate("window.skimmed") is None

    framer = context.new_page()
    framer.set_content(f'<iframe id="portal" src="{stack["portal_url"]}/" width="800" height="600"></iframe>')
    assert seen("frame-ancestors"), violations
    expect(framer.frame_locator("#portal").get_by_role("button", name="Sign in")).to_have_count(0)
    context.close()


def _link_sent_to(stack, address: str) -> str:
    """The confirmation link in the last email moto's SES accepted for `address` (the stack's notice worker sends
    it from the queue, so it may take a moment)."""
    for _ in range(150):
        messages = (
            requests.get(f"{stack['aws_endpoint_url']}/moto-api/data.json", timeout=10)
            .json()
            .get("ses", {})
            .get("Message", [])
        )
        links = [
            re.search(r'href="([^"]*#confirm_email=[^"]+)"', m["body"])
            for m in messages
            if m["destinations"]["ToAddresses"] == [address]
        ]
        if links and links[-1]:
            return unescape(links[-1][1])
        time.sleep(0.1)
    raise AssertionError(f"no confirmation email to {address}")


def test_a_new_billing_email_waits_for_its_link_which_confirms_it_after_sign_in(page, browser, stack, shots):
    sign_in(page, "ben@birch.test")
    page.get_by_role("link", name="Account Settings").click()
    email = page.get_by_role("textbox", name="Billing email")
    expect(email).to_have_value("ben@birch.test")
    email.fill("accounts@birch.test")
    page.get_by_role("button", name="Save settings").click()
    settings = page.get_by_role("region", name="Billing email and reminders")  # Autopay has a status of its own
    expect(settings.get_by_role("status")).to_contain_text("open the link we sent to accounts@birch.test")
    expect(page.locator("#pending-email")).to_have_text(
        "Waiting for confirmation: we sent a link to accounts@birch.test (it works for 24 hours). Until it is "
        "opened, receipts and notices keep going to ben@birch.test."
    )
    expect(email).to_have_value("ben@birch.test")
    no_serious_accessibility_problems(page, "account settings with a pending email")
    page.screenshot(path=shots / "21-billing-email-pending.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#pending-email").scroll_into_view_if_needed()
    page.screenshot(path=shots / "22-phone-billing-email-pending.png")

    link = _link_sent_to(stack, "accounts@birch.test")
    assert link.startswith(f"{stack['portal_url']}/account#confirm_email=")
    # Opened from the email in a browser that is not signed in: sign in first, then the page confirms it.
    context = browser.new_context(base_url=stack["portal_url"])
    violations = watch_csp(context)
    other = context.new_page()
    other.goto(link)
    other.get_by_label("Email").fill("ben@birch.test")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("status").first).to_have_text("Your billing email is now accounts@birch.test.")
    assert other.url == f"{stack['portal_url']}/account"  # the token left the address bar
    expect(other.get_by_role("textbox", name="Billing email")).to_have_value("accounts@birch.test")
    expect(other.locator("#pending-email")).to_have_count(0)
    other.goto(link)  # the same link again: used
    expect(other.get_by_role("alert").first).to_contain_text("not valid any more")
    context.close()
    assert violations == []
