"""Due Now and the export's data-quality check list the same things (issue 18): the check is Due Now's
list for the scope (one service function, due.due_now), then what a workbook is checked for besides,
each such line saying it is checked rather than due. Pinned to 2025-01-15 on the default plan."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from planner.model import Department, Division
from planner.services import projects as pj
from planner.services.due import CHECK_GROUPS, DUE_GROUPS, due_now, export_check, item_line
from planner.services.exchange_rows import ExportScope
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.report import active_plan_id
from planner.store import PlanStore
from planner.ui.exchange_dialogs import ExportDialog
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 1, 15)  # inside the default plan's year, 2024-25
MARK = "Checked before sending, not due: "


def _with_workbook_gaps(store: PlanStore) -> None:
    """A project with no update and an overdue milestone (due), and an open risk with no owner (not due)."""
    from planner.model import Wig

    with store.reader() as s:  # Educational Technology's goal
        wig = s.scalars(select(Wig.id).where(Wig.sentence.like("Increase school-level Technology Contact%"))).one()
    pid = pj.create(store, pj.Entity.PROJECT, {"name": "Device audit", "status": "On track",
                                               "link": NodeKey(Kind.WIG, wig)}, today=TODAY).id
    pj.create(store, pj.Entity.MILESTONE, {"name": "Audit done", "due": "2025-01-06"}, project_id=pid, today=TODAY)
    pj.create(store, pj.Entity.RAID, {"type": "Risk", "description": "Vendor late", "owner": ""}, project_id=pid,
              today=TODAY)


def _split(lines: list[str]) -> tuple[list[str], list[str]]:
    return [x for x in lines if not x.startswith(MARK)], [x[len(MARK):] for x in lines if x.startswith(MARK)]


@pytest.mark.parametrize("scope_of", ["plan", "department", "division"])
def test_the_check_is_due_now_and_says_why_it_lists_more(store: PlanStore, scope_of: str) -> None:
    _with_workbook_gaps(store)
    plan_id = active_plan_id(store)
    with store.reader() as s:
        division = s.scalars(select(Division).where(Division.name == "Office of Technology")).one()
        departments = [d.id for d in s.scalars(select(Department).where(Department.division_id == division.id))]
        edtech = s.scalars(select(Department.id).where(Department.name == "Educational Technology")).one()
    scope, due = {
        "plan": (ExportScope(plan_id), due_now(store, plan_id, TODAY)),
        "department": (ExportScope(plan_id, department_id=edtech), due_now(store, plan_id, TODAY, edtech)),
        "division": (ExportScope(plan_id, division_id=division.id),
                     due_now(store, plan_id, TODAY, departments=departments)),
    }[scope_of]
    listed, checked = _split(export_check(store, scope, TODAY))
    assert listed == [item_line(i) for i in due] and listed
    assert {i.group for i in due} <= set(DUE_GROUPS)
    assert "Overdue milestones: Audit done (Device audit) — Was due 06 Jan 2025." in listed
    # the one thing more is named as checked, not due
    assert "Open RAID items without an owner: Risk: Vendor late (Device audit) — Open, and no one owns it." in checked
    assert all(line.split(":")[0] in CHECK_GROUPS for line in checked)
    # a goal that keeps a level has no baseline by design: not a gap
    assert not [x for x in checked if "Maintain a 100% success rate" in x]


def test_the_export_dialog_lists_what_the_due_page_lists(qtbot, qt_isolated, plan_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow

    seen: dict[str, list[str]] = {}

    def read_check(dialog: object) -> bool:
        assert isinstance(dialog, ExportDialog)
        seen["check"] = [dialog.problems.topLevelItem(i).text(0) for i in range(dialog.problems.topLevelItemCount())]
        seen["summary"] = [dialog.summary.text()]
        return False  # Close and Fix First

    w = MainWindow(data_dir=data_folder(), settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat),
                   prompter=ScriptedPrompter(dialog=read_check))
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    _with_workbook_gaps(w.store)
    dept = one(w, Department, name="Educational Technology")
    w.tabs.setCurrentWidget(w.due)
    w.due.department.setCurrentIndex(w.due.department.findData(dept.id))
    qtbot.waitUntil(lambda: bool(w.due.items), timeout=5000)
    w.settings.setValue("user/department", "Educational Technology")  # the export opens on my department
    w.export_workbook()
    listed, checked = _split(seen["check"])
    assert listed == [item_line(i) for i in w.due.items]
    assert len(seen["check"]) == len(w.due.items) + len(checked)
    assert "what Due Now lists for this scope" in seen["summary"][0]


def test_the_workbooks_cover_lists_what_the_export_dialog_checked(store: PlanStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The cover's "Checks before export" is the dialog's list, line for line (it was a list of its own)."""
    from openpyxl import load_workbook

    from planner.services.xlsx_export import export_workbook

    _with_workbook_gaps(store)
    plan_id = active_plan_id(store)
    with store.reader() as s:
        edtech = s.scalars(select(Department.id).where(Department.name == "Educational Technology")).one()
    scope = ExportScope(plan_id, department_id=edtech)
    expected = export_check(store, scope, TODAY)
    result = export_workbook(store, tmp_path / "edtech.xlsx", scope, TODAY, "Jordan Lee")
    assert result.quality == expected and expected
    cover = load_workbook(result.path, read_only=True)["Cover"]
    cells = [str(c) for row in cover.iter_rows(values_only=True) for c in row if c is not None]
    start = cells.index("Checks before export")
    assert cells[start + 1:start + 1 + len(expected)] == expected
