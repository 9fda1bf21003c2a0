"""The money model from ACH payments settling as credit, and card and ACH together: see machine.py."""

import pytest

from tests.model.machine import MoneyModel, run


class FromBankTransfersAndCredit(MoneyModel):
    STARTS = ("ach_then_card_over", "card_and_ach", "ach_late_return")


@pytest.mark.timeout(1800)  # a soak's budget; the suite's share takes under a minute on one worker
def test_money_model_from_bank_transfers_and_credit(aws, record_property):
    run(FromBankTransfersAndCredit, aws, record_property)
