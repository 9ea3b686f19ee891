"""The single-writer lock: one Planner process writes a plan file at a time.

An OS lock on a side file (`plan.planner.lock`), not a marker file: the operating system drops it when
the process dies, so a crash never leaves a file that nobody may open.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from planner.errors import PlanFileLockedError


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


class WriterLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Not thread-local: the window opens files on a worker thread and closes them on the GUI thread.
        self._lock = FileLock(str(lock_path(path)), timeout=0, is_singleton=False, thread_local=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise PlanFileLockedError(
                self.path,
                f"“{self.path.name}” is already open in another Planner window (on this or another computer).",
                hint="Close it there first, or open it read-only to look without changing it.",
            ) from None

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.is_locked
