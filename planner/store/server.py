"""A district server: the same plan on PostgreSQL.

`open_server(url)` and `init_server(url)` hand back the same `PlanStore` a file gives. The URL goes to libpq
as it is (psycopg is a libpq client), so libpq's own settings work: PGHOST, PGUSER, a service file, the
password file (~/.pgpass). Planner stores no password.

Who and why reach the server's history triggers through the session: every transaction starts by setting
`planner.actor`, `planner.reason` and `planner.batch` with set_config(..., true), which lasts until the
transaction ends. A raw SQL client that sets nothing is recorded under its own role (session_user).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, Engine, create_engine, event, text

from planner.errors import PlanFileError, RowChangedError, SaveError
from planner.store.audit import IGNORED_IN_UPDATES, context_value
from planner.store.failures import DATABASE_ERRORS, describe, log, save_error

SCHEMES = ("postgresql://", "postgres://")
# libpq's key=value form: "host=... dbname=..."; only the names libpq knows are taken for one
_KEY_VALUE = re.compile(r"^\s*(host|hostaddr|port|dbname|user|password|service|sslmode)\s*=", re.IGNORECASE)


class ServerError(PlanFileError):
    """The district server cannot be reached or does not hold a plan this Planner can open."""


def is_server_url(location: object) -> bool:
    """True for a PostgreSQL connection string (URL or libpq key=value), False for a file path."""
    if not isinstance(location, str):
        return False
    return location.startswith(SCHEMES) or bool(_KEY_VALUE.match(location))


def database_name(url: str) -> str:
    """The database the URL names (what a message calls the plan), or the whole URL when it names none.
    A password in the URL is never part of it."""
    if url.startswith(SCHEMES):
        parts = urlsplit(url)
        name = unquote(parts.path.lstrip("/"))
        return name or (parts.hostname or "the district server")
    found = re.search(r"dbname\s*=\s*(\S+)", url)
    return found.group(1) if found else "the district server"


# A password as libpq's key=value form writes it: a word, or a quoted value (with \' and \\ inside)
_PASSWORD_KV = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


def shown_url(url: str) -> str:
    """The URL with any password replaced (user:password@, ?password=, password=... of key=value), for
    messages, the log and the window."""
    if url.startswith(SCHEMES):
        parts = urlsplit(url)
        netloc = parts.netloc
        userinfo, at, hostinfo = netloc.rpartition("@")
        if at and ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:…@{hostinfo}"
        query = _PASSWORD_PARAM.sub(r"\1…", parts.query)
        scheme, _, rest = url.partition("//")
        rest = rest.replace(parts.netloc, netloc, 1)
        if query != parts.query:
            head, _, tail = rest.partition("?")
            rest = f"{head}?{tail.replace(parts.query, query, 1)}"
        return f"{scheme}//{rest}"
    return _PASSWORD_KV.sub(r"\1…", url)


def _passwords(url: str) -> list[str]:
    """Every password the URL carries, as written and as libpq reads it, to scrub from what a driver says."""
    found: list[str] = []
    if url.startswith(SCHEMES):
        parts = urlsplit(url)
        if parts.password:
            found += [parts.password, parts.netloc.rpartition("@")[0].partition(":")[2]]
        found += [m.group(0).partition("=")[2] for m in _PASSWORD_PARAM.finditer(parts.query)]
    else:
        for m in _PASSWORD_KV.finditer(url):
            value = m.group(2)
            found += [value, value.strip("'"), *value.strip("'").split()]
    return sorted({p for p in found if p}, key=len, reverse=True)


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ServerError(Path("server"), "This Planner cannot open a district server: the PostgreSQL driver "
                          "(psycopg) is not installed.",
                          hint="Install Planner with its server part: pip install 'planner[server]'.") from None
    return psycopg


def make_server_engine(url: str) -> Engine:
    """An engine on the server whose every transaction tells the history triggers who and why."""
    psycopg = _driver()

    def connect() -> Any:
        return psycopg.connect(url)

    # Repeatable read: a transaction sees one snapshot, and changing a row someone else changed after that
    # snapshot fails (first to commit wins) instead of overwriting their change unseen (conflict_error).
    engine = create_engine("postgresql+psycopg://", creator=connect, pool_size=2, max_overflow=4,
                           pool_pre_ping=True, isolation_level="REPEATABLE READ")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.execute(text("SELECT set_config('planner.actor', :actor, true), "
                          "set_config('planner.reason', :reason, true), set_config('planner.batch', :batch, true)"),
                     {"actor": context_value("actor"), "reason": context_value("reason"),
                      "batch": context_value("batch")})

    return engine


def reach(url: str, engine: Engine) -> None:
    """Connect once, turning the driver's refusal into words: which server, and what it said."""
    psycopg = _driver()
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect():
            pass
    except (psycopg.Error, DBAPIError) as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None) or exc
        said = " ".join(str(orig).split())
        for secret in _passwords(url):  # libpq may quote a piece of the connection string back
            said = said.replace(secret, "…")
        said = said[:300]
        raise ServerError(Path(database_name(url)), f"The district server “{shown_url(url)}” cannot be reached: "
                          f"{said}.", hint="Check the address and that you may sign in there (libpq's settings "
                          "and password file are used), then try again.") from None


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(getattr(orig, "sqlstate", "") or "")


