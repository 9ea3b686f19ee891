"""The one clock: every "today" and "now" in Planner is read here, so a test (or the self-test) can pin it.

Set PLANNER_TODAY=YYYY-MM-DD to run the whole program on another day (a demonstration, a screenshot, a
check of how a plan reads on a given date); tests call `set_today`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime

_today: Callable[[], date] | None = None


def set_today(day: date | None) -> None:
    """Pin today's date for the whole process (None goes back to the real calendar)."""
    global _today
    _today = (lambda: day) if day is not None else None


def _pinned() -> date | None:
    if _today is not None:
        return _today()
    text = os.environ.get("PLANNER_TODAY", "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def today() -> date:
    return _pinned() or date.today()


def now() -> datetime:
    """Local time now, on the pinned day when a day is pinned (the wall-clock time of day is kept)."""
    real, day = datetime.now(), _pinned()
    return datetime.combine(day, real.time()) if day else real


def utcnow() -> datetime:
    """UTC now, on the pinned day when a day is pinned, for the timestamps every row carries."""
    real, day = datetime.now(UTC), _pinned()
    return datetime.combine(day, real.time(), tzinfo=UTC) if day else real
