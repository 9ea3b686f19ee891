"""The Workbook tab through its widgets: projects, charter, milestones, tasks, RAID log, updates, timeline,
and the projects and utilization shown in the plan tree; each test checks what the file holds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from sqlalchemy import func, select

from planner.model import Department, KeyLever, Milestone, Project, RaidItem, StatusUpdate, Task, Wig
from planner.services import plan_edit
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

E = pj.Entity
TODAY = date(2025, 1, 15)


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 850)
    w.show()
    w.tabs.setCurrentWidget(w.workbook)
    return w


def count(w: MainWindow, model: type) -> int:
    with w.store.reader() as s:
        return int(s.scalar(select(func.count(model.id))))



def edit_cell(table, row: int, column_label: str, value: str) -> None:  # type: ignore[no-untyped-def]
    labels = [table.model.headerData(i, Qt.Orientation.Horizontal) for i in range(table.model.columnCount())]
    index = table.proxy.index(row, labels.index(column_label))
    assert table.proxy.setData(index, value)


def first_lever(win: MainWindow) -> NodeKey:
    return next(c.key for c in pj.carry_choices(win.store, win.workbook.plan_id or 1)
                if c.key and c.key.kind is Kind.KEY_LEVER)


def new_project(win: MainWindow, name: str = "Street teams") -> int:
    """New Project as a person makes it with nothing chosen in the plan: asked what it carries, a key lever."""
    win.prompter.answers["dialog"] = lambda d: d.choose(first_lever(win))
    win.workbook.new_button.click()
    editor = win.workbook.charter.editors["name"]
    editor.setText(name)
    editor.editingFinished.emit()
    return win.workbook.project_id


def test_new_project_charter_and_undo(win: MainWindow) -> None:
    pid = new_project(win)
    assert one(win, Project, id=pid).name == "Street teams"
    charter = win.workbook.charter
    for field, text in (("lead", "M. Diaz"), ("start_date", "2024-08-01"), ("end_date", "2025-06-30"),
                        ("budget", "120000"), ("percent_complete", "45")):
        charter.editors[field].setText(text)
        charter.editors[field].editingFinished.emit()
    link = charter.carries
    link.setCurrentIndex(next(i for i in range(link.count())
                              if str(link.itemData(i, Qt.ItemDataRole.ToolTipRole)).startswith(
                                  "Strategy Ae 5.003 · WIG 1 · Key lever 2")))
    link.activated.emit(link.currentIndex())
    project = one(win, Project, id=pid)
    assert (project.lead, project.budget, project.percent_complete, project.end_date) == (
        "M. Diaz", 120000, 45, date(2025, 6, 30))
    assert project.key_lever_id is not None
    assert win.workbook.projects.rows[0].pillar == "Ae"
    win.page.undo_action.trigger()  # the link
    win.page.undo_action.trigger()  # % complete
    assert one(win, Project, id=pid).percent_complete == 0


@pytest.mark.parametrize(("field", "text", "words"), [
    ("end_date", "2023-01-01", "before the start"), ("percent_complete", "140", "between 0 and 100"),
    ("name", "", "cannot be empty"), ("start_date", "next week", "not a date Planner can read"),
])
def test_charter_bad_input_at_the_field(win: MainWindow, field: str, text: str, words: str) -> None:
    pid = new_project(win)
    charter = win.workbook.charter
    charter.editors["start_date"].setText("2024-08-01")
    charter.editors["start_date"].editingFinished.emit()
    before = {c.name: getattr(one(win, Project, id=pid), c.name) for c in Project.__table__.columns}
    charter.editors[field].setText(text)
    charter.editors[field].editingFinished.emit()
    assert words in charter.visible_errors()[field]
    assert {c.name: getattr(one(win, Project, id=pid), c.name) for c in Project.__table__.columns} == before


def test_tasks_in_place_dependencies_and_cycles(win: MainWindow) -> None:
    pid = new_project(win)
    tasks = win.workbook.tables[E.TASK]
    for _ in range(3):
        tasks.add_button.click()
    assert count(win, Task) == 3
    edit_cell(tasks, 0, "Task", "Hire")
    edit_cell(tasks, 1, "Depends on (task #)", "1")
    edit_cell(tasks, 2, "Depends on (task #)", "2")
    edit_cell(tasks, 0, "Depends on (task #)", "3")  # closes a circle: refused
    assert "closes a circle" in tasks.message.text()
    with win.store.reader() as s:
        first = s.scalars(select(Task).where(Task.project_id == pid, Task.position == 0)).one()
        assert first.name == "Hire" and first.depends_on == []
    edit_cell(tasks, 1, "Status", "Done")
    assert one(win, Task, name="New task", status="Done") is not None
    edit_cell(tasks, 1, "%", "150")
    assert "between 0 and 100" in tasks.message.text()


def test_milestones_warn_outside_the_project_and_mark_overdue(win: MainWindow) -> None:
    new_project(win)
    charter = win.workbook.charter
    for field, text in (("start_date", "2024-08-01"), ("end_date", "2025-06-30")):
        charter.editors[field].setText(text)
        charter.editors[field].editingFinished.emit()
    milestones = win.workbook.tables[E.MILESTONE]
    milestones.add_button.click()
    edit_cell(milestones, 0, "Due", "2025-09-01")
    assert "outside the project's dates" in milestones.message.text()
    assert one(win, Milestone, name="New milestone").due == date(2025, 9, 1)  # a warning: saved
    edit_cell(milestones, 0, "Due", "2025-01-01")
    flags = milestones.proxy.index(0, 3).data()
    assert flags == "⚠ overdue"
    assert "late item" in win.workbook.projects.flags_text(win.workbook.projects.rows[0])


def test_raid_log_scores_and_delete_with_undo(win: MainWindow) -> None:
    new_project(win)
    raid = win.workbook.tables[E.RAID]
    raid.add_button.click()
    edit_cell(raid, 0, "Likelihood (1-5)", "4")
    edit_cell(raid, 0, "Impact (1-5)", "5")
    assert raid.proxy.index(0, raid.model.columnCount() - 1).data() == "20 High"
    edit_cell(raid, 0, "Impact (1-5)", "9")
    assert "scored 1 to 5" in raid.message.text() and one(win, RaidItem, impact=5) is not None
    raid.view.setCurrentIndex(raid.proxy.index(0, 0))
    raid.delete_button.click()
    assert count(win, RaidItem) == 0
    win.page.undo_action.trigger()
    assert one(win, RaidItem, impact=5).likelihood == 4


def test_weekly_updates_are_kept_as_history(win: MainWindow) -> None:
    new_project(win)
    updates = win.workbook.tables[E.UPDATE]
    updates.add_button.click()
    edit_cell(updates, 0, "Week of", "2025-01-06")
    edit_cell(updates, 0, "Accomplishments", "Wave 1 at 70%")
    updates.add_button.click()
    assert count(win, StatusUpdate) == 2
    assert [r["update_date"] for r in updates.model.rows] == [TODAY, date(2025, 1, 6)]  # newest first


def test_delete_project_and_undo_restores_everything(win: MainWindow) -> None:
    pid = new_project(win)
    win.workbook.tables[E.TASK].add_button.click()
    win.workbook.tables[E.MILESTONE].add_button.click()
    win.workbook.select_project(pid)
    win.workbook.delete_button.click()
    assert count(win, Project) == 0 and count(win, Task) == 0
    win.page.undo_action.trigger()
    assert one(win, Project, id=pid).name == "Street teams" and count(win, Task) == 1 and count(win, Milestone) == 1


def test_filters_and_timeline(win: MainWindow, tmp_path: Path) -> None:
    a = new_project(win, "Alpha")
    new_project(win, "Beta")
    pj.update(win.store, E.PROJECT, a, {"status": "At risk", "start_date": "2024-08-01", "end_date": "2024-12-31"})
    pj.create(win.store, E.TASK, {"name": "Hire", "start_date": "2024-08-01", "due": "2024-09-30"}, project_id=a)
    pj.create(win.store, E.MILESTONE, {"name": "Launch", "due": "2024-10-01"}, project_id=a)
    win.workbook.refresh(a)
    wb = win.workbook
    wb.status_filter.setCurrentIndex(wb.status_filter.findData("At risk"))
    assert wb.proxy.rowCount() == 1 and wb.count_label.text() == "1 of 2 projects"
    wb.status_filter.setCurrentIndex(0)
    wb.overdue_only.setCurrentIndex(1)
    assert wb.proxy.rowCount() == 1  # Alpha ended before today
    wb.overdue_only.setCurrentIndex(0)
    wb.select_project(a)
    wb.tabs.setCurrentIndex(5)
    bars = wb.gantt.bars
    assert [(b.kind, b.label) for b in bars] == [("project", "Alpha"), ("task", "#1 Hire"), ("milestone", "Launch")]
    assert all(b.overdue for b in bars)
    wb.zoom.setCurrentText("Quarter")
    assert wb.gantt.zoom == "Quarter" and wb.gantt.x_of(date(2024, 9, 1)) < 400
    assert wb.grab().save(str(tmp_path / "timeline.png"))


def test_projects_and_utilization_in_the_plan_tree(win: MainWindow) -> None:
    with win.store.reader() as s:
        dept = s.scalars(select(Department).where(Department.name == "Data Analytics")).one()
        wig_id = s.scalars(select(Wig.id).where(Wig.department_id == dept.id)).first()
    lever = plan_edit.add_node(win.store, NodeKey(Kind.WIG, wig_id), Kind.KEY_LEVER, {"text": "Launch the tracker"})
    pid = pj.create(win.store, E.PROJECT, {"name": "Request tracker", "link": lever, "status": "On track"}).id
    pj.create(win.store, E.UPDATE, {"update_date": TODAY}, project_id=pid)
    from planner.services.plan_outline import View

    win.tabs.setCurrentWidget(win.page)
    win.page.select_plan(win.page.plan.id, View.DEPARTMENTS)  # the department's own goals live here
    win.page.select(lever)
    assert win.page.details_extra.text() == "Projects: Request tracker (On track)"
    win.page.select(NodeKey(Kind.DEPARTMENT, dept.id))
    assert win.page.details_extra.text() == ("Project workbook utilization: 1 of 1 key levers (100%) have an "
                                             "active project updated in the last 30 days.")
    with win.store.reader() as s:
        assert s.get(KeyLever, lever.id).text == "Launch the tracker"


def test_render_the_project_page(win: MainWindow, tmp_path: Path) -> None:
    pid = new_project(win)
    win.workbook.select_project(pid)
    assert win.grab().save(str(tmp_path / "project.png"))


def milestones(w: MainWindow) -> list[tuple]:
    with w.store.reader() as s:
        return list(s.execute(select(Milestone.name, Milestone.due).order_by(Milestone.position, Milestone.id)))


def test_paste_a_block_of_milestones_from_excel_is_one_undo_step(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    new_project(win)
    table = win.workbook.tables[E.MILESTONE]
    win.workbook.tabs.setCurrentWidget(table)
    for _ in range(3):
        table.add_button.click()
    labels = [table.model.headerData(i, Qt.Orientation.Horizontal) for i in range(table.model.columnCount())]
    table.view.setCurrentIndex(table.proxy.index(0, labels.index("Milestone")))
    table.view.setFocus()
    undo_before = win.doc.undo_stack.count()
    before_paste = milestones(win)
    QGuiApplication.clipboard().setText("Kick-off\t9/1/2024\r\nMid-year review\t1/10/2025\r\n"
                                        "Close-out\tJun 30 2025\r\n")
    qtbot.keyClick(table.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert milestones(win) == [("Kick-off", date(2024, 9, 1)), ("Mid-year review", date(2025, 1, 10)),
                               ("Close-out", date(2025, 6, 30))]
    assert win.doc.undo_stack.count() == undo_before + 1
    assert win.page.undo_action.text() == "&Undo Paste 6 Cells"
    win.page.undo_action.trigger()
    assert milestones(win) == before_paste


def test_a_refused_cell_takes_the_whole_paste_back(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    new_project(win)
    table = win.workbook.tables[E.MILESTONE]
    for _ in range(2):
        table.add_button.click()
    before = milestones(win)
    labels = [table.model.headerData(i, Qt.Orientation.Horizontal) for i in range(table.model.columnCount())]
    table.view.setCurrentIndex(table.proxy.index(0, labels.index("Milestone")))
    table.grid.paste("Kick-off\t9/1/2024\nReview\tsoon")
    assert milestones(win) == before
    assert "Nothing was pasted: row 2" in table.message.text()


def test_sorting_by_a_header_orders_the_projects_and_keeps_the_selection(win: MainWindow) -> None:
    """The projects model sorts itself with one key a row (the proxy's own sort asked Python per comparison):
    a click on a header orders by that column's value (% done as a number, dates as dates), both ways, and
    the project being worked on stays the selected one."""
    page = win.workbook
    for n, (name, pct) in enumerate([("b mid", 50), ("A first", 9), ("c last", 100)]):
        new_project(win, name)
        page.save_charter("percent_complete", pct)
        page.save_charter("start_date", date(2024, 9, 1 + n))
    page.refresh()
    chosen = one(win, Project, name="b mid").id
    assert one(win, Project, name="A first").percent_complete == 9
    assert page.select_project(chosen)

    def shown(column: int) -> list:
        return [page.proxy.index(r, column).data() for r in range(page.proxy.rowCount())]

    rows = {r.id: r for r in page.projects.rows}
    for column, key in [(0, lambda r: r.name), (3, lambda r: r.percent_complete), (1, lambda r: r.lead)]:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            page.table.sortByColumn(column, order)
            ids = [page.projects.rows[page.proxy.mapToSource(page.proxy.index(r, 0)).row()].id
                   for r in range(page.proxy.rowCount())]
            want = sorted(rows.values(), key=key, reverse=order == Qt.SortOrder.DescendingOrder)
            assert [key(rows[i]) for i in ids] == [key(r) for r in want]
            current = page.table.currentIndex()
            assert page.projects.rows[page.proxy.mapToSource(current).row()].id == chosen
    page.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    percents = [float(t.rstrip("%")) for t in shown(3)]
    assert percents == sorted(percents) and 9.0 in percents and 100.0 in percents  # 9 before 50 before 100
    page.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
    starts = [d for d in shown(4) if d]
    assert starts == sorted(starts)


def test_the_list_is_read_off_the_gui_thread_and_the_selection_kept(win: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                                     monkeypatch) -> None:
    """Shown or told of a change, the projects are read on a real background thread (0.4 s at x10); when
    they arrive the list holds what the file holds and the project being worked on is still selected."""
    page = win.workbook
    kept = new_project(win, "Kept selected")
    monkeypatch.delenv("PLANNER_SYNC_TASKS", raising=False)
    with win.store.session() as s:  # another window's edit, as the list would learn of it
        s.get(Project, kept).lead = "R. Okafor"
    page.refresh()
    qtbot.waitUntil(lambda: any(r.lead == "R. Okafor" for r in page.projects.rows), timeout=10000)
    assert {r.id for r in page.projects.rows} == {p.id for p in pj.project_rows(
        win.store, page.plan_id or 1, TODAY, year_id=page.year_id)}
    current = page.table.currentIndex()
    assert current.isValid() and page.projects.rows[page.proxy.mapToSource(current).row()].id == kept
    assert page.project_id == kept and page.count_label.text().endswith("projects")