def _shown(value: object, limit: int = 60) -> str:
    if value is None or value == "":
        return "(blank)"
    text_value = " ".join(str(value).split())
    return f"“{text_value if len(text_value) <= limit else text_value[:limit] + '…'}”"


def signed_in_role(engine: Engine) -> str:
    """The role this Planner signed in as (what the server's history records as signed_in_as)."""
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT session_user").scalar_one())


def signed_in_as_of(session: Any, ids: list[int]) -> dict[int, str]:
    """The role each of these history entries was signed in as (the server's own column of the history,
    audit_pg), by entry id; entries written before that column, or by no role, are left out."""
    from sqlalchemy import text

    if not ids:
        return {}
    # one array parameter, not a parameter an id: a whole history's entries are more than the 65,535
    # parameters a statement may carry
    rows = session.execute(text("SELECT id, signed_in_as FROM change_log WHERE id = ANY(:ids) "
                                "AND signed_in_as IS NOT NULL"), {"ids": list(ids)})
    return {int(entry_id): str(role) for entry_id, role in rows}


def _columns() -> tuple[Any, list[Any]]:
    from sqlalchemy import literal_column

    from planner.model import Change

    # signed_in_as is the server's own column of the history (audit_pg), not a value the ORM model carries
    signed: Any = literal_column("change_log.signed_in_as")
    return signed, [Change.actor, Change.at, Change.action, Change.table_name, Change.row_id, Change.before,
                    Change.after, signed]


def conflict_error(engine: Engine, exc: BaseException, touched: list[tuple[str, int]], batch: str,
                   role: str = "") -> SaveError:
    """What a failed change on the server means. When it failed because someone else changed or removed one
    of its rows first (a serialization failure), the error names who and what they changed it to, read from
    the server's history; otherwise the usual words."""
    from sqlalchemy import and_, or_, select
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        # Under repeatable read a row changed or removed by someone else since this transaction's snapshot
        # fails as a serialization failure; an update that finds no row it may see is row-level security.
        return SaveError("The district server refused the change: your role on the district server may not "
                         "change that (it belongs to another department, or only the central office may). "
                         "Nothing was changed.", detail=str(exc))
    if not touched or _sqlstate(exc) != "40001":
        return save_error(exc)
    from planner.model import Change

    signed, entry = _columns()

    rows = or_(*(and_(Change.table_name == table, Change.row_id == row_id) for table, row_id in touched))
    try:
        with engine.connect() as conn:
            found = conn.execute(select(*entry).where(rows, or_(Change.batch != batch, signed != role))
                                 .order_by(Change.id.desc()).limit(1)).first()
    except DATABASE_ERRORS:
        found = None
    if found is None:
        return save_error(exc)
    return _named(found, undo=False, detail=describe(exc).detail)


