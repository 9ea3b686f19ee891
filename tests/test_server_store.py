"""The district server: `planner server init`, every subcommand on --server, and the history and period
locks kept by PostgreSQL itself (checked from a raw SQL client too, not only through Planner)."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from planner.cli import main
from planner.errors import PlanFileError, SaveError
from planner.model import Measurement
from planner.services import history, period_locks
from planner.services import measurements as ms
from planner.store import PlanStore, audit, open_server
from tests.conftest import PgCluster

try:
    import psycopg
except ImportError:  # the driver comes with the test extra; CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

pytestmark = pytest.mark.usefixtures("pg_cluster")

MEASURE = "Chronic absenteeism rate"


@pytest.fixture
def server(server_url: str) -> PlanStore:
    store = open_server(server_url)
    yield store  # type: ignore[misc]
    store.close()


def test_server_init_sets_up_an_empty_database_with_the_district_plan_and_every_subcommand_takes_server(
        pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_cluster.url(pg_cluster.new_database())
    assert main(["log", "--server", url, "--measure", MEASURE, "--period", "Q2 2024-25", "--value", "1"]) == 1
    err = capsys.readouterr().err
    assert "holds no plan yet" in err and "planner server init" in err
    assert main(["server", "init", "--server", url]) == 0
    out = capsys.readouterr().out
    assert "schema 0009 (current)" in out and "pillars" in out
    with psycopg.connect(url) as conn:
        first = conn.execute("SELECT count(*) FROM plan").fetchone()
    assert main(["server", "init", "--server", url]) == 0  # again: nothing loaded twice
    assert main(["log", "--server", url, "--measure", MEASURE, "--period", "Q2 2024-25", "--value", "21.4",
                 "--by", "Ana"]) == 0
    assert "Logged: Chronic absenteeism rate = 21.4% for Q2 2024-25." in capsys.readouterr().out
    assert main(["check", "--server", url]) == 0
    checked = capsys.readouterr().out
    assert "Schema version:   0009 (current)" in checked
    assert main(["due", "--server", url, "--as-of", "2024-12-01"]) == 0
    assert "due" in capsys.readouterr().out
    assert main(["year", "list", "--server", url]) == 0
    with open_server(url) as store:
        with store.reader() as s:
            values = s.scalars(select(Measurement)).all()
        assert [m.value for m in values] == [21.4]
        entries = history.changes(store, tables=["measurement"])
    assert [(e.actor, e.action) for e in entries] == [("Ana", "add")]
    with psycopg.connect(url) as conn:
        plans_loaded = conn.execute("SELECT count(*) FROM plan").fetchone()
        reasons = {r[0] for r in conn.execute("SELECT DISTINCT reason FROM change_log WHERE table_name = 'plan'")}
    assert first is not None and first[0] >= 1 and plans_loaded == first  # the district plan, loaded once
    assert reasons == {"The district's default plan, loaded onto the server by planner server init"}


def test_a_server_that_cannot_be_reached_is_named_in_words_without_its_password(pg_cluster: PgCluster,
                                                                                capsys: pytest.CaptureFixture[str]
                                                                                ) -> None:
    url = f"postgresql://nobody:s3cret@/no_such_db?host={pg_cluster.socket}"
    assert main(["due", "--server", url]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "no_such_db" in err and "s3cret" not in err
    assert "Traceback" not in err


def test_the_server_writes_the_history_with_who_and_why_from_the_session(server: PlanStore,
                                                                        server_url: str) -> None:
    key = ms.find_measure(server, MEASURE)
    server.actor = "Ana Ruiz"
    logged = ms.log_value(server, key, "Q2 2024-25", "22", note="from SIS")
    entry = history.changes(server, tables=["measurement"])[0]
    assert (entry.actor, entry.action, entry.row_id) == ("Ana Ruiz", "add", logged.id)
    # a raw SQL client that sets nothing is recorded under its own role; one that sets the session's
    # planner.actor and planner.reason is recorded under those
    with psycopg.connect(server_url) as conn:
        conn.execute("UPDATE measurement SET note = 'by hand' WHERE id = %s", (logged.id,))
        conn.commit()
        conn.execute("SELECT set_config('planner.actor', 'Script', true), set_config('planner.reason', 'fix', true)")
        conn.execute("UPDATE measurement SET note = 'scripted' WHERE id = %s", (logged.id,))
        conn.commit()
        rows = conn.execute("SELECT actor, reason, before, after FROM change_log WHERE table_name = 'measurement' "
                            "ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("Ana Ruiz", ""), ("postgres", ""), ("Script", "fix")]
    assert json.loads(rows[1][2])["note"] == "from SIS" and json.loads(rows[1][3])["note"] == "by hand"


@pytest.mark.parametrize("statement", ["UPDATE change_log SET actor = 'someone else'", "DELETE FROM change_log",
                                       "TRUNCATE change_log"])
def test_the_change_history_refuses_updates_and_deletes_even_from_a_raw_client(server_url: str,
                                                                              statement: str) -> None:
    with psycopg.connect(server_url) as conn:
        before = conn.execute("SELECT count(*), max(actor) FROM change_log").fetchone()
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)  # type: ignore[arg-type]
        conn.rollback()
        assert conn.execute("SELECT count(*), max(actor) FROM change_log").fetchone() == before


def test_every_audited_table_has_the_servers_history_trigger(server: PlanStore) -> None:
    with server.engine.connect() as conn:
        tables = set(audit.audited_tables(conn))
        with_history = audit.tables_with_history(conn)
    assert "measurement" in tables and "plan_year" in tables and "change_log" not in tables
    assert with_history == tables


def test_a_locked_period_is_enforced_by_the_server_even_for_a_raw_client(server: PlanStore,
                                                                         server_url: str) -> None:
    key = ms.find_measure(server, MEASURE)
    logged = ms.log_value(server, key, "Q2 2024-25", "22")
    period_locks.lock(server, "Q2 2024-25")
    with pytest.raises(period_locks.LockedPeriodError):  # the service says so first, in its words
        ms.log_value(server, key, "Q2 2024-25", "21", replace=True)
    with pytest.raises(SaveError, match="locked period"), server.session() as s:  # any path: the server refuses
        s.get(Measurement, logged.id).value = 5  # type: ignore[union-attr]
    with psycopg.connect(server_url) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="locked period"):
            conn.execute("UPDATE measurement SET value = 1 WHERE id = %s", (logged.id,))
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="locked period"):
            conn.execute("DELETE FROM measurement WHERE id = %s", (logged.id,))
        conn.rollback()
        assert conn.execute("SELECT value FROM measurement WHERE id = %s", (logged.id,)).fetchone() == (22.0,)
    period_locks.unlock(server, "Q2 2024-25", "a correction from the school")
    ms.log_value(server, key, "Q2 2024-25", "21", replace=True)


def test_backups_are_the_servers_own(server: PlanStore, tmp_path: object) -> None:
    from pathlib import Path

    with pytest.raises(PlanFileError, match="keeps its own backups"):
        server.save_copy(Path(str(tmp_path)) / "copy.planner")
    assert not list(Path(str(tmp_path)).iterdir())


def test_the_revisions_go_down_and_up_again_on_the_server(pg_cluster: PgCluster) -> None:
    from planner.store import migrate
    from planner.store.server import make_server_engine

    url = pg_cluster.url(pg_cluster.new_database())
    engine = make_server_engine(url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "0005")
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == "0005"
            assert not audit.tables_with_history(conn)
        migrate.downgrade(engine, "base")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            assert audit.tables_with_history(conn) == set(audit.audited_tables(conn))
    finally:
        engine.dispose()


def test_new_export_and_import_take_server_too(pg_cluster: PgCluster, tmp_path: object,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    url = pg_cluster.url(pg_cluster.new_database())
    assert main(["new", "--server", url, "--empty"]) == 0
    assert "Set up" in capsys.readouterr().out
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM plan").fetchone() == (0,)
    assert main(["server", "init", "--server", url]) == 0  # the plan, into the empty set-up
    out = Path(str(tmp_path)) / "wellness.xlsx"
    assert main(["export", "--server", url, "--department", "Student Wellness", "--out", str(out), "--by", "Ana"]) == 0
    assert out.exists()
    capsys.readouterr()
    assert main(["import", "--server", url, str(out)]) == 0
    assert "0 to add, 0 to update, 0 in conflict" in capsys.readouterr().out


def test_a_refusal_by_the_server_driver_is_named_as_the_server_s_not_the_file_s() -> None:
    """psycopg refuses some statements itself (more than 65,535 parameters) with no SQLSTATE: the words still
    say the district server refused, and point at the server, not at a disk."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    from planner.store.failures import save_error

    driver = OperationalError("INSERT ...", {}, psycopg.OperationalError("sending query failed: too many parameters"))
    said = save_error(driver)
    assert str(said).startswith("The district server refused the change")
    assert "disk" not in (said.hint or "")
    plain = save_error(OperationalError("INSERT ...", {}, Exception("disk I/O error")))
    assert str(plain).startswith("The plan file refused the change")
    # a connection the server closed says so, and points at the network (seen when a server restarted)
    gone = save_error(OperationalError("UPDATE ...", {}, psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly")))
    assert str(gone).startswith("The district server cannot be reached, so the change was not saved.")
    assert "network" in (gone.hint or "")
    down = save_error(OperationalError("INSERT ...", {}, psycopg.OperationalError(  # the server stopped
        'connection is bad: connection to server on socket "/run/.s.PGSQL.5432" failed: No such file or directory')))
    assert str(down).startswith("The district server cannot be reached")
    from planner.store.failures import read_error

    unread = read_error(OperationalError("SELECT ...", {}, psycopg.OperationalError("the connection is lost")))
    assert str(unread).startswith("The district server cannot be reached. Nothing was changed.")
