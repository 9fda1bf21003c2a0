"""ACH debits only in US dollars, the one currency the ACH processor moves: anything else is refused before
any record, cancellation or transfer."""

import requests

from infra.seed import put_invoice
from shared.aws.models import Payment
from tests.conftest import STRIPE_API_KEY
from tests.drivers.ach import api, pay_ach, verified_bank
from tests.helpers import call, table_snapshot


def transfers(sandbox) -> list[dict]:
    return [e for e in api(sandbox, "GET", "/events").json()["_embedded"]["events"] if e["topic"] == "transfer_created"]


def test_an_ach_payment_of_a_euro_invoice_is_422_and_nothing_moves(seeded):
    put_invoice("client-a", "inv-eur", number="INV-1005", total=10000, currency="eur", due_date="2026-12-20")
    method_id = verified_bank(seeded["ach"])
    # An unconfirmed card checkout on it: the refusal must come before the old intent would be cancelled.
    _, card, _ = call(
        "CreatePaymentFunction",
        path_parameters={"invoice_id": "inv-eur"},
        body={"method": "card"},
        headers={"Idempotency-Key": "card"},
    )
    intent_id = Payment.get("client-a", card["payment_id"]).processor_payment_id
    before, transfers_before = table_snapshot(), transfers(seeded["ach"])

    status, body, _ = pay_ach("inv-eur", method_id)
    assert (status, body["error"]["code"]) == (422, "unsupported_currency")
    assert "US dollars" in body["error"]["message"]
    assert table_snapshot() == before
    assert transfers(seeded["ach"]) == transfers_before
    intent = requests.get(
        f"{seeded['stripe'].url}/v1/payment_intents/{intent_id}", auth=(STRIPE_API_KEY, ""), timeout=5
    ).json()
    assert intent["status"] != "canceled"


def test_a_dollar_invoice_is_still_paid_by_ach(seeded):
    method_id = verified_bank(seeded["ach"])
    before = len(transfers(seeded["ach"]))
    status, body, _ = pay_ach("inv-part", method_id, amount=10000)
    assert (status, body["status"]) == (201, "processing")
    assert len(transfers(seeded["ach"])) == before + 1
