"""The History page (and what the export reads from services/history) shows the role a person was signed in
as on the district server beside the name they gave, when the two differ: the name is whatever anyone typed
in their settings, the role is what the server checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from planner.model import Department, Wig
from planner.services import history, plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

WELLNESS = "Student Wellness"


def wellness_wig(store: PlanStore) -> int:
    with store.reader() as s:
        wig = s.scalars(select(Wig).join(Department, Wig.department_id == Department.id)
                        .where(Department.name == WELLNESS).order_by(Wig.id)).first()
        assert wig is not None
        return wig.id


def test_a_change_made_under_another_name_shows_the_role_signed_in_as(
        server_roles: dict[str, str], server_url: str) -> None:
    with open_server(server_roles["wellness"]) as lead:
        lead.actor = "Superintendent Smith"
        wig_id = wellness_wig(lead)
        plan_edit.update_node(lead, NodeKey(Kind.WIG, wig_id), {"unit": "students"})
        role = lead.role
    with open_server(server_url) as office:
        entry = history.changes(office, item=history.item_of(NodeKey(Kind.WIG, wig_id)), limit=1)[0]
        same = [e for e in history.iter_all(office) if e.id == entry.id]
        own = history.for_rows(office, [entry.row_uuid or ""])
    assert entry.actor == "Superintendent Smith" and entry.signed_in_as == role
    assert entry.who == f"Superintendent Smith (signed in as {role})"
    assert [e.who for e in same] == [entry.who]  # the export's reading carries it too
    assert own[-1].signed_in_as == role


def test_a_name_that_is_the_role_itself_is_shown_once(server_url: str) -> None:
    with open_server(server_url) as office:
        office.actor = office.role
        wig_id = wellness_wig(office)
        plan_edit.update_node(office, NodeKey(Kind.WIG, wig_id), {"unit": "families"})
        entry = history.changes(office, item=history.item_of(NodeKey(Kind.WIG, wig_id)), limit=1)[0]
    assert entry.signed_in_as == entry.actor and entry.who == entry.actor


@pytest.mark.usefixtures("pg_cluster")
def test_the_history_page_shows_who_signed_in_as_what(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                     server_roles: dict[str, str]) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.connect_to_server(server_roles["wellness"])
    assert w.store is not None
    w.store.actor = "Superintendent Smith"
    wig_id = wellness_wig(w.store)
    plan_edit.update_node(w.store, NodeKey(Kind.WIG, wig_id), {"unit": "learners"})
    role = w.store.role
    w.tabs.setCurrentWidget(w.changes)
    w.changes.refresh()
    qtbot.waitUntil(lambda: w.changes.table.topLevelItemCount() > 0
                    and "learners" in w.changes.table.topLevelItem(0).text(4))
    assert w.changes.table.topLevelItem(0).text(1) == f"Superintendent Smith (signed in as {role})"
    # and the whole of it is in view, not cut to its first words
    table = w.changes.table
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance(table.topLevelItem(0).text(1))


def test_the_first_start_on_a_server_offers_the_department_the_role_leads(
        qtbot, tmp_path: Path, server_roles: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """A lead signing in for the first time finds their own department chosen (the central office: the whole
    district); what a person chose before is kept."""
    from PySide6.QtCore import QSettings

    from planner.store import open_server
    from planner.ui.first_start import WHOLE_DISTRICT, FirstStartDialog, WhoYouAre, remember

    for who, expected in (("wellness", "Student Wellness"), ("data", "Data Strategy"), ("office", "")):
        with open_server(server_roles[who]) as store:
            dialog = FirstStartDialog(store, QSettings(str(tmp_path / f"{who}.ini"), QSettings.Format.IniFormat))
            qtbot.addWidget(dialog)
            assert dialog.department.chosen() == expected, who
            if not expected:
                assert dialog.department.currentText() == WHOLE_DISTRICT
    chosen = QSettings(str(tmp_path / "chosen.ini"), QSettings.Format.IniFormat)
    remember(chosen, WhoYouAre("Wendy Walker", ""))  # asked before, and chose the whole district
    with open_server(server_roles["wellness"]) as store:
        again = FirstStartDialog(store, chosen)
        qtbot.addWidget(again)
        assert again.department.chosen() == ""
