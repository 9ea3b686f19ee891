"""Database failures in a planner's words.

The driver's text ("CHECK constraint failed: ck_project_percent", "disk I/O error") names SQLite's parts, not
the plan's; it goes to the log, and the person reads what happened to their plan file. Only this package
knows which driver is behind the store, so only it turns the driver's errors into the project's own
(planner/errors.py): everything above catches PlannerError (and OSError for files), never a driver error.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from planner.errors import BackupError, ReadError, SaveError

log = logging.getLogger("planner.store")

# The database's own failures, and the library's errors around them.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, sqlite3.Error)

_CHECK = re.compile(r"CHECK constraint failed: (?:ck_)?(?P<rule>\w+)")
_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (?:\w+\.)?(?P<column>\w+)")
_DISK_HINT = "Check that the disk has space and the file is not read-only, then try again."
_VALUES_HINT = "Check the values and try again."
# what libpq and psycopg say of a connection gone (with no SQLSTATE)
_CONNECTION_LOST = ("connection is bad", "connection to server", "server closed the connection",
                    "connection is lost", "connection is closed", "consuming input failed", "could not connect",
                    "connection refused", "terminating connection", "no connection to the server",
                    "connection failed")
_UNREACHABLE = "the district server cannot be reached"


def _unreachable(detail: str) -> Described:
    return Described(_UNREACHABLE, "Check the network, then try again.", detail)


@dataclass(frozen=True)
class Described:
    words: str  # what happened, as the end of a sentence: "the disk is full"
    hint: str | None
    detail: str  # the driver's text, for the log


def driver_text(exc: BaseException) -> str:
    """The first line of what the driver said (the statement SQLAlchemy adds is left out)."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


def _words(name: str) -> str:
    return name.replace("_", " ").replace(".", " ").strip()


def describe(exc: BaseException) -> Described:
    """What a database failure means for the plan file, in words a planner can act on."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    code = str(getattr(orig, "sqlite_errorname", "") or "")
    detail = driver_text(exc)
    text = detail.lower()
    state = str(getattr(orig, "sqlstate", "") or "")
    if state:
        return _server_words(orig, state, detail)
    if _from_server(exc) and any(lost in text for lost in _CONNECTION_LOST):
        return _unreachable(detail)  # a connection the server closed or lost carries no SQLSTATE
    if code == "SQLITE_CONSTRAINT_TRIGGER":  # RAISE(ABORT, '…') in the store's own triggers: our own words
        return Described(detail.rstrip("."), None, detail)
    if isinstance(exc, SQLAlchemyError) and not isinstance(exc, DBAPIError):
        return Described("Planner hit an internal problem (the details are in the log)", None, detail)
    if found := _CHECK.search(detail):
        return Described(f"a value is outside what the plan allows (the rule “{_words(found['rule'])}”)",
                         _VALUES_HINT, detail)
    if found := _UNIQUE.search(detail):
        columns = ", ".join(_words(c.split(".")[-1]) for c in found["columns"].split(","))
        return Described(f"another item already has the same {columns}", _VALUES_HINT, detail)
    if found := _NOT_NULL.search(detail):
        return Described(f"a required value ({_words(found['column'])}) is missing", _VALUES_HINT, detail)
    if "foreign key constraint" in text:
        return Described("it refers to an item that is no longer in the plan", _VALUES_HINT, detail)
    if code == "SQLITE_FULL" or "disk is full" in text:
        return Described("the disk is full", "Free some space on the disk, then try again.", detail)
    if code.startswith("SQLITE_IOERR") or "i/o error" in text:
        return Described("the disk could not be read or written", _DISK_HINT, detail)
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in text:
        return Described("another program is using the plan file",
                         "Close the other program (or wait a moment), then try again.", detail)
    if code.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return Described("the plan file may not be changed here", _DISK_HINT, detail)
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text:
        return Described("the plan file is damaged", "Restore it from a backup.", detail)
    if code.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return Described("the plan file cannot be reached (was it moved, or its drive disconnected?)",
                         _DISK_HINT, detail)
    if "no such table" in text or "no such column" in text:
        return Described("the plan file's tables are not the ones this Planner expects",
                         "Restore it from a backup.", detail)
    return Described("the database reported a problem (the details are in the log)", _DISK_HINT, detail)


def _server_words(orig: object, state: str, detail: str) -> Described:
    """A PostgreSQL failure, by its SQLSTATE: the server's own triggers speak in our words already."""
    diag = getattr(orig, "diag", None)
    primary = str(getattr(diag, "message_primary", "") or detail)
    constraint = str(getattr(diag, "constraint_name", "") or "")
    if state == "P0001":  # RAISE EXCEPTION in the store's own plpgsql
        return Described(primary.rstrip("."), None, detail)
    if state == "23514":
        rule = constraint.split("_", 2)[-1] if constraint.startswith("ck_") else constraint
        return Described(f"a value is outside what the plan allows (the rule “{_words(rule)}”)", _VALUES_HINT,
                         detail)
    if state == "23505":
        return Described("another item already has the same values where the plan allows only one",
                         _VALUES_HINT, detail)
    if state == "23502":
        column = str(getattr(diag, "column_name", "") or "value")
        return Described(f"a required value ({_words(column)}) is missing", _VALUES_HINT, detail)
    if state == "23503":
        return Described("it refers to an item that is no longer in the plan", _VALUES_HINT, detail)
    if state == "42501":  # insufficient privilege, or a row-level security policy
        return Described("your role on the district server may not change that (it belongs to another "
                         "department, or only the central office may)", None, detail)
    if state in ("40001", "40P01"):
        return Described("someone else was changing the same rows at the same moment",
                         "Try again: nothing was changed.", detail)
    if state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return _unreachable(detail)
    if state in ("42P01", "42703"):
        return Described("the server's tables are not the ones this Planner expects",
                         "Ask the server's administrator to run planner server init.", detail)
    return Described("the database reported a problem (the details are in the log)", None, detail)


