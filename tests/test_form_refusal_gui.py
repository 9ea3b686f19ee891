"""The plan form meets a refusal while a multi-line field is being left (issue #20): the window goes on (the
form was once rebuilt from inside the field's own focus-out, which deleted the widget under its handler and
segfaulted), the refusal is said through the window's Prompter, and the file holds what it held."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from planner.errors import ReadOnlyError
from planner.model import Strategy, Wig
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    w = MainWindow(data_dir=data_folder(), settings=settings, prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    w.tabs.setCurrentWidget(w.page)
    return w


def type_into(qtbot, editor: QPlainTextEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    """Focus the field as Tab would, so its text is selected and typing replaces it, then type."""
    editor.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(editor.hasFocus, timeout=3000)
    qtbot.keyClicks(editor, text)


def test_a_refused_multi_line_field_left_by_tab_is_said_and_the_window_goes_on(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    wig = one(win, Wig, sentence="Increase the number of CMS Partners%")
    win.page.select(NodeKey(Kind.WIG, wig.id))
    sentence = win.page.form.editors["sentence"]
    assert isinstance(sentence, QPlainTextEdit)
    type_into(qtbot, sentence, "Increase partners from 100 to 300 by June 2026.")
    win.store.read_only = True  # the file refuses the save (as a server refuses another department's row)
    qtbot.keyClick(sentence, Qt.Key.Key_Tab)  # a real focus-out, from inside which the refusal is answered
    qtbot.wait(50)  # the event loop runs on: whatever the refusal redrew is drawn, nothing deleted too soon
    QApplication.processEvents()
    assert isinstance(win.prompter.errors[-1], ReadOnlyError)
    assert one(win, Wig, id=wig.id).sentence == wig.sentence  # nothing of it saved
    shown = win.page.form.editors["sentence"]
    assert isinstance(shown, QPlainTextEdit) and shown.toPlainText() == wig.sentence  # the form shows the file
    assert not shown.isEnabled()  # drawn again for a file that refuses changes: read-only
    win.store.read_only = False
    win.page.show_plan_details()  # away and back: the form drawn for a writable file
    win.page.select(NodeKey(Kind.WIG, wig.id))
    shown = win.page.form.editors["sentence"]
    assert isinstance(shown, QPlainTextEdit)
    type_into(qtbot, shown, "Increase partners from 100 to 250 by June 2026.")
    qtbot.keyClick(shown, Qt.Key.Key_Tab)  # the form still works: this one is saved
    assert one(win, Wig, id=wig.id).sentence == "Increase partners from 100 to 250 by June 2026."


def test_an_invalid_multi_line_value_left_by_focus_elsewhere_is_said_beside_it(win, qtbot) -> None:  # type: ignore[no-untyped-def]
    strategy = one(win, Strategy, code="Ae 1.004")
    win.page.select(NodeKey(Kind.STRATEGY, strategy.id))
    statement = win.page.form.editors["statement"]
    assert isinstance(statement, QPlainTextEdit)
    type_into(qtbot, statement, " ")  # a required statement emptied
    win.page.filter_edit.setFocus()  # leave it by the mouse or a shortcut rather than Tab
    qtbot.waitUntil(lambda: bool(win.page.form.visible_errors()), timeout=3000)
    QApplication.processEvents()
    assert "statement" in win.page.form.visible_errors()
    assert one(win, Strategy, id=strategy.id).statement == strategy.statement


def test_a_redraw_arriving_while_the_refusal_is_shown_deletes_nothing_under_the_saving_field(  # type: ignore[no-untyped-def]
        win, qtbot) -> None:
    """A message box runs an event loop of its own: a server notice (or an import) that redraws the form while
    the refusal is open had its old rows deleted in that loop, under the handler of the field whose save
    opened the box, and the window segfaulted at the box's OK (seen walking two windows on a server)."""
    from PySide6.QtCore import QEventLoop, QTimer

    from planner.ui.document import EVERYTHING

    wig = one(win, Wig, sentence="Increase the number of CMS Partners%")
    key = NodeKey(Kind.WIG, wig.id)
    win.page.select(key)
    asked: list[object] = []

    def error_with_its_own_loop(exc: object) -> None:  # as QMessageBox.exec does, with a redraw arriving
        asked.append(exc)
        win.doc.notify(EVERYTHING)  # the whole window reads the plan again behind the box
        loop = QEventLoop()
        QTimer.singleShot(50, loop.quit)
        loop.exec()  # the box's own loop: deferred deletes made in it would run here

    win.prompter.error = error_with_its_own_loop  # type: ignore[method-assign]
    sentence = win.page.form.editors["sentence"]
    assert isinstance(sentence, QPlainTextEdit)
    type_into(qtbot, sentence, "Increase partners from 100 to 300 by June 2026.")
    win.store.read_only = True
    qtbot.keyClick(sentence, Qt.Key.Key_Tab)  # the save is refused from inside the field's focus-out
    qtbot.wait(50)
    QApplication.processEvents()
    assert asked and isinstance(asked[-1], ReadOnlyError)
    assert one(win, Wig, id=wig.id).sentence == wig.sentence
    win.store.read_only = False
    win.page.show_plan_details()
    win.page.select(key)
    shown = win.page.form.editors["sentence"]
    assert isinstance(shown, QPlainTextEdit)
    type_into(qtbot, shown, "Increase partners from 100 to 250 by June 2026.")
    qtbot.keyClick(shown, Qt.Key.Key_Tab)  # the window and its form go on
    assert one(win, Wig, id=wig.id).sentence == "Increase partners from 100 to 250 by June 2026."
