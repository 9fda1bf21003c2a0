"""The money model from ACH payments (settled, in flight, returned late, kept as credit): see machine.py."""

import pytest

from tests.model.machine import MoneyModel, run


class FromBankTransfers(MoneyModel):
    STARTS = ("ach", "ach_late_return", "ach_late_return", "ach_in_flight", "ach_then_card_over",
              "ach_then_card_over", "card_and_ach")


@pytest.mark.timeout(1800)  # a soak's budget; the suite's share takes about a minute on one worker
def test_money_model_from_bank_transfers(aws, record_property):
    run(FromBankTransfers, aws, record_property)
