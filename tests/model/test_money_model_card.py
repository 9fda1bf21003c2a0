"""The money model from card payments in full, in part, or after a decline: see tests/model/machine.py."""

import pytest

from tests.model.machine import MoneyModel, run


class FromCards(MoneyModel):
    STARTS = ("card", "card_part", "card_declined_then_paid")


@pytest.mark.timeout(1800)  # a soak's budget; the suite's share takes under a minute on one worker
def test_money_model_from_card_payments(aws, record_property):
    run(FromCards, aws, record_property)
