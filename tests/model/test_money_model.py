"""A stateful model of one invoice's money: hypothesis drives random sequences of what clients, the merchant,
Stripe and the bank do, through the real handlers (moto, localstripe, the ACH sandbox), and after every step
checks the books: the entries re-fold to the stored counters, no invariant is broken, every payment's money
is counted exactly once, and the client's credit is what its invoices kept as credit.

`make soak` runs thousands of sequences (MONEY_MODEL_SOAK=1); the normal suite runs a fixed, derandomized set.
A failure the model finds is fixed and kept as a regression test (tests/integration/test_ledger_edges.py).
"""

import itertools
import sys
from collections import Counter
import os
import time
from datetime import date, timedelta

import pytest
import requests
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from infra.seed import put_client, put_invoice
from shared.due_dates import parse_policy
from shared.invoices import derive_status
from shared.ledger import CREDIT, KINDS, PAID, PENDING, check, fold
from shared.models import Client, Invoice, Payment, Refund
from shared.postings import books_of, entries_of
from shared.services import due_date_job, payment_updates
from tests.conftest import STRIPE_API_KEY
from tests.helpers import call, intent_event
from tests.integration.ach_helpers import deliver_and_apply, envelope, pay_ach, simulate, verified_bank
from tests.integration.test_disputes import INQUIRY, LOST, WON, event
from tests.integration.webhook_helpers import deliver
from tests.races import competing

SOAK = os.environ.get("MONEY_MODEL_SOAK") == "1"
settings.register_profile("money-model", max_examples=int(os.environ.get("MONEY_MODEL_EXAMPLES", 200)),
                          stateful_step_count=int(os.environ.get("MONEY_MODEL_STEPS", 4)), deadline=None,
                          derandomize=not SOAK, database=None, print_blob=True,
                          # MONEY_MODEL_SHRINK=0: report the first failing sequence as found (shrinking one
                          # that runs real handlers can take many minutes)
                          phases=[p for p in Phase if os.environ.get("MONEY_MODEL_SHRINK") != "0" or p != Phase.shrink],
                          suppress_health_check=list(HealthCheck))
settings.register_profile("money-soak", parent=settings.get_profile("money-model"),
                          max_examples=int(os.environ.get("MONEY_MODEL_EXAMPLES", 3000)),
                          stateful_step_count=int(os.environ.get("MONEY_MODEL_STEPS", 12)))
CLIENT = "client-model"
ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
AUTH = (STRIPE_API_KEY, "")
HOLDS = ("succeeded", "partially_refunded", "refunded", "disputed")
STORIES = {"won": WON, "lost": LOST, "inquiry": INQUIRY}
_ids = itertools.count()
STATS: Counter = Counter()  # what the run did: sequences, steps, and the entry kinds it produced
# Which payment or event a rule acts on: drawn the same way whatever the tables hold, so that hypothesis's
# choices never depend on state outside it (preconditions on the tables made generation "flaky").
PICK = st.integers(0, 7)


def one(items: list, pick: int):
    return items[pick % len(items)] if items else None


