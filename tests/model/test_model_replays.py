"""Sequences the money model found, replayed step by step (fast, and failing the same way if the bug returns).
Each was found by the model on a scratch copy with the bug put back (docs/testing.md)."""

from tests.model.machine import LATE_R01, MoneyModel


class Script:
    """Stands in for hypothesis's `data`: hands out the recorded draws in order."""

    def __init__(self, *draws):
        self.draws = list(draws)

    def draw(self, strategy, label=None):
        return self.draws.pop(0)


def replay(aws, start: tuple, *steps: tuple) -> MoneyModel:
    MoneyModel.env = aws
    model = MoneyModel()
    model.start(Script(*start))
    model.the_books_hold()
    for step in steps:
        model.step(Script(*step))
        model.the_books_hold()
    model.teardown()
    return model


def test_a_return_of_an_ach_payment_kept_as_credit_takes_it_from_the_credit(aws):
    # ACH in flight, a card pays the whole invoice, the ACH settles as credit; its late return once took the
    # money off amount_paid (the card's) and left the credit.
    model = replay(aws, (165, "ach_then_card_over"), ("bank_returns", 0))
    assert [p.status for p in model.payments(method="ach")] == ["failed"]
    assert model.payments(method="ach")[0].credited_amount == 0


def test_a_refund_of_a_payment_still_in_flight_is_refused(aws):
    # A refund accepted on an ACH payment still processing (the refund's status check removed).
    model = replay(aws, (50, "ach_in_flight"), ("refund", 0, 100, False))
    assert [p.status for p in model.payments()] == ["processing"]
    assert model.refunds("pending", "succeeded") == []


def test_a_refund_of_a_returned_payment_is_refused(aws):
    model = replay(aws, (80, "ach_late_return"), ("bank_returns", 0), ("refund", 0, 50, False))
    assert [p.status for p in model.payments()] == ["failed"]
    assert model.refunds("pending", "succeeded") == []
    assert LATE_R01 in model.banks
