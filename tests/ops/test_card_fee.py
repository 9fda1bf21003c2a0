"""ops-card-fee: the card fee off at once (the functions' next read of the switch), on again, and what is charged."""

import io

import requests

from ops import card_fee
from shared.domain import surcharges
from tests.helpers import aws_client, call

SWITCH = "/test/card-fee"
BOTH = ["inv-part", "inv-full"]


def _quote_fee(seeded):
    card = requests.post(
        f"{seeded['stripe'].url}/v1/payment_methods",
        timeout=5,
        data={
            "key": "pk_test_portal",
            "type": "card",
            "card[number]": "4242424242424242",
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    ).json()["id"]
    surcharges.forget_switch()  # SWITCH_MAX_AGE_SECONDS elapsed
    status, body, _ = call(
        "PayInvoicesFunction",
        path_suffix="/quote",
        body={"invoice_ids": BOTH, "method": "card", "stripe_payment_method": card},
    )
    assert status == 200
    return body["card_fee"]


def test_off_stops_the_fee_at_the_next_read_and_on_brings_it_back(seeded, monkeypatch):
    monkeypatch.setenv("CARD_FEE_BASIS_POINTS", "300")
    assert _quote_fee(seeded)["amount"] == 6750
    out = io.StringIO()
    assert card_fee.card_fee(aws_client("ssm"), SWITCH, "off", 300, out=out) == "off"
    assert aws_client("ssm").get_parameter(Name=SWITCH)["Parameter"]["Value"] == "off"
    assert "a card fee now is none" in out.getvalue()
    assert _quote_fee(seeded) is None
    out = io.StringIO()
    card_fee.card_fee(aws_client("ssm"), SWITCH, "on", 300, out=out)
    assert "a card fee now is 3 % on credit cards" in out.getvalue()
    assert _quote_fee(seeded)["amount"] == 6750


def test_status_changes_nothing_and_a_rate_above_the_cap_is_reported_as_no_fee(seeded):
    out = io.StringIO()
    assert card_fee.card_fee(aws_client("ssm"), SWITCH, "status", 400, out=out) == "on"
    assert "rate 400 basis points (CardFeeBasisPoints), switch on: a card fee now is none" in out.getvalue()
    assert aws_client("ssm").get_parameter(Name=SWITCH)["Parameter"]["Version"] == 1


def test_the_command_line_names_the_parameter(seeded, capsys):
    assert card_fee.main(["--parameter", SWITCH, "off"]) == "off"
    assert "card fee switch is off" in capsys.readouterr().out
