"""Moving a district's plan file onto a district server: `planner server init --server URL --from FILE`.

Every table of the file goes onto an empty server database as it is: the same ids, UUIDs and values, and the
change history the file kept, entry for entry. The rows go in with PostgreSQL's COPY (no ORM objects), in
the same transaction that creates the schema, so a failure anywhere leaves the server as it was.

The server's history triggers must not write a second history of the copy (its entries are the file's
history already), nor may its period locks refuse the values of a locked period the file rightly holds. The
copy switches the plan's own triggers off for its transaction with ALTER TABLE ... DISABLE TRIGGER, which
PostgreSQL allows the tables' owner alone (the central office's role that set the server up): a department
lead's role cannot, whatever its Planner does, so no setting or flag a client could send opens a way around
the history. The triggers are switched on again before the commit, so no other session ever sees them off
(a catalog change is seen by others only once committed, and the tables are locked while it lasts).

Only this module and the rest of planner/store know the two dialects.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, text

from planner.errors import PlanFileError
from planner.store import revisions, server
from planner.store.failures import DATABASE_ERRORS, describe, log

BATCH = 5000  # rows read from the file at a time
# (table, rows copied so far, rows of the table): called as each batch goes in, and once per table at the end
Progress = Callable[[str, int, int], None]


class CopyRefused(server.ServerError):
    """The copy was refused before anything was changed on the server (or it failed and was rolled back)."""


@dataclass
class CopyResult:
    database: str
    revision: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied, in the order copied

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[Table]:
    from planner.model import Base

    return list(Base.metadata.sorted_tables)


def _file_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]  # a name of the plan's own


def _check_file(path: Path) -> str:
    """The file must be a healthy Planner file of this Planner's schema: its revision, or a refusal."""
    from planner.store import _preflight

    revision = _preflight(path)
    assert revision is not None
    if revision != revisions.head_revision():
        raise CopyRefused(path, f"“{path.name}” was saved by an older Planner (schema {revision}), so it cannot "
                          "be copied onto the server as it is.",
                          hint="Open it once in this Planner (which brings it up to date, keeping a backup), "
                          "then copy it. Nothing was changed on the server.")
    conn = _open_file(path)
    try:
        for table in _tables():
            have = set(_file_columns(conn, table.name))
            if not have:
                raise CopyRefused(path, f"“{path.name}” is damaged: its table {table.name} is missing.",
                                  hint="Restore it from a backup. Nothing was changed on the server.")
            unknown = sorted(have - set(table.columns.keys()))
            missing = sorted(c.name for c in table.columns if c.name not in have)
            if unknown or missing:
                words = ", ".join([*(f"{c} is unknown" for c in unknown), *(f"{c} is missing" for c in missing)])
                raise CopyRefused(path, f"“{path.name}” is damaged: in its table {table.name}, {words}.",
                                  hint="Restore it from a backup. Nothing was changed on the server.")
    finally:
        conn.close()
    return revision


def _open_file(path: Path) -> sqlite3.Connection:
    from planner.store import _raw_connect

    return _raw_connect(path, read_only=True)


def _schema_owner(conn: Connection) -> str | None:
    return conn.exec_driver_sql(
        "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'plan'").scalar()


def _check_server(conn: Connection, name: Path) -> None:
    """Before anything is written: the role may copy (it owns the plan's tables, or will, when there are
    none yet), and the server holds no plan's rows."""
    role = conn.exec_driver_sql("SELECT session_user").scalar_one()
    owner = _schema_owner(conn)
    if owner is None:  # no plan's tables yet: the role about to create them will own them
        may = conn.exec_driver_sql("SELECT has_schema_privilege(current_schema(), 'CREATE')").scalar_one()
        if not may:
            raise CopyRefused(name, f"Your role on the district server ({role}) may not create the plan's tables "
                              f"on “{name}”, so it cannot copy a plan file there.",
                              hint="Sign in as the central office's role that sets up the server. Nothing was "
                              "changed.")
        return
    owns = conn.execute(text("SELECT pg_has_role(session_user, :owner, 'USAGE') OR EXISTS "
                             "(SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)"),
                        {"owner": owner}).scalar_one()
    if not owns:
        raise CopyRefused(name, f"Only the central office's role that set up “{name}” ({owner}) may copy a plan "
                          f"file onto it; your role ({role}) may not.",
                          hint="Sign in as that role (the plan's history is loaded as the file kept it, which "
                          "no other role may do). Nothing was changed.")
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision is not None and revision not in revisions.known_revisions():
        raise CopyRefused(name, f"“{name}” on the district server was set up by a newer version of Planner "
                          f"(schema {str(revision)[:40]}).", hint="Install the latest Planner. Nothing was changed.")
    held = []
    for table in _tables():
        exists = conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table.name}).scalar_one()
        if exists:
            n = conn.exec_driver_sql(f'SELECT count(*) FROM "{table.name}"').scalar_one()  # the plan's own names
            if n:
                held.append(f"{n:,} {table.name.replace('_', ' ')} rows")
    if held:
        raise CopyRefused(name, f"“{name}” on the district server is not empty (it holds {', '.join(held[:4])}"
                          f"{' and more' if len(held) > 4 else ''}), so a plan file cannot be copied onto it.",
                          hint="Copy onto a new, empty database (createdb), which `planner server init --from` "
                          "sets up. Nothing was changed.")


