"""The merchant's console and the client's payment plans and autopay, in Chromium at 1280x800 and 390x844 against one
local stack. The merchant's staff sign in to the same portal and see the console; a client never does. Every
console page, and the client's plan and autopay pages, run under a strict Content-Security-Policy (no inline script
or style) that the test sets on the portal's page: a violation fails the test. Keyboard: the forms are filled and
submitted with the keyboard. Screenshots: docs/portal/ (UPDATE_SCREENSHOTS=1)."""

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect

from infra.demo import Portal, confirm_card
from infra.local_stack import ADMIN_LOGIN
from tests.drivers.portal import launch, no_serious_accessibility_problems, no_sideways_scroll, sign_in, type_card
from tests.e2e.test_local_stack import http, stack_in

expect.set_options(timeout=15_000)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ZONE = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with stack_in(tmp_path_factory.mktemp("console-stack")) as stack:
        yield stack


@pytest.fixture(scope="module")
def policed(browser):
    """Chromium as conftest.py launches it (through the same Playwright), but without its Local Network Access
    check: a page whose answer the test rewrites (to add the policy header) has no address Chromium can place, so its
    calls to the API on 127.0.0.1 would be refused as from a public page to the loopback address space."""
    launched = launch(
        browser.browser_type, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"
    )
    yield launched
    launched.close()


def strict_csp(stack) -> str:
    """What a strict deployment would send: scripts and styles from the portal's own origin only; the API, the
    sign-in endpoint and Stripe.js's origin by name."""
    stripe = stack["stripe_api_base"]
    return (
        f"default-src 'self'; script-src 'self' {stripe}; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {stack['api_url']} {stack['aws_endpoint_url']} {stripe}; frame-src {stripe}; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    )


def open_page(browser, stack, width=1280, height=800, csp=True):
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=stack["portal_url"])
    if csp:
        policy = strict_csp(stack)

        def with_policy(route):
            response = route.fetch()
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

        context.route(
            lambda url: url.startswith(stack["portal_url"]) and "." not in url.rsplit("/", 1)[-1].split("?")[0],
            with_policy,
        )  # the portal's pages (its paths answer index.html)
        context.add_init_script(
            "window.__violations = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));"
        )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def close(context, page, errors):
    violations = page.evaluate("window.__violations || []")
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"
    assert violations == [], f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def wide(policed, stack):
    context, page, errors = open_page(policed, stack)
    yield page
    close(context, page, errors)


def staff(stack) -> Portal:
    return Portal(stack, ADMIN_LOGIN)


def test_the_policy_is_in_force(wide, stack):
    """The check below would pass vacuously without the header: an inline script on the page is refused."""
    wide.goto("/")
    expect(wide.get_by_role("button", name="Sign in")).to_be_visible()
    wide.evaluate(
        "() => { const s = document.createElement('div'); s.setAttribute('style', 'color: red'); "
        "document.body.append(s); }"
    )
    wide.wait_for_function("window.__violations.length > 0")
    assert "style-src" in wide.evaluate("window.__violations[0]")
    wide.evaluate("window.__violations = []")


def test_a_client_never_sees_the_console(wide, stack):
    sign_in(wide, "ana@acme.test", heading="Invoices", keyboard=True)
    expect(wide.get_by_role("navigation", name="Portal")).not_to_contain_text("Needs attention")
    wide.goto("/console/clients")  # typed by hand: the client's own pages, never the console
    expect(wide.get_by_role("heading", name="Invoices", exact=True)).to_be_visible()
    assert wide.url.endswith("/invoices")
    ana = Portal(stack, "ana@acme.test")
    assert ana.get("/admin/attention").status_code == 403  # and the API says no anyway


