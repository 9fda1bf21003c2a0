"""Provoke a race deterministically: the competing request runs to completion between the code's read and
its conditional write, instead of hoping that threads interleave that way."""

from collections.abc import Callable


class Competitor:
    def __init__(self, run: Callable[[], object]):
        self._run = run
        self.ran = False
        self.result: object = None

    def __call__(self) -> None:
        self.ran = True  # first, so the competitor's own calls of the seam go straight through
        self.result = self._run()


def competing(monkeypatch, owner, name: str, run: Callable[[], object], *, before: bool = False) -> Competitor:
    """Patch `owner.<name>` so that `run()` (the competing request) runs once, to completion: right after the
    first call of the seam returns (the seam is the code's read), or right before it (`before=True`: the seam
    is the code's write). The code then goes on with what it read. The returned Competitor says whether it
    ran and what it returned."""
    real = getattr(owner, name)
    competitor = Competitor(run)

    def seam(*args, **kwargs):
        if before and not competitor.ran:
            competitor()
        result = real(*args, **kwargs)
        if not competitor.ran:
            competitor()
        return result

    monkeypatch.setattr(owner, name, seam)
    return competitor
