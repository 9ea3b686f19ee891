"""The single-writer lock: one Planner process writes a plan file at a time.

An OS lock on a side file (`plan.planner.lock`), not a marker file: the operating system drops it when
the process dies, so a crash never leaves a file that nobody may open.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from planner.errors import BlockedPlanFileError, PlanFileError, PlanFileLockedError


def lock_path(path: Path) -> Path:
    """The lock is named after the file itself, not the name it was reached by: a second writer coming in
    through a symbolic link (or another spelling of the path) meets the same lock."""
    real = Path(path).resolve()
    return real.with_name(real.name + ".lock")


class WriterLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Not thread-local: the window opens files on a worker thread and closes them on the GUI thread.
        self._lock = FileLock(str(lock_path(path)), timeout=0, is_singleton=False, thread_local=False)

    def acquire(self) -> None:
        lock = lock_path(self.path)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if not lock.is_file():  # filelock reports a lock file it could not make as "taken"
                raise self._cannot_lock(lock, "the folder does not allow it") from None
            raise PlanFileLockedError(
                self.path,
                f"“{self.path.name}” is already open in another Planner window (on this or another computer).",
                hint="Close it there first, or open it read-only to look without changing it.",
            ) from None
        except IsADirectoryError:
            raise BlockedPlanFileError(
                self.path, f"“{lock.name}” beside “{self.path.name}” is a folder, but Planner keeps the plan's "
                "lock under that name, so the plan cannot be opened for changes while it is there.",
                hint=f"Move or rename “{lock.name}”, then open the plan again. The plan file was not changed.",
            ) from None
        except OSError as exc:
            raise self._cannot_lock(lock, exc.strerror or str(exc)) from None

    def _cannot_lock(self, lock: Path, reason: str) -> PlanFileError:
        return PlanFileError(self.path, f"“{self.path.name}” cannot be opened for changes: its lock file "
                             f"“{lock.name}” cannot be made ({reason}).",
                             hint="Open it read-only to look at it, or save a copy in a folder of your own.")

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.is_locked
