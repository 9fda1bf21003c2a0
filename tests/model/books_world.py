"""One client, its invoices and the processors around them, in memory: the real services and the real books
(shared/books/) on the memory repository, with processor fakes that answer as Stripe and Dwolla do. Every
operation is something that happens to money in production: the client pays one invoice or several at once (with
a card fee on a credit card, or by one bank transfer), Stripe or the bank reports, the merchant refunds (in the
portal or in Stripe's Dashboard), a dispute runs its course, the daily job charges a late fee, an extension moves
the due date, the merchant splits the first invoice into installments, autopay announces and charges them, the
merchant voids. No emulator: a step takes well under a millisecond of DynamoDB, so the model
runs thousands of sequences (tests/model/test_books_model.py).

The first invoice is the one the single-invoice happenings pay; the others (when the world has them) are paid
only together with it or each other (POST /payments).
"""

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.aws.models import (
    AutopayAuthorization,
    Client,
    Invoice,
    LineItem,
    Payment,
    ProcessedEvent,
    Refund,
    SavedPaymentMethod,
)
from shared.books.ledger import PaymentBalances, entry, fold
from shared.books.memory import MemoryRepository
from shared.books.work import Change, Keys, run
from shared.domain import autopay as autopay_rules
from shared.domain.attention import attention_of
from shared.domain.dispute_states import BalanceTransaction, DisputeReport
from shared.domain.due_dates import parse_policy
from shared.domain.invoices import VOID, derive_status
from shared.domain.payment_plans import states_of
from shared.domain.payment_states import FAILED, PROCESSING, SUCCEEDED, Failure, Outcome, PaymentUpdate
from shared.domain.surcharges import CardFee
from shared.http.errors import DomainError, ProcessorUnavailable
from shared.http.multi_payment_requests import PaymentsRequest
from shared.http.payment_requests import PaymentRequest
from shared.processors.ach import Transfer
from shared.processors.card import CardDetails, Confirmation, Intent
from shared.processors.refunds import RefundResult
from shared.services import (
    ach_payments,
    autopay,
    back_office,
    card_payments,
    disputes,
    due_date_job,
    multi_payments,
    payment_updates,
    plans,
    refunds,
)

CLIENT, INVOICE = "client-m", "inv-m"
OTHERS = ("inv-m2", "inv-m3")  # paid only together with others (POST /payments)
CARD_FEE = CardFee(300)
FEE = parse_policy({"kind": "flat", "amount": 500})
HOLDS = ("succeeded", "partially_refunded", "refunded", "disputed")
AT = 1_800_000_000  # processor event times: only their order matters
INVOICE_ITEM_BOUND = 2048  # bytes: the invoice item never grows with its history (it is about 700)


def balances_of_invoice(invoice: Invoice):
    from shared.books.work import balances_of

    return balances_of(invoice).money


class FakeCards:
    """The card port as Stripe answers it: intents, cancels, customers."""

    def __init__(self):
        self.n = 0
        self.canceled: set[str] = set()
        self.charged: dict[str, tuple] = {}  # idempotency key -> (intent id, its answer)
        self.answer = "succeeded"  # what the next off-session charge gets

    def create_intent(self, request) -> Intent:
        self.n = n = self.n + 1
        return Intent(id=f"pi_{n}", client_secret=f"pi_{n}_secret", status="requires_payment_method")

    def cancel_intent(self, intent_id: str) -> bool:
        self.canceled.add(intent_id)
        return True

    def ensure_customer(self, **_) -> str:
        return "cus_m"

    def card_details(self, method_id: str) -> CardDetails:
        return CardDetails("visa", "4242", funding="debit" if "debit" in method_id else "credit")

    def confirm_intent(self, intent_id: str) -> Confirmation:
        # The bank asks for 3-D Secure: the outcome arrives as Stripe's event (the model delivers it).
        return Confirmation(status="requires_action")

    def charge_off_session(self, request):
        """Autopay's charge, as the next answer set by the model says (Stripe's idempotency: the same key answers
        the same intent and outcome)."""
        if request.idempotency_key not in self.charged:
            if self.answer == "unavailable":
                raise ProcessorUnavailable()
            self.n = n = self.n + 1
            codes = {
                "declined": ("card_declined", "generic_decline"),
                "authentication": ("authentication_required", "authentication_required"),
            }.get(self.answer)
            self.charged[request.idempotency_key] = (
                f"pi_{n}",
                Confirmation("requires_payment_method" if codes else "succeeded", *(codes or (None, None))),
            )
        return self.charged[request.idempotency_key]


