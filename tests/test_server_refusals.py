"""A lead's change the server's rights refuse is refused in words, with the role's limit, and changes nothing:
never a delete or update that quietly reaches no row, nor a cascade into another department's rows, nor the
plan's structure (departments), nor another department's merge bases."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from planner.errors import PlannerError
from planner.model import Department, Measurement, PerformanceMeasure, Project, Wig
from planner.services import measurements as ms
from planner.services import plan_edit, projects
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

WELLNESS, DATA = "Student Wellness", "Data Strategy"
REFUSED = r"your role on the district server may not change that: this {what} belongs to {dept}, and your role " \
          r"\(lead_wellness_\w+\) changes Student Wellness's rows only"


def first_wig(store: PlanStore, department: str) -> int:
    with store.reader() as s:
        found = s.scalars(select(Wig.id).join(Department, Wig.department_id == Department.id)
                          .where(Department.name == department).order_by(Wig.id)).first()
        assert found is not None
        return found


def first_wig_id(url: str, department: str) -> int:
    return count(url, "SELECT min(w.id) FROM wig w JOIN department d ON d.id = w.department_id WHERE d.name = %s",
                 department)


def test_a_lead_takes_their_department_offline_and_sends_it_back_under_their_own_role(
        server_roles: dict[str, str], tmp_path: object) -> None:
    from datetime import date
    from pathlib import Path

    from planner.services.offline import send_back, take_offline
    from planner.store import open_plan_file

    path = Path(str(tmp_path)) / "wellness.planner"
    with open_server(server_roles["wellness"]) as lead:
        take_offline(lead, WELLNESS, path, date(2026, 12, 1), "Ana Ruiz").close()
        wig = first_wig(lead, WELLNESS)
        with open_plan_file(path) as laptop:
            plan_edit.update_node(laptop, NodeKey(Kind.WIG, wig), {"unit": "offline unit"})
        with open_plan_file(path) as laptop:
            sent = send_back(laptop, lead, WELLNESS, date(2026, 12, 1), "Ana Ruiz")
        assert not sent.file.problems and not sent.not_sent
        assert plan_edit.node_values(lead, NodeKey(Kind.WIG, wig))["unit"] == "offline unit"


def count(url: str, sql: str, *args: object) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, args).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return int(row[0])


def test_deleting_another_departments_rows_through_planner_is_refused_in_words_and_changes_nothing(
        server_roles: dict[str, str], server_url: str) -> None:
    with open_server(server_roles["office"]) as office:
        with office.reader() as s:
            name = s.scalars(select(PerformanceMeasure.name).join(Department).where(Department.name == DATA)
                             .order_by(PerformanceMeasure.id)).first()
        assert name is not None
        data_wig = first_wig(office, DATA)
        ms.log_value(office, ms.find_measure(office, name), "Q1 2024-25", "5", replace=True)
        projects.create(office, projects.Entity.PROJECT, {"name": "DS project", "link": NodeKey(Kind.WIG, data_wig)})
        with office.reader() as s:
            measurement = s.scalars(select(Measurement.id)).first()
            project = s.scalars(select(Project.id)).first()
    assert measurement is not None and project is not None
    with open_server(server_roles["wellness"]) as lead:
        with pytest.raises(PlannerError, match=REFUSED.format(what="measurement", dept=DATA)):
            ms.delete_measurement(lead, measurement)
        with pytest.raises(PlannerError, match=REFUSED.format(what="project", dept=DATA)):
            projects.remove(lead, projects.Entity.PROJECT, project)
        with pytest.raises(PlannerError, match=REFUSED.format(what="(wig|performance measure)", dept=DATA)):
            plan_edit.delete_node(lead, NodeKey(Kind.WIG, _wigs(lead, DATA)[1]))  # one no project is tied to
        with pytest.raises(PlannerError, match=REFUSED.format(what="wig", dept=DATA)):
            plan_edit.update_node(lead, NodeKey(Kind.WIG, data_wig), {"unit": "taken over"})
    with open_server(server_url) as office, office.reader() as s:
        assert s.get(Measurement, measurement) is not None and s.get(Project, project) is not None
        wig = s.get(Wig, data_wig)
        assert wig is not None and wig.unit != "taken over"


def test_deleting_ones_own_goal_may_not_cascade_into_another_departments_measure(
        server_roles: dict[str, str], server_url: str) -> None:
    with psycopg.connect(server_url) as conn:
        row = conn.execute("SELECT m.id, m.wig_id FROM performance_measure m JOIN wig w ON w.id = m.wig_id "
                           "JOIN department d ON d.id = w.department_id WHERE d.name = %s ORDER BY m.id LIMIT 1",
                           (WELLNESS,)).fetchone()
        assert row is not None
        measure, wig = row
        conn.execute("UPDATE performance_measure SET department_id = (SELECT id FROM department WHERE name = %s) "
                     "WHERE id = %s", (DATA, measure))  # the central office gives the measure to Data Strategy
    with open_server(server_roles["wellness"]) as lead, \
            pytest.raises(PlannerError, match=REFUSED.format(what="performance measure", dept=DATA)):
        plan_edit.delete_node(lead, NodeKey(Kind.WIG, wig))
    with psycopg.connect(server_roles["wellness"]) as conn, \
            pytest.raises(psycopg.errors.RaiseException, match="belongs to Data Strategy"):
        conn.execute("DELETE FROM wig WHERE id = %s", (wig,))
    assert count(server_url, "SELECT count(*) FROM performance_measure WHERE id = %s", measure) == 1
    assert count(server_url, "SELECT count(*) FROM wig WHERE id = %s", wig) == 1
    # a goal whose rows are all the lead's own is theirs to delete, cascade and all
    with open_server(server_roles["wellness"]) as lead:
        other = next(w for w in _wigs(lead, WELLNESS) if w != wig)
        plan_edit.delete_node(lead, NodeKey(Kind.WIG, other))
    assert count(server_url, "SELECT count(*) FROM wig WHERE id = %s", other) == 0


def _wigs(store: PlanStore, department: str) -> list[int]:
    with store.reader() as s:
        return list(s.scalars(select(Wig.id).join(Department, Wig.department_id == Department.id)
                              .where(Department.name == department).order_by(Wig.id)))


def test_the_department_row_is_the_central_offices_and_merge_bases_are_their_departments(
        server_roles: dict[str, str], server_url: str) -> None:
    dept = count(server_url, "SELECT id FROM department WHERE name = %s", WELLNESS)
    with psycopg.connect(server_roles["wellness"]) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="is the central office's to change"):
            conn.execute("UPDATE department SET name = 'Renamed by lead' WHERE id = %s", (dept,))
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="is the central office's to change"):
            conn.execute("DELETE FROM department WHERE id = %s", (dept,))
        conn.rollback()
    with psycopg.connect(server_url) as conn:  # the bases of a Wellness goal and a Data Strategy goal
        conn.execute("INSERT INTO exchange_state (uuid, created_at, updated_at, row_uuid, table_name, base_hash, "
                     "source_file, source_department) SELECT gen_random_uuid(), now(), now(), w.uuid, 'wig', 'x', "
                     "'', d.name FROM wig w JOIN department d ON d.id = w.department_id WHERE w.id IN (%s, %s)",
                     (first_wig_id(server_url, WELLNESS), first_wig_id(server_url, DATA)))
    with psycopg.connect(server_roles["data"]) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="this exchange state belongs to Student Wellness"):
            conn.execute("DELETE FROM exchange_state")
        conn.rollback()
        assert conn.execute("DELETE FROM exchange_state WHERE source_department = %s", (DATA,)).rowcount == 1
        with pytest.raises(psycopg.errors.RaiseException, match="this exchange state belongs to Student Wellness"):
            conn.execute("INSERT INTO exchange_state (uuid, created_at, updated_at, row_uuid, table_name, "
                         "base_hash) SELECT gen_random_uuid(), now(), now(), uuid, 'wig', 'z' FROM wig "
                         "WHERE id = %s", (first_wig_id(server_url, WELLNESS) + 0,))
    assert count(server_url, "SELECT count(*) FROM exchange_state WHERE source_department = %s", WELLNESS) == 1
    assert count(server_url, "SELECT count(*) FROM department WHERE name = %s", WELLNESS) == 1


def test_going_below_the_rights_revision_takes_the_leads_rights_away_too(
        server_roles: dict[str, str], server_url: str) -> None:
    from planner.store import migrate
    from planner.store.server import make_server_engine

    engine = make_server_engine(server_url)
    try:
        migrate.downgrade(engine, "0007")  # no policies any more: a role still granted could change anything
    finally:
        engine.dispose()
    with psycopg.connect(server_roles["wellness"]) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE wig SET sentence = 'taken over'")
