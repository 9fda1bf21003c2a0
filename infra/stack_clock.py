"""The local stack's test clock (Stripe's Test Clocks are the model): the time every function and job of one local
stack sees, moved forward on demand so reminders, late fees, extensions and autopay days can be tried now.

    POST   /_local/clock {"now": "2027-01-15T09:00:00-05:00"}   move the stack's time there (forward only)
    GET    /_local/clock                                        {"now", "real_time", "offset_seconds"}
    DELETE /_local/clock                                        back to real time

The stack's time keeps running from where it was put (an offset from real time, not a frozen instant), so
timestamps stay in order and a payment's "over a minute old" still comes. The offset is one small file per stack
(LOCAL_CLOCK_FILE, beside the stack file), replaced whole on each move; shared/domain/clock.py reads it in every process
of that stack (the gateway, its workers, the pollers and schedules). Never part of the deployed template. The
processors' stand-ins (localstripe, the ACH sandbox) keep real time, as Stripe and Dwolla would.
"""

import json
import os
from datetime import datetime
from pathlib import Path

from shared.domain import clock


class StackClock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.unlink(missing_ok=True)  # a new stack starts at real time
        os.environ[clock.CLOCK_FILE] = str(self.path)  # this process and those it starts (workers) read it

    def state(self) -> dict:
        offset = clock.offset()
        return {
            "now": clock.iso(clock.now()),
            "real_time": not self.path.exists(),
            "offset_seconds": round(offset.total_seconds(), 3),
        }

    def move(self, body: object) -> tuple[int, dict]:
        """(status, answer) for POST /_local/clock."""
        target = _instant(body.get("now") if isinstance(body, dict) and set(body) == {"now"} else None)
        if target is None:
            return 422, _error(
                "invalid_time",
                'Send {"now": "<ISO 8601 date and time with its offset>"}, for '
                'example {"now": "2027-01-15T09:00:00-05:00"}.',
            )
        if target < clock.now():
            return 409, _error(
                "clock_cannot_go_back",
                f"The stack's clock only moves forward: it is "
                f"{clock.iso(clock.now())} already. DELETE /_local/clock "
                "returns to real time.",
            )
        self._write((target - clock.real_now()).total_seconds())
        return 200, self.state()

    def reset(self) -> dict:
        self.path.unlink(missing_ok=True)
        return self.state()

    def _write(self, offset_seconds: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"offset_seconds": offset_seconds}))
        tmp.replace(self.path)  # atomic: a reader sees the old offset or the new one


def _instant(raw: object) -> datetime | None:
    """An ISO 8601 instant with its offset (Z or +hh:mm); a bare date or a local time is ambiguous: None."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
