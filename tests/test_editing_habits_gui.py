"""Traps a department lead met in the real window, each checked by what the file holds after the clicks
and keys: what a project carries, spreadsheet habits in the workbook tables, bad values in the Progress
table, and forms whose fields must not move when a problem is shown."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from planner.model import KeyLever, Milestone, Project
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_workbook_gui import new_project, win  # noqa: F401 (the fixture)

E = pj.Entity


def levers(w: MainWindow) -> list[NodeKey]:
    return [c.key for c in pj.carry_choices(w.store, w.workbook.plan_id or 1) if c.key and c.key.kind is Kind.KEY_LEVER]


def keys(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a person does: each key to whatever has the focus now (an editor Tab opened, the table)."""
    for ch in text:
        qtbot.keyClick(QApplication.focusWidget(), ch)


def press(qtbot, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), key)
    QApplication.processEvents()


# ---- 1. Carries ----------------------------------------------------------------------------------------------

def test_carries_shows_and_keeps_the_key_lever_the_project_carries(win: MainWindow) -> None:  # noqa: F811
    lever = levers(win)[5]
    pid = pj.create(win.store, E.PROJECT, {"name": "Tutors", "link": lever}).id
    win.workbook.refresh(pid)
    carries = win.workbook.charter.carries
    assert carries.current_key() == lever
    with win.store.reader() as s:
        assert s.get(KeyLever, lever.id).text[:20] in carries.currentText()
    carries.activated.emit(carries.currentIndex())  # the person leaves it as shown: nothing changes
    assert one(win, Project, id=pid).key_lever_id == lever.id
    assert one(win, Project, id=pid).strategy_id is None


def test_carries_is_grouped_with_tooltips_and_searchable(win: MainWindow) -> None:  # noqa: F811
    pid = new_project(win)
    carries = win.workbook.charter.carries
    headings = [i for i in range(carries.count()) if not carries.itemData(i, pj_key_role())]
    assert headings and all(not (carries.model().item(i).flags() & Qt.ItemFlag.ItemIsSelectable) for i in headings)
    assert carries.itemText(headings[0]).startswith("Ae")
    for i in range(carries.count()):
        assert carries.itemData(i, Qt.ItemDataRole.ToolTipRole)  # the whole text, however long
        assert len(carries.itemText(i)) <= 100
    target = levers(win)[-1]
    path = next(c.path for c in pj.carry_choices(win.store, win.workbook.plan_id) if c.key == target)
    carries.finder.setText(path.split(":")[0][-12:])
    carries.finder.completer().activated.emit(path)
    assert one(win, Project, id=pid).key_lever_id == target.id


def pj_key_role() -> int:
    from planner.ui.project_models import KEY_ROLE

    return KEY_ROLE


def test_new_project_carries_the_key_lever_selected_in_the_plan(win: MainWindow) -> None:  # noqa: F811
    lever = levers(win)[3]
    win.tabs.setCurrentWidget(win.page)
    win.page.select(lever)
    assert win.page.current_key() == lever
    win.tabs.setCurrentWidget(win.workbook)
    win.workbook.new_button.click()
    assert not [a for a in win.prompter.asked if a.startswith("dialog:")]
    assert one(win, Project, name="New project").key_lever_id == lever.id
    assert win.workbook.charter.carries.current_key() == lever


def test_new_project_with_nothing_selected_asks_and_cancel_makes_nothing(win: MainWindow) -> None:  # noqa: F811
    win.workbook.plan_selection = lambda: None
    win.prompter.answers["dialog"] = lambda d: False
    win.workbook.new_button.click()
    assert "dialog:New Project" in win.prompter.asked
    dialog = win.prompter.dialogs[-1]
    assert dialog.key() is None  # nothing chosen for the person (never "Ae 1.004")
    with win.store.reader() as s:
        assert s.scalar(select(func.count(Project.id))) == 0


# ---- 2. Spreadsheet habits in the workbook tables ------------------------------------------------------------