def test_the_merchant_answers_an_extension_request_with_a_note_and_resolves_a_report(wide, stack, shots):
    ana = Portal(stack, "ana@acme.test")
    partly = ana.get(f"/invoices/{ana.client_id}-partly-paid").json()
    later = (date.fromisoformat(partly["due_date"]) + timedelta(days=14)).isoformat()
    assert (
        ana.post(
            f"/invoices/{partly['invoice_id']}/extension-requests",
            {"requested_due_date": later, "reason": "Our own client pays us late this month."},
        ).status_code
        == 201
    )
    paid = ana.get(f"/invoices/{ana.client_id}-paid").json()["payments"][0]
    assert (
        ana.post(
            f"/payments/{paid['payment_id']}/problem-reports",
            {"kind": "wrong_amount", "message": "The amount looks higher than we agreed."},
        ).status_code
        == 201
    )

    sign_in(wide, ADMIN_LOGIN, heading="Needs attention", keyboard=True)
    expect(wide.get_by_role("navigation", name="Console")).to_contain_text("Issue an invoice")
    request = wide.get_by_role("listitem").filter(has_text="asks to move")
    expect(request).to_contain_text("Our own client pays us late this month.")
    report = wide.get_by_role("listitem").filter(has_text="Wrong amount")
    expect(report).to_contain_text("The amount looks higher than we agreed.")
    no_serious_accessibility_problems(wide, "console: needs attention")
    request.get_by_label("Note to the client (optional)").fill(
        "We can give you two weeks this once; the rest of the terms stay."
    )
    wide.screenshot(path=shots / "41-console-attention.png", full_page=True)
    request.get_by_role("button", name="Approve").click()
    expect(wide.get_by_role("heading", name="Extension requests (0)")).to_be_visible()
    report = wide.get_by_role("listitem").filter(has_text="Wrong amount")
    report.get_by_label("How it was resolved").fill(
        "Checked against the quote: the amount is right; explained by phone."
    )
    report.get_by_role("button", name="Resolve").press("Enter")  # the keyboard
    expect(wide.get_by_role("heading", name="Problem reports (0)")).to_be_visible()
    expect(wide.get_by_text("Nothing needs a person right now.")).to_be_visible()

    shown = ana.get(f"/invoices/{partly['invoice_id']}").json()["extension_request"]
    assert (shown["status"], shown["note"]) == (
        "approved",
        "We can give you two weeks this once; the rest of the terms stay.",
    )