class FakeAch:
    def __init__(self):
        self.n = 0

    def create_transfer(self, *, bank_account_id, amount, metadata, idempotency_key) -> Transfer:
        self.n += 1
        return Transfer(
            id=f"https://ach.test/transfers/{self.n}",
            status="pending",
            amount=amount,
            metadata=metadata,
            source=bank_account_id,
        )


class FakeRefunds:
    """Card refunds succeed at once (as Stripe's usually do); bank refunds are pending until their transfer
    settles."""

    def __init__(self):
        self.n = 0
        self.sent: list[tuple[str, int, str | None]] = []

    def refund(
        self, *, processor_payment_id, processor_method_id, amount, metadata, idempotency_key, reason=None
    ) -> RefundResult:
        self.sent.append((idempotency_key, amount, reason))
        ach = processor_payment_id.startswith("https://")
        self.n += 1
        return RefundResult(f"re_{self.n}", "pending" if ach else "succeeded")


@dataclass
class World:
    repo: MemoryRepository = field(default_factory=MemoryRepository)
    cards: FakeCards = field(default_factory=FakeCards)
    ach: FakeAch = field(default_factory=FakeAch)
    refunder: FakeRefunds = field(default_factory=FakeRefunds)
    jobs: list = field(default_factory=list)
    delivered: list = field(default_factory=list)  # (kind, args) of processor events, to deliver again late

    invoice_ids: tuple[str, ...] = (INVOICE,)

    @classmethod
    def with_invoice(cls, total: int, others: tuple[int, ...] = ()) -> "World":
        """One invoice of `total` cents, and one more of each of `others` (due later, in that order)."""
        world = cls()
        world.invoice_ids = (INVOICE, *OTHERS[: len(others)])
        world.repo.put(
            Client(
                CLIENT,
                name="Model Client",
                billing_email="m@example.test",
                stripe_customer_id="cus_m",
                credit_balance=0,
            ),
            SavedPaymentMethod(
                CLIENT,
                "bank-m",
                type="bank_account",
                processor="ach",
                processor_method_id="https://ach.test/funding-sources/m",
                created_at="2026-11-01",
                bank_name="Model Bank",
                bank_account_type="checking",
                bank_last4="6789",
                bank_status="verified",
            ),
            SavedPaymentMethod(
                CLIENT,
                "card-m",
                type="card",
                processor="stripe",
                processor_method_id="pm_m",
                created_at="2026-11-01",
                card_brand="visa",
                card_last4="4242",
                card_exp_month=12,
                card_exp_year=2030,
            ),
        )
        for n, (invoice_id, cents) in enumerate(zip(world.invoice_ids, (total, *others))):
            run(
                world.repo,
                Keys(CLIENT, invoice_ids=(invoice_id,)),
                lambda ctx, i=invoice_id, c=cents, n=n: Change(
                    creates=[
                        Invoice(
                            CLIENT,
                            i,
                            number=f"M-{n + 1}",
                            currency="usd",
                            total=0,
                            issued_date="2026-11-01",
                            issued_key=f"2026-11-01#{i}",
                            due_date=f"2026-11-{20 + n}",
                            allow_partial=True,
                            minimum_payment=0,
                            status="open",
                            line_items=[LineItem(description="Work", quantity=1, unit_amount=c, amount=c)],
                        )
                    ],
                    entries=[entry("invoiced", c, f"invoice:{i}", "2026-11-01T00:00:00Z", i)],
                    invoices={i: {}},
                ),
            )
        return world

    def clone(self) -> "World":
        world = copy.copy(self)
        world.repo, world.jobs, world.delivered = self.repo.clone(), list(self.jobs), list(self.delivered)
        world.cards, world.ach, world.refunder = copy.deepcopy((self.cards, self.ach, self.refunder))
        return world

    def enqueue(self, job: dict) -> None:
        self.jobs.append(job)

    # ---- reading ---------------------------------------------------------------------------------------------

    def invoice(self, invoice_id: str = INVOICE) -> Invoice:
        return self.repo.get(Invoice, CLIENT, invoice_id)

    def invoices(self) -> list[Invoice]:
        return [self.invoice(i) for i in self.invoice_ids]

    def client(self) -> Client:
        return self.repo.get(Client, CLIENT)

    def payments(self, *statuses, method=None) -> list[Payment]:
        found = sorted(self.repo.all(Payment), key=lambda p: p.created_key)
        return [p for p in found if (not statuses or p.status in statuses) and (method is None or p.method == method)]

    def refunds(self, *statuses) -> list[Refund]:
        return sorted(
            (r for r in self.repo.all(Refund) if not statuses or r.status in statuses), key=lambda r: r.refund_id
        )

    def balance(self, invoice_id: str = INVOICE) -> int:
        invoice = self.invoice(invoice_id)
        return max(0, invoice.total + invoice.fees - invoice.amount_paid - invoice.amount_pending)

    def numbers(self) -> tuple:
        """What a person checks: the invoice's numbers and status, the client's credit, each payment's status and
        balances, each refund's status (ids are derived from keys, so two worlds that did the same agree)."""
        return (
            tuple(
                (
                    i.status,
                    i.total,
                    i.fees,
                    i.amount_paid,
                    i.amount_pending,
                    i.card_fees,
                    i.due_date,
                    i.late_fee_period,
                    i.open_due_date,
                    tuple((s.amount, s.due_date) for s in i.payment_plan.installments) if i.payment_plan else (),
                    tuple((n.due_date, n.charge_date, n.amount) for n in i.autopay_notices or []),
                )
                for i in self.invoices()
            ),
            self.client().credit_balance,
            tuple(
                (p.payment_id, p.status, p.amount, tuple(sorted(p.balance_map().items())), p.refund_pending_amount)
                for p in sorted(self.repo.all(Payment), key=lambda p: p.payment_id)
            ),
            tuple((r.refund_id, r.status, r.amount) for r in self.refunds()),
        )

    def the_books_hold(self) -> None:
        journal = self.repo.client_journal(CLIENT)
        assert all(sum(amount for _, amount in e.legs) == 0 for e in journal)
        books = fold(journal)
        client = self.client()
        assert books.credit == client.credit_balance >= 0
        for invoice in self.invoices():
            stored = books.invoices[invoice.invoice_id]
            assert (stored.total, stored.fees, stored.amount_paid, stored.amount_pending, stored.card_fees) == (
                invoice.total,
                invoice.fees,
                invoice.amount_paid,
                invoice.amount_pending,
                invoice.card_fees,
            )
            assert invoice.status == derive_status(stored.money, void=invoice.status == VOID)
            assert 0 <= invoice.amount_paid <= invoice.total + invoice.fees
            if invoice.status == VOID:  # a void invoice never holds money
                assert invoice.amount_paid == invoice.amount_pending == invoice.card_fees == 0
            assert len(invoice.serialize(null_check=False).__repr__()) < INVOICE_ITEM_BOUND
        for payment in self.payments():
            held = PaymentBalances(payment.balance_map())
            assert books.payments.get(payment.payment_id, PaymentBalances()) == held, payment.payment_id
            assert sum(held.accounts.values()) == 0
            # Money in flight only while in flight; held money only by a payment whose success is recorded.
            in_flight = sum(held.pending_invoices().values())
            assert in_flight == (payment.amount if payment.status == PROCESSING else 0)
            assert held.held == 0 or payment.status in HOLDS, (payment.status, held)
            # Money out never exceeds money in, unless a person was told (a loss is the merchant's, recorded).
            assert held.refunded + held.charged_back - held.lost <= held.received
            # A payment's money counts only toward its own invoices; its card fee never above the rate on them.
            assert set(held.paid_invoices()) | set(held.card_fee_invoices()) <= set(payment.invoice_ids)
            assert sum(held.card_fee_invoices().values()) <= int(payment.amount) * CARD_FEE.basis_points // 10_000
            # A person is asked to look exactly while its records say so (an open dispute, money kept as credit).
            assert payment.attention == attention_of(payment.dispute, payment.balance_map()), payment.payment_id
        # A refund counts in the journal exactly when it succeeded (its card fee share included); a pending one is
        # reserved on its payment; the payment's list shows each refund as it is.
        sent = {k: 1 for k in ("refunded", "refunded_from_credit", "refunded_at_loss", "card_fee_refunded")} | {
            k: -1 for k in ("refund_returned", "refund_loss_recovered")
        }
        for refund in self.refunds():
            net = sum(sent[e.kind] * e.amount for e in journal if e.refund_id == refund.refund_id and e.kind in sent)
            assert net == (refund.amount if refund.status == "succeeded" else 0), (refund.status, net)
        for payment in self.payments():
            mine = [r for r in self.refunds() if r.payment_id == payment.payment_id]
            assert payment.refund_pending_amount == sum(r.amount for r in mine if r.status == "pending")
            assert {s.refund_id: s.status for s in payment.refunds} == {r.refund_id: r.status for r in mine}
        self.plans_and_autopay_hold(self.invoice())

    def plans_and_autopay_hold(self, invoice: Invoice) -> None:
        """A plan's installments always add up to what is owed, and the index files the invoice under the next one
        still owed; autopay charges each invoice or installment at most once a day, at most three times, never more
        than its notice said, and never without a notice emailed at least 10 days before its first day."""
        if invoice.payment_plan is not None and invoice.status != VOID:
            plan = states_of(invoice.payment_plan, balances_of_invoice(invoice), invoice.status, date.min)
            assert sum(s.owed for s in plan) == self.balance()
            owed = invoice.total + invoice.fees
            assert sum(s.amount for s in plan) == owed - min(int(invoice.payment_plan.base), owed)
            if invoice.open_due_date is not None:
                upcoming = next((s for s in plan if s.owed), None)
                assert invoice.open_due_date == (upcoming.due_date if upcoming else plan[-1].due_date).isoformat()
        tries = [p for p in self.payments() if p.autopay is not None]
        assert len({(p.autopay.due_date, p.autopay.tried_on) for p in tries}) == len(tries)
        for due in {p.autopay.due_date for p in tries}:
            mine = [p for p in tries if p.autopay.due_date == due]
            attempts = [p.autopay.attempt for p in mine]
            assert len(set(attempts)) == len(attempts) and set(attempts) <= {1, 2, 3}
            notice = autopay_rules.notice_for(invoice, due)
            assert notice is not None and all(p.amount <= notice.amount for p in mine)
            sent = self.repo.get(ProcessedEvent, autopay_rules.notice_email_key(CLIENT, INVOICE, due))
            assert (
                sent is not None
                and (date.fromisoformat(notice.charge_date) - date.fromisoformat(sent.processed_at[:10])).days
                >= autopay_rules.NOTICE_DAYS
            )

    # ---- what happens (each with its own key and event time, so the same happening in two worlds is the same) ----

    def amount(self, part: int) -> int | None:
        """What a client paying `part` percent of the balance asks for (None: the whole balance)."""
        balance = self.balance()
        return None if part >= 100 or balance == 0 else max(100, balance * part // 100)

    def _tolerate(self, action):
        """A refusal the service answers with (409/422): nothing may have changed (unless another request ran
        inside this one: a race the model provokes)."""
        before, racing = dict(self.repo.items), self.repo.after_next_load is not None
        try:
            return action()
        except DomainError:
            assert racing or self.repo.items == before
            return None

    def payment(self, pick: int, *statuses, method=None) -> Payment | None:
        found = self.payments(*statuses, method=method)
        return found[pick % len(found)] if found else None

    def pay_by_card(
        self, key: str, at: int, amount: int | None, *, extra: int = 0, declined_first: bool = False
    ) -> None:
        request = PaymentRequest("card", amount, None, False)
        started = self._tolerate(
            lambda: card_payments.start_card_payment(
                CLIENT, INVOICE, key, request, self.cards, "Acme", self.enqueue, repo=self.repo
            )
        )
        if started is None:
            return
        if declined_first:
            self.card_outcome(started.payment, f"{key}:declined", at, FAILED)
        self.card_outcome(started.payment, f"{key}:paid", at + 1, SUCCEEDED, started.payment.amount + extra)

    def card_outcome(self, payment: Payment, event_id: str, at: int, status: str, received: int | None = None):
        failure = Failure("card_declined", "Declined.") if status == FAILED else None
        amount = payment.amount if received is None else received
        self.deliver(
            "update",
            PaymentUpdate(
                source="stripe",
                event_id=event_id,
                event_type=f"payment_intent.{status}",
                client_id=CLIENT,
                invoice_id=payment.invoice_id,
                payment_id=payment.payment_id,
                processor_payment_id=payment.processor_payment_id,
                outcome=Outcome(status, amount, at, failure, currency="usd"),
                processor="stripe",
                method="card",
                payment_method_id=payment.processor_method_id,
            ),
        )

    def payable(self) -> tuple[str, ...]:
        """The invoices a client could select to pay together now."""
        return tuple(
            i.invoice_id
            for i in self.invoices()
            if i.status in ("open", "partially_paid") and self.balance(i.invoice_id) > 0
        )

    def pay_together(
        self,
        key: str,
        at: int,
        invoice_ids: tuple[str, ...],
        method: str,
        *,
        card: str | None = None,
        fee_shown: int = 0,
        extra: int = 0,
        settle: bool = True,
        declined_first: bool = False,
    ) -> None:
        """POST /payments: `card` a Stripe PaymentMethod ("pm_credit", "pm_debit") with the card fee on, the fee
        the client was shown; a bank transfer from the verified account."""
        request = PaymentsRequest(
            invoice_ids,
            method,
            "bank-m" if method == "ach" else None,
            card,
            card_fee=fee_shown,
            ach_authorization="I authorize." if method == "ach" else None,
        )
        started = self._tolerate(
            lambda: multi_payments.start_payments(
                CLIENT,
                key,
                request,
                cards=lambda: self.cards,
                ach=lambda: self.ach,
                merchant_name="Acme",
                enqueue=self.enqueue,
                fee=CARD_FEE if card else None,
                repo=self.repo,
                allowed=lambda client_id, amount: None,
            )
        )  # Dwolla's weekly limit is the ACH rules' (tested there)
        if started is None or (method == "ach" and not settle):
            return
        if method == "ach":
            self.bank_reports(started.payment.payment_id, f"{key}:settled", at, SUCCEEDED)
            return
        if declined_first:
            self.card_outcome(started.payment, f"{key}:declined", at, FAILED)
        self.card_outcome(started.payment, f"{key}:paid", at + 1, SUCCEEDED, started.payment.amount + extra)

    def fee_quoted(self, invoice_ids: tuple[str, ...], card: str) -> int:
        """What POST /payments/quote shows the client for these invoices and this card."""
        quoted = self._tolerate(
            lambda: multi_payments.quote(
                CLIENT, PaymentsRequest(invoice_ids, "card", None, card), lambda: self.cards, CARD_FEE, repo=self.repo
            )
        )
        return quoted.card_fee if quoted is not None else 0

    def pay_by_ach(self, key: str, at: int, amount: int | None, *, settle: bool = True) -> None:
        request = PaymentRequest("ach", amount, "bank-m", False, ach_authorization="I authorize.")
        started = self._tolerate(
            lambda: ach_payments.start_ach_payment(
                CLIENT,
                INVOICE,
                key,
                request,
                self.ach,
                lambda: self.cards,
                self.enqueue,
                repo=self.repo,
                allowed=lambda client_id, amount: None,
            )
        )  # Dwolla's weekly limit is the ACH rules' (tested there)
        if started is not None and settle:
            self.bank_reports(started.payment.payment_id, f"{key}:settled", at, SUCCEEDED)

    def bank_reports(self, payment_id: str, event_id: str, at: int, status: str) -> None:
        payment = self.repo.get(Payment, CLIENT, payment_id)
        failure = Failure("R01", "Insufficient funds.") if status == FAILED else None
        self.deliver(
            "update",
            PaymentUpdate(
                source="ach",
                event_id=event_id,
                event_type=f"transfer_{status}",
                client_id=CLIENT,
                invoice_id=payment.invoice_id,
                payment_id=payment.payment_id,
                processor_payment_id=payment.processor_payment_id,
                outcome=Outcome(status, payment.amount, at, failure, reverses_success=status == FAILED),
            ),
        )

    def refund(self, key: str, payment_id: str, amount: int, correction: bool = False) -> None:
        self._tolerate(
            lambda: refunds.start_refund(
                payment_id,
                key,
                {"amount": amount, "reason": "Model", "correction": correction},
                lambda _: self.refunder,
                self.enqueue,
                repo=self.repo,
            )
        )

    def refund_settles(self, refund_id: str, status: str) -> None:
        self.deliver("refund", (refund_id, status))

    def outside_refund(self, processor_refund_id: str, payment_id: str, amount: int, status: str) -> None:
        """A refund made in Stripe's Dashboard (or by Stripe): one of its events."""
        self.deliver(
            "outside",
            (payment_id, refunds.OutsideRefund(processor_refund_id, amount, "usd", status, "requested_by_customer")),
        )

    def dispute(self, payment_id: str, amount: int, at: int, status: str, funds: tuple[str, ...]) -> None:
        money = {"out": BalanceTransaction(-amount, "usd"), "back": BalanceTransaction(amount, "usd")}
        self.deliver(
            "dispute",
            (
                payment_id,
                DisputeReport(
                    f"dp_{payment_id}", status, amount, "usd", at, tuple(money[f] for f in funds), False, False
                ),
            ),
        )

    def early_fraud_warning(self, warning_id: str, payment_id: str, auto_refund: bool) -> None:
        """The merchant is emailed (a job); with RefundOnEarlyFraudWarning on, the refundable rest is refunded."""
        self.enqueue({"kind": "early_fraud_warning", "payment_id": payment_id, "warning_id": warning_id})
        if auto_refund:
            refunds.refund_for_warning(
                self.repo.get(Payment, CLIENT, payment_id),
                warning_id,
                lambda _: self.refunder,
                self.enqueue,
                repo=self.repo,
            )

    def next_due(self) -> date:
        """The due date of what is owed next: the invoice's, or its plan's next installment still owed."""
        return due_date_job.next_due_date(self.invoice(), date.min) or date.fromisoformat(self.invoice().due_date)

    def late_fee(self, today: date) -> None:
        due_date_job.apply_late_fee(self.invoice(), FEE, today, repo=self.repo)

    def extension(self, days: int) -> None:
        """The merchant approves an extension: the due date moves (the write the extension service makes)."""

        def decide(ctx):
            invoice = ctx.invoice()
            if invoice.status not in ("open", "partially_paid") or invoice.payment_plan is not None:
                return Change()  # an invoice on a plan takes no extension request (409 payment_plan_active)
            due = (date.fromisoformat(invoice.due_date) + timedelta(days=days)).isoformat()
            return Change(invoices={INVOICE: {"due_date": due}})

        run(self.repo, Keys(CLIENT, invoice_ids=(INVOICE,)), decide)

    def set_plan(self, key: str, parts: tuple[int, ...], today: date, balance: int) -> None:
        """The merchant splits `balance`, what was left when they looked, into installments (parts: percents), a
        month apart from today."""
        amounts = [balance * p // 100 for p in parts[:-1]]
        amounts.append(balance - sum(amounts))
        body = {
            "installments": [
                {"amount": a, "due_date": (today + timedelta(days=30 * n)).isoformat()} for n, a in enumerate(amounts)
            ]
        }
        self._tolerate(lambda: plans.set_payment_plan(CLIENT, INVOICE, body, key, today, repo=self.repo))

    def turn_on_autopay(self, method_id: str, on: date) -> None:
        """The client accepted the authorization (what PUT /account/autopay stores)."""
        client = self.client()
        client.autopay = AutopayAuthorization(
            payment_method_id=method_id,
            method_type="card" if method_id == "card-m" else "bank_account",
            method_label="Model method",
            text="I authorize.",
            authorized_at=f"{on.isoformat()}T15:00:00.000000Z",
        )
        self.repo.put(client)

    def autopay_day(self, today: date, answer: str) -> None:
        """The daily job's autopay part for the invoice, on `today`, the card processor answering `answer`; the notice
        worker then sends what was queued (the ledger entry a charge checks says when)."""
        self.cards.answer = answer
        client = self.client()
        if client.autopay is None:
            return
        before = len(self.jobs)
        autopay.for_invoice(
            client,
            self.invoice(),
            today,
            0,
            cards=lambda: self.cards,
            ach=lambda: self.ach,
            enqueue=self.enqueue,
            report=autopay.AutopayReport(),
            repo=self.repo,
            allowed=lambda client_id, amount: None,
        )  # Dwolla's limits: tested with the emulators
        for job in self.jobs[before:]:
            key = autopay_rules.notice_email_key(CLIENT, INVOICE, job.get("due_date", ""))
            if job["kind"] == "autopay_notice" and self.repo.get(ProcessedEvent, key) is None:
                self.repo.put(
                    ProcessedEvent(
                        key,
                        event_type="autopay_notice",
                        status="sent",
                        processed_at=f"{today.isoformat()}T15:00:00.000000Z",
                    )
                )

    def void(self, invoice_id: str = INVOICE) -> None:
        self._tolerate(lambda: back_office.void_invoice(CLIENT, invoice_id, self.cards, repo=self.repo))

    def deliver(self, kind: str, args) -> None:
        """A processor event, now; kept so that it can be delivered again later (at least once, any order)."""
        self.delivered.append((kind, args))
        self._apply(kind, args)

    def deliver_again(self, pick: int) -> None:
        if self.delivered:
            self._apply(*self.delivered[pick % len(self.delivered)])

    def _apply(self, kind: str, args) -> None:
        if kind == "update":  # the same event: its id makes it count once
            payment_updates.apply_update(args, self.enqueue, repo=self.repo)
        elif kind == "refund":
            refund_id, status = args
            refunds.apply_refund_outcome(
                CLIENT, refund_id, status, f"refund-evt:{refund_id}:{status}", "refund", self.enqueue, repo=self.repo
            )
        elif kind == "outside":
            payment_id, found = args
            payment = self.repo.get(Payment, CLIENT, payment_id)
            if payment.status in HOLDS:  # always of money Stripe received (the webhook syncs the payment first)
                refunds.record_outside_refund(payment, found, self.enqueue, repo=self.repo)
        elif kind == "dispute":
            payment_id, report = args
            key = f"stripe:{report.dispute_id}:{report.status}:{report.at}:{len(report.balance_transactions)}"
            disputes.apply_dispute(
                key, "charge.dispute", self.repo.get(Payment, CLIENT, payment_id), report, self.enqueue, repo=self.repo
            )
