"""What each function's first request in the cold-start bench needs (bench/cold_start.py measures it).

Before each sample, untimed and in the bench process, the objects a request acts on are made with ids unique
to that sample, through the real handlers called in-process (tests.helpers.call) wherever one exists, so each
is a state the system really produces: a client `client-s<n>` with its invoices, succeeded card payments,
saved cards, bank accounts... An object that requests only read is made once per sample (Sample's cached
properties); a request that changes state gets its own. Then REQUESTS builds the request, which must succeed:
an HTTP function must answer the status of its success, an SQS worker's job must have done its work.

Needs DynamoDB Local, moto, localstripe and the ACH sandbox running, the bench's resources created and its environment set
(bench/run.py's cold_start does all three before it calls bench/cold_start.py).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from types import SimpleNamespace
from unittest import mock

import requests

from infra import seed
from shared.aws import ach_event_queue
from shared.aws.models import Client, Payment
from shared.aws.secrets import ach_secrets, stripe_secrets
from shared.domain import clock
from shared.emails.jobs import payment_job
from shared.processors import ach_webhooks
from shared.processors.factory import card_processor
from shared.services.customers import stripe_customer_for
from tests.helpers import call, intent_event, signed_webhook

importlib.import_module("shared.http.web")  # its logger takes its level at import: the bench's, not the tests' below
with mock.patch.dict(os.environ):  # tests.drivers.ach imports tests.conftest, which sets the tests' tables and secrets
    from tests.drivers import ach

DUE_DATE = "2030-12-01"  # every invoice's
EXTENSION = {"requested_due_date": "2030-12-31", "reason": "Our client pays us at the end of the month."}
PROBLEM = {"kind": "wrong_amount", "message": "I was charged more than the invoice said."}
BANK = {"routing_number": ach.ROUTING, "account_type": "checking", "holder_name": "Ada Client"}
# The ACH sandbox decides a transfer's fate by an account's last four digits: these settle and verify normally.
PAYING_ACCOUNT, UNVERIFIED_ACCOUNT, NEW_ACCOUNT = "123456781000", "123456782000", "123456783000"


@dataclass(frozen=True)
class Http:
    """An API request and the status its handler answers on success."""

    status: int
    client_id: str | None = None  # the signed-in client; None on admin, webhook and public routes
    method: str | None = None  # picks the route when the function serves several
    path_parameters: dict | None = None
    query: dict | None = None
    headers: dict | None = None
    body: object = None  # sent as JSON, or as it is when bytes (a signed webhook's payload)
    done: Callable[[], str | None] | None = None  # after the request: what it failed to do, None if nothing


@dataclass(frozen=True)
class Job:
    """An SQS worker's job. A worker answers no status, so `done` tells afterwards whether it did its work."""

    body: dict
    done: Callable[[], str | None]  # what the job failed to do, None if nothing


class Sample:
    """The objects of one sample's first requests: made on demand, each once."""

    def __init__(self, number: int, stripe_webhook_secret: str):
        self.number, self.stripe_webhook_secret = number, stripe_webhook_secret
        self.client_id = self.new_client(f"client-s{number}")  # the sample's signed-in client
        self.ach = SimpleNamespace(url=os.environ["ACH_API_BASE"])  # the sandbox, as tests.drivers.ach reads it

    def name(self, role: str) -> str:
        return f"s{self.number}-{role}"

    @staticmethod
    def new_client(client_id: str) -> str:
        # An email of its own: the ACH processor answers an email it knows with that email's customer.
        seed.put_client(client_id, name="Ada Client", billing_email=f"{client_id}@client.test")
        return client_id

    def invoice(self, role: str) -> str:
        invoice_id = f"inv-{self.name(role)}"
        seed.put_invoice(self.client_id, invoice_id, number=invoice_id.upper(), total=10_000, due_date=DUE_DATE)
        return invoice_id

    @cached_property
    def paid(self) -> Payment:
        """A succeeded card payment that requests only read."""
        return succeeded_card_payment(self, "paid")

    @cached_property
    def stripe_customer(self) -> str:
        """The client's Stripe customer, as after its first card payment: a card request then only uses it,
        whichever other functions the sample measures."""
        return stripe_customer_for(Client.get(self.client_id), card_processor())

    @cached_property
    def default_card(self) -> str:
        """The client's default method, so that the cards saved after it are not."""
        return saved_card(self)

    @cached_property
    def ach_payment(self) -> Payment:
        """An ACH payment whose transfer (its processor_payment_id) the processor has processed; no event
        about it applied yet."""
        method_id = ach.verified_bank(self.ach, PAYING_ACCOUNT, client_id=self.client_id)
        created = _ok(
            ach.pay_ach(self.invoice("ach"), method_id, key=f"bench-{self.name('ach')}", client_id=self.client_id),
            201,
            "ACH payment",
        )
        ach.simulate(self.ach)
        return Payment.get(self.client_id, created["payment_id"])