def _named(found: Any, *, undo: bool, detail: str = "", verb: str = "Undo",
           entry_id: int | None = None) -> RowChangedError:
    """Someone else's change, from the server's history, in words: who, when, and what they changed it to."""
    actor, at, action, table, row_id, before, after, signed_in_as = found
    what = table.replace("_", " ")
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    changes = [(key, old.get(key), new.get(key)) for key in new
               if key not in IGNORED_IN_UPDATES and old.get(key) != new.get(key)]
    name = who = actor or signed_in_as or "Someone"
    if signed_in_as and signed_in_as != who:  # the name they gave, and the role the server signed them in as
        who = f"{who} (signed in as {signed_in_as})"
    when = f"{at:%H:%M} UTC" if at is not None else "a moment ago"
    shown = "; ".join(f"{key.replace('_', ' ')}: {_shown(a)} → {_shown(b)}" for key, a, b in changes[:4])
    if undo:
        done = f"removed this {what}" if action == "delete" else f"changed this {what}"
        said = f"{who} {done} at {when}, after your change" + (f": {shown}." if shown and action != "delete"
                                                               else ".")
        done_word = "undone" if verb == "Undo" else "redone"
        return RowChangedError(f"{verb} would overwrite someone else's later change, so nothing was {done_word}: "
                               f"{said}",
                               hint="Look at their change first; change it by hand if yours should still stand.",
                               actor=name, table=table, row_id=row_id, changes=changes, detail=detail, at=at)
    if action == "delete":
        said = f"{who} removed this {what} at {when}, while you were changing it."
    else:
        said = f"{who} changed this {what} at {when}, while you were changing it: {shown or 'no visible change'}."
    return RowChangedError(f"The change was not saved: {said}",
                           hint="Look at their change, then make yours again if it still applies.",
                           actor=name, table=table, row_id=row_id, changes=changes, detail=detail, at=at,
                           entry_id=entry_id)


def history_mark(conn: Connection) -> int:
    """The newest entry of the server's history this transaction's snapshot holds."""
    return int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM change_log").scalar_one())


def _entries_of(conn: Connection, rows: list[tuple[str, int]], after: int = 0) -> dict[tuple[str, int], list[Any]]:
    """The rows' history entries after `after` (oldest first), by row: the named fields, then batch, reason and
    id. A query for up to 1,000 rows of a table, not one a row (an undo of a started year reaches thousands)."""
    from sqlalchemy import select

    from planner.model import Change

    _, entry = _columns()
    by_table: dict[str, list[int]] = {}
    for table, row_id in dict.fromkeys(rows):
        by_table.setdefault(table, []).append(row_id)
    found: dict[tuple[str, int], list[Any]] = {}
    for table, ids in by_table.items():
        for start in range(0, len(ids), 1000):
            for e in conn.execute(select(*entry, Change.batch, Change.reason, Change.id)
                                  .where(Change.table_name == table, Change.row_id.in_(ids[start:start + 1000]),
                                         Change.id > after)
                                  .order_by(Change.id)):
                found.setdefault((table, int(e[4])), []).append(e)
    return found


