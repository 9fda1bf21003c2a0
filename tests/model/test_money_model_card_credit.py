"""The money model from card payments kept partly as credit, or from nothing: see tests/model/machine.py."""

import pytest

from tests.model.machine import MoneyModel, run


class FromCardsAndCredit(MoneyModel):
    STARTS = ("card_over", "card", "nothing")


@pytest.mark.timeout(1800)  # a soak's budget; the suite's share takes under a minute on one worker
def test_money_model_from_card_overpayments(aws, record_property):
    run(FromCardsAndCredit, aws, record_property)
