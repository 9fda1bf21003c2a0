"""What the code reads from Stripe, held against stripe-python's generated types for the pinned version:
every event type the webhook handles is one Stripe sends, every field in the table of fields read
(tests/contract/stripe_fields_read.py) exists on its object type, and the webhook code reads nothing the
table lacks (its reads are recorded while it handles one event of each type)."""

import ast
import collections
import re
import sys
import time
import typing
from pathlib import Path

import pytest
import stripe
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._stripe_object import UntypedStripeObject

from infra.seed import put_client, put_invoice
from shared.processors import stripe_cards
from shared.processors.card import CardDetails
from shared.processors.stripe_events import StripeEvent
from shared.services import stripe_webhooks
from shared.services.card_payments import INTENT_STATUSES
from tests.contract.stripe_fields_read import EVENT_OBJECTS, FIELDS_READ
from tests.helpers import call

ROOT = Path(__file__).resolve().parents[2]
_EVENT_TYPE = re.compile(r"([a-z_]+)(\.[a-z_]+)+")


def handled_event_types() -> set[str]:
    """Every Stripe event type named in the code: the strings of shared/ shaped like one and starting with a
    Stripe object's name (payment_intent.succeeded, charge.dispute.closed...), wherever they are kept."""
    found = set()
    for path in (ROOT / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                parts = node.value.split(".")
                # the object's name is the type's first part or two (radar.early_fraud_warning.created)
                if _EVENT_TYPE.fullmatch(node.value) and any(".".join(parts[:n]) in OBJECT_CLASSES for n in (1, 2)):
                    found.add(node.value)
    return found


def sdk_class(object_name: str) -> type:
    module, name = OBJECT_CLASSES[object_name]
    return getattr(sys.modules.get(module) or __import__(module, fromlist=[name]), name)


def _resolve(tp, owner: type):
    if isinstance(tp, typing.ForwardRef):
        tp = tp.__forward_arg__
    if isinstance(tp, str):
        namespace = vars(sys.modules[owner.__module__])
        return namespace[tp] if tp in namespace else getattr(stripe, tp)
    return tp


def _unwrap(tp, owner: type) -> list:
    """The alternatives a field can be (Optional, Union and ExpandableField spelled out)."""
    tp = _resolve(tp, owner)
    if typing.get_origin(tp) is typing.Union:
        return [t for a in typing.get_args(tp) for t in _unwrap(a, owner) if t is not type(None)]
    return [tp]


def sdk_has(object_name: str, path: str) -> bool:
    """Whether the SDK's class for this object type declares the field path ("a.b", "a[].b")."""
    current = [sdk_class(object_name)]
    for part in path.split("."):
        name, is_list = part.removesuffix("[]"), part.endswith("[]")
        following = []
        for tp in current:
            origin = typing.get_origin(tp) or tp
            if origin is UntypedStripeObject:  # metadata and other maps: any key
                return True
            if origin is ListObject:
                fields, owner = {"data": list[typing.get_args(tp)[0]]}, ListObject
            elif isinstance(origin, type) and issubclass(origin, stripe.StripeObject):
                fields, owner = (
                    collections.ChainMap(*(vars(c).get("__annotations__", {}) for c in origin.__mro__)),
                    origin,
                )
            else:
                continue
            if name in fields:
                following += _unwrap(fields[name], owner)
        if is_list:
            following = [a for t in following if typing.get_origin(t) is list for a in typing.get_args(t)]
        current = [t for tp in following for t in _unwrap(tp, ListObject)]
        if not current:
            return False
    return True


def literals(tp) -> set[str]:
    """The choices of a Literal, also inside the SDK's `Literal[...] | str`."""
    if typing.get_origin(tp) is typing.Literal:
        return set(typing.get_args(tp))
    return {v for arg in typing.get_args(tp) for v in literals(arg)}


def test_every_handled_event_type_is_one_stripe_sends_and_in_the_table():
    handled = handled_event_types()
    assert {"payment_intent.succeeded", "setup_intent.succeeded", "charge.dispute.closed"} <= handled
    sent_by_stripe = literals(stripe.Event.__annotations__["type"])
    assert handled - sent_by_stripe == set(), "not an event type of the pinned API version"
    assert handled - EVENT_OBJECTS.keys() == set(), "handled but missing from stripe_fields_read.EVENT_OBJECTS"
    assert EVENT_OBJECTS.keys() - handled == set(), "in EVENT_OBJECTS but no longer handled"


@pytest.mark.parametrize("object_name", sorted(FIELDS_READ))
def test_every_field_read_exists_on_its_object_type(object_name):
    missing = {path for path in FIELDS_READ[object_name] if not sdk_has(object_name, path)}
    assert missing == set(), f"not fields of {object_name} in stripe-python {stripe.VERSION}"


def test_the_field_check_can_fail():
    assert sdk_has("payment_intent", "last_payment_error.decline_code")
    assert sdk_has("charge", "refunds.data[].metadata.refund_id")
    assert not sdk_has("payment_intent", "receipt_url")
    assert not sdk_has("payment_intent", "last_payment_error.colour")
    assert not sdk_has("charge", "refunds.data[].colour")


def test_the_intent_statuses_the_code_compares_are_stripes():
    statuses = literals(stripe.PaymentIntent.__annotations__["status"])
    assert set(INTENT_STATUSES) | stripe_cards._CANCELABLE <= statuses


def test_every_dispute_status_stripe_lists_is_classified_and_nothing_else():
    """An inquiry moves no money, a chargeback moves it by its funds, a prevented one moves none (its refund
    does). A status Stripe adds later is left to a person (the anomaly alarm), but this test says so first."""
    from shared.domain import dispute_states

    classified = set(dispute_states.INQUIRY) | set(dispute_states.CHARGEBACK) | {dispute_states.PREVENTED}
    assert classified == literals(stripe.Dispute.__annotations__["status"])
    assert set(dispute_states.INQUIRY) == {s for s in classified if s.startswith("warning_")}


class Reads(dict):
    """A Stripe object that notes the path of every field read from it (a missing one too)."""

    def __init__(self, data: dict, path: str, log: set):
        super().__init__(data)
        self._path, self._log = path, log

    def _note(self, key, value):
        path = f"{self._path}.{key}" if self._path else str(key)
        self._log.add(path)
        if isinstance(value, dict):
            return Reads(value, path, self._log)
        if isinstance(value, list):
            return [Reads(v, path + "[]", self._log) if isinstance(v, dict) else v for v in value]
        return value

    def get(self, key, default=None):
        return self._note(key, super().get(key, default))

    def __getitem__(self, key):
        return self._note(key, super().__getitem__(key))


def samples(intent_id: str, payment_id: str) -> dict[str, dict]:
    """One object of each type, shaped as Stripe's API reference documents it, naming a real payment."""
    metadata = {"client_id": "client-a", "invoice_id": "inv-full", "payment_id": payment_id}
    refund = {
        "id": "re_1",
        "object": "refund",
        "amount": 5000,
        "currency": "usd",
        "charge": "ch_1",
        "payment_intent": intent_id,
        "reason": "requested_by_customer",
        "status": "succeeded",
        "metadata": {"client_id": "client-a", "refund_id": "refund-1"},
        "created": int(time.time()),
    }
    card = {
        "id": "pm_1",
        "object": "payment_method",
        "type": "card",
        "customer": "cus_1",
        "billing_details": {"email": None, "name": None},
        "card": {
            "brand": "visa",
            "last4": "4242",
            "exp_month": 12,
            "exp_year": 2030,
            "funding": "credit",
            "country": "US",
            "fingerprint": "fp_1",
        },
        "created": int(time.time()),
        "livemode": False,
    }
    return {
        "payment_intent": {
            "id": intent_id,
            "object": "payment_intent",
            "amount": 125000,
            "amount_received": 125000,
            "currency": "usd",
            "customer": "cus_1",
            "status": "succeeded",
            "payment_method": "pm_1",
            "latest_charge": "ch_1",
            "description": "Acme invoice INV-1001",
            "livemode": False,
            "last_payment_error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Declined.",
            },
            "metadata": metadata,
            "created": int(time.time()),
        },
        "setup_intent": {
            "id": "seti_1",
            "object": "setup_intent",
            "customer": "cus_1",
            "payment_method": "pm_1",
            "status": "succeeded",
            "usage": "off_session",
            "metadata": {"client_id": "client-a"},
        },
        "payment_method": card,
        "refund": refund,
        "charge": {
            "id": "ch_1",
            "object": "charge",
            "amount": 125000,
            "amount_refunded": 5000,
            "currency": "usd",
            "payment_intent": intent_id,
            "refunded": False,
            "status": "succeeded",
            "refunds": {"object": "list", "data": [refund], "has_more": False, "url": "/v1/charges/ch_1/refunds"},
        },
        "radar.early_fraud_warning": {
            "id": "issfr_1",
            "object": "radar.early_fraud_warning",
            "actionable": True,
            "charge": "ch_1",
            "created": int(time.time()),
            "fraud_type": "misc",
            "livemode": False,
            "payment_intent": intent_id,
        },
        "dispute": {
            "id": "dp_1",
            "object": "dispute",
            "amount": 125000,
            "currency": "usd",
            "charge": "ch_1",
            "payment_intent": intent_id,
            "reason": "fraudulent",
            "status": "needs_response",
            "is_charge_refundable": False,
            "created": int(time.time()),
            "balance_transactions": [
                {
                    "id": "txn_1",
                    "object": "balance_transaction",
                    "amount": -125000,
                    "currency": "usd",
                    "type": "adjustment",
                }
            ],
        },
    }


