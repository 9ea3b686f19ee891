"""Work off the GUI thread: run a function on Qt's thread pool and hand its result (or its error) back to
the GUI thread. Tests may switch to running inline (PLANNER_SYNC_TASKS=1) so results are there at once."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn, self.relay = fn, relay

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to show
            self.relay.failed.emit(exc)
            return
        self.relay.done.emit(result)


_live: set[_Relay] = set()


_housekeeping: QThreadPool | None = None


def _housekeeping_pool() -> QThreadPool:
    """One thread of its own for the file's long chores (the backup on open, the check of every page): on
    two cores they took both of the shared pool's threads for seconds at ten times the district, and the
    statuses and Due Now a person waits for queued behind them."""
    global _housekeeping
    if _housekeeping is None:
        _housekeeping = QThreadPool()
        _housekeeping.setMaxThreadCount(1)
    return _housekeeping


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None], *, chore: bool = False) -> None:
    """`chore`: long work no one waits to see (a backup, a page check), run apart from what a page shows."""
    if os.environ.get("PLANNER_SYNC_TASKS") == "1":
        try:
            result = fn()
        except Exception as exc:
            on_error(exc)
            return
        on_done(result)
        return
    relay = _Relay()
    _live.add(relay)  # kept alive until the result is delivered

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        _live.discard(relay)
        callback(value)

    relay.done.connect(lambda value: finish(on_done, value))
    relay.failed.connect(lambda exc: finish(on_error, exc))
    (_housekeeping_pool() if chore else QThreadPool.globalInstance()).start(_Job(fn, relay))


def wait_for_background(timeout_ms: int = 30000) -> bool:
    """Waits for queued work, the chores too (used when closing a file and by tests)."""
    shown = QThreadPool.globalInstance().waitForDone(timeout_ms)
    return (_housekeeping is None or _housekeeping.waitForDone(timeout_ms)) and shown