class MoneyModel(RuleBasedStateMachine):
    env: dict = {}  # the session's servers and the client's two verified bank accounts (set by the test)

    @initialize(total=st.integers(10, 2000).map(lambda n: n * 100),
                first=st.sampled_from(["card", "card_part", "ach", "ach_late_return", "ach_in_flight", "nothing"]))
    def new_invoice(self, total, first):
        self.n = next(_ids)
        STATS["sequences"] += 1
        self.invoice_id = f"inv-m{self.n}"
        put_invoice(CLIENT, self.invoice_id, number=f"M-{self.n}", total=total, due_date="2026-11-20",
                    allow_partial=True)
        self.credit_before = Client.get(CLIENT, consistent_read=True).credit_balance
        self.events: list[tuple[str, dict]] = []  # everything delivered, to deliver again late
        # Most sequences start with money received (hypothesis favours short sequences of simple rules), so the
        # steps after it reach refunds, returns, disputes and their orders.
        if first.startswith("card"):
            self.pay_by_card(50 if first == "card_part" else 100, declined_first=False, extra=0, twice=False,
                             concurrent=False)
        elif first.startswith("ach"):
            self.pay_by_ach(100, late_return=first == "ach_late_return", settle=first != "ach_in_flight")

    # ---- reading -------------------------------------------------------------------------------------------

    def invoice(self) -> Invoice:
        return Invoice.get(CLIENT, self.invoice_id, consistent_read=True)

    def payments(self, *statuses, method=None) -> list[Payment]:
        # Oldest first (microsecond timestamps): the same pick means the same payment when a sequence is replayed.
        found = Payment.by_invoice.query(CLIENT, Payment.invoice_key.startswith(f"{self.invoice_id}#"),
                                         consistent_read=True)
        return [p for p in found if (not statuses or p.status in statuses) and (method is None or p.method == method)]

    def refunds(self, status="pending") -> list[Refund]:
        return [r for r in Refund.query(CLIENT) if r.invoice_id == self.invoice_id and r.status == status]

    # ---- what happens --------------------------------------------------------------------------------------

    def _amount(self, part):
        invoice = self.invoice()
        balance = max(0, invoice.total + invoice.fees - invoice.amount_paid - invoice.amount_pending)
        return None if part >= 100 or balance == 0 else max(100, balance * part // 100)

    @rule(part=st.sampled_from([100, 50, 30]))
    def start_card_payment(self, part):
        amount = self._amount(part)
        status, body, _ = call("CreatePaymentFunction", client_id=CLIENT, body={"method": "card"} | (
            {"amount": amount} if amount else {}),
            path_parameters={"invoice_id": self.invoice_id}, headers={"Idempotency-Key": f"card-{time.time_ns()}"})
        assert status in (201, 409, 422, 503), body  # 503: Stripe did not answer, nothing was recorded

    @rule(pick=PICK, extra=st.sampled_from([0, 0, 0, 700]), twice=st.booleans(), concurrent=st.booleans())
    def card_succeeds(self, pick, extra, twice, concurrent):
        payment = one(self.payments("pending", "failed", method="card"), pick)
        if payment is None:
            return
        intent = payment.processor_payment_id
        requests.post(f"{self.env['stripe'].url}/v1/payment_intents/{intent}", data={"payment_method": "pm_card_visa"},
                      auth=AUTH, timeout=5)
        requests.post(f"{self.env['stripe'].url}/v1/payment_intents/{intent}/confirm", auth=AUTH, timeout=5)
        evt = intent_event("payment_intent.succeeded", intent_id=intent, amount=payment.amount, client_id=CLIENT,
                           invoice_id=self.invoice_id, payment_id=payment.payment_id, event_id=f"evt_{time.time_ns()}")
        evt["data"]["object"]["amount_received"] = payment.amount + extra  # Stripe collected more: kept as credit
        self._stripe(evt, concurrent)
        if twice:
            self._stripe(evt)

    @rule(pick=PICK)
    def card_declined(self, pick):
        payment = one(self.payments("pending", "failed", method="card"), pick)
        if payment is None:
            return
        self._stripe(intent_event(
            "payment_intent.payment_failed", intent_id=payment.processor_payment_id, amount=payment.amount,
            client_id=CLIENT, invoice_id=self.invoice_id, payment_id=payment.payment_id,
            event_id=f"evt_{time.time_ns()}", last_payment_error={"code": "card_declined", "decline_code": "generic_decline"}))

    @rule(part=st.sampled_from([100, 50, 30]), declined_first=st.booleans(), extra=st.sampled_from([0, 0, 700]),
          twice=st.booleans(), concurrent=st.booleans())
    def pay_by_card(self, part, declined_first, extra, twice, concurrent):
        """A whole checkout in one step (so money moves in most sequences): start, maybe a decline and a retry
        with another card, then Stripe's success (for more than asked: kept as credit), maybe delivered twice."""
        before = {p.payment_id for p in self.payments()}
        self.start_card_payment(part)
        started = [p for p in self.payments("pending", method="card") if p.payment_id not in before]
        if not started:
            return
        if declined_first:
            self.card_declined(len(self.payments("pending", "failed", method="card")) - 1)
        self.card_succeeds(len(self.payments("pending", "failed", method="card")) - 1, extra, twice, concurrent)

    @rule(part=st.sampled_from([100, 50]), late_return=st.booleans(), settle=st.booleans())
    def pay_by_ach(self, part, late_return, settle):
        """An ACH payment, left in flight or settled by the bank in the same step."""
        self.start_ach_payment(part, late_return)
        if settle:
            self.bank_settles(twice=False)

    @rule(part=st.sampled_from([100, 50]), late_return=st.booleans())
    def start_ach_payment(self, part, late_return):
        method = self.env["bank_late_return" if late_return else "bank"]
        status, body, _ = pay_ach(self.invoice_id, method, key=f"ach-{time.time_ns()}", amount=self._amount(part),
                                  client_id=CLIENT)
        assert status in (201, 409, 422, 503), body

    @rule(twice=st.booleans())
    def bank_settles(self, twice):
        if not self.payments("processing", method="ach"):
            return
        simulate(self.env["ach"])
        for payment in self.payments("processing", method="ach"):
            self._ach(envelope("customer_transfer_completed", payment.processor_payment_id))
            if twice:
                self._ach(envelope("transfer_completed", payment.processor_payment_id))

    @rule(pick=PICK)
    def bank_returns(self, pick):
        """A late return where the sandbox makes one (the R01 account); elsewhere the transfer stays processed
        and the failed event changes nothing."""
        payment = one(self.payments(*HOLDS, method="ach"), pick)
        if payment is None:
            return
        simulate(self.env["ach"])
        self._ach(envelope("customer_transfer_failed", payment.processor_payment_id))

    @rule(pick=PICK, part=st.sampled_from([100, 50, 20]), correction=st.booleans())
    def merchant_refunds(self, pick, part, correction):
        payment = one(self.payments("succeeded", "partially_refunded"), pick)
        left = 0 if payment is None else payment.amount - payment.refunded_amount - payment.refund_pending_amount
        if left <= 0:
            return
        status, body, _ = call("AdminRefundsFunction", path_parameters={"payment_id": payment.payment_id},
                               body={"amount": max(1, left * part // 100), "reason": "Model",
                                     "correction": correction},
                               headers={"Idempotency-Key": f"r-{time.time_ns()}"}, claims=ADMIN)
        assert status in (201, 409, 422, 503), body

    @rule(outcome=st.sampled_from(["customer_transfer_completed", "customer_transfer_failed"]))
    def bank_reports_a_refund(self, outcome):
        """The refund credit transfers: settled, or (on the R01 account, after another simulation) returned."""
        if not self.refunds("pending") + self.refunds("succeeded"):
            return
        simulate(self.env["ach"])
        for refund in self.refunds("pending") + self.refunds("succeeded"):
            if refund.processor_refund_id and refund.processor_refund_id.startswith("http"):
                self._ach(envelope(outcome, refund.processor_refund_id))

    @rule(pick=PICK, story=st.sampled_from(sorted(STORIES)), shuffle=st.randoms(use_true_random=False))
    def cardholder_disputes(self, pick, story, shuffle):
        payment = one(self.payments(*HOLDS, method="card"), pick)
        if payment is None or payment.dispute is not None:
            return
        steps = list(STORIES[story])
        shuffle.shuffle(steps)  # Stripe does not promise an order
        for name, kind, status, funds, created in steps:
            obj = dispute_for(payment, status, funds)
            self._stripe(event(kind, obj, f"evt_{time.time_ns()}", created))

    @rule()
    def late_fee(self):
        due_date_job.apply_late_fee(self.invoice(), parse_policy({"kind": "flat", "amount": 500}))

    @rule()
    def extension_granted(self):
        due = date.fromisoformat(self.invoice().due_date) + timedelta(days=14)
        status, ext, _ = call("RequestExtensionFunction", client_id=CLIENT,
                              path_parameters={"invoice_id": self.invoice_id},
                              body={"requested_due_date": due.isoformat(), "reason": "Model"})
        if status == 201:
            status, _, _ = call("AdminExtensionDecisionFunction", claims=ADMIN, path_suffix="approve",
                                path_parameters={"extension_request_id": ext["extension_request_id"]})
            assert status == 200

    @rule()
    def merchant_voids(self):
        status, body, _ = call("AdminInvoicesFunction", claims=ADMIN, method="POST", path_suffix="void",
                               path_parameters={"client_id": CLIENT, "invoice_id": self.invoice_id})
        assert status in (200, 409), body

    @rule(pick=PICK)
    def an_old_event_again(self, pick):
        if not self.events:
            return
        source, evt = one(self.events, pick)
        (self._stripe if source == "stripe" else self._ach)(evt)

    def _stripe(self, evt, concurrent=False):
        self.events.append(("stripe", evt))
        if not concurrent:
            deliver(evt)
            return
        with pytest.MonkeyPatch.context() as patch:  # the same event delivered again mid-way through this one
            competing(patch, payment_updates, "get_many", lambda: deliver(evt))
            deliver(evt)

    def _ach(self, evt):
        self.events.append(("ach", evt))
        batch = deliver_and_apply(evt)
        assert batch.failed == 0, batch

    # ---- what must always hold -----------------------------------------------------------------------------

    def teardown(self):
        STATS.update(e.kind for e in entries_of(self.invoice()))

    @invariant()
    def the_books_hold(self):
        STATS["checks"] += 1
        invoice = self.invoice()
        books, entries = books_of(invoice), entries_of(invoice)
        assert fold(entries) == books  # the counters are exactly the entries' projection
        check(books)  # nothing negative, never paid above what is owed
        assert invoice.status == derive_status(books.money, void=invoice.status == "void")
        # Every payment's money is counted exactly once: what it still holds, or what it has in transit.
        for p in self.payments():
            mine = [e for e in entries if e.payment_id == p.payment_id]
            held = sum(e.amount for e in mine if KINDS[e.kind][0] in (PAID, CREDIT))
            pending = sum(e.amount for e in mine if KINDS[e.kind][0] == PENDING)
            taken = int(p.dispute.taken) if p.dispute else 0
            expected = p.amount - p.refunded_amount - taken if p.status in HOLDS else 0
            assert (p.status, held) == (p.status, expected), mine
            assert pending == (p.amount if p.status == "processing" else 0), mine
            assert p.credited_amount == sum(e.amount for e in mine if KINDS[e.kind][0] == CREDIT), mine
        # The client's credit is what its invoices kept as credit (earlier sequences' invoices no longer move).
        assert Client.get(CLIENT, consistent_read=True).credit_balance == self.credit_before + books.amount_credited


def dispute_for(payment, status, funds):
    """A Dispute in the shape of Stripe's API reference (as tests/integration/test_disputes.py builds them)."""
    amount = payment.amount
    ledger = {"out": {"id": "txn_out", "object": "balance_transaction", "amount": -amount, "currency": "usd",
                      "fee": 1500, "net": -amount - 1500, "type": "dispute"},
              "back": {"id": "txn_back", "object": "balance_transaction", "amount": amount, "currency": "usd",
                       "fee": 0, "net": amount, "type": "dispute_reversal"}}
    return {"id": f"dp_{payment.payment_id}", "object": "dispute", "amount": amount, "currency": "usd",
            "charge": "ch_1", "payment_intent": payment.processor_payment_id, "reason": "fraudulent",
            "status": status, "is_charge_refundable": status.startswith("warning_"), "livemode": False,
            "balance_transactions": [ledger[f] for f in funds], "metadata": {}, "created": int(time.time())}


@pytest.mark.timeout(1800)  # the whole model is one test: its budget is the sequences' (README, "Tests")
def test_money_model(aws, capsys):
    put_client(CLIENT, name="Model Client", billing_email="model@example.test")
    MoneyModel.env = {**aws, "bank": verified_bank(aws["ach"], client_id=CLIENT),
                      "bank_late_return": verified_bank(aws["ach"], "123456781001", client_id=CLIENT)}
    STATS.clear()
    try:
        run_state_machine_as_test(MoneyModel, settings=settings.get_profile("money-soak" if SOAK else "money-model"))
    finally:
        with capsys.disabled():  # what the run covered, on the terminal even when it passes
            print(f"\nmoney model: {STATS.pop('sequences', 0)} sequences, {STATS.pop('checks', 0)} checks of the "
                  f"books; entries posted: {dict(STATS.most_common())}", file=sys.stderr)
