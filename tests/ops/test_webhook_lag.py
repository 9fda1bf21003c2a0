"""The dashboard's webhook lag: each processed event publishes the seconds from the processor's event time."""

import json
import time
from datetime import UTC, datetime, timedelta

from tests.drivers.ach import deliver_and_apply, envelope, pay_ach, simulate, transfer_url, verified_bank
from tests.drivers.stripe import post
from tests.helpers import intent_event


def _published(output: str, metric: str) -> list[float]:
    values = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            if metric in document:
                values += document[metric] if isinstance(document[metric], list) else [document[metric]]
    return values


def test_a_stripe_event_publishes_its_lag(seeded, capsys):
    event = intent_event(
        "payment_intent.processing",
        intent_id="pi_lag",
        amount=100,
        client_id="client-a",
        invoice_id="inv-full",
        payment_id="pay-unknown",
        event_id="evt_lag",
        created=int(time.time()) - 90,
    )
    capsys.readouterr()
    assert post(event)[0] == 200
    [lag] = _published(capsys.readouterr().out, "WebhookLag_stripe")
    assert 90 <= lag < 150


def test_an_ach_event_publishes_its_lag_when_the_worker_applies_it(seeded, capsys):
    status, payment, _ = pay_ach("inv-part", verified_bank(seeded["ach"]), amount=40000)
    assert status == 201
    simulate(seeded["ach"])
    capsys.readouterr()
    deliver_and_apply(
        envelope(
            "customer_transfer_completed",
            transfer_url("client-a", payment["payment_id"]),
            timestamp=datetime.now(UTC) - timedelta(minutes=10),
        )
    )
    [lag] = _published(capsys.readouterr().out, "WebhookLag_ach")
    assert 600 <= lag < 660