def _logged(exc: BaseException, what: str) -> Described:
    described = describe(exc)
    log.warning("%s: %s (%s)", what, described.detail, type(exc).__name__)
    return described


def _sqlstate_of(exc: BaseException) -> str:
    """PostgreSQL's SQLSTATE of a failure (SQLite's errors have none)."""
    orig = getattr(exc, "orig", None) or exc
    return str(getattr(orig, "sqlstate", "") or "")


def _from_server(exc: BaseException) -> bool:
    """A failure of the district server or of its driver (psycopg's own refusals, such as a statement with
    too many parameters, carry no SQLSTATE), not of a plan file."""
    orig = getattr(exc, "orig", None) or exc
    return bool(_sqlstate_of(exc)) or type(orig).__module__.split(".")[0] == "psycopg"


def save_error(exc: BaseException) -> SaveError:
    d = _logged(exc, "a change was refused")
    on_server = _from_server(exc)
    hint = ("Check the connection to the district server and try again; if it happens again, give the "
            "details to the server's administrator." if on_server and d.hint == _DISK_HINT else d.hint)
    if d.words == _UNREACHABLE:  # it refused nothing: it was not there
        return SaveError("The district server cannot be reached, so the change was not saved.", hint=d.hint,
                         detail=d.detail)
    return SaveError(f"The {'district server' if on_server else 'plan file'} refused the change: {d.words}. "
                     "Nothing was changed.", hint=hint, detail=d.detail)


def read_error(exc: BaseException) -> ReadError:
    on_server = _from_server(exc)
    d = _logged(exc, f"the {'district server' if on_server else 'plan file'} could not be read")
    hint = ("Check the connection to the district server and try again." if on_server and d.hint == _DISK_HINT
            else d.hint)
    if d.words == _UNREACHABLE:
        return ReadError("The district server cannot be reached. Nothing was changed.", hint=hint, detail=d.detail)
    return ReadError(f"The {'district server' if on_server else 'plan file'} could not be read: {d.words}. "
                     "Nothing was changed.", hint=hint, detail=d.detail)


def backup_error(exc: BaseException, source: Path) -> BackupError:
    d = _logged(exc, f"a copy of {source} failed")
    damaged = d.words == "the plan file is damaged"  # the file being copied: restoring it would not help
    words = "the file is damaged" if damaged else d.words
    return BackupError(f"The copy of “{Path(source).name}” could not be made: {words}.",
                       hint=None if damaged else d.hint, detail=d.detail)
