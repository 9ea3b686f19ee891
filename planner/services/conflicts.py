"""What "Keep mine" means after a save met someone else's change on the district server, for every kind of
save (a form's fields, a logged value, a move): the row was read again first, so theirs counts as seen; a
change later than the one the person chose to overwrite is refused in turn, naming it; and the history's reason
says whose change was overwritten."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

from planner.errors import RowChangedError
from planner.store import PlanStore, change_reason, server


def kept_over(conflict: RowChangedError) -> str:
    """The history's reason for a save kept over `conflict`: "Kept my change over Ben Okafor's change at
    10:42 UTC"."""
    when = f" at {conflict.at:%H:%M} UTC" if isinstance(conflict.at, datetime) else ""
    return f"Kept my change over {conflict.actor}'s change{when}"


@contextlib.contextmanager
def keeping_mine(store: PlanStore, conflict: RowChangedError) -> Iterator[None]:
    """Around the save that keeps mine, once the caller has read the row again: raises the newer change's
    RowChangedError when someone changed the row again after the one `conflict` names (nothing unseen is
    overwritten); otherwise the block's writes carry the reason `kept_over` gives."""
    if store.on_server and (later := server.changed_since(store.engine, conflict, store.actor, store.role)):
        raise later
    with change_reason(kept_over(conflict)):
        yield