def test_the_webhook_reads_only_fields_in_the_table(aws):
    put_client("client-a", name="Ann Archer", billing_email="ann@example.test")
    put_invoice("client-a", "inv-full", number="INV-1001", total=125000, due_date="2026-12-01")
    status, payment, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-full"},
        body={"method": "card"},
        headers={"Idempotency-Key": "contract"},
    )
    assert status == 201
    objects = samples(payment["client_secret"].split("_secret_")[0], payment["payment_id"])
    unread = {}
    for n, event_type in enumerate(sorted(handled_event_types() & EVENT_OBJECTS.keys())):  # others fail above
        object_name = EVENT_OBJECTS[event_type]
        reads: set[str] = set()
        event = StripeEvent(f"evt_contract_{n}", event_type, int(time.time()), Reads(objects[object_name], "", reads))
        cards = stripe_cards.from_environment()
        stripe_webhooks.handle(
            event,
            enqueue=lambda job: None,
            stripe=stripe_webhooks.StripeSide(
                card_details=lambda pm: CardDetails("visa", "4242", 12, 2030, "cus_1"),
                intent_outcome=cards.intent_outcome,
                refunds_of=cards.refunds_of,
            ),
        )
        table = FIELDS_READ[object_name]
        extra = {p for p in reads if p not in table and not any(t.startswith((p + ".", p + "[]")) for t in table)}
        if extra:
            unread[event_type] = extra
    assert unread == {}, "read by the webhook but missing from stripe_fields_read.FIELDS_READ"