def _ok(answer: tuple[int, dict | None, dict], status: int, what: str) -> dict | None:
    """The body of a handler's answer in-process, which must be `status`."""
    if answer[0] != status:
        raise RuntimeError(f"bench set-up: {what} answered {answer[0]}: {answer[1]}")
    return answer[1]


def _stripe(path: str, data: dict | None = None) -> dict:
    """What Stripe.js (or Stripe's dashboard) does, at localstripe."""
    response = requests.post(
        os.environ["STRIPE_API_BASE"] + path, data=data, auth=(stripe_secrets()["api_key"], ""), timeout=10
    )
    response.raise_for_status()
    return response.json()


def _deliver_stripe_event(s: Sample, event: dict, what: str) -> None:
    payload, headers = signed_webhook(event, s.stripe_webhook_secret)
    _ok(call("StripeWebhookFunction", body=payload, headers=headers, client_id=None), 200, what)


def _status(payment: Payment, status: str, what: str) -> Callable[[], str | None]:
    """A check that `payment` is `status` now."""

    def check() -> str | None:
        now = Payment.get(payment.client_id, payment.payment_id, consistent_read=True).status
        return None if now == status else f"{what}: payment {payment.payment_id} is {now}, not {status}"

    return check


# ---- card payments and saved cards ---------------------------------------------------------------------------


def confirmed_card_payment(s: Sample, role: str) -> Payment:
    """A card payment on a new invoice, confirmed at Stripe as Stripe.js does (localstripe: set the card, then
    confirm); its payment_intent.succeeded not delivered yet."""
    created = _ok(
        call(
            "CreatePaymentFunction",
            client_id=s.client_id,
            body={"method": "card"},
            path_parameters={"invoice_id": s.invoice(role)},
            headers={"Idempotency-Key": f"bench-{s.name(role)}"},
        ),
        201,
        "card payment",
    )
    payment = Payment.get(s.client_id, created["payment_id"])
    _stripe(f"/v1/payment_intents/{payment.processor_payment_id}", {"payment_method": "pm_card_visa"})
    _stripe(f"/v1/payment_intents/{payment.processor_payment_id}/confirm")
    return payment


def succeeded_event(payment: Payment) -> dict:
    return intent_event(
        "payment_intent.succeeded",
        intent_id=payment.processor_payment_id,
        amount=payment.amount,
        client_id=payment.client_id,
        invoice_id=payment.invoice_id,
        payment_id=payment.payment_id,
        event_id=f"evt_{payment.payment_id}",
    )


def succeeded_card_payment(s: Sample, role: str) -> Payment:
    """A confirmed card payment whose payment_intent.succeeded the webhook applied."""
    payment = confirmed_card_payment(s, role)
    _deliver_stripe_event(s, succeeded_event(payment), "payment_intent.succeeded")
    return payment


def saved_card(s: Sample) -> str:
    """A card attached to the client's Stripe customer and saved by its payment_method.attached event, as after a
    payment that saved it; the payment method's id."""
    card = _stripe(
        "/v1/payment_methods",
        {
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2030",
            "card[cvc]": "123",
        },
    )
    card = _stripe(f"/v1/payment_methods/{card['id']}/attach", {"customer": s.stripe_customer})
    _deliver_stripe_event(
        s,
        {
            "id": f"evt_attached_{card['id']}",
            "object": "event",
            "type": "payment_method.attached",
            "created": int(clock.now().timestamp()),
            "data": {"object": card},
        },
        "payment_method.attached",
    )
    return card["id"]


def open_problem_report(s: Sample) -> str:
    """A problem report the client opened on a succeeded payment of its own; the report's id."""
    payment = succeeded_card_payment(s, "reported")
    return _ok(
        call(
            "ProblemReportsFunction",
            client_id=s.client_id,
            body=PROBLEM,
            path_parameters={"payment_id": payment.payment_id},
        ),
        201,
        "problem report",
    )["problem_report_id"]


def pending_extension_request(s: Sample) -> str:
    """An extension request the client made on an open invoice of its own, waiting for the merchant; its id."""
    return _ok(
        call(
            "RequestExtensionFunction",
            client_id=s.client_id,
            body=EXTENSION,
            path_parameters={"invoice_id": s.invoice("decided")},
        ),
        201,
        "extension request",
    )["extension_request_id"]