def test_tab_enter_and_arrows_in_the_milestones_table(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    new_project(win)
    milestones = win.workbook.tables[E.MILESTONE]
    win.workbook.tabs.setCurrentWidget(milestones)
    milestones.add_button.click()
    milestones.add_button.click()
    view = milestones.view
    view.setFocus()
    view.setCurrentIndex(milestones.proxy.index(0, 0))
    keys(qtbot, "Kickoff")
    press(qtbot, Qt.Key.Key_Tab)  # saves the name, opens the Due cell
    keys(qtbot, "2025-03-01")
    press(qtbot, Qt.Key.Key_Return)
    with win.store.reader() as s:
        rows = s.execute(select(Milestone.name, Milestone.due).order_by(Milestone.position)).all()
    assert rows[0] == ("Kickoff", date(2025, 3, 1))
    # Enter saves and moves down, as in Excel (issue 18): the next row's Due cell, ready to type on
    assert view.currentIndex().row() == 1 and view.currentIndex().column() == 1
    keys(qtbot, "4/1/2025")  # typing on a cell replaces it
    press(qtbot, Qt.Key.Key_Return)
    with win.store.reader() as s:
        rows = s.execute(select(Milestone.name, Milestone.due).order_by(Milestone.position)).all()
    assert rows == [("Kickoff", date(2025, 3, 1)), ("New milestone", date(2025, 4, 1))]


# ---- 3. A bad value typed into an empty period of the Progress table -------------------------------------------

def test_bad_value_in_an_empty_period_says_why_and_keeps_nothing(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from planner.model import Measurement, PerformanceMeasure
    from planner.ui.progress_panel import HistoryModel

    measure = one(win, PerformanceMeasure, name="Chronic absenteeism rate")
    key = NodeKey(Kind.MEASURE, measure.id)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    win.page.tabs.setCurrentIndex(1)
    panel = win.page.progress
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.proxy.index(0, HistoryModel.COL_ACTUAL))
    keys(qtbot, "abc")
    press(qtbot, Qt.Key.Key_Return)
    with win.store.reader() as s:
        assert s.scalar(select(func.count(Measurement.id)).where(Measurement.measure_id == measure.id)) == 0
    assert "“abc” is not a number" in panel.message.text()
    panel.table.setCurrentIndex(panel.proxy.index(0, HistoryModel.COL_ACTUAL))
    keys(qtbot, "23")
    press(qtbot, Qt.Key.Key_Return)
    with win.store.reader() as s:
        assert s.scalar(select(Measurement.value).where(Measurement.measure_id == measure.id)) == 23
    assert panel.message.text() == ""


# ---- 5. Log Value dialog and plan forms: an error moves nothing, a new item's default is replaced by typing ----

def test_log_value_dialog_keeps_its_fields_in_place_and_clears_an_old_error(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from planner.model import Measurement, PerformanceMeasure

    measure = one(win, PerformanceMeasure, name="Chronic absenteeism rate")
    win.tabs.setCurrentWidget(win.page)
    win.page.select(NodeKey(Kind.MEASURE, measure.id))
    shown = []
    win.prompter.log_value = lambda dialog: shown.append(dialog)  # type: ignore[method-assign]
    win.page.log_action.trigger()
    dialog = shown[0]
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    dialog.setFixedSize(dialog.size())  # as shown, or as a window manager keeps it: it cannot grow
    QApplication.processEvents()
    before = {name: getattr(dialog, name).geometry() for name in ("period", "value", "note", "evidence")}
    dialog.value.setText("abc")
    assert dialog.save() is False
    QApplication.processEvents()
    assert dialog.error.isVisible() and "not a number" in dialog.error.text()
    assert {name: getattr(dialog, name).geometry() for name in before} == before
    qtbot.keyClick(dialog.value, Qt.Key.Key_Backspace)
    assert not dialog.error.isVisible()  # the input changed: the old problem is gone
    dialog.period.setCurrentText("Q9 2024-25")
    assert dialog.save() is False and dialog.error.isVisible()
    dialog.period.setCurrentText("Q2 2024-25")
    assert not dialog.error.isVisible()
    dialog.value.setText("21")
    assert dialog.save() is True
    with win.store.reader() as s:
        assert s.scalars(select(Measurement.value).where(Measurement.measure_id == measure.id)).all() == [21]


def _a_wig(w: MainWindow) -> NodeKey:
    from planner.model import Wig

    return NodeKey(Kind.WIG, one(w, Wig, sentence="Decrease the chronic%").id)


def test_an_error_under_a_plan_field_does_not_move_the_fields_below(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from planner.model import Wig

    key = _a_wig(win)
    win.tabs.setCurrentWidget(win.page)
    win.page.select(key)
    form = win.page.form
    QApplication.processEvents()
    below = {n: form.editors[n].mapTo(form, form.editors[n].rect().topLeft()) for n in ("target", "unit", "deadline")}
    target_before = one(win, Wig, id=key.id).target
    form.editors["baseline"].setFocus()
    form.editors["baseline"].setText("lots")
    form.editors["baseline"].editingFinished.emit()
    QApplication.processEvents()
    assert "baseline" in form.visible_errors()
    assert {n: form.editors[n].mapTo(form, form.editors[n].rect().topLeft()) for n in below} == below
    assert one(win, Wig, id=key.id).target == target_before


def test_typing_replaces_a_new_key_levers_default_text(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    win.tabs.setCurrentWidget(win.page)
    win.activateWindow()
    win.page.select(_a_wig(win))
    with win.store.reader() as s:
        before = set(s.scalars(select(KeyLever.id)).all())
    win.page.add_child()
    QApplication.processEvents()
    keys(qtbot, "Tutor every ninth grader")
    win.page.form.flush()
    with win.store.reader() as s:
        new = s.scalars(select(KeyLever).where(KeyLever.id.not_in(before))).one()
        assert new.text == "Tutor every ninth grader"


def test_form_headings_read_naturally(win: MainWindow) -> None:  # noqa: F811
    from planner.model import Department, Wig
    from planner.services.plan_outline import View

    win.tabs.setCurrentWidget(win.page)
    win.page.select_plan(win.page.plan.id, View.DEPARTMENTS)
    dept = one(win, Department, name="Data Analytics")
    win.page.select(NodeKey(Kind.DEPARTMENT, dept.id))
    assert win.page.form.heading.text() == "Department: Data Analytics"
    wig = one(win, Wig, department_id=dept.id, strategy_id=None)
    win.page.select(NodeKey(Kind.WIG, wig.id))
    heading = win.page.form.heading.text()
    assert heading.startswith("WIG ") and "Department" not in heading.replace("Data Analytics", "")


# ---- 4. WIG Session: the selected WIG's text is readable ------------------------------------------------------

def _spread(image, rect) -> int:  # type: ignore[no-untyped-def]
    """How far apart the lightest and darkest pixels of a rect are (0 when all one colour)."""
    from PySide6.QtGui import QColor

    values = [QColor(image.pixel(x, y)).lightness() for x in range(rect.left() + 2, rect.right() - 2, 2)
              for y in range(rect.top() + 2, rect.bottom() - 2, 2)]
    return max(values) - min(values)


def test_the_selected_wig_in_the_session_is_readable(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    from planner.model import Commitment

    page = win.session
    win.tabs.setCurrentWidget(page)
    page.department.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.wigs.count() > 1, timeout=10000)
    page.wigs.setCurrentRow(1)
    QApplication.processEvents()
    image = page.wigs.grab().toImage()
    for row in (0, 1):  # unselected and selected: text stands out from its background
        rect = page.wigs.visualItemRect(page.wigs.item(row))
        assert _spread(image, rect) > 120, f"row {row} has no readable text"
    page.new_what.setText("Call five schools")
    page.add_button.click()
    assert one(win, Commitment, what="Call five schools").wig_id == page.sessions[1].wig_id


# ---- 6. The department list ----------------------------------------------------------------------------------

def test_departments_sorted_as_people_read_with_groups_apart(win: MainWindow) -> None:  # noqa: F811
    from planner.ui.department_choice import GROUPS_HEADING

    choice = win.session.department
    texts = [choice.itemText(i) for i in range(choice.count())]
    assert texts.index("Academics") < texts.index("ASEP") < texts.index("Athletics")
    heading = texts.index(GROUPS_HEADING)
    assert all(texts.index(t) > heading for t in texts if t.strip().startswith("All Central Office"))
    assert not choice.model().item(heading).isEnabled()
    choice.setCurrentIndex(choice.find_name("All Central Office Departments"))
    assert choice.chosen_name() == "All Central Office Departments"
    win.session.department_chosen.emit(choice.chosen_name())
    choice.setCurrentIndex(choice.find_name("Academics"))
    assert choice.chosen_name() == "Academics"
