"""Storage: the plan file on disk. The only package that knows the database is SQLite.

`open_plan_file` checks the file is a Planner file and healthy, takes the single-writer lock, backs the
file up and migrates it when its schema is older, and hands back a `PlanStore` whose `session()` is one
transaction per user action.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from planner import clock
from planner.errors import (
    DamagedPlanFileError,
    NewerPlanFileError,
    NotAPlanFileError,
    PlanFileError,
    PlanFileExistsError,
    PlanFileNotFoundError,
    ReadOnlyError,
    ReadOnlyPlanFileError,
)
from planner.store import migrate
from planner.store.audit import change_reason, changes_by
from planner.store.backup import backup_file
from planner.store.engine import frozen_flag, make_engine
from planner.store.location import risky_location
from planner.store.lock import WriterLock, lock_path

# Written into the SQLite header (PRAGMA application_id): "PLNR". It tells a Planner file from any other
# SQLite database without reading a single table.
APPLICATION_ID = 0x504C4E52
SQLITE_MAGIC = b"SQLite format 3\x00"
FILE_SUFFIX = ".planner"

__all__ = [
    "APPLICATION_ID", "FILE_SUFFIX", "FileReport", "PlanStore", "backup_file", "change_reason", "create_plan_file",
    "inspect_plan_file", "lock_path", "open_plan_file", "risky_location",
]


@dataclass(frozen=True)
class FileReport:
    """What a read-only look at a file found, for `planner check`."""

    path: Path
    schema_revision: str | None
    head_revision: str
    integrity: str  # "ok" or SQLite's first complaints
    foreign_key_problems: int
    journal_mode: str

    @property
    def needs_upgrade(self) -> bool:
        return self.schema_revision != self.head_revision


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return ""


def _raw_connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    mode = "ro" if read_only else "rw"
    frozen = frozen_flag(path) if read_only else ""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}{frozen}", uri=True, isolation_level=None)


def _preflight(path: Path, *, check_pages: bool = True) -> str | None:
    """Checks a file before anything writes to it. Returns its schema revision; raises a PlanFileError
    that names the file and the problem when it is not a healthy Planner file of a version we know.
    `check_pages` runs SQLite's quick_check, which reads the whole file (seconds for a large one)."""
    if not path.exists():
        raise PlanFileNotFoundError(path, f"There is no file “{path}”.")
    if path.is_dir():
        raise NotAPlanFileError(path, f"“{path}” is a folder, not a plan file.")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise PlanFileError(path, f"“{path.name}” cannot be read: {exc.strerror or exc}.") from exc
    if len(header) == 0:
        raise NotAPlanFileError(path, f"“{path.name}” is empty (0 bytes), so it is not a Planner plan file.",
                                hint="Open another file, or create a new plan.")
    if header != SQLITE_MAGIC:
        raise NotAPlanFileError(path, f"“{path.name}” is not a Planner plan file (it is not a database).",
                                hint="Workbooks are imported with File > Import; plans are .planner files.")
    try:
        conn = _raw_connect(path, read_only=True)
    except sqlite3.Error as exc:
        raise DamagedPlanFileError(path, f"“{path.name}” cannot be opened as a database: {exc}.") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise NotAPlanFileError(
                path, f"“{path.name}” is a database, but not a Planner plan file.",
                hint="Nothing was changed in it.")
        check = conn.execute("PRAGMA quick_check").fetchall() if check_pages else [("ok",)]
        if [row[0] for row in check] != ["ok"]:
            raise DamagedPlanFileError(
                path, f"“{path.name}” is damaged: {check[0][0]}.",
                hint="Restore it from a backup. The damaged file was left as it is.")
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            row = None
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        raise DamagedPlanFileError(
            path, f"“{path.name}” is damaged and cannot be read ({exc}).",
            hint="Restore it from a backup. The damaged file was left as it is.") from exc
    finally:
        conn.close()
    revision = row[0] if row else None
    if revision is not None and revision not in migrate.known_revisions():
        raise NewerPlanFileError(
            path, f"“{path.name}” was saved by a newer version of Planner (schema {revision}).",
            hint="Install the latest Planner to open it. The file was not changed.")
    return revision


