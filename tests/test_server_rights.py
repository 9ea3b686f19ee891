"""Rights kept by the server: each person signs in as their own role; a department lead changes only their
department's rows, the central office everything. Proved through Planner and from a raw SQL client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from planner.cli import main
from planner.errors import PlannerError
from planner.model import Department, PerformanceMeasure, Wig
from planner.services import measurements as ms
from planner.store import PlanStore, open_server
from tests.conftest import PgCluster

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

WELLNESS, DATA = "Student Wellness", "Data Strategy"


@pytest.fixture
def roles(pg_cluster: PgCluster, server_url: str) -> Iterator[dict[str, str]]:
    """Three people's own roles, made by the server's administrator, granted by the central office."""
    suffix = uuid.uuid4().hex[:8]
    names = {"wellness": f"lead_wellness_{suffix}", "data": f"lead_data_{suffix}", "office": f"office_{suffix}"}
    for name in names.values():
        pg_cluster.admin(f"CREATE ROLE {name} LOGIN")
    assert main(["server", "grant", "--server", server_url, "--role", names["wellness"], "--department", WELLNESS]) == 0
    assert main(["server", "grant", "--server", server_url, "--role", names["data"], "--department", DATA]) == 0
    assert main(["server", "grant", "--server", server_url, "--role", names["office"], "--central-office"]) == 0
    yield {key: server_url.replace(f"{pg_cluster.superuser}@", f"{name}@") for key, name in names.items()}


def _wig_of(store: PlanStore, department: str) -> tuple[int, str]:
    with store.reader() as s:
        wig = s.scalars(select(Wig).join(Department, Wig.department_id == Department.id)
                        .where(Department.name == department).order_by(Wig.id)).first()
        assert wig is not None
        return wig.id, wig.sentence


def _measure_of(store: PlanStore, department: str) -> str:
    with store.reader() as s:
        name = s.scalars(select(PerformanceMeasure.name).join(Department).where(Department.name == department)
                         .order_by(PerformanceMeasure.id)).first()
        assert name is not None
        return name


def test_a_leads_role_cannot_change_another_departments_rows_even_from_a_raw_sql_client(
        roles: dict[str, str], server_url: str) -> None:
    with open_server(server_url) as office:
        data_wig, data_sentence = _wig_of(office, DATA)
        wellness_wig, _ = _wig_of(office, WELLNESS)
    with psycopg.connect(roles["wellness"]) as conn:
        # another department's row: refused in words (never a change that quietly reaches no row)
        with pytest.raises(psycopg.errors.RaiseException, match="this wig belongs to Data Strategy"):
            conn.execute("UPDATE wig SET sentence = 'taken over' WHERE id = %s", (data_wig,))
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="this wig belongs to Data Strategy"):
            conn.execute("DELETE FROM wig WHERE id = %s", (data_wig,))
        conn.rollback()
        # nor may a row be moved into, or made in, another department
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE wig SET department_id = (SELECT department_id FROM wig WHERE id = %s) "
                         "WHERE id = %s", (data_wig, wellness_wig))
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="this key lever belongs to Data Strategy"):
            conn.execute("INSERT INTO key_lever (uuid, created_at, updated_at, wig_id, position, text) "
                         "VALUES (gen_random_uuid(), now(), now(), %s, 9, 'sneaked in')", (data_wig,))
        conn.rollback()
        # the history and the role table are not theirs to write
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO change_log (at, actor, reason, batch, action, table_name) "
                         "VALUES (now(), 'x', '', '', 'add', 'wig')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE planner_role SET central_office = true")
        conn.rollback()
        # nor are the value sums the statuses are judged on (the server's triggers keep them); they read them
        for forged in ("UPDATE value_sums SET n = n + 1", "DELETE FROM value_sums",
                       "INSERT INTO value_sums VALUES ('w', -1, NULL, NULL, NULL, 9, 0, 0, 0, 0)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forged)
            conn.rollback()
        assert conn.execute("SELECT count(*) FROM value_sums").fetchone() is not None
        # their own department's rows they change, and everyone reads the whole plan
        assert conn.execute("UPDATE wig SET unit = 'students' WHERE id = %s", (wellness_wig,)).rowcount == 1
        conn.commit()
        assert conn.execute("SELECT sentence FROM wig WHERE id = %s", (data_wig,)).fetchone() == (data_sentence,)
    with psycopg.connect(server_url) as conn:
        assert conn.execute("SELECT sentence FROM wig WHERE id = %s", (data_wig,)).fetchone() == (data_sentence,)
        who = conn.execute("SELECT actor FROM change_log WHERE table_name = 'wig' AND row_id = %s "
                           "ORDER BY id DESC LIMIT 1", (wellness_wig,)).fetchone()
    assert who is not None and who[0].startswith("lead_wellness_")  # signed in as their own role


def test_through_planner_a_lead_logs_their_departments_values_and_is_refused_anothers_in_words(
        roles: dict[str, str], server_url: str) -> None:
    with open_server(server_url) as office:
        mine, theirs = _measure_of(office, WELLNESS), _measure_of(office, DATA)
    with open_server(roles["wellness"]) as lead:
        ms.log_value(lead, ms.find_measure(lead, mine), "Q2 2024-25", "12")
        # refused in words that say whose the row is (the policies alone named no department)
        with pytest.raises(PlannerError, match="may not change that: this measurement belongs to Data Strategy, "
                                               r"and your role \(lead_wellness_\w+\) changes Student Wellness's"):
            ms.log_value(lead, ms.find_measure(lead, theirs), "Q2 2024-25", "12")
    with open_server(roles["data"]) as other:
        ms.log_value(other, ms.find_measure(other, theirs), "Q2 2024-25", "7")
    with open_server(roles["office"]) as office:  # the central office changes everything
        ms.log_value(office, ms.find_measure(office, mine), "Q3 2024-25", "11")
        ms.log_value(office, ms.find_measure(office, theirs), "Q3 2024-25", "6")
        with office.reader() as s:
            assert len(s.scalars(select(Wig.id)).all()) > 0


def test_only_the_central_office_grants_and_a_role_the_server_lacks_is_named(
        roles: dict[str, str], server_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["server", "grant", "--server", roles["wellness"], "--role", "lead_wellness_x", "--central-office"]
                ) == 1
    assert main(["server", "grant", "--server", server_url, "--role", "nobody_here", "--department", WELLNESS]) == 1
    err = capsys.readouterr().err
    assert "has no role “nobody_here”" in err and "Traceback" not in err


def test_the_tables_owner_granted_the_central_office_still_writes_with_its_history(
        pg_cluster: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    """District IT makes a database owned by the central office's own role (no superuser) and that role runs
    `server init`, then grants itself the central office as README says. The grant must not take from the
    owner what the server's history and sums triggers write with: its values and edits still go in, each in
    the change log; and a lead granted after it still may not write the history."""
    suffix = uuid.uuid4().hex[:8]
    owner, lead, name = f"central_{suffix}", f"lead_{suffix}", f"planner_owned_{suffix}"
    pg_cluster.admin(f"CREATE ROLE {owner} LOGIN")
    pg_cluster.admin(f"CREATE ROLE {lead} LOGIN")
    pg_cluster.admin(f"CREATE DATABASE {name} OWNER {owner}")
    url = pg_cluster.url(name, owner)
    try:
        assert main(["server", "init", "--server", url]) == 0
        assert main(["server", "grant", "--server", url, "--role", owner, "--central-office"]) == 0
        # the owner passes every policy: it cannot be made one department's lead, and is told so
        assert main(["server", "grant", "--server", url, "--role", owner, "--department", WELLNESS]) == 1
        assert "owns the plan's tables" in capsys.readouterr().err
        assert main(["server", "grant", "--server", url, "--role", lead, "--department", WELLNESS]) == 0
        with open_server(url) as office:
            measure = _measure_of(office, WELLNESS)
            ms.log_value(office, ms.find_measure(office, measure), "Q2 2024-25", "12")
        assert main(["log", "--server", url, "--measure", measure, "--period", "Q3 2024-25", "--value", "13"]) == 0
        with psycopg.connect(url) as conn:
            logged = conn.execute("SELECT count(*) FROM change_log WHERE table_name = 'measurement' "
                                  "AND actor <> ''").fetchone()
            assert logged is not None and logged[0] >= 2
            summed = conn.execute("SELECT sum(n) FROM value_sums").fetchone()
            assert summed is not None and summed[0] >= 2
        with psycopg.connect(pg_cluster.url(name, lead)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO change_log (at, actor, reason, batch, action, table_name) "
                         "VALUES (now(), 'x', '', '', 'add', 'wig')")
    finally:
        pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_command_line_prints_a_refusal_in_words_only(roles: dict[str, str], server_url: str) -> None:
    """As a person runs it, in a process of its own (pytest's log capture would hide what Python prints)."""
    import subprocess
    import sys

    with open_server(server_url) as office:
        theirs = _measure_of(office, DATA)
    run = subprocess.run([sys.executable, "-m", "planner", "log", "--server", roles["wellness"], "--measure", theirs,
                          "--period", "Q2 2024-25", "--value", "12"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.startswith("planner: ") and "may not change that" in run.stderr
    assert "Error)" not in run.stderr and "permission denied" not in run.stderr  # the driver's words stay out
