"""What the server's history says of who changed the plan cannot be made up by a person signed in as a lead:
its trigger function records the plan's own tables only, the role signed in is kept beside the name given,
and a Planner tells its own changes by batch AND role."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from planner.errors import RowChangedError
from planner.model import Department, Wig
from planner.services import plan_edit
from planner.services.history import change_reason
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

WELLNESS, DATA = "Student Wellness", "Data Strategy"


def wig_of(store: PlanStore, department: str) -> tuple[int, str]:
    with store.reader() as s:
        wig = s.scalars(select(Wig).join(Department, Wig.department_id == Department.id)
                        .where(Department.name == department).order_by(Wig.id)).first()
        assert wig is not None
        return wig.id, str(wig.uuid)


def history_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM change_log").fetchone()
    assert row is not None
    return int(row[0])


def test_a_lead_cannot_forge_a_history_entry_through_the_trigger_function(
        server_roles: dict[str, str], server_url: str) -> None:
    with open_server(server_url) as office:
        data_wig, data_uuid = wig_of(office, DATA)
    before = history_count(server_url)
    with psycopg.connect(server_roles["wellness"]) as conn:
        conn.execute("SELECT set_config('planner.actor', 'Superintendent Smith', true)")
        conn.execute("CREATE TEMP TABLE wig (id integer, uuid text, sentence text)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TRIGGER t AFTER INSERT ON pg_temp.wig FOR EACH ROW "
                         "EXECUTE FUNCTION public.planner_audit()")
        conn.rollback()
    assert history_count(server_url) == before
    # even a table of the owner's own outside the plan's schema is not recorded
    with psycopg.connect(server_url) as conn:
        conn.execute("CREATE TEMP TABLE wig (id integer, uuid text, sentence text)")
        conn.execute("CREATE TRIGGER audit_wig AFTER INSERT ON pg_temp.wig FOR EACH ROW "
                     "EXECUTE FUNCTION public.planner_audit()")
        with pytest.raises(psycopg.errors.RaiseException, match="own tables only"):
            conn.execute("INSERT INTO pg_temp.wig VALUES (%s, %s, 'FORGED')", (data_wig, data_uuid))
    assert history_count(server_url) == before


def test_the_history_keeps_the_role_signed_in_beside_the_name_given(
        server_roles: dict[str, str], server_url: str) -> None:
    with open_server(server_roles["wellness"]) as lead:
        lead.actor = "Superintendent Smith"  # a name anyone may type in their settings
        wig_id, _ = wig_of(lead, WELLNESS)
        plan_edit.update_node(lead, NodeKey(Kind.WIG, wig_id), {"unit": "students"})
        role = lead.role
    assert role.startswith("lead_wellness_")
    with psycopg.connect(server_url) as conn:
        row = conn.execute("SELECT actor, signed_in_as FROM change_log WHERE table_name = 'wig' AND row_id = %s "
                           "ORDER BY id DESC LIMIT 1", (wig_id,)).fetchone()
    assert row == ("Superintendent Smith", role)


def test_a_borrowed_batch_id_neither_hides_a_change_from_the_window_nor_makes_it_undoable(
        server_roles: dict[str, str], server_url: str) -> None:
    ana = open_server(server_roles["wellness"])
    ana.actor = "Ana Ruiz"
    heard: list[str] = []
    told = threading.Event()

    def on_change(who: str) -> None:
        heard.append(who)
        told.set()

    try:
        wig_id, _ = wig_of(ana, WELLNESS)
        key = NodeKey(Kind.WIG, wig_id)
        ana.listen(on_change)
        before = plan_edit.update_node(ana, key, {"unit": "students"})
        with psycopg.connect(server_url) as conn:
            row = conn.execute("SELECT batch FROM change_log WHERE table_name = 'wig' AND row_id = %s "
                               "ORDER BY id DESC LIMIT 1", (wig_id,)).fetchone()
        assert row is not None
        borrowed = row[0]  # the history is readable by everyone, and so is Ana's batch id
        told.clear()
        heard.clear()
        with psycopg.connect(server_roles["office"]) as conn:
            conn.execute("SELECT set_config('planner.batch', %s, true), set_config('planner.actor', 'Ana Ruiz', "
                         "true)", (borrowed,))
            conn.execute("UPDATE wig SET unit = 'learners' WHERE id = %s", (wig_id,))
        assert told.wait(10), "the window was never told of the central office's change"
        with pytest.raises(RowChangedError, match="Undo would overwrite someone else's later change") as caught, \
                change_reason("Undo: Edit WIG"):
            plan_edit.update_node(ana, key, before)
        assert "signed in as office_" in str(caught.value)
        assert plan_edit.node_values(ana, key)["unit"] == "learners"
    finally:
        ana.close()
