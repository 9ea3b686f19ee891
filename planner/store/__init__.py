"""Storage: the plan file on disk. The only package that knows the database is SQLite.

`open_plan_file` checks the file is a Planner file and healthy, takes the single-writer lock, backs the
file up and migrates it when its schema is older, and hands back a `PlanStore` whose `session()` is one
transaction per user action.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from planner import clock
from planner.errors import (
    BlockedPlanFileError,
    CannotCreatePlanFileError,
    DamagedPlanFileError,
    NewerPlanFileError,
    NotAPlanFileError,
    NotARegularFileError,
    PlanFileError,
    PlanFileExistsError,
    PlanFileLockedError,
    PlanFileNotFoundError,
    ReadOnlyError,
    ReadOnlyPlanFileError,
)
from planner.store import revisions, server
from planner.store.audit import change_reason, changes_by, context_value
from planner.store.backup import backup_file
from planner.store.engine import frozen_flag, journal_mode, make_engine
from planner.store.failures import DATABASE_ERRORS, describe, log, read_error, save_error
from planner.store.location import risky_location
from planner.store.lock import WriterLock, lock_path
from planner.store.server import is_server_url

# Written into the SQLite header (PRAGMA application_id): "PLNR". It tells a Planner file from any other
# SQLite database without reading a single table.
APPLICATION_ID = 0x504C4E52
SQLITE_MAGIC = b"SQLite format 3\x00"
FILE_SUFFIX = ".planner"
# The tables the first revision made; every Planner file of every revision has them. A database that carries
# Planner's application id but not these is someone else's, and is refused before anything writes to it.
CORE_TABLES = frozenset({"plan", "division", "department", "pillar", "priority", "strategy",
                         "strategy_collaborator", "wig", "key_lever", "performance_measure"})
# Files SQLite (and the writer lock) keep beside a plan file, and what each is for, in a planner's words.
SIDE_FILES = {"-wal": "SQLite keeps the plan's journal", "-shm": "SQLite keeps the plan's shared memory",
              "-journal": "SQLite keeps the plan's journal", ".lock": "Planner keeps the plan's lock"}

__all__ = [
    "APPLICATION_ID",
    "FILE_SUFFIX",
    "FileReport",
    "PlanStore",
    "backup_file",
    "change_reason",
    "check_plan_pages",
    "copy_to_file",
    "create_plan_file",
    "grant_role",
    "init_server",
    "inspect_plan_file",
    "is_server_url",
    "lock_path",
    "note_rows_read",
    "open_plan",
    "open_plan_file",
    "open_server",
    "risky_location",
    "role_department",
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


def shown(path: Path | str, limit: int = 120) -> str:
    """A path as a message names it: whole when short, its ends when very long."""
    text = str(path)
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-(limit // 2):]}"


def one_line(text: str, limit: int = 300) -> str:
    """SQLite's reports (integrity_check spreads one problem over several lines) as one line of a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _stat(path: Path) -> os.stat_result | None:
    """The file's status (following links), None when nothing is there; a name the system cannot look up at
    all is refused with the reason."""
    try:
        return path.stat()
    except ValueError:  # an embedded NUL: no file system has such a name
        raise NotAPlanFileError(path, f"“{shown(path)}” is not a file name (it holds a null character).") from None
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise PlanFileNotFoundError(path, f"There is no file “{shown(path)}”: part of the path is a file, "
                                    "not a folder.") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise NotAPlanFileError(path, f"“{shown(path)}” is too long a name for this computer's files.") from None
        if exc.errno == errno.ELOOP:
            raise NotAPlanFileError(path, f"“{shown(path)}” is a link that leads back to itself.") from None
        raise PlanFileError(path, f"“{shown(path)}” cannot be reached: {exc.strerror or exc}.") from None


