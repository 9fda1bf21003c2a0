"""A stateful model of an invoice's money: hypothesis drives random sequences of what the client, the merchant,
Stripe and the bank do, through the real handlers (in-process, against the session's moto server, the local
Stripe and the ACH sandbox), and after every step checks the books (see `MoneyModel.the_books_hold`).

Each sequence gets its own client and invoice, so nothing is re-created between sequences and every check is
about that client alone. Most sequences start with money already received (card, ACH, or an overpayment kept
as credit); one weighted `step` rule then picks what happens next, so refunds, returns, disputes, late fees,
extensions, voids and old events reach most sequences (hypothesis alone favours short runs of cheap rules).

The suite runs fixed, derandomized sets (test_money_model_*.py, one per starting family, so pytest-xdist's
workers share them); `make soak` runs thousands with random seeds (MODEL_SEQUENCES, MODEL_STEPS).
"""

import itertools
import os
import random
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import ClassVar

import pytest
import requests
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from infra.seed import put_client, put_invoice
from shared.aws.models import Invoice, Payment, Refund
from shared.books.dynamo import DynamoRepository
from shared.domain.due_dates import parse_policy
from shared.services import due_date_job
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import deliver_and_apply, envelope, pay_ach, simulate, verified_bank
from tests.drivers.stripe import deliver
from tests.helpers import books_hold, call, intent_event
from tests.integration.test_disputes import INQUIRY, LOST, WON, event
from tests.races import competing

