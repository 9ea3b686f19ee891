"""The one clock: every "today" and "now" in Planner is read here, so a test (or the self-test) can pin it.

Set PLANNER_TODAY=YYYY-MM-DD to run the whole program on another day (a demonstration, a screenshot, a
check of how a plan reads on a given date); tests call `set_today`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time

_today: Callable[[], date] | None = None


def set_today(day: date | None) -> None:
    """Pin today's date for the whole process (None goes back to the real calendar)."""
    global _today
    _today = (lambda: day) if day is not None else None


def today() -> date:
    if _today is not None:
        return _today()
    pinned = os.environ.get("PLANNER_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            pass
    return date.today()


def now() -> datetime:
    """Local time now, on the pinned day when a day is pinned (the wall-clock time of day is kept)."""
    real = datetime.now()
    day = today()
    return real if day == real.date() else datetime.combine(day, real.time())


def utcnow() -> datetime:
    real = datetime.now(UTC)
    day = today()
    if _today is None and not os.environ.get("PLANNER_TODAY"):
        return real
    return datetime.combine(day, time(12, 0), tzinfo=UTC).replace(
        hour=real.hour, minute=real.minute, second=real.second, microsecond=real.microsecond)
