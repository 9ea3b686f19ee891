"""Consistent copies of a plan file made with SQLite's online backup API, never a raw file copy. A copy that
cannot be made raises BackupError (in words; the driver's text goes to the log)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from planner.errors import BackupError
from planner.store.failures import backup_error


def backup_file(source: Path, dest: Path) -> Path:
    """Copy `source` to `dest` through SQLite's backup API: written under a temporary name, checked,
    then renamed into place, so `dest` is either a good copy or absent. Raises BackupError when the database
    fails (OSError for the files themselves)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                # The copy stands alone: rollback journal, one file that can be moved freely.
                dst.execute("PRAGMA journal_mode = DELETE")
                result = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
        if result != "ok":
            raise BackupError(f"The copy of “{Path(source).name}” failed its check, so it was not kept.",
                              hint="The plan file may be damaged: restore it from a backup.", detail=str(result))
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise backup_error(exc, source) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)
    return dest