def check_unseen(conn: Connection, marks: list[tuple[str, int, int]], own: set[str], role: str) -> None:
    """Before a change is written on the server: a row this Planner read (its newest history entry then is
    the mark) and someone else changed since is not overwritten unseen; the change is refused, naming theirs.
    (Repeatable read covers one transaction; a form reads in one and saves in another.) One query for up to
    1,000 rows of a table (a flush writes a few; a year started from its preview checks thousands)."""
    from sqlalchemy import select

    from planner.model import Change

    _, entry = _columns()
    by_table: dict[str, dict[int, int]] = {}
    for table, row_id, mark in marks:
        by_table.setdefault(table, {})[row_id] = mark
    for table, seen in by_table.items():
        ids = list(seen)
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            found = conn.execute(select(*entry, Change.batch, Change.id)
                                 .where(Change.table_name == table, Change.row_id.in_(chunk),
                                        Change.id > min(seen[i] for i in chunk)).order_by(Change.id)).all()
            theirs = [e for e in found if e[-1] > seen[int(e[4])] and (e[-2] not in own or e[7] != role)]
            if theirs:
                raise _named(theirs[-1][:8], undo=False, entry_id=theirs[-1][-1])


def check_undo(conn: Connection, touched: list[tuple[str, int]], own: set[str], role: str, *, batch: str = "",
               verb: str = "Undo") -> None:
    """Before an undo (or redo) is written on the server: each row it puts back must still be as this Planner
    left it. A change saved by someone else (another batch, or the same batch id under another signed-in
    role) after the change being undone means a later change of theirs, which the undo refuses to overwrite,
    naming it. The change being undone is this Planner's newest change of the row not undone already (its
    undo stack, read back from the row's history); a redo follows this Planner's newest entry of the row."""
    found = _entries_of(conn, touched)
    for table, row_id in touched:
        entries = [e for e in found.get((table, row_id), []) if e[-3] != batch]  # not this undo's own rows
        if not entries:
            continue
        stack: list[int] = []  # the first entry id of each of this Planner's changes not undone, oldest first
        newest_own = 0
        last_batch = None
        for e in entries:
            mine = e[-3] in own and e[7] == role
            if not mine or e[-3] == last_batch:
                continue
            last_batch = e[-3]
            newest_own = e[-1]
            if e[-2].startswith("Undo"):
                if stack:
                    stack.pop()
            else:
                stack.append(e[-1])
        since = stack[-1] if verb == "Undo" and stack else newest_own
        theirs = [e for e in entries if e[-1] > since and not (e[-3] in own and e[7] == role)]
        if theirs:
            raise _named(theirs[-1][:8], undo=True, verb=verb)


def check_rows(session: Any, rows: list[tuple[str, int]]) -> None:
    """Before a write on the server reaches these rows (an ORM flush, or a service's Core UPDATE or DELETE,
    which no flush sees): the rows kept for a conflict's words; an undo or a redo never over someone else's
    later change; a row this Planner read never overwritten over a change someone else saved since. Outside
    a server's session (a plan file) it does nothing."""
    touched = session.info.get("touched")
    if touched is None or not rows:
        return
    touched.extend(rows)
    undo_of = session.info.get("undo_of")
    if undo_of is not None:
        own, role, batch, verb = undo_of
        check_undo(session.connection(), rows, own, role, batch=batch, verb=verb)
    check_seen(session, rows)


def check_seen(session: Any, rows: list[tuple[str, int]]) -> None:
    """Before a write on the server is made from these rows as this Planner read them (a year carried from its
    preview), or over them: refused, naming theirs, when someone else changed one since this Planner read it.
    Only this check (no undo check): the rows themselves need not be written. Outside a server's session it does
    nothing."""
    seen_of = session.info.get("seen")
    if seen_of is not None and rows:
        seen, own, role = seen_of
        marks = [(t, row_id, seen[(t, row_id)]) for t, row_id in rows if (t, row_id) in seen]
        if marks:
            check_unseen(session.connection(), marks, own, role)


def check_core_write(session: Any, table: str, row_ids: list[int]) -> None:
    """Before a service's Core UPDATE or DELETE of these rows of `table`: the checks a flush makes."""
    check_rows(session, [(table, row_id) for row_id in row_ids])