def _check_path(path: Path) -> None:
    """Before anything opens the path: it is a regular file, and nothing but files sits where SQLite keeps
    the plan's journal and Planner its lock. A named pipe is never opened (reading one waits forever)."""
    found = _stat(path)
    if found is None:
        if os.path.islink(path):
            raise PlanFileNotFoundError(path, f"“{shown(path)}” is a link to “{os.readlink(path)}”, which does "
                                        "not exist.")
        raise PlanFileNotFoundError(path, f"There is no file “{shown(path)}”.")
    if stat.S_ISDIR(found.st_mode):
        raise NotAPlanFileError(path, f"“{shown(path)}” is a folder, not a plan file.")
    if not stat.S_ISREG(found.st_mode):
        raise NotARegularFileError(path, f"“{shown(path)}” is {_kind(found.st_mode)}, not a plan file.",
                                   hint="Planner opens only ordinary files; nothing was read from it.")
    real = path.resolve()
    for suffix, purpose in SIDE_FILES.items():
        side = real.with_name(real.name + suffix)
        try:
            side_stat = side.stat()
        except OSError:
            continue  # absent (the usual case), or a name that cannot be looked up: SQLite will say
        if not stat.S_ISREG(side_stat.st_mode):
            raise BlockedPlanFileError(
                path, f"“{side.name}” beside “{real.name}” is {_kind(side_stat.st_mode)}, but {purpose} "
                "under that name, so the plan cannot be opened while it is there.",
                hint=f"Move or rename “{side.name}” (in {shown(real.parent)}), then open the plan again. "
                "The plan file was not changed.")


def _preflight(path: Path, *, check_pages: bool = True) -> str | None:
    """Checks a file before anything writes to it. Returns its schema revision; raises a PlanFileError
    that names the file and the problem when it is not a healthy Planner file of a version we know.
    `check_pages` runs SQLite's quick_check, which reads the whole file (seconds for a large one)."""
    _check_path(path)
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
                path, f"“{path.name}” is damaged: {one_line(check[0][0])}.",
                hint="Restore it from a backup. The damaged file was left as it is.")
        revision = _schema_revision(path, conn)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise PlanFileLockedError(
                path, f"“{path.name}” is being written by another program, so it cannot be checked now.",
                hint="Close the other program (or wait a moment), then open it again.") from exc
        raise DamagedPlanFileError(
            path, f"“{path.name}” is damaged and cannot be read ({one_line(str(exc))}).",
            hint="Restore it from a backup. The damaged file was left as it is.") from exc
    finally:
        conn.close()
    return revision


