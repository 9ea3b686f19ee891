"""The change history, kept by the database itself.

Every table of the plan, its measurements and its workbook has three triggers that append the row as it was
and as it became (JSON of every column) to `change_log`, with the time, the person and the reason. Because
SQLite writes the history in the same statement as the change, nothing the app does can change a row
without it: not the ORM, not a bulk Core statement, not a cascade. `change_log` itself refuses updates and
deletes, so the history is append-only.

Who and why come from `planner_context()`, a function every connection of ours registers (engine.py). A
program other than Planner that tries to change a Planner file fails on it, which keeps the history whole.

A migration that adds, drops or renames a column of an audited table must call `install_triggers` again
(tests/test_history.py fails when a trigger's column list and its table disagree).
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, text

from planner.store import audit_pg

NOT_AUDITED = frozenset({"change_log", "exchange_state", "alembic_version", "planner_role", "value_sums"})
TRIGGER_PREFIX = "audit_"
IGNORED_IN_UPDATES = frozenset({"updated_at"})  # a save that changed nothing else is not a change

# 'YYYY-MM-DD HH:MM:SS.SSS' padded to microseconds, the form SQLAlchemy reads back
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"


@dataclass(frozen=True)
class ChangeContext:
    actor: str = ""
    reason: str = ""
    batch: str = ""


_NOBODY = ChangeContext()
_context: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("planner_change", default=None)
_reason: contextvars.ContextVar[str] = contextvars.ContextVar("planner_change_reason", default="")


def context_value(key: str) -> str:
    """What `planner_context(key)` returns inside a trigger: 'actor', 'reason' or 'batch'."""
    return str(getattr(_context.get() or _NOBODY, key, ""))


@contextlib.contextmanager
def change_reason(reason: str) -> Iterator[None]:
    """Every change saved inside the block is recorded with this reason ("Undo", "Imported from …")."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


@contextlib.contextmanager
def changes_by(actor: str, reason: str | None = None) -> Iterator[None]:
    """Used by PlanStore.session(): one batch id for everything one transaction changes."""
    ctx = ChangeContext(actor=actor, reason=_reason.get() if reason is None else reason, batch=uuid.uuid4().hex)
    token = _context.set(ctx)
    try:
        yield
    finally:
        _context.reset(token)


