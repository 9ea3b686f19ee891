"""One write transaction for every service: all of it is written, or none. A database failure reaches the
caller as SaveError in a planner's words (the store turns the driver's text into them; the text is logged)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.orm import Session

from planner.errors import SaveError
from planner.store import PlanStore
from planner.store.failures import describe

__all__ = ["SaveError", "short_reason", "write"]


def short_reason(exc: BaseException) -> str:
    """What a database failure means, in words ("the disk is full"), never the driver's text."""
    return describe(exc).words


@contextlib.contextmanager
def write(store: PlanStore, *, reason: str | None = None) -> Iterator[Session]:
    """A write transaction; `reason` is recorded with its changes in the change history. Raises SaveError when
    the database refuses it (PlanStore.session words it)."""
    with store.session(reason=reason) as session:
        yield session