def _schema_revision(path: Path, conn: sqlite3.Connection) -> str:
    """The file's schema revision, once its tables show it is a Planner file: a database carrying Planner's
    application id without a plan's tables is another program's, and a Planner file whose version record
    is gone or blank is damaged (migrating it would run every revision over tables that exist)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    damaged_hint = "Restore it from a backup. The file was left as it is."
    if not tables & CORE_TABLES:
        raise NotAPlanFileError(
            path, f"“{path.name}” is a database carrying Planner's mark, but it holds none of a plan's tables, "
            "so it is not a Planner plan file.", hint="Nothing was changed in it.")
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall() if "alembic_version" in tables else []
    if not rows:
        raise DamagedPlanFileError(path, f"“{path.name}” is damaged: its schema version record is missing.",
                                   hint=damaged_hint)
    if len(rows) > 1:
        raise DamagedPlanFileError(path, f"“{path.name}” is damaged: it records {len(rows)} schema versions "
                                   "instead of one.", hint=damaged_hint)
    revision = rows[0][0]
    if not isinstance(revision, str) or not revision.strip():
        raise DamagedPlanFileError(path, f"“{path.name}” is damaged: its schema version record is blank.",
                                   hint=damaged_hint)
    if revision not in revisions.known_revisions():
        raise NewerPlanFileError(
            path, f"“{path.name}” was saved by a newer version of Planner (schema {revision[:40]}).",
            hint="Install the latest Planner to open it. The file was not changed.")
    missing = CORE_TABLES - tables
    if missing:
        raise DamagedPlanFileError(path, f"“{path.name}” is damaged: its tables {', '.join(sorted(missing))} "
                                   "are missing.", hint=damaged_hint)
    return revision


class PlanStore:
    """An open plan file: engine, lock, and one session per unit of work."""

    def __init__(self, path: Path, engine: Engine, lock: WriterLock | None, *, read_only: bool,
                 server_url: str | None = None) -> None:
        self.path = path  # on a server, the database's name (what messages call the plan)
        self.server_url = server_url  # None for a plan file
        self.actor = default_actor()  # who the change history names; the app sets the name in its settings
        self.engine = engine
        self.read_only = read_only
        self._lock = lock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        if server_url is not None:
            event.listen(self._sessions, "before_flush", _note_touched)
            event.listen(self._sessions, "loaded_as_persistent", _note_read)
        # on a server, each row this Planner last read (in a reader()): the newest history entry it had seen
        # then; a change saved later over someone else's newer change is refused (a lost update otherwise)
        self._seen: dict[tuple[str, int], int] = {}
        self._own_batches: set[str] = set()  # what this Planner saved on the server: no news to it
        self._listeners: list[server.Listener] = []
        # on a server, the role signed in as (the history's signed_in_as): with a batch, what tells own changes
        self.role = server.signed_in_role(engine) if server_url is not None else ""

    @property
    def journal_mode(self) -> str | None:
        with self.engine.connect():  # the connect hook records what SQLite accepted
            pass
        return journal_mode(self.engine)

    @contextlib.contextmanager
    def session(self, *, reason: str | None = None) -> Iterator[Session]:
        """One transaction: committed whole when the block ends, rolled back whole if it raises. Every row it
        changes is recorded in the change history under the store's actor and `reason` (or the reason of an
        enclosing `change_reason` block). A database failure is raised as SaveError, in words."""
        touched: list[tuple[str, int]] = []  # the rows it changed, to name who else changed one first
        batch = ""
        try:
            with self._stored_values_checked(), changes_by(self.actor, reason), self._sessions() as session, \
                    session.begin():
                batch = context_value("batch")
                session.info["touched"] = touched
                if self.on_server:
                    self._own_batches.add(batch)
                    session.info["seen"] = (self._seen, self._own_batches, self.role)
                    reason = context_value("reason")
                    if reason.startswith(("Undo", "Redo")):
                        session.info["undo_of"] = (self._own_batches, self.role, batch, reason.split(":")[0])
                yield session
                if self.read_only and (session.new or session.dirty or session.deleted):
                    raise ReadOnlyError(f"“{self.path.name}” is open read-only; the change was not saved.")
        except DATABASE_ERRORS as exc:
            if self.on_server:
                raise server.conflict_error(self.engine, exc, touched, batch, self.role) from exc
            raise save_error(exc) from exc

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reading: one consistent snapshot; the objects it returns stay readable after it.
        Changing anything in it is a programming error, refused before anything is written. A database failure
        is raised as ReadError, in words."""
        try:
            with self._stored_values_checked(), self._sessions() as session, session.begin():
                if self.on_server:  # the snapshot's newest history entry: what the rows read here had seen
                    session.info["read_mark"] = (server.history_mark(session.connection()), self._seen)
                yield session
                if session.new or session.dirty or session.deleted:
                    raise RuntimeError("reader() sessions are for reading; use session() to change the plan")
        except DATABASE_ERRORS as exc:
            raise read_error(exc) from exc

    @contextlib.contextmanager
    def _stored_values_checked(self) -> Iterator[None]:
        """A stored value the database reader cannot turn back into its type (a date whose text was damaged:
        SQLite's page checks pass, the bytes of one value do not) is damage to the file, named as such, not
        a traceback from deep in the reader."""
        try:
            yield
        except (ValueError, TypeError, OverflowError) as exc:
            if not _raised_reading_a_value(exc):
                raise
            raise DamagedPlanFileError(
                self.path, f"“{self.path.name}” is damaged: a stored value cannot be read ({one_line(str(exc))}).",
                hint="Restore it from a backup. Nothing was changed.") from exc

    def schema_revision(self) -> str | None:
        from planner.store import migrate  # alembic: loaded only where a revision is read or run

        with self.engine.connect() as conn:
            return migrate.current_revision(conn)

    @property
    def on_server(self) -> bool:
        """True when the plan lives on a district server, whose backups are the server's own (pg_dump)."""
        return self.server_url is not None

    def save_copy(self, dest: Path) -> Path:
        """A consistent copy of the whole file at `dest` (the backup API, safe while open)."""
        dest = Path(dest)
        if self.on_server:
            raise PlanFileError(self.path, f"“{self.path.name}” is on the district server, which keeps its own "
                                "backups; Planner does not copy it.",
                                hint="Ask the server's administrator (pg_dump makes a copy of the database).")
        if dest.resolve() == self.path.resolve():
            raise PlanFileExistsError(dest, "A copy cannot replace the file it is copied from.",
                                      hint="Choose another name.")
        return backup_file(self.path, dest)

    def listen(self, on_change: Callable[[str], None],
               on_status: Callable[[str, bool], None] | None = None) -> None:
        """On a district server: call `on_change(who)` (on a thread of the store's own) whenever someone else
        commits a change to the plan, and `on_status(words, listening)` when updates stop (the server cannot
        be reached; it is tried again) or resume. A plan file has one writer, so nothing else changes it."""
        if self.server_url is not None:
            self._listeners.append(server.Listener(self.server_url, on_change, self._own_batches,
                                                   self.role, on_status))

    def read_mark(self, table: str, row_id: int) -> int | None:
        """On a server: the newest history entry this Planner had seen when it last read that row (None when
        it has not read it, and always for a plan file, which has one writer)."""
        return self._seen.get((table, row_id))

    def recall_read_mark(self, table: str, row_id: int, mark: int | None) -> None:
        """Save the row next as if last read at `mark` (from `read_mark`): a form redrawn while someone was
        typing saves the typing against the read it began from, so a change saved by someone else since meets
        the conflict check instead of being overwritten unseen."""
        if mark is not None and self.on_server:
            self._seen[(table, row_id)] = mark

    @property
    def holds_writer_lock(self) -> bool:
        return self._lock is not None and self._lock.held

    def close(self) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> PlanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _note_touched(session: Session, _context: object, _instances: object) -> None:
    """Before a flush on the server: the rows it is about to change or delete, for a conflict's words."""
    if session.info.get("touched") is None:
        return
    rows: list[tuple[str, int]] = []
    for obj in list(session.dirty) + list(session.deleted):
        table = getattr(getattr(obj, "__table__", None), "name", None)
        row_id = getattr(obj, "id", None)
        if isinstance(table, str) and isinstance(row_id, int):
            rows.append((table, row_id))
    server.check_rows(session, rows)


