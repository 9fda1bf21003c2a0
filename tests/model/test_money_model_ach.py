"""The money model from ACH payments (settled, in flight, returned late): see machine.py."""

import pytest

from tests.model.machine import MoneyModel, run


class FromBankTransfers(MoneyModel):
    STARTS = ("ach", "ach_late_return", "ach_in_flight")


@pytest.mark.timeout(1800)  # a soak's budget; the suite's share takes under a minute on one worker
def test_money_model_from_bank_transfers(aws, record_property):
    run(FromBankTransfers, aws, record_property)