def changed_since(engine: Engine, conflict: RowChangedError, actor: str, role: str) -> RowChangedError | None:
    """A change to the conflict's row saved after the one it named (by anyone but this actor signed in as this
    role), in the same words; None when theirs is still the newest. Keep mine asks this after reading the row
    again, so it overwrites only the change the person saw in the dialog."""
    if conflict.entry_id is None or conflict.row_id is None:
        return None
    with engine.connect() as conn:
        row = (conflict.table, conflict.row_id)
        later = [e for e in _entries_of(conn, [row], after=conflict.entry_id).get(row, [])
                 if not (e[0] == actor and e[7] == role)]
    return _named(later[-1][:8], undo=False, entry_id=later[-1][-1]) if later else None


CHANNEL = "planner_changes"


class Listener:
    """Told by the server whenever someone else's change to the plan is committed (LISTEN/NOTIFY): a thread
    of its own on a connection of its own calls `on_change(actor)`; `own` holds the batches this Planner
    saved, which are not news to it (with `role`, the role it signed in as).

    When the connection cannot be made or drops (the network, a server restart), listening is not given up:
    `on_status(words, listening)` says so, the thread tries again (waiting longer each time, up to a limit),
    and says so again when updates resume (others' changes in between are then to be read again)."""

    def __init__(self, url: str, on_change: Callable[[str], None], own: set[str], role: str,
                 on_status: Callable[[str, bool], None] | None = None, *,
                 retry: tuple[float, float] = (1.0, 30.0)) -> None:
        import threading

        self._url = url
        self._on_change, self._own, self._role = on_change, own, role
        self._on_status = on_status or (lambda _words, _up: None)
        self._retry = retry
        self._stopping = threading.Event()
        self._conn: Any = None
        self._lock = threading.Lock()
        self._ready = threading.Event()  # set once the first attempt to listen is over (for tests and start)
        self._thread = threading.Thread(target=self._run, name="planner-listen", daemon=True)
        self._thread.start()

    def _connect(self) -> Any:
        conn = _driver().connect(self._url, autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        with self._lock:
            if self._stopping.is_set():
                conn.close()
                return None
            self._conn = conn
        return conn

    def _said(self, exc: BaseException) -> str:
        said = " ".join(str(exc).split()) or type(exc).__name__
        for secret in _passwords(self._url):
            said = said.replace(secret, "…")
        return said[:200]

    def _run(self) -> None:
        delay = self._retry[0]
        down = False
        while not self._stopping.is_set():
            try:
                conn = self._connect()
            except Exception as exc:  # the driver's refusal, in words; tried again after a while
                if not down:
                    # the status bar has room for a sentence, not for the driver's text: that goes to the log
                    log.warning("listening for changes on the district server: %s", self._said(exc))
                    self._on_status("Updates from the district server stopped: it cannot be reached. "
                                    "Trying again…", False)
                    down = True
                self._ready.set()
                self._stopping.wait(delay)
                delay = min(delay * 2, self._retry[1])
                continue
            if conn is None:
                return
            delay = self._retry[0]
            if down:
                self._on_status("Updates from the district server resumed.", True)
                down = False
            self._ready.set()
            try:
                for notice in conn.notifies():
                    try:
                        said = json.loads(notice.payload)
                    except ValueError:
                        continue
                    # this Planner's own change only when both its batch and its signed-in role match: a batch
                    # id is readable in the history, so anyone could send one
                    if said.get("batch") not in self._own or said.get("role") != self._role:
                        self._on_change(str(said.get("actor") or ""))
            except Exception as exc:  # the connection dropped (or stop() closed it)
                if self._stopping.is_set():
                    return
                log.warning("listening for changes on the district server: %s", self._said(exc))
                self._on_status("Updates from the district server stopped: the connection was lost. "
                                "Trying again…", False)
                down = True
            else:
                if self._stopping.is_set():
                    return
            finally:
                import contextlib

                with contextlib.suppress(Exception):
                    conn.close()

    def stop(self) -> None:
        import contextlib

        self._stopping.set()
        with self._lock:
            conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
        self._thread.join(timeout=2)