class PlanStore:
    """An open plan file: engine, lock, and one session per unit of work."""

    def __init__(self, path: Path, engine: Engine, lock: WriterLock | None, *, read_only: bool) -> None:
        self.path = path
        self.actor = default_actor()  # who the change history names; the app sets the name in its settings
        self.engine = engine
        self.read_only = read_only
        self._lock = lock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def journal_mode(self) -> str | None:
        with self.engine.connect():  # the connect hook records what SQLite accepted
            pass
        return self.engine.info.get("journal_mode")

    @contextlib.contextmanager
    def session(self, *, reason: str | None = None) -> Iterator[Session]:
        """One transaction: committed whole when the block ends, rolled back whole if it raises. Every row it
        changes is recorded in the change history under the store's actor and `reason` (or the reason of an
        enclosing `change_reason` block)."""
        with changes_by(self.actor, reason), self._sessions() as session, session.begin():
            yield session
            if self.read_only and (session.new or session.dirty or session.deleted):
                raise ReadOnlyError(f"“{self.path.name}” is open read-only; the change was not saved.")

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading: one consistent snapshot; the objects it returns stay readable after it.
        Changing anything in it is a programming error, refused before anything is written."""
        with self._sessions() as session, session.begin():
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("reader() sessions are for reading; use session() to change the plan")

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return migrate.current_revision(conn)

    def save_copy(self, dest: Path) -> Path:
        """A consistent copy of the whole file at `dest` (the backup API, safe while open)."""
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise PlanFileExistsError(dest, "A copy cannot replace the file it is copied from.",
                                      hint="Choose another name.")
        return backup_file(self.path, dest)

    @property
    def holds_writer_lock(self) -> bool:
        return self._lock is not None and self._lock.held

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> PlanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stamp_application_id(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def create_plan_file(path: Path, *, revision: str = "head") -> PlanStore:
    """A new, empty plan file at the current schema (or `revision`, for tests of migrations).

    Refuses to overwrite an existing file. The file is built under a temporary name and renamed, so a
    failure leaves nothing half-made behind.
    """
    path = Path(path)
    if path.exists():
        raise PlanFileExistsError(path, f"“{path}” already exists; Planner will not overwrite it.",
                                  hint="Choose another name, or open the existing file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = WriterLock(path)
    lock.acquire()
    tmp = path.with_name(path.name + ".creating")
    try:
        tmp.unlink(missing_ok=True)
        engine = make_engine(tmp)
        try:
            _stamp_application_id(engine)
            migrate.upgrade(engine, revision)
            with engine.begin() as conn:  # one file, no -wal beside it, before the rename
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        for suffix in ("-wal", "-shm"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        lock.release()
        raise
    return PlanStore(path, make_engine(path), lock, read_only=False)


def _backup_name(path: Path, revision: str | None) -> Path:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.before-upgrade-from-{revision or 'none'}-{stamp}{path.suffix or '.planner'}")


def open_plan_file(path: Path, *, read_only: bool = False) -> PlanStore:
    """Open an existing plan file, migrating it (after a backup) if it was written by an older Planner."""
    path = Path(path)
    if not read_only and path.is_file():
        _check_writable(path)
    revision = _preflight(path)
    head = migrate.head_revision()
    if read_only:
        if revision != head:
            raise PlanFileError(path, f"“{path.name}” was saved by an older Planner and must be upgraded "
                                "before it can be viewed.", hint="Open it normally (not read-only) once.")
        return PlanStore(path, make_engine(path, read_only=True), None, read_only=True)

    lock = WriterLock(path)
    lock.acquire()
    try:
        # Again, now that nobody else can be writing it: the revision may have changed (the pages were
        # checked a moment ago; a second full read of a large file would double the wait).
        revision = _preflight(path, check_pages=False)
        engine = make_engine(path)
        if revision != head:
            backup_file(path, _backup_name(path, revision))
            migrate.upgrade(engine)
        return PlanStore(path, engine, lock, read_only=False)
    except BaseException:
        lock.release()
        raise


def _check_writable(path: Path) -> None:
    """SQLite needs to write the file and, beside it, its journal and lock: say which of them we may not."""
    if not os.access(path, os.W_OK):
        where = "the file's permissions do not allow changes"
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        where = f"its folder “{path.parent}” does not allow new files (SQLite keeps its journal beside the file)"
    else:
        return
    raise ReadOnlyPlanFileError(path, f"“{path.name}” is read-only here: {where}.",
                                hint="Open it read-only to look at it, or save a copy in a folder of your own.")


def inspect_plan_file(path: Path) -> FileReport:
    """A read-only look: schema revision, full integrity check, foreign-key check. Changes nothing."""
    path = Path(path)
    revision = _preflight(path)
    conn = _raw_connect(path, read_only=True)
    try:
        integrity_rows = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
        fk_problems = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    integrity = "ok" if integrity_rows == ["ok"] else "; ".join(integrity_rows)
    return FileReport(path, revision, migrate.head_revision(), integrity, fk_problems, str(journal))