def note_rows_read(session: Session, table: str, ids: Iterable[int]) -> None:
    """Rows read as columns (not objects) that a person may go on to change, remembered on a server as read
    in this snapshot, as an object's load is: a later save over someone else's change to them is then asked
    about, not made unseen. Nothing in a plan file (one writer)."""
    read_mark = session.info.get("read_mark")
    if read_mark is None:
        return
    mark, seen = read_mark
    for row_id in ids:
        seen[(table, row_id)] = mark


def _note_read(session: Session, instance: object) -> None:
    """A row read in a reader() on the server: remember the newest history entry its snapshot held."""
    table = getattr(getattr(instance, "__table__", None), "name", None)
    row_id = getattr(instance, "id", None)
    if isinstance(table, str) and isinstance(row_id, int):
        note_rows_read(session, table, [row_id])


_CONVERTERS = ("uuid.py", "datetime.py", "_pydecimal.py", "enum.py", "decoder.py")


def _raised_reading_a_value(exc: BaseException) -> bool:
    """True when the innermost Python frame of `exc` is the database layer's value conversion, or the
    standard library's converter it called (a UUID, a date, a number, an enum, JSON) from there: a value the
    file holds that is not one any more (a page scribbled over)."""
    files: list[str] = []
    tb = exc.__traceback__
    while tb is not None:
        files.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    ours = f"{os.sep}sqlalchemy{os.sep}"
    if files and ours in files[-1]:
        return True
    return len(files) >= 2 and ours in files[-2] and files[-1].endswith(_CONVERTERS)