# ---- bank accounts and ACH ---------------------------------------------------------------------------------------


def unverified_bank(s: Sample) -> tuple[str, list[int]]:
    """A bank account linked and not verified yet, its two micro-deposits arrived: (its id, their amounts)."""
    method_id = _ok(
        ach.link(UNVERIFIED_ACCOUNT, client_id=s.client_id, holder=BANK["holder_name"]), 201, "bank account link"
    )["payment_method_id"]
    ach.simulate(s.ach)
    return method_id, ach.deposits(s.ach, method_id, s.client_id)


def signed_transfer_event(s: Sample) -> bytes:
    """Dwolla's customer_transfer_completed for the sample's processed transfer, as it is delivered."""
    return json.dumps(ach.envelope("customer_transfer_completed", s.ach_payment.processor_payment_id)).encode()


# ---- each function's first request -----------------------------------------------------------------------------


def create_payment(s: Sample) -> Http:
    """A card payment started on a new invoice (the client already has a Stripe customer)."""
    s.stripe_customer  # noqa: B018 (read for its side effect: made first, untimed)
    return Http(
        201,
        s.client_id,
        path_parameters={"invoice_id": s.invoice("pay")},
        body={"method": "card"},
        headers={"Idempotency-Key": f"bench-{s.name('pay')}"},
    )


def setup_payment_method(s: Sample) -> Http:
    """A card to save set up (the client already has a Stripe customer)."""
    s.stripe_customer  # noqa: B018 (read for its side effect: made first, untimed)
    return Http(201, s.client_id)


def stripe_webhook(s: Sample) -> Http:
    """payment_intent.succeeded of a confirmed card payment: the payment succeeds."""
    payment = confirmed_card_payment(s, "webhook")
    payload, headers = signed_webhook(succeeded_event(payment), s.stripe_webhook_secret)
    return Http(200, body=payload, headers=headers, done=_status(payment, "succeeded", "the webhook"))


def ach_webhook(s: Sample) -> Http:
    """A signed transfer event, checked and queued for the worker."""
    payload = signed_transfer_event(s)
    signature = ach_webhooks.sign(payload, ach_secrets()["webhook_secret"])
    return Http(200, body=payload, headers={ach_webhooks.SIGNATURE_HEADER: signature})


def ach_event_worker(s: Sample) -> Job:
    """The transfer event as the webhook queues it: the worker fetches the transfer and the payment succeeds."""
    event = ach_webhooks.parse(signed_transfer_event(s))
    return Job(
        json.loads(ach_event_queue.message_body(event)), _status(s.ach_payment, "succeeded", "the ACH event worker")
    )


def email_worker(s: Sample) -> Job:
    """The receipt job of a succeeded card payment: the email goes out."""
    payment = succeeded_card_payment(s, "receipt")

    def sent() -> str | None:
        if Payment.get(payment.client_id, payment.payment_id, consistent_read=True).receipt_sent_at:
            return None
        return f"no receipt was sent for payment {payment.payment_id}"

    return Job(payment_job(payment.client_id, payment.payment_id, "receipt"), sent)


def verify_bank_account(s: Sample) -> Http:
    """The two micro-deposit amounts of a linked bank account: it is verified."""
    method_id, amounts = unverified_bank(s)
    return Http(200, s.client_id, path_parameters={"payment_method_id": method_id}, body={"amounts": amounts})


def add_bank_account(s: Sample) -> Http:
    """A client links its first bank account (the processor takes at most two per client, so a new client)."""
    return Http(201, s.new_client(f"client-{s.name('bank')}"), body=BANK | {"account_number": NEW_ACCOUNT})


def request_extension(s: Sample) -> Http:
    """A later due date asked for on an open invoice."""
    return Http(201, s.client_id, path_parameters={"invoice_id": s.invoice("extension")}, body=EXTENSION)


def admin_extension_decision(s: Sample) -> Http:
    """The merchant approves a pending extension request (the function's first route)."""
    return Http(200, path_parameters={"extension_request_id": pending_extension_request(s)})


def admin_problem_reports(s: Sample) -> Http:
    """The merchant resolves an open problem report (no query parameters: the resolution is the body)."""
    return Http(
        200,
        path_parameters={"problem_report_id": open_problem_report(s)},
        body={"resolution": "Refunded the difference."},
    )


