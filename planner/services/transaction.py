"""One write transaction for every service: all of it is written, or none, and a database failure becomes
one message a planner can read."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from planner.errors import PlannerError
from planner.store import PlanStore


class SaveError(PlannerError):
    """The database refused a change; nothing of it was written."""

    title = "The change was not saved"


def short_reason(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).splitlines()[0]


@contextlib.contextmanager
def write(store: PlanStore, *, reason: str | None = None) -> Iterator[Session]:
    """A write transaction; `reason` is recorded with its changes in the change history."""
    try:
        with store.session(reason=reason) as session:
            yield session
    except SQLAlchemyError as exc:
        raise SaveError(f"The plan file refused the change ({short_reason(exc)}). Nothing was changed.",
                        hint="Check that the disk has space and the file is not read-only, then try again.") from exc
