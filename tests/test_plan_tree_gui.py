"""The plan tree and forms through the widgets; every test checks what the file holds afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from planner.model import KeyLever, Pillar, Strategy, Wig
from planner.services import plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import View
from planner.services.transaction import SaveError
from planner.ui.main_window import MainWindow
from planner.ui.plan_tree_model import MATCH_ROLE, PlanTreeModel
from tests.conftest import fetch_one as db_one
from tests.test_gui import ScriptedPrompter


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    return w



def key(kind: Kind, obj) -> NodeKey:  # type: ignore[no-untyped-def]
    return NodeKey(kind, obj.id)


def commit_line(w: MainWindow, field: str, text: str) -> None:
    editor = w.page.form.editors[field]
    assert isinstance(editor, QLineEdit)
    editor.setText(text)
    editor.editingFinished.emit()


def commit_text(w: MainWindow, field: str, text: str) -> None:
    editor = w.page.form.editors[field]
    assert isinstance(editor, QPlainTextEdit)
    editor.setPlainText(text)
    editor.editingFinished.emit()


def test_select_edit_undo_redo_a_statement(win: MainWindow) -> None:
    strategy = db_one(win, Strategy, code="Ae 1.004")
    win.page.select(key(Kind.STRATEGY, strategy))
    assert win.page.form.heading.text() == "Strategy Ae 1.004"
    commit_text(win, "statement", "Guide instruction with data.")
    assert db_one(win, Strategy, code="Ae 1.004").statement == "Guide instruction with data."
    index = win.page.model.index_for(key(Kind.STRATEGY, strategy), PlanTreeModel.COL_TITLE)
    assert index.data() == "Guide instruction with data."
    assert win.page.undo_action.text() == "&Undo Edit Strategy statement"
    win.page.undo_action.trigger()
    assert db_one(win, Strategy, code="Ae 1.004").statement.startswith("Guide instruction with appropriate")
    assert win.page.model.index_for(key(Kind.STRATEGY, strategy), 1).data().startswith("Guide instruction with ap")
    win.page.redo_action.trigger()
    assert db_one(win, Strategy, code="Ae 1.004").statement == "Guide instruction with data."


def test_keyboard_undo_with_ctrl_z(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    pillar = db_one(win, Pillar, code="Oe")
    win.page.select(key(Kind.PILLAR, pillar))
    commit_line(win, "tagline", "Run the district well")
    win.page.tree.setFocus()
    qtbot.keyClick(win.page.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert db_one(win, Pillar, code="Oe").tagline == "Deliver efficient operations"
    qtbot.keyClick(win.page.tree, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert db_one(win, Pillar, code="Oe").tagline == "Run the district well"


@pytest.mark.parametrize(
    ("kind", "model", "where", "field", "value", "words"),
    [
        (Kind.STRATEGY, Strategy, {"code": "Ae 1.004"}, "statement", "   ", "cannot be empty"),
        (Kind.STRATEGY, Strategy, {"code": "Oe 4.002"}, "code", "Oe 4.001", "already used under this priority"),
        (Kind.WIG, Wig, {"sentence": "Decrease the chronic%"}, "target", "23.35", "equals the baseline"),
        (Kind.WIG, Wig, {"sentence": "Decrease the chronic%"}, "deadline", "2024-05-01", "before the start"),
    ],
)
def test_bad_input_shows_at_the_field_and_writes_nothing(win: MainWindow, kind: Kind, model: type, where: dict,
                                                         field: str, value: str, words: str) -> None:
    obj = db_one(win, model, **where)
    before = {c.name: getattr(obj, c.name) for c in model.__table__.columns}
    win.page.select(key(kind, obj))
    editor = win.page.form.editors[field]
    if isinstance(editor, QPlainTextEdit):
        commit_text(win, field, value)
    else:
        commit_line(win, field, value)
    errors = win.page.form.visible_errors()
    assert list(errors) == [field] and words in errors[field]
    after = db_one(win, model, id=obj.id)
    assert {c.name: getattr(after, c.name) for c in model.__table__.columns} == before
    assert win.page.undo_stack.count() == 0


def test_wig_form_reads_the_sentence_live_and_applies_it(win: MainWindow) -> None:
    wig = db_one(win, Wig, sentence="Increase the number of CMS Partners%")
    win.page.select(key(Kind.WIG, wig))
    assert "102 → 154 approved partners by 30 Jun 2025" in win.page.form.parsed_label.text()
    sentence = win.page.form.editors["sentence"]
    sentence.setPlainText("Increase active partners from 120 partners to 200 partners by December 2025.")
    assert "120 → 200 partners by 31 Dec 2025" in win.page.form.parsed_label.text()  # before anything is saved
    assert db_one(win, Wig, id=wig.id).target == 154
    win.page.form.use_parsed.click()
    saved = db_one(win, Wig, id=wig.id)
    assert (saved.baseline, saved.target, saved.unit, saved.deadline.isoformat()) == (
        120, 200, "partners", "2025-12-31")
    assert saved.sentence.startswith("Increase active partners")
    win.page.undo_action.trigger()
    assert db_one(win, Wig, id=wig.id).target == 154


def test_planner_overrides_a_parsed_value(win: MainWindow) -> None:
    wig = db_one(win, Wig, sentence="Increase the number of CMS Partners%")
    win.page.select(key(Kind.WIG, wig))
    combo = win.page.form.editors["kind"]
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("milestone"))
    combo.activated.emit(combo.currentIndex())
    assert db_one(win, Wig, id=wig.id).kind.value == "milestone"


def test_add_child_key_lever_undo_redo_keeps_the_same_row(win: MainWindow) -> None:
    wig = db_one(win, Wig, sentence="Decrease the chronic%")
    win.page.select(key(Kind.WIG, wig))
    assert win.page.add_child_action.isEnabled() and "Key Lever" in win.page.add_child_action.text()
    win.page.add_child_action.trigger()
    new_key = win.page.current_key()
    assert new_key.kind is Kind.KEY_LEVER
    commit_text(win, "text", "Phone every family after two absences")
    lever = db_one(win, KeyLever, id=new_key.id)
    assert lever.text == "Phone every family after two absences" and lever.wig_id == wig.id and lever.position == 3
    uuid = lever.uuid
    win.page.undo_action.trigger()  # the text
    win.page.undo_action.trigger()  # the add
    assert db_one(win, KeyLever, id=new_key.id) is None
    win.page.redo_action.trigger()
    win.page.redo_action.trigger()
    again = db_one(win, KeyLever, id=new_key.id)
    assert again.uuid == uuid and again.text == "Phone every family after two absences"


def test_add_sibling_pillar_at_the_top_level(win: MainWindow) -> None:
    win.page.select(key(Kind.PILLAR, db_one(win, Pillar, code="Pe")))
    win.page.add_sibling_action.trigger()
    commit_line(win, "code", "Te")
    commit_line(win, "name", "Technology Excellence")
    with win.store.reader() as s:
        codes = [p.code for p in s.scalars(select(Pillar).where(Pillar.plan_id == 1).order_by(Pillar.position))]
    assert codes == ["Ae", "Pe", "Te", "Oe", "Ee"]


def test_delete_a_strategy_confirms_what_goes_and_undo_restores(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    strategy = db_one(win, Strategy, code="Ae 1.004")
    uuid = strategy.uuid
    win.page.select(key(Kind.STRATEGY, strategy))
    win.page.tree.setFocus()
    qtbot.keyClick(win.page.tree, Qt.Key.Key_Delete)
    asked = win.prompter.asked[-1]
    assert asked.startswith("delete:Delete Strategy Ae 1.004?")
    assert "2 WIGs, 4 key levers, 6 performance measures" in asked
    assert db_one(win, Strategy, code="Ae 1.004") is None
    assert db_one(win, Wig, sentence="Increase offered relevant%") is None
    assert win.page.undo_action.text() == "&Undo Delete Strategy Ae 1.004"
    win.page.undo_action.trigger()
    restored = db_one(win, Strategy, code="Ae 1.004")
    with win.store.reader() as s:
        # its own two goals, and the three department goals tied to it again
        assert [w.department_id is None for w in s.get(Strategy, restored.id).wigs] == [True, True, False, False, False]
    assert restored.uuid == uuid
    assert win.page.model.index_for(key(Kind.STRATEGY, restored)).isValid()


def test_delete_cancelled_changes_nothing(win: MainWindow) -> None:
    win.prompter.answers["confirm_delete"] = False
    strategy = db_one(win, Strategy, code="Ae 1.004")
    win.page.select(key(Kind.STRATEGY, strategy))
    win.page.delete_action.trigger()
    assert db_one(win, Strategy, code="Ae 1.004") is not None and win.page.undo_stack.count() == 0


def test_move_up_and_down(win: MainWindow) -> None:
    lever = db_one(win, KeyLever, text="Create a districtwide mediation program%")
    win.page.select(key(Kind.KEY_LEVER, lever))
    assert not win.page.move_down_action.isEnabled()
    win.page.move_up_action.trigger()
    assert db_one(win, KeyLever, id=lever.id).position == 1
    win.page.move_up_action.trigger()
    assert db_one(win, KeyLever, id=lever.id).position == 0
    assert win.page.current_key() == key(Kind.KEY_LEVER, lever)
    win.page.undo_action.trigger()
    assert db_one(win, KeyLever, id=lever.id).position == 1


def test_drag_a_key_lever_onto_another_wig(win: MainWindow) -> None:
    lever = db_one(win, KeyLever, text="Create a districtwide mediation program%")
    target = db_one(win, Wig, sentence="Reduce behavior infractions%")
    model = win.page.model
    source_index = model.index_for(key(Kind.KEY_LEVER, lever))
    win.page.select(key(Kind.WIG, target))
    target_index = model.index_for(key(Kind.WIG, target))
    data = model.mimeData([source_index])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target_index)
    model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, target_index)
    moved = db_one(win, KeyLever, id=lever.id)
    assert moved.wig_id == target.id and moved.position == 3
    win.page.undo_action.trigger()
    assert db_one(win, KeyLever, id=lever.id).wig_id != target.id


def test_drag_refuses_moves_a_plan_does_not_permit(win: MainWindow) -> None:
    model = win.page.model
    lever = db_one(win, KeyLever, text="Map district needs%")
    pillar = db_one(win, Pillar, code="Ae")
    win.page.select(key(Kind.KEY_LEVER, lever))
    data = model.mimeData([model.index_for(key(Kind.KEY_LEVER, lever))])
    pillar_index = model.index_for(key(Kind.PILLAR, pillar))
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0, pillar_index)
    assert not model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, pillar_index)
    strategy = db_one(win, Strategy, code="Ee 4.002")
    win.page.select(key(Kind.STRATEGY, strategy))
    strategy_data = model.mimeData([model.index_for(key(Kind.STRATEGY, strategy))])
    lever_index = model.index_for(key(Kind.KEY_LEVER, lever))
    assert not model.canDropMimeData(strategy_data, Qt.DropAction.MoveAction, -1, 0, lever_index)
    assert db_one(win, KeyLever, id=lever.id).wig_id == lever.wig_id


def _visible_keys(model: PlanTreeModel) -> list[NodeKey]:
    found = []

    def walk(parent) -> None:  # type: ignore[no-untyped-def]
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            found.append(model.key(index))
            walk(index)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    return found


def test_filter_keeps_ancestors_and_highlights_matches(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(win.page.filter_edit, "absentee")
    win.page.apply_filter()  # the debounce timer, run now
    model = win.page.model
    visible = _visible_keys(model)
    kinds = [k.kind for k in visible]
    assert kinds[:3] == [Kind.PILLAR, Kind.PRIORITY, Kind.STRATEGY]
    matched = [k for k in visible if model.index_for(k).data(MATCH_ROLE)]
    assert {k.kind for k in matched} == {Kind.WIG, Kind.MEASURE}
    assert model.index_for(matched[0]).data(Qt.ItemDataRole.FontRole).bold()
    assert win.page.match_label.text() == "2 matches"
    assert len(visible) < 12
    win.page.filter_edit.clear()
    win.page.apply_filter()
    assert len(_visible_keys(model)) == 194 + 17  # with the 17 department goals tied to a strategy


def test_filter_by_pillar_and_department(win: MainWindow) -> None:
    page = win.page
    page.pillar_combo.setCurrentIndex(page.pillar_combo.findData("Pe"))
    tops = [k for k in _visible_keys(page.model) if page.model.parent_key(k) is None]
    assert len(tops) == 1 and page.model.row_for(tops[0]).code == "Pe"
    page.pillar_combo.setCurrentIndex(0)
    dept = next(i for i, n in page.choices.departments if n == "Strategic Partnerships")
    page.department_combo.setCurrentIndex(page.department_combo.findData(dept))
    wigs = [k for k in _visible_keys(page.model) if k.kind is Kind.WIG]
    assert len(wigs) == 1
    assert page.model.row_for(wigs[0]).title.startswith("Increase the number of CMS Partners")


def test_views_by_division_department_and_the_archived_plan(win: MainWindow) -> None:
    page = win.page
    page.select_plan(page.plan.id, View.DEPARTMENTS)
    tops = [page.model.row_for(k).title for k in _visible_keys(page.model) if page.model.parent_key(k) is None]
    assert tops[0] == "Chief of Staff and Community Engagement" and len(tops) == 5
    page.select_plan(page.plan.id, View.DIVISIONS)
    assert page.view is View.DIVISIONS
    archived = next(p for p in page.plans if p.archived)
    page.select_plan(archived.id)
    assert page.view_combo.count() == 1 and page.view_combo.currentText() == "By goal"
    tops = [k for k in _visible_keys(page.model) if page.model.parent_key(k) is None]
    assert len(tops) == 6
    page.select(tops[0])
    assert page.form.heading.text() == "Goal 1"
    assert page.add_child_action.isEnabled()
    first_focus_area = next(k for k in _visible_keys(page.model) if k.kind is Kind.PRIORITY)
    page.select(first_focus_area)
    assert page.form.heading.text() == "Focus Area I"
    assert not page.add_child_action.isEnabled()  # the 2018 plan has two levels


def test_a_database_error_during_an_edit(win: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pillar = db_one(win, Pillar, code="Ae")
    win.page.select(key(Kind.PILLAR, pillar))
    real = plan_edit._apply

    def failing(session, k, obj, changes):  # type: ignore[no-untyped-def]
        real(session, k, obj, changes)
        session.flush()
        raise OperationalError("UPDATE", {}, Exception("database or disk is full"))

    monkeypatch.setattr(plan_edit, "_apply", failing)
    commit_line(win, "name", "Academic Brilliance")
    assert isinstance(win.prompter.errors[-1], SaveError) and "disk is full" in str(win.prompter.errors[-1])
    assert db_one(win, Pillar, code="Ae").name == "Academic Excellence"
    assert win.page.model.index_for(key(Kind.PILLAR, pillar), 1).data() == "Academic Excellence"
    assert win.page.undo_stack.count() == 0


def test_read_only_view_disables_editing(win: MainWindow, plan_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    viewer = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(read_only=True))
    qtbot.addWidget(viewer)
    assert viewer.open_path(plan_path) and viewer.store.read_only
    pillar = db_one(viewer, Pillar, code="Ae")
    viewer.page.select(key(Kind.PILLAR, pillar))
    assert not viewer.page.form.editors["name"].isEnabled()
    assert not any(a.isEnabled() for a in viewer.page.edit_actions)
    assert not (viewer.page.model.flags(viewer.page.model.index_for(key(Kind.PILLAR, pillar)))
                & Qt.ItemFlag.ItemIsDragEnabled)


def test_render_with_a_wig_selected(win: MainWindow, tmp_path: Path) -> None:
    wig = db_one(win, Wig, sentence="Increase the number of CMS Partners%")
    win.show_node(key(Kind.WIG, wig))  # the window opens on Due Now; this goes to the Plan tab
    image = win.grab()
    assert image.save(str(tmp_path / "wig.png"))
    assert win.page.right.currentIndex() == 1 and win.page.form.isVisible()


def test_plan_details_form_edits_the_plan_frame(win: MainWindow) -> None:
    from planner.model import Plan

    win.page.plan_details_action.trigger()
    assert win.page.form.heading.text() == "Plan: CMS Strategic Plan 2024-29"
    commit_text(win, "vision", "Every student reaches their full potential.")
    commit_line(win, "name", "CMS Strategic Plan 2024-2029")
    plan = db_one(win, Plan, archived=False)
    assert (plan.name, plan.vision) == ("CMS Strategic Plan 2024-2029", "Every student reaches their full potential.")
    assert win.page.plan_combo.currentText() == "CMS Strategic Plan 2024-2029"
    # the school years are the plan's years (Plan > Start Next Year), not fields of the frame
    assert not {"plan_year", "year_start", "year_end"} & set(win.page.form.editors)
    win.page.undo_action.trigger()
    win.page.undo_action.trigger()
    assert db_one(win, Plan, archived=False).name == "CMS Strategic Plan 2024-29"