def test_the_merchant_issues_an_invoice_splits_it_into_installments_and_refunds_a_payment(wide, stack, shots):
    sign_in(wide, ADMIN_LOGIN, heading="Needs attention", keyboard=True)
    wide.get_by_role("link", name="Clients", exact=True).click()
    expect(wide.get_by_role("row").filter(has_text="Acme Bookkeeping Ltd")).to_contain_text("Autopay off")
    no_serious_accessibility_problems(wide, "console: clients")
    wide.screenshot(path=shots / "42-console-clients.png", full_page=True)

    wide.get_by_role("link", name="Issue an invoice").click()
    due = (datetime.now(ZONE).date() + timedelta(days=20)).isoformat()
    wide.get_by_label("Client", exact=True).select_option(label="Birch & Sons Plumbing (ben@birch.test)")
    wide.get_by_label("Invoice number").fill("INV-2050")
    wide.get_by_label("Due date", exact=True).fill(due)
    first_line = wide.get_by_role("group", name="Line 1")
    first_line.get_by_label("Description").fill("Boiler replacement")
    first_line.get_by_label("Unit price ($)").fill("1800.00")
    wide.get_by_role("button", name="Add a line").click()
    line = wide.get_by_role("group", name="Line 2")
    line.get_by_label("Description").fill("Call-out fee")
    line.get_by_label("Quantity").fill("2")
    line.get_by_label("Unit price ($)").fill("75.00")
    expect(wide.get_by_text("Total $1,950.00")).to_be_visible()
    wide.get_by_label("Late fee").select_option(label="A flat fee")
    wide.get_by_label("Fee ($)").fill("25.00")
    no_serious_accessibility_problems(wide, "console: issue an invoice")
    wide.screenshot(path=shots / "43-console-issue-invoice.png", full_page=True)
    wide.get_by_role("button", name="Issue the invoice").click()

    expect(wide.get_by_role("heading", name="Invoice INV-2050")).to_be_visible()
    expect(wide.locator(".balance")).to_contain_text("$1,950.00")
    wide.get_by_label("Installments", exact=True).select_option(label="3 installments")
    expect(wide.locator("#plan-total")).to_have_text("Adds up to the balance, $1,950.00.")
    wide.get_by_label("Installment 3 amount ($)").fill("700.00")
    expect(wide.locator("#plan-total")).to_have_text("Adds up to $2,000.00; the balance is $1,950.00.")
    wide.get_by_role("button", name="Save the plan").click()
    expect(wide.get_by_role("region", name="Payment plan").get_by_role("alert")).to_contain_text(
        "The installments must add up to the balance."
    )
    wide.get_by_label("Installment 3 amount ($)").fill("650.00")
    wide.get_by_role("button", name="Save the plan").click()
    expect(wide.get_by_role("status")).to_contain_text("The payment plan is saved")
    table = wide.get_by_role("table", name="Installments, in date order")
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table).to_contain_text("1 of 3")
    no_serious_accessibility_problems(wide, "console: invoice with its plan")
    wide.screenshot(path=shots / "44-console-invoice-plan.png", full_page=True)

    # A card payment that went through, refunded from the client's page in the console.
    ana = Portal(stack, "ana@acme.test")
    started = ana.start_payment(f"{ana.client_id}-full")
    confirm_card(stack, started.json()["client_secret"])
    assert ana.wait_for_outcome(started.json()["payment_id"])["status"] == "succeeded"
    wide.goto(f"/console/clients/{ana.client_id}")
    expect(wide.get_by_role("heading", name="Acme Bookkeeping Ltd")).to_be_visible()
    no_serious_accessibility_problems(wide, "console: a client")
    wide.screenshot(path=shots / "45-console-client.png", full_page=True)
    wide.get_by_role("row").filter(has_text="INV-1041").get_by_role("button", name=re.compile("^Refund")).click()
    dialog = wide.get_by_role("dialog")
    expect(dialog.get_by_label("Amount to refund ($)")).to_have_value("1250.00")
    dialog.get_by_label("Amount to refund ($)").fill("250.00")
    dialog.get_by_label("Reason (the client reads it)").fill("Two payroll runs billed that did not happen.")
    dialog.get_by_label(re.compile("This corrects an overcharge")).check()
    no_serious_accessibility_problems(wide, "console: refund")
    wide.screenshot(path=shots / "46-console-refund.png")
    dialog.get_by_role("button", name="Refund", exact=True).click()
    expect(dialog.get_by_role("heading", name="Refunded")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    payments = wide.get_by_role("table", name="Acme Bookkeeping Ltd's payments")
    expect(payments.get_by_role("row").filter(has_text="INV-1041")).to_contain_text("$250.00 refunded")
    invoice = ana.get(f"/invoices/{ana.client_id}-full").json()
    assert (invoice["status"], invoice["total"]) == ("paid", 100000)  # a correction: the total came down


def test_the_client_pays_the_next_installment_and_turns_on_autopay_then_sees_the_charge_announced(wide, stack, shots):
    today = datetime.now(ZONE).date()
    ben = Portal(stack, "ben@birch.test")
    first, second = today + timedelta(days=14), today + timedelta(days=44)
    planned = staff(stack).post(
        f"/admin/clients/{ben.client_id}/invoices/{ben.client_id}-partial/payment-plan",
        {
            "installments": [
                {"amount": 320000, "due_date": first.isoformat()},
                {"amount": 320000, "due_date": second.isoformat()},
                {"amount": 320000, "due_date": (second + timedelta(days=30)).isoformat()},
            ]
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert planned.status_code == 201, planned.text

    sign_in(wide, "ben@birch.test", heading="Invoices", keyboard=True)
    wide.get_by_role("link", name="INV-2042").click()
    plan = wide.get_by_role("table", name="Installments, in date order")
    expect(plan.get_by_role("row")).to_have_count(4)
    expect(wide.get_by_role("region", name="Payment plan")).to_contain_text("Next: $3,200.00")
    expect(wide.get_by_role("region", name="Extension request")).to_have_count(0)  # the dates are the merchant's
    no_serious_accessibility_problems(wide, "invoice on a payment plan")
    wide.screenshot(path=shots / "47-invoice-payment-plan.png", full_page=True)
    close_csp_checked_page = wide  # the payment modal below loads Stripe.js, whose own stand-in is not ours to judge
    del close_csp_checked_page

    # Pay Now suggests the next installment (this invoice takes no other partial payment below it).
    context, pay_page, errors = open_page(wide.context.browser, stack, csp=False)
    sign_in(pay_page, "ben@birch.test", heading="Invoices", keyboard=True)
    pay_page.get_by_role("row").filter(has=pay_page.get_by_role("link", name="INV-2042", exact=True)).get_by_role(
        "button", name=re.compile("^Pay Now")
    ).click()
    dialog = pay_page.get_by_role("dialog")
    expect(dialog.get_by_label("Amount to pay (USD)")).to_have_value("3200.00")
    expect(dialog).to_contain_text("Installment 1 is $3,200.00")
    type_card(dialog, "4242 4242 4242 4242")
    dialog.get_by_label("Save this card for future payments").check()
    pay_page.screenshot(path=shots / "48-pay-next-installment.png")
    dialog.get_by_role("button", name="Review payment").click()
    dialog.get_by_role("button", name="Submit Payment").click()
    expect(dialog.get_by_role("heading", name="Payment successful")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    close(context, pay_page, errors)

    # Autopay, with the card just saved.
    wide.get_by_role("link", name="Account Settings").click()
    autopay = wide.get_by_role("region", name="Autopay")
    expect(autopay.get_by_label("Pay with")).to_contain_text("Visa ending in 4242")
    autopay.get_by_role("button", name="Turn on autopay").click()
    expect(autopay.get_by_role("alert")).to_have_text("Tick the box to authorize automatic payments.")
    no_serious_accessibility_problems(wide, "account settings: autopay")
    wide.screenshot(path=shots / "49-autopay-authorization.png", full_page=True)
    autopay.get_by_label("I authorize these automatic payments").check()
    autopay.get_by_role("button", name="Turn on autopay").press("Enter")
    expect(wide.get_by_role("region", name="Autopay")).to_contain_text(
        "Autopay is on: Visa ending in 4242 pays each invoice"
    )
    wide.get_by_role("region", name="Autopay").scroll_into_view_if_needed()
    wide.screenshot(path=shots / "50-autopay-on.png")

    # The stack's clock moved to 11 days before the next installment, the daily job run: the charge is announced.
    clock = http().post(
        f"{stack['api_url']}/_local/clock",
        timeout=10,
        json={
            "now": datetime(second.year, second.month, second.day, 9, tzinfo=ZONE)
            .__sub__(timedelta(days=11))
            .isoformat()
        },
    )
    assert clock.status_code == 200, clock.text
    try:
        assert (
            http()
            .post(f"{stack['api_url']}/_local/schedules/DueDateJobFunction", timeout=60)
            .json()["autopay"]["notices"]
            == 1
        )
        wide.get_by_role("link", name="Invoices").click()
        wide.get_by_role("link", name="INV-2042").click()
        expect(wide.locator("#autopay-charge")).to_contain_text(
            "Autopay will charge $3,200.00 to Visa ending in 4242 on"
        )
        wide.screenshot(path=shots / "51-invoice-autopay-announced.png")
    finally:
        http().delete(f"{stack['api_url']}/_local/clock", timeout=10)


def test_the_console_and_the_plan_fit_a_phone(policed, stack, shots):
    context, page, errors = open_page(policed, stack, 390, 844)
    sign_in(page, ADMIN_LOGIN, heading="Needs attention", keyboard=True)
    no_sideways_scroll(page, "console: needs attention")
    page.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_role("link", name="Birch & Sons Plumbing").click()
    expect(page.get_by_role("heading", name="Birch & Sons Plumbing")).to_be_visible()
    no_sideways_scroll(page, "console: a client")
    page.screenshot(path=shots / "52-phone-console-client.png", full_page=True)
    page.get_by_role("link", name="INV-2042").click()
    expect(page.get_by_role("heading", name="Invoice INV-2042")).to_be_visible()
    no_sideways_scroll(page, "console: an invoice")
    page.screenshot(path=shots / "53-phone-console-invoice.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ben@birch.test", heading="Invoices", keyboard=True)
    page.get_by_role("link", name="INV-2042").first.click()
    expect(page.get_by_role("table", name="Installments, in date order")).to_be_visible()
    no_sideways_scroll(page, "an invoice on a payment plan")
    page.screenshot(path=shots / "54-phone-payment-plan.png", full_page=True)
    page.get_by_role("link", name="Account Settings").click()
    expect(page.get_by_role("region", name="Autopay")).to_be_visible()
    no_sideways_scroll(page, "account settings: autopay")
    page.get_by_role("region", name="Autopay").screenshot(path=shots / "55-phone-autopay.png")
    close(context, page, errors)
    assert requests.Session().get(f"{stack['api_url']}/_local/clock", timeout=10).json()["real_time"] is True