def _on_server(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def audited_tables(conn: Connection) -> dict[str, list[str]]:
    """Every audited table and its columns, as the database has them now."""
    if _on_server(conn):
        return audit_pg.audited_tables(conn, NOT_AUDITED)
    names = [row[0] for row in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: [row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{name}")')]
            for name in names if name not in NOT_AUDITED}


def _row_json(prefix: str, columns: list[str]) -> str:
    return "json_object(" + ", ".join(f"'{col}', {prefix}.\"{col}\"" for col in columns) + ")"


def trigger_sql(table: str, columns: list[str]) -> list[str]:
    """CREATE TRIGGER statements recording inserts, updates and deletes of `table`."""
    has_id, has_uuid = "id" in columns, "uuid" in columns

    def row(prefix: str) -> str:
        return (f"{prefix}.\"id\"" if has_id else "NULL") + ", " + (f"{prefix}.\"uuid\"" if has_uuid else "NULL")

    head = ("INSERT INTO change_log (at, actor, reason, batch, action, table_name, row_id, row_uuid, before, after) "
            f"VALUES ({_NOW}, planner_context('actor'), planner_context('reason'), planner_context('batch'), ")
    compared = [col for col in columns if col not in IGNORED_IN_UPDATES]
    changed = " OR ".join(f"OLD.\"{col}\" IS NOT NEW.\"{col}\"" for col in compared)
    name = f"{TRIGGER_PREFIX}{table}"
    return [
        f"CREATE TRIGGER \"{name}_insert\" AFTER INSERT ON \"{table}\" BEGIN "
        f"{head}'add', '{table}', {row('NEW')}, NULL, {_row_json('NEW', columns)}); END",
        f"CREATE TRIGGER \"{name}_update\" AFTER UPDATE ON \"{table}\" WHEN {changed} BEGIN "
        f"{head}'change', '{table}', {row('NEW')}, {_row_json('OLD', columns)}, {_row_json('NEW', columns)}); END",
        f"CREATE TRIGGER \"{name}_delete\" AFTER DELETE ON \"{table}\" BEGIN "
        f"{head}'delete', '{table}', {row('OLD')}, {_row_json('OLD', columns)}, NULL); END",
    ]


APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS change_log_no_update BEFORE UPDATE ON change_log BEGIN "
    "SELECT RAISE(ABORT, 'The change history is append-only: its entries cannot be changed.'); END",
    "CREATE TRIGGER IF NOT EXISTS change_log_no_delete BEFORE DELETE ON change_log BEGIN "
    "SELECT RAISE(ABORT, 'The change history is append-only: its entries cannot be deleted.'); END",
]


def drop_triggers(conn: Connection) -> None:
    """Drop the history triggers: a migration does this before it drops a column a trigger names."""
    if _on_server(conn):
        audit_pg.drop_triggers(conn, TRIGGER_PREFIX)
        return
    existing = [row[0] for row in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_%' ESCAPE '\\'")]
    for name in existing:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')


def install_triggers(conn: Connection) -> None:
    """(Re)create the history triggers of every audited table from its current columns."""
    drop_triggers(conn)
    if _on_server(conn):
        audit_pg.install_triggers(conn, list(audited_tables(conn)), TRIGGER_PREFIX)
        return
    for table, columns in audited_tables(conn).items():
        for statement in trigger_sql(table, columns):
            conn.exec_driver_sql(statement)
    for statement in APPEND_ONLY:
        conn.exec_driver_sql(statement)


def installed_columns(conn: Connection) -> dict[str, str]:
    """Each audited table's insert-trigger SQL, for the test that finds triggers out of date."""
    query = ("SELECT tbl_name, sql FROM sqlite_master "
             "WHERE type = 'trigger' AND name LIKE 'audit\\_%\\_insert' ESCAPE '\\'")
    return {row[0]: row[1] for row in conn.exec_driver_sql(query)}


LOCKED = ("SELECT RAISE(ABORT, 'That value is in a locked period (it was sent to the central office); "
          "unlock the period first, giving a reason.')")


def install_period_locks(conn: Connection) -> None:
    """A value whose period ends inside a locked period cannot be added, changed or deleted, by any path."""
    if _on_server(conn):
        audit_pg.install_period_locks(conn)
        return
    locked = "EXISTS (SELECT 1 FROM period_lock WHERE {row}.period_end BETWEEN period_start AND period_end)"
    conn.exec_driver_sql(f"CREATE TRIGGER lock_measurement_insert BEFORE INSERT ON measurement "
                         f"WHEN {locked.format(row='NEW')} BEGIN {LOCKED}; END")
    conn.exec_driver_sql(f"CREATE TRIGGER lock_measurement_update BEFORE UPDATE ON measurement "
                         f"WHEN {locked.format(row='OLD')} OR {locked.format(row='NEW')} BEGIN {LOCKED}; END")
    conn.exec_driver_sql(f"CREATE TRIGGER lock_measurement_delete BEFORE DELETE ON measurement "
                         f"WHEN {locked.format(row='OLD')} BEGIN {LOCKED}; END")


def drop_cycle_triggers(conn: Connection) -> None:
    """Every trigger the reporting cycle made (history, append-only, locks): revision 0006's downgrade."""
    if _on_server(conn):
        audit_pg.drop_cycle_triggers(conn)
        return
    for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
            "(name LIKE 'audit%' OR name LIKE 'lock_measurement%' OR name LIKE 'change_log_no%')").fetchall():
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')


def tables_with_history(conn: Connection) -> set[str]:
    """The tables whose changes a history trigger records, as the database has them now."""
    if _on_server(conn):
        return {row[0] for row in conn.execute(text(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_schema = current_schema() AND action_statement = 'EXECUTE FUNCTION planner_audit()'"))}
    return {row[0] for row in conn.exec_driver_sql(
        "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_%\\_insert' ESCAPE '\\'")}