def _stamp_application_id(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def create_plan_file(path: Path, *, revision: str = "head") -> PlanStore:
    """A new, empty plan file at the current schema (or `revision`, for tests of migrations).

    Refuses to overwrite an existing file. The file is built under a temporary name and renamed, so a
    failure leaves nothing half-made behind.
    """
    path = Path(path)
    _check_new_path(path)
    lock = WriterLock(path)
    lock.acquire()
    tmp = path.with_name(path.name + ".creating")
    try:
        tmp.unlink(missing_ok=True)
        engine = make_engine(tmp)
        try:
            from planner.store import migrate

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


def _check_new_path(path: Path) -> None:
    """A new plan file may be made at `path`: nothing is there, and its folder exists (or can be made) and
    lets this user create files. Checked before the lock or any file is made."""
    try:
        found = _stat(path)
    except PlanFileNotFoundError:  # part of the path is a file
        raise CannotCreatePlanFileError(path, f"“{shown(path)}” cannot be created: part of the path is a file, "
                                        "not a folder.") from None
    if found is not None or os.path.islink(path):
        what = "" if found is None or stat.S_ISREG(found.st_mode) else f" ({_kind(found.st_mode)})"
        raise PlanFileExistsError(path, f"“{shown(path)}” already exists{what}; Planner will not overwrite it.",
                                  hint="Choose another name, or open the existing file.")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CannotCreatePlanFileError(path, f"“{shown(path)}” cannot be created: “{shown(folder)}” is not a "
                                        "folder.") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise CannotCreatePlanFileError(path, f"“{shown(path)}” cannot be created: the folder "
                                        f"“{shown(folder)}” cannot be made ({reason}).") from None
    try:  # a real try, not os.access: root passes every permission check yet cannot write in /proc
        fd, probe = tempfile.mkstemp(prefix=".planner-probe-", dir=folder)
    except OSError as exc:
        raise CannotCreatePlanFileError(
            path, f"“{shown(path)}” cannot be created: Planner may not create files in “{shown(folder)}” "
            f"({exc.strerror or exc}).", hint="Choose a folder of your own.") from None
    os.close(fd)
    os.unlink(probe)


def _backup_name(path: Path, revision: str | None) -> Path:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.before-upgrade-from-{revision or 'none'}-{stamp}{path.suffix or '.planner'}")


def open_plan_file(path: Path, *, read_only: bool = False, check_pages: bool = True) -> PlanStore:
    """Open an existing plan file, migrating it (after a backup) if it was written by an older Planner.
    `check_pages` False leaves out the check of every page (`check_plan_pages`), which reads the whole file,
    for a caller that runs it itself once the plan is on screen; a file due for a migration is checked whole
    all the same, before its backup is taken."""
    path = Path(path)
    _check_path(path)
    if not read_only:
        _check_writable(path)
    revision = _preflight(path, check_pages=check_pages)
    if not check_pages and revision != revisions.head_revision() and not read_only:
        _preflight(path)
    head = revisions.head_revision()
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
            from planner.store import migrate  # alembic, only when a migration is due

            backup_file(path, _backup_name(path, revision))
            try:
                migrate.upgrade(engine)
            except DATABASE_ERRORS as exc:
                engine.dispose()
                d = describe(exc)
                log.warning("upgrading %s failed: %s", path, d.detail)
                raise PlanFileError(path, f"“{path.name}” could not be upgraded to this version of Planner: "
                                    f"{d.words}.", hint="A backup was made before the upgrade began.") from exc
        return PlanStore(path, engine, lock, read_only=False)
    except BaseException:
        lock.release()
        raise


def check_plan_pages(path: Path) -> None:
    """SQLite's quick_check of every page of the file, on a read-only connection of its own (safe beside an
    open store, and off the GUI thread). Raises DamagedPlanFileError in words when a page is damaged."""
    _preflight(Path(path))


def _check_writable(path: Path) -> None:
    """SQLite needs to write the file and, beside it, its journal and lock: say which of them we may not.
    Through a link, that is the folder of the file it leads to."""
    real = path.resolve()
    if not os.access(real, os.W_OK):
        where = "the file's permissions do not allow changes"
    elif not os.access(real.parent, os.W_OK | os.X_OK):
        where = f"its folder “{real.parent}” does not allow new files (SQLite keeps its journal beside the file)"
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
    integrity = "ok" if integrity_rows == ["ok"] else one_line("; ".join(integrity_rows))
    return FileReport(path, revision, revisions.head_revision(), integrity, fk_problems, str(journal))



def open_server(url: str, *, read_only: bool = False) -> PlanStore:
    """Open the plan on a district server (a PostgreSQL URL, or libpq's key=value form). The schema must be
    the one this Planner ships: `planner server init` creates or upgrades it, never an open."""
    name = Path(server.database_name(url))
    engine = server.make_server_engine(url)
    server.reach(url, engine)
    from sqlalchemy import inspect as sa_inspect

    with engine.connect() as conn:
        has_version = sa_inspect(conn).has_table("alembic_version")
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() if has_version else None
    if revision != revisions.head_revision():
        engine.dispose()
        if revision is not None and revision not in revisions.known_revisions():
            raise NewerPlanFileError(name, f"“{name}” on the district server was set up by a newer version of "
                                     f"Planner (schema {str(revision)[:40]}).", hint="Install the latest Planner.")
        what = "holds no plan yet" if revision is None else "was set up by an older Planner"
        raise server.ServerError(name, f"“{name}” on the district server {what}.",
                                 hint=f"Run: planner server init --server \"{server.shown_url(url)}\"")
    return PlanStore(name, engine, None, read_only=read_only, server_url=url)


def init_server(url: str) -> PlanStore:
    """Create the plan's schema on a district server (the same revisions a file gets), or bring an older one
    up to date, in one transaction; then open it."""
    engine = server.make_server_engine(url)
    server.reach(url, engine)
    from planner.store import migrate

    name = Path(server.database_name(url))
    try:
        migrate.upgrade(engine)
    except DATABASE_ERRORS as exc:
        d = describe(exc)
        log.warning("setting up %s failed: %s", server.shown_url(url), d.detail)
        raise server.ServerError(name, f"“{name}” on the district server could not be set up: {d.words}.",
                                 hint="Nothing was changed there.") from exc
    finally:
        engine.dispose()
    return open_server(url)


def open_plan(location: Path | str, *, read_only: bool = False) -> PlanStore:
    """A plan file or a district server, whichever `location` names."""
    if is_server_url(location):
        return open_server(str(location), read_only=read_only)
    return open_plan_file(Path(location), read_only=read_only)


def role_department(store: PlanStore) -> int | None:
    """On a district server, the department the signed-in role leads (planner server grant), if one; None in a
    plan file, for the central office and for a role granted nothing."""
    if not store.on_server:
        return None
    try:
        with store.engine.connect() as conn:
            return conn.execute(text("SELECT department_id FROM planner_role WHERE role_name = session_user")
                                ).scalar()
    except DATABASE_ERRORS as exc:
        raise read_error(exc) from exc


def grant_role(store: PlanStore, role: str, department_id: int | None) -> None:
    """On a district server: let the database role `role` work on the plan as the lead of `department_id`, or
    (None) as the central office. Only the central office may; the role itself is made by the server's
    administrator."""
    if not store.on_server:
        raise PlanFileError(store.path, "Roles are a district server's; a plan file has one writer at a time.")
    from planner.store import rights_pg

    try:
        with store.engine.begin() as conn:
            rights_pg.grant(conn, role, department_id)
    except LookupError:
        raise server.ServerError(store.path, f"The district server has no role “{role}”.",
                                 hint="Its administrator creates it (CREATE ROLE … LOGIN), then grant it again."
                                 ) from None
    except rights_pg.OwnerIsCentralOffice:
        raise server.ServerError(
            store.path, f"“{role}” owns the plan's tables on the district server, so it changes every "
            "department's rows, as the central office; it cannot be made one department's lead.",
            hint="Give the lead a role of their own (CREATE ROLE … LOGIN) and grant that one. Nothing was changed."
        ) from None
    except DATABASE_ERRORS as exc:
        raise save_error(exc) from exc


def copy_to_file(source: PlanStore, path: Path) -> PlanStore:
    """A new plan file at `path` holding everything `source` holds (a district server's plan, to take
    offline): every row with its ids and UUIDs, and the history as the server kept it. The file's history
    and lock triggers are off while the rows go in (they are the server's rows, already recorded) and
    installed again after. Returns the file open; a failure leaves no file."""
    from planner.model import Base
    from planner.store import audit, value_sums

    dest = create_plan_file(path)
    try:
        with source.engine.connect() as src, dest.engine.begin() as dst:
            audit.drop_cycle_triggers(dst)
            for table in Base.metadata.sorted_tables:
                if table.name == value_sums.TABLE:
                    continue  # derived: the file's own triggers sum the values up as they go in
                rows = [dict(row) for row in src.execute(
                    table.select().order_by(*table.primary_key.columns)).mappings()]
                for start in range(0, len(rows), 500):
                    dst.execute(table.insert(), rows[start:start + 500])
            audit.install_period_locks(dst)
            audit.install_triggers(dst)
    except BaseException:
        dest.close()
        Path(path).unlink(missing_ok=True)
        raise
    return dest