def admin_refunds(s: Sample) -> Http:
    """A full refund of a succeeded card payment."""
    payment = succeeded_card_payment(s, "refund")
    return Http(
        201,
        path_parameters={"payment_id": payment.payment_id},
        body={"amount": payment.amount, "reason": "Paid twice by mistake."},
        headers={"Idempotency-Key": f"bench-{s.name('refund')}"},
    )


def pay_invoices(s: Sample) -> Http:
    """One card payment for two open invoices (POST /payments, the function's first route)."""
    s.stripe_customer  # noqa: B018 (read for its side effect: made first, untimed)
    return Http(
        201,
        s.client_id,
        body={"invoice_ids": [s.invoice("several-1"), s.invoice("several-2")], "method": "card"},
        headers={"Idempotency-Key": f"bench-{s.name('several')}"},
    )


def admin_payment_plan(s: Sample) -> Http:
    """The merchant splits an open invoice's 100.00 into two installments (the last within a year: the rule)."""
    dates = [(clock.today() + timedelta(days=days)).isoformat() for days in (30, 60)]
    plan = {"installments": [{"amount": 5_000, "due_date": date} for date in dates]}
    return Http(
        201,
        path_parameters={"client_id": s.client_id, "invoice_id": s.invoice("plan")},
        body=plan,
        headers={"Idempotency-Key": f"bench-{s.name('plan')}"},
    )


def _succeeded_payment_request(role: str, status: int, body: dict | None = None) -> Callable[[Sample], Http]:
    """A request on a succeeded card payment of its own."""

    def build(s: Sample) -> Http:
        payment = succeeded_card_payment(s, role)
        return Http(status, s.client_id, path_parameters={"payment_id": payment.payment_id}, body=body)

    return build


def _saved_card_request(status: int) -> Callable[[Sample], Http]:
    """A request on a saved card of its own that is not the client's default."""

    def build(s: Sample) -> Http:
        s.default_card  # noqa: B018 (read for its side effect) saved first: the client's first saved card becomes its default
        return Http(status, s.client_id, path_parameters={"payment_method_id": saved_card(s)})

    return build


REQUESTS: dict[str, Callable[[Sample], Http | Job]] = {
    "PortalSettingsFunction": lambda s: Http(200),
    "ListInvoicesFunction": lambda s: Http(200, s.client_id),
    "GetInvoiceFunction": lambda s: Http(200, s.client_id, path_parameters={"invoice_id": s.paid.invoice_id}),
    "InvoiceActivityFunction": lambda s: Http(200, s.client_id, path_parameters={"invoice_id": s.paid.invoice_id}),
    "InvoicePdfFunction": lambda s: Http(200, s.client_id, path_parameters={"invoice_id": s.paid.invoice_id}),
    "ReceiptPdfFunction": lambda s: Http(200, s.client_id, path_parameters={"payment_id": s.paid.payment_id}),
    "CreatePaymentFunction": create_payment,
    "ListPaymentsFunction": lambda s: Http(200, s.client_id),
    "GetPaymentFunction": lambda s: Http(200, s.client_id, path_parameters={"payment_id": s.paid.payment_id}),
    "ListPaymentMethodsFunction": lambda s: Http(200, s.client_id),
    "SetupPaymentMethodFunction": setup_payment_method,
    "DeletePaymentMethodFunction": _saved_card_request(204),
    "SetDefaultPaymentMethodFunction": _saved_card_request(200),
    "AccountFunction": lambda s: Http(200, s.client_id, method="GET"),
    "AddBankAccountFunction": add_bank_account,
    "VerifyBankAccountFunction": verify_bank_account,
    "AchWebhookFunction": ach_webhook,
    "RequestExtensionFunction": request_extension,
    "AdminExtensionDecisionFunction": admin_extension_decision,
    "ProblemReportsFunction": _succeeded_payment_request("report", 201, PROBLEM),
    "ResendReceiptFunction": _succeeded_payment_request("resend", 202),
    "AdminProblemReportsFunction": admin_problem_reports,
    "AdminInvoicesFunction": lambda s: Http(200, method="GET", path_parameters={"client_id": s.client_id}),
    "AdminRefundsFunction": admin_refunds,
    "StripeWebhookFunction": stripe_webhook,
    "AchEventWorkerFunction": ach_event_worker,
    "EmailWorkerFunction": email_worker,
    "PayInvoicesFunction": pay_invoices,
    "AutopayFunction": lambda s: Http(204, s.client_id, method="DELETE"),  # autopay off (it was not on)
    "AdminPaymentPlanFunction": admin_payment_plan,
    "AdminConsoleFunction": lambda s: Http(200, method="GET"),  # the merchant's list of clients
}
