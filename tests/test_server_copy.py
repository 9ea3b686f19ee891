"""Moving a district's plan file onto a district server (`planner server init --server URL --from FILE`): every
row and the change history as the file kept them, no second history written by the server's triggers, and
refusals that change nothing (a server not empty, a damaged file, a role that does not own the tables)."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from planner.cli import main
from planner.model import Base, Wig
from planner.services import history, plan_edit
from planner.services import measurements as ms
from planner.services.due import due_now
from planner.services.plan_file import new_plan_file, plan_counts
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.report import active_plan_id
from planner.services.status import plan_status
from planner.store import PlanStore, open_plan_file, open_server

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

from tests.conftest import PgCluster

TODAY = date(2026, 12, 1)
SERVER_ONLY = {"row_version", "signed_in_as"}  # the server's own columns, not values of the plan


@pytest.fixture
def plan_with_history(tmp_path: Path) -> Path:
    """The district plan in a file, with values logged and a goal edited (so the history holds more than the
    adds), in a locked period too, which the copy must not refuse."""
    path = tmp_path / "district.planner"
    with new_plan_file(path) as store:
        store.actor = "Ana Ruiz"
        with store.reader() as s:
            wig_ids = s.scalars(select(Wig.id).order_by(Wig.id).limit(2)).all()
        plan_edit.update_node(store, NodeKey(Kind.WIG, wig_ids[0]), {"unit": "students, as the file says"})
        plan_edit.update_node(store, NodeKey(Kind.WIG, wig_ids[1]), {"unit": "families"})
    return path


@pytest.fixture
def empty_db(pg_cluster: PgCluster) -> str:
    return pg_cluster.url(pg_cluster.new_database())


def _rows(engine: Engine, table_name: str) -> list[dict[str, object]]:
    table = Base.metadata.tables[table_name]
    with engine.connect() as conn:
        return [{k: v for k, v in row.items() if k not in SERVER_ONLY}
                for row in conn.execute(table.select().order_by(*table.primary_key.columns)).mappings()]


def _server_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]


def _summary(store: PlanStore) -> tuple[object, ...]:
    plan_id = active_plan_id(store)
    status = plan_status(store, plan_id, TODAY)
    due = [repr(d) for d in due_now(store, plan_id, TODAY)]
    entries = [repr(e) for e in history.changes(store, limit=None)]  # the History page's rows, fields and all
    counts = [(p.plan, p.labelled()) for p in plan_counts(store)]
    return counts, repr(status), due, entries


def test_a_copied_file_holds_every_row_and_the_history_as_the_file_kept_them(
        plan_with_history: Path, empty_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "init", "--server", empty_db, "--from", str(plan_with_history)]) == 0
    said = capsys.readouterr().out
    assert "change log:" in said and "Copied" in said  # progress, table by table

    file_engine = create_engine(f"sqlite:///{plan_with_history}")
    with open_server(empty_db) as server:
        for table in Base.metadata.sorted_tables:  # same ids, UUIDs, values; the history entry for entry
            assert _rows(server.engine, table.name) == _rows(file_engine, table.name), table.name
        with open_plan_file(plan_with_history, read_only=True) as plan_file:
            assert _summary(server) == _summary(plan_file)  # counts, plan status, Due Now, the History page
        # the sequences continue after the copied ids: a change on the server is recorded with the next id
        last = max(e.id for e in history.changes(server, limit=1))
        server.actor = "Central Office"
        with server.reader() as s:
            wig_id = s.scalars(select(Wig.id).order_by(Wig.id)).first()
        plan_edit.update_node(server, NodeKey(Kind.WIG, wig_id), {"unit": "after the move"})
        newest = history.changes(server, limit=1)[0]
        assert newest.id == last + 1 and newest.actor == "Central Office"
    file_engine.dispose()
    with psycopg.connect(empty_db) as conn:  # the server's triggers are all switched on again
        off = conn.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'")
        assert off.fetchone() == (0,)


def test_a_value_in_a_locked_period_is_copied(tmp_path: Path, empty_db: str) -> None:
    path = tmp_path / "locked.planner"
    with new_plan_file(path) as store:
        from planner.services import period_locks
        key = next(k for k in _measures(store))
        ms.log_value(store, key, "Q1 2024-25", "12", outside_year_ok=True)
        period_locks.lock(store, "Q1 2024-25", note="Sent to the office")
    assert main(["server", "init", "--server", empty_db, "--from", str(path)]) == 0
    file_engine = create_engine(f"sqlite:///{path}")
    with open_server(empty_db) as server:
        for name in ("measurement", "period_lock", "change_log"):
            assert _rows(server.engine, name) == _rows(file_engine, name)
            assert _rows(server.engine, name)
    file_engine.dispose()


def _measures(store: PlanStore) -> list[NodeKey]:
    from planner.model import Frequency, PerformanceMeasure

    with store.reader() as s:
        ids = s.scalars(select(PerformanceMeasure.id).where(PerformanceMeasure.frequency == Frequency.QUARTERLY)
                        .order_by(PerformanceMeasure.id)).all()
    return [NodeKey(Kind.MEASURE, i) for i in ids]


def test_a_server_that_is_not_empty_is_refused_and_left_as_it_was(
        plan_with_history: Path, server_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(server_url))
    counts = {t.name: len(_rows(before, t.name)) for t in Base.metadata.sorted_tables}
    assert main(["server", "init", "--server", server_url, "--from", str(plan_with_history)]) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "Nothing was changed" in err and "Traceback" not in err
    assert {t.name: len(_rows(before, t.name)) for t in Base.metadata.sorted_tables} == counts
    before.dispose()


def test_a_damaged_file_is_refused_before_the_server_is_touched(
        tmp_path: Path, empty_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = tmp_path / "damaged.planner"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    assert main(["server", "init", "--server", empty_db, "--from", str(damaged)]) == 1
    err = capsys.readouterr().err
    assert "damaged.planner" in err and "Traceback" not in err
    assert _server_tables(empty_db) == []  # not even the schema was made


def test_a_file_that_breaks_midway_leaves_the_server_empty(
        plan_with_history: Path, empty_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    conn = sqlite3.connect(plan_with_history)  # a row the server refuses, late in the copy: its goal is gone
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.create_function("planner_context", -1, lambda *_args: "a script")  # what the file's triggers read
    conn.execute("UPDATE key_lever SET wig_id = 999999 WHERE id = (SELECT max(id) FROM key_lever)")
    conn.commit()
    conn.close()
    assert main(["server", "init", "--server", empty_db, "--from", str(plan_with_history)]) == 1
    err = capsys.readouterr().err
    assert "could not be copied" in err and "Nothing was changed" in err
    assert _server_tables(empty_db) == []  # the schema made in the same transaction is gone too


def test_a_role_that_does_not_own_the_tables_is_refused(
        plan_with_history: Path, pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    name = pg_cluster.new_database()
    owner_url = pg_cluster.url(name)
    from planner.store import init_server

    init_server(owner_url).close()  # the schema, no plan yet: empty
    role = f"office_{uuid.uuid4().hex[:8]}"
    pg_cluster.admin(f"CREATE ROLE {role} LOGIN")
    assert main(["server", "grant", "--server", owner_url, "--role", role, "--central-office"]) == 0
    capsys.readouterr()
    role_url = owner_url.replace(f"{pg_cluster.superuser}@", f"{role}@")
    assert main(["server", "init", "--server", role_url, "--from", str(plan_with_history)]) == 1
    err = capsys.readouterr().err
    assert f"your role ({role}) may not" in err and "Nothing was changed" in err
    with psycopg.connect(owner_url) as conn:
        assert conn.execute("SELECT count(*) FROM plan").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM change_log").fetchone() == (0,)


def test_a_lead_cannot_switch_the_history_off_from_a_raw_client(server_roles: dict[str, str]) -> None:
    """What the copy does to load the history as it was is the tables' owner's alone: a lead's role trying
    it from psql is refused by the server, and its change is still recorded."""
    with psycopg.connect(server_roles["wellness"]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE wig DISABLE TRIGGER audit_wig")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET session_replication_role = replica")