def _triggers_on(conn: Connection) -> list[tuple[str, str]]:
    """The plan's own triggers (not the server's foreign-key checks) now switched on, table by table."""
    return [(row[0], row[1]) for row in conn.exec_driver_sql(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled <> 'D' "
        "ORDER BY c.relname, t.tgname")]


def _rows(conn: sqlite3.Connection, table: Table, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """The file's rows in batches, in id order (a row carried from another comes after it), with the values
    the server keeps in another form changed to it: a UUID kept as text (the history's) is written as the
    server writes it (with hyphens), everything else as SQLite holds it (ISO dates, 0/1, JSON text), which
    PostgreSQL reads as the column's type."""
    from planner.model.base import UuidText

    hyphenate = [i for i, name in enumerate(columns) if isinstance(table.columns[name].type, UuidText)]
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "rowid"
    cursor = conn.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table.name}" '
                          f"ORDER BY {order}")
    while batch := cursor.fetchmany(BATCH):
        if hyphenate:
            batch = [_hyphenated(row, hyphenate) for row in batch]
        yield batch


def _hyphenated(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in at:
        if values[i] is not None:
            values[i] = str(uuid.UUID(str(values[i])))
    return tuple(values)


def _reset_sequences(conn: Connection) -> None:
    """Each table's id sequence continues after the ids copied (the next row added gets the next id)."""
    for table in _tables():
        if "id" not in table.columns:
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if seq is not None:
            conn.exec_driver_sql(f"SELECT setval(%(seq)s, coalesce(max(id), 0) + 1, false) FROM \"{table.name}\"",
                                 {"seq": seq})


def copy_file_to_server(path: Path, url: str, progress: Progress | None = None) -> CopyResult:
    """Copy the plan file at `path` onto the empty district server at `url`, creating its schema (the same
    revisions), in one transaction. Raises CopyRefused (nothing changed) for a damaged file or one of
    another schema, a server that is not empty, or a role other than the tables' owner."""
    path = Path(path)
    report = progress or (lambda _t, _n, _total: None)
    revision = _check_file(path)
    engine = server.make_server_engine(url)
    name = Path(server.database_name(url))
    try:
        server.reach(url, engine)
        return _copy(engine, path, name, revision, report)
    finally:
        engine.dispose()


def _copy(engine: Engine, path: Path, name: Path, revision: str, report: Progress) -> CopyResult:
    from alembic import command

    from planner.store import migrate

    result = CopyResult(str(name), revision)
    source = _open_file(path)
    try:
        with engine.begin() as conn:
            _check_server(conn, name)
            cfg = migrate._config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")  # the schema, in this same transaction
            _check_server(conn, name)  # owner and empty, now that the tables exist (and locked below)
            switched = _triggers_on(conn)
            for locked in sorted({t for t, _ in switched}):
                conn.exec_driver_sql(f'LOCK TABLE "{locked}" IN ACCESS EXCLUSIVE MODE')
            for on, trigger in switched:
                conn.exec_driver_sql(f'ALTER TABLE "{on}" DISABLE TRIGGER "{trigger}"')
            raw = conn.connection.driver_connection
            assert raw is not None
            for table in _tables():
                columns = _file_columns(source, table.name)
                total = source.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                done = 0
                names = ", ".join(f'"{c}"' for c in columns)
                with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for batch in _rows(source, table, columns):
                        for row in batch:
                            copy.write_row(row)
                        done += len(batch)
                        if done < total:
                            report(table.name, done, total)
                report(table.name, done, total)
                result.rows[table.name] = done
            for on, trigger in switched:
                conn.exec_driver_sql(f'ALTER TABLE "{on}" ENABLE TRIGGER "{trigger}"')
            if _triggers_on(conn) != switched:  # every trigger as it was, or nothing is committed
                raise RuntimeError("the server's triggers could not all be switched on again")
            _reset_sequences(conn)
    except PlanFileError:
        raise
    except (*DATABASE_ERRORS, server._driver().Error, RuntimeError) as exc:
        d = describe(exc)
        log.warning("copying %s onto %s failed: %s", path, name, d.detail)
        raise CopyRefused(name, f"“{path.name}” could not be copied onto “{name}”: {d.words}.",
                          hint="Nothing was changed on the server.") from exc
    finally:
        source.close()
    return result