SOAK = os.environ.get("MONEY_MODEL_SOAK") == "1"
# Per file: the examples hypothesis is asked for (25 come to 28-33 sequences, about 120 in the four files, in which
# every kind of step, start and entry is reached: 15-20 CPU-seconds a file), or the soak's.
SEQUENCES = int(os.environ.get("MODEL_SEQUENCES", 3000 if SOAK else 25))
STEPS = int(os.environ.get("MODEL_STEPS", 12 if SOAK else 5))
PROFILE = settings(
    max_examples=SEQUENCES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=not SOAK,
    database=None,
    print_blob=True,
    # MODEL_SHRINK=0: report the first failing sequence as found (shrinking real handlers is slow)
    phases=[p for p in Phase if os.environ.get("MODEL_SHRINK") != "0" or p != Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
ADMIN = {"sub": "admin-1", "email": "owner@acme.test", "cognito:groups": "[merchant-admins]"}
AUTH = (STRIPE_API_KEY, "")
HOLDS = ("succeeded", "partially_refunded", "refunded", "disputed")
REFUNDABLE = ("succeeded", "partially_refunded")
STORIES = {"won": WON, "lost": LOST, "inquiry": INQUIRY}
NORMAL, LATE_R01 = "123456780000", "123456781001"  # the sandbox settles the first, returns the second late
# What happens after the start, weighted: the money's later life (refunds, returns, disputes) most often.
ACTIONS = (
    ["refund"] * 4
    + ["bank_returns"] * 3
    + ["dispute"] * 4
    + ["refund_transfer"] * 2
    + ["old_event"] * 2
    + ["dashboard_refund"] * 2
    + ["prevented_dispute", "early_fraud_warning"]
    + ["late_fee", "extension", "void", "pay_by_card", "pay_by_ach", "bank_settles"]
)
PICK = st.integers(0, 7)  # which payment or event: drawn alike whatever the tables hold (stable generation)
_ids = itertools.count()
STATS: Counter = Counter()  # sequences, steps per action, entry kinds posted
SECONDS: defaultdict = defaultdict(float)  # wall time per action, to say what a step costs


def one(items: list, pick: int):
    return items[pick % len(items)] if items else None


class MoneyModel(RuleBasedStateMachine):
    env: ClassVar[dict] = {}  # the session's servers (set by run())
    STARTS: tuple[str, ...] = ("nothing",)

    @initialize(data=st.data())
    def start(self, data):
        # Hypothesis seeds the global `random` alike for every sequence; the local Stripe (in this process)
        # draws its object ids from it, so each sequence would reuse the last one's ids (and get 503s).
        random.seed(os.urandom(16))
        self.n = next(_ids)
        self.client_id, self.invoice_id = f"client-m{self.n}", f"inv-m{self.n}"
        self.banks: dict[str, str] = {}
        self.events: list[tuple[str, dict]] = []  # everything delivered, to deliver again late
        total = data.draw(st.integers(10, 2000), label="total dollars") * 100
        first = data.draw(st.sampled_from(self.STARTS), label="start")
        STATS["sequences"] += 1
        STATS[f"start {first}"] += 1
        began = time.perf_counter()
        put_client(self.client_id, name=f"Model Client {self.n}", billing_email=f"m{self.n}@example.test")
        put_invoice(
            self.client_id,
            self.invoice_id,
            number=f"M-{self.n}",
            total=total,
            due_date="2026-11-20",
            allow_partial=True,
        )
        if first == "card":
            self.pay_by_card(100)
        elif first == "card_part":
            self.pay_by_card(50)
        elif first == "card_over":  # Stripe collected more than asked: the rest is kept as credit
            self.pay_by_card(100, extra=700)
        elif first == "card_declined_then_paid":
            self.pay_by_card(100, declined_first=True, twice=True)
        elif first in ("ach", "ach_late_return"):
            self.pay_by_ach(100, LATE_R01 if first == "ach_late_return" else NORMAL)
        elif first == "ach_in_flight":
            self.pay_by_ach(50, LATE_R01, settle=False)
        elif first == "ach_then_card_over":
            # ACH in flight while a card pays the whole invoice: the ACH money settles as credit, then its
            # late return must take it from the credit.
            self.pay_by_ach(40, LATE_R01, settle=False)
            pending = self.invoice().amount_pending
            self.pay_by_card(100, extra=pending)
            self.bank_settles()
        elif first == "card_and_ach":
            self.pay_by_card(50)
            self.pay_by_ach(100, LATE_R01)
        SECONDS["start"] += time.perf_counter() - began

    @rule(data=st.data())
    def step(self, data):
        action = data.draw(st.sampled_from(ACTIONS), label="action")
        STATS[action] += 1
        began = time.perf_counter()
        getattr(self, f"do_{action}")(data)
        SECONDS[action] += time.perf_counter() - began

    # ---- reading -------------------------------------------------------------------------------------------

    def invoice(self) -> Invoice:
        return Invoice.get(self.client_id, self.invoice_id, consistent_read=True)

    def payments(self, *statuses, method=None) -> list[Payment]:
        # Oldest first (microsecond timestamps): the same pick means the same payment when a sequence is replayed.
        found = Payment.by_invoice.query(
            self.client_id, Payment.invoice_key.startswith(f"{self.invoice_id}#"), consistent_read=True
        )
        return [p for p in found if (not statuses or p.status in statuses) and (method is None or p.method == method)]

    def refunds(self, *statuses) -> list[Refund]:
        return [r for r in Refund.query(self.client_id, consistent_read=True) if r.status in statuses]

    def bank(self, account: str) -> str:
        """The client's verified bank account (linked on first use: most sequences never need one)."""
        if account not in self.banks:
            self.banks[account] = verified_bank(self.env["ach"], account, client_id=self.client_id)
        return self.banks[account]

    def _amount(self, part):
        invoice = self.invoice()
        balance = max(0, invoice.total + invoice.fees - invoice.amount_paid - invoice.amount_pending)
        return None if part >= 100 or balance == 0 else max(100, balance * part // 100)

    # ---- payments ------------------------------------------------------------------------------------------

    def start_card_payment(self, part) -> Payment | None:
        amount = self._amount(part)
        status, body, _ = call(
            "CreatePaymentFunction",
            client_id=self.client_id,
            body={"method": "card"} | ({"amount": amount} if amount else {}),
            path_parameters={"invoice_id": self.invoice_id},
            headers={"Idempotency-Key": f"card-{time.time_ns()}"},
        )
        assert status in (201, 409, 422, 503), body  # 503: Stripe did not answer, nothing was recorded
        return Payment.get(self.client_id, body["payment_id"]) if status == 201 else None

    def card_succeeds(self, payment, extra=0, twice=False, concurrent=False):
        intent = payment.processor_payment_id
        requests.post(
            f"{self.env['stripe'].url}/v1/payment_intents/{intent}",
            data={"payment_method": "pm_card_visa"},
            auth=AUTH,
            timeout=5,
        )
        requests.post(f"{self.env['stripe'].url}/v1/payment_intents/{intent}/confirm", auth=AUTH, timeout=5)
        evt = intent_event(
            "payment_intent.succeeded",
            intent_id=intent,
            amount=payment.amount,
            client_id=self.client_id,
            invoice_id=self.invoice_id,
            payment_id=payment.payment_id,
            event_id=f"evt_{time.time_ns()}",
        )
        evt["data"]["object"]["amount_received"] = payment.amount + extra  # more than asked: kept as credit
        self._stripe(evt, concurrent)
        if twice:
            self._stripe(evt)

    def card_declined(self, payment):
        self._stripe(
            intent_event(
                "payment_intent.payment_failed",
                intent_id=payment.processor_payment_id,
                amount=payment.amount,
                client_id=self.client_id,
                invoice_id=self.invoice_id,
                payment_id=payment.payment_id,
                event_id=f"evt_{time.time_ns()}",
                last_payment_error={"code": "card_declined", "decline_code": "generic_decline"},
            )
        )

    def pay_by_card(self, part, declined_first=False, extra=0, twice=False, concurrent=False):
        """A whole checkout: start, maybe a decline and a retry with another card, then Stripe's success (maybe
        for more than asked), maybe delivered twice or again while the first delivery is mid-way."""
        payment = self.start_card_payment(part)
        if payment is None:
            return
        if declined_first:
            self.card_declined(payment)
        self.card_succeeds(payment, extra, twice, concurrent)

    def pay_by_ach(self, part, account=NORMAL, settle=True):
        status, body, _ = pay_ach(
            self.invoice_id,
            self.bank(account),
            key=f"ach-{time.time_ns()}",
            amount=self._amount(part),
            client_id=self.client_id,
        )
        assert status in (201, 409, 422, 503), body
        if settle:
            self.bank_settles()

    def bank_settles(self, twice=False):
        in_flight = self.payments("processing", method="ach")
        if in_flight:
            simulate(self.env["ach"])
        for payment in in_flight:
            self._ach(envelope("customer_transfer_completed", payment.processor_payment_id))
            if twice:
                self._ach(envelope("transfer_completed", payment.processor_payment_id))

    # ---- the steps -----------------------------------------------------------------------------------------

    def do_pay_by_card(self, data):
        self.pay_by_card(
            data.draw(st.sampled_from([100, 50, 30]), label="part"),
            declined_first=data.draw(st.booleans(), label="declined first"),
            extra=data.draw(st.sampled_from([0, 0, 700]), label="extra"),
            twice=data.draw(st.booleans(), label="twice"),
            concurrent=data.draw(st.booleans(), label="concurrent"),
        )

    def do_pay_by_ach(self, data):
        self.pay_by_ach(
            data.draw(st.sampled_from([100, 50]), label="part"),
            data.draw(st.sampled_from([NORMAL, LATE_R01]), label="account"),
            settle=data.draw(st.booleans(), label="settle"),
        )

    def do_bank_settles(self, data):
        self.bank_settles(twice=data.draw(st.booleans(), label="twice"))

    def do_bank_returns(self, data):
        """The bank's late return of a settled debit: the sandbox makes one for the R01 account; elsewhere the
        transfer stays processed and the failed event must change nothing."""
        payment = one(self.payments(*HOLDS, method="ach"), data.draw(PICK, label="pick"))
        if payment is None:
            return
        simulate(self.env["ach"])
        self._ach(envelope("customer_transfer_failed", payment.processor_payment_id))

    def do_refund(self, data):
        """The merchant refunds any payment (one that cannot be refunded must be refused, nothing moved)."""
        payment = one(self.payments(), data.draw(PICK, label="pick"))
        part = data.draw(st.sampled_from([100, 50, 20, 150]), label="percent")
        correction = data.draw(st.booleans(), label="correction")
        if payment is None:
            return
        left = payment.amount - payment.refunded_amount - payment.refund_pending_amount
        amount = max(1, max(left, 1) * part // 100)
        before = self.invoice().serialize(), payment.serialize()
        status, body, _ = call(
            "AdminRefundsFunction",
            path_parameters={"payment_id": payment.payment_id},
            body={"amount": amount, "reason": "Model", "correction": correction},
            headers={"Idempotency-Key": f"r-{time.time_ns()}"},
            claims=ADMIN,
        )
        if payment.status in REFUNDABLE and amount <= left:
            assert status in (201, 503), body  # 503: the processor did not answer, nothing was recorded
            STATS["refunds accepted"] += status == 201
        else:  # refused, and nothing moved
            assert status in (409, 422), (payment.status, amount, left, body)
            after = self.invoice().serialize(), Payment.get(self.client_id, payment.payment_id).serialize()
            assert after == before
            STATS["refunds refused"] += 1

    def do_refund_transfer(self, data):
        """The refunds' credit transfers: settled, or (on the R01 account, after another simulation) returned."""
        outcome = data.draw(
            st.sampled_from(["customer_transfer_completed", "customer_transfer_failed"]), label="outcome"
        )
        ach = [
            r
            for r in self.refunds("pending", "succeeded")
            if r.processor_refund_id and r.processor_refund_id.startswith("http")
        ]
        if ach:
            simulate(self.env["ach"])
        for refund in ach:
            self._ach(envelope(outcome, refund.processor_refund_id))

    def do_dispute(self, data):
        """A dispute's events, in any order, some delivered twice (Stripe promises neither order nor once)."""
        payment = one(self.payments(*HOLDS, method="card"), data.draw(PICK, label="pick"))
        story = data.draw(st.sampled_from(sorted(STORIES)), label="story")
        order = data.draw(st.permutations(range(len(STORIES[story]))), label="order")
        again = data.draw(st.sets(st.sampled_from(range(len(STORIES[story])))), label="delivered twice")
        if payment is None or payment.dispute is not None:
            return
        STATS[f"dispute {story}"] += 1
        for i in order:
            _, kind, status, funds, created = STORIES[story][i]
            evt = event(kind, dispute_for(payment, status, funds), f"evt_{time.time_ns()}", created)
            self._stripe(evt)
            if i in again:
                self._stripe(evt)

    def do_dashboard_refund(self, data):
        """The merchant refunds in Stripe's Dashboard: Stripe's refund, then its events (no metadata of ours),
        in any order and some twice: created (maybe pending), charge.refunded, updated."""
        payment = one(self.payments(*REFUNDABLE, method="card"), data.draw(PICK, label="pick"))
        part = data.draw(st.sampled_from([100, 30]), label="percent")
        order = data.draw(st.permutations(["refund.created", "charge.refunded", "refund.updated"]), label="order")
        if payment is None:
            return
        left = payment.amount - payment.refunded_amount - payment.refund_pending_amount
        refund = self._stripe_refund(payment, max(1, left * part // 100))
        if refund is None:
            return
        for event_type in order:
            obj = (
                refund
                if event_type.startswith("refund.")
                else {"id": "ch_x", "object": "charge", "payment_intent": payment.processor_payment_id}
            )
            self._stripe(event(event_type, obj, f"evt_{time.time_ns()}", int(time.time())))

    def _stripe_refund(self, payment, amount) -> dict | None:
        answer = requests.post(
            f"{self.env['stripe'].url}/v1/refunds",
            auth=AUTH,
            timeout=5,
            data={"payment_intent": payment.processor_payment_id, "amount": amount},
        )
        return answer.json() if answer.status_code == 200 else None

    def do_prevented_dispute(self, data):
        """Visa's Rapid Dispute Resolution: Stripe refunds the charge and reports the dispute `prevented`."""
        payment = one(self.payments(*REFUNDABLE, method="card"), data.draw(PICK, label="pick"))
        if payment is None:
            return
        left = payment.amount - payment.refunded_amount - payment.refund_pending_amount
        if left > 0 and self._stripe_refund(payment, left) is not None:
            self._stripe(
                event(
                    "charge.dispute.closed",
                    dispute_for(payment, "prevented", ()),
                    f"evt_{time.time_ns()}",
                    int(time.time()),
                )
            )

    def do_early_fraud_warning(self, data):
        payment = one(self.payments(*HOLDS, method="card"), data.draw(PICK, label="pick"))
        auto = data.draw(st.booleans(), label="refund automatically")
        if payment is None:
            return
        warning = {
            "id": f"issfr_{time.time_ns()}",
            "object": "radar.early_fraud_warning",
            "actionable": True,
            "charge": "ch_x",
            "created": int(time.time()),
            "fraud_type": "misc",
            "livemode": False,
            "payment_intent": payment.processor_payment_id,
        }
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REFUND_ON_EARLY_FRAUD_WARNING", "true" if auto else "false")
            self._stripe(event("radar.early_fraud_warning.created", warning, f"evt_{time.time_ns()}", int(time.time())))

    def do_late_fee(self, data):
        due_date_job.apply_late_fee(self.invoice(), parse_policy({"kind": "flat", "amount": 500}))

    def do_extension(self, data):
        due = date.fromisoformat(self.invoice().due_date) + timedelta(days=14)
        status, ext, _ = call(
            "RequestExtensionFunction",
            client_id=self.client_id,
            path_parameters={"invoice_id": self.invoice_id},
            body={"requested_due_date": due.isoformat(), "reason": "Model"},
        )
        if status == 201:
            status, _, _ = call(
                "AdminExtensionDecisionFunction",
                claims=ADMIN,
                path_suffix="approve",
                path_parameters={"extension_request_id": ext["extension_request_id"]},
            )
            assert status == 200

    def do_void(self, data):
        status, body, _ = call(
            "AdminInvoicesFunction",
            claims=ADMIN,
            method="POST",
            path_suffix="void",
            path_parameters={"client_id": self.client_id, "invoice_id": self.invoice_id},
        )
        assert status in (200, 409), body

    def do_old_event(self, data):
        pick = data.draw(PICK, label="pick")
        if self.events:
            source, evt = one(self.events, pick)
            (self._stripe if source == "stripe" else self._ach)(evt)

    def _stripe(self, evt, concurrent=False):
        self.events.append(("stripe", evt))
        if not concurrent:
            deliver(evt)
            return
        with pytest.MonkeyPatch.context() as patch:  # the same event delivered again mid-way through this one
            competing(patch, DynamoRepository, "load", lambda: deliver(evt))
            deliver(evt)

    def _ach(self, evt):
        self.events.append(("ach", evt))
        batch = deliver_and_apply(evt)
        assert batch.failed == 0, batch

    # ---- what must always hold -----------------------------------------------------------------------------

    @invariant()
    def the_books_hold(self):
        """Every account agrees with the journal (the invoice's balances, each payment's own, the client's
        credit), every entry balances, and each payment's money is where its status says it is."""
        began = time.perf_counter()
        status, paid, pending, credit = books_hold(self.client_id, self.invoice_id)
        invoice = self.invoice()
        assert 0 <= paid <= invoice.total + invoice.fees and credit >= 0
        for p in self.payments():
            held = p.balance_map()
            in_flight = held.get(f"pending:{self.invoice_id}", 0)
            assert (p.status, in_flight) == (p.status, p.amount if p.status == "processing" else 0), held
            assert p.status in HOLDS or held.get(f"paid:{self.invoice_id}", 0) + held.get("credit", 0) == 0, held
        if status == "void":
            assert paid == pending == 0
        SECONDS["checks"] += time.perf_counter() - began
        STATS["checks"] += 1

    def teardown(self):
        if not hasattr(self, "client_id"):
            return
        # What the client reads: the balance the API shows and the activity that explains it.
        status, body, _ = call(
            "GetInvoiceFunction", client_id=self.client_id, path_parameters={"invoice_id": self.invoice_id}
        )
        assert status == 200, body
        invoice = self.invoice()
        assert body["balance"] == invoice.total + invoice.fees - invoice.amount_paid - invoice.amount_pending
        STATS.update(a["kind"] for a in body["activity"])


def dispute_for(payment, status, funds):
    """A Dispute in the shape of Stripe's API reference (as tests/integration/test_disputes.py builds them)."""
    amount = payment.amount
    ledger = {
        "out": {
            "id": "txn_out",
            "object": "balance_transaction",
            "amount": -amount,
            "currency": "usd",
            "fee": 1500,
            "net": -amount - 1500,
            "type": "dispute",
        },
        "back": {
            "id": "txn_back",
            "object": "balance_transaction",
            "amount": amount,
            "currency": "usd",
            "fee": 0,
            "net": amount,
            "type": "dispute_reversal",
        },
    }
    return {
        "id": f"dp_{payment.payment_id}",
        "object": "dispute",
        "amount": amount,
        "currency": "usd",
        "charge": "ch_1",
        "payment_intent": payment.processor_payment_id,
        "reason": "fraudulent",
        "status": status,
        "is_charge_refundable": status.startswith("warning_"),
        "livemode": False,
        "balance_transactions": [ledger[f] for f in funds],
        "metadata": {},
        "created": int(time.time()),
    }


def run(machine: type[MoneyModel], aws: dict, record_property) -> None:
    """Run `machine`'s sequences and record what they reached and what a step cost (printed after the run by
    tests/model/conftest.py, also when they pass)."""
    machine.env = aws
    STATS.clear()
    SECONDS.clear()
    began = time.perf_counter()
    try:
        run_state_machine_as_test(machine, settings=PROFILE)
    finally:
        wall = time.perf_counter() - began
        sequences, checks = STATS.pop("sequences", 0), STATS.pop("checks", 0)
        steps = {k: v for k, v in STATS.most_common() if k in ACTIONS}
        costs = {k: f"{SECONDS[k] / max(1, STATS.get(k, sequences)):.2f}s" for k in sorted(SECONDS) if k != "checks"}
        other = ", ".join(f"{k}: {v}" for k, v in STATS.most_common() if k not in ACTIONS)
        record_property(
            "money model",
            (
                f"{machine.__name__}: {sequences} sequences, {sum(steps.values())} steps, {checks} checks of the books "
                f"({SECONDS['checks'] / max(1, checks) * 1000:.0f} ms each) in {wall:.0f} s\n"
                f"  steps: {steps}\n  seconds per step: {costs}\n  starts, refunds, disputes, entries: {{{other}}}"
            ),
        )
