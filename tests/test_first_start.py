"""The first start asks who you are: a name and a department (groups apart), kept in the settings the
window is given, never the user's global settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from planner.services.plan_outline import department_options
from planner.services.report import active_plan_id
from planner.store import PlanStore
from planner.ui.first_start import (
    WHOLE_DISTRICT,
    FirstStartDialog,
    check_name,
    needs_first_start,
    remembered,
)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_departments_come_with_their_divisions_and_groups_are_marked(store: PlanStore) -> None:
    options = {o.name: o for o in department_options(store, active_plan_id(store))}
    assert options["Educational Technology"].division == "Office of Technology"
    assert not options["Educational Technology"].group
    assert options["All Central Office Departments"].group
    assert options["Finance"].division is None and not options["Finance"].group


def test_first_start_remembers_name_and_department(qtbot, store: PlanStore, settings: QSettings,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    global_before = QSettings().value("user/name")
    assert needs_first_start(settings)
    dialog = FirstStartDialog(store, settings)
    qtbot.addWidget(dialog)
    picker = dialog.department
    assert picker.currentText() == WHOLE_DISTRICT and picker.names()[0] == ""
    headings = picker.headings()
    assert "Office of Technology" in headings and headings[-1] == "Groups of departments"
    names = picker.names()
    # a group is listed after every department, under its own heading; never among them
    assert names.index("All Central Office Departments") > max(names.index(n) for n in
                                                                ("Educational Technology", "Finance", "Athletics"))
    # a heading cannot be chosen
    heading_row = next(r for r in range(picker.count()) if picker.itemText(r) == "Office of Technology")
    assert not picker.model().item(heading_row).isEnabled()
    qtbot.keyClicks(dialog.name, "  Jordan   Lee ")
    picker.setCurrentIndex(picker.findData("Educational Technology"))
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.result() == FirstStartDialog.DialogCode.Accepted
    assert dialog.who is not None and dialog.who.name == "Jordan Lee"
    # kept in the file given, read back by a fresh QSettings on it; the user's own settings untouched
    again = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert remembered(again).name == "Jordan Lee" and remembered(again).department == "Educational Technology"
    assert not needs_first_start(again)
    assert QSettings().value("user/name") == global_before
    # the next time, the dialog starts from what was given
    second = FirstStartDialog(store, again)
    qtbot.addWidget(second)
    assert second.name.text() == "Jordan Lee" and second.department.chosen() == "Educational Technology"


def test_a_name_is_needed_and_a_bad_one_is_refused_in_words(qtbot, store: PlanStore, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog(store, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    fields_at = dialog.department.geometry()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Type your name" in dialog.error.text()
    assert dialog.department.geometry() == fields_at  # the message does not push the fields about
    assert needs_first_start(settings) and remembered(settings).name == ""
    dialog.name.setText("Jo\x07")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "control character" in dialog.error.text() and needs_first_start(settings)
    dialog.name.setText("Jo")
    assert dialog.error.text() == ""  # an old error goes once the name is changed
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and remembered(settings).name == "Jo" and remembered(settings).department == ""


def test_later_asks_again_next_time(qtbot, store: PlanStore, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog(store, settings)
    qtbot.addWidget(dialog)
    dialog.name.setText("Jordan")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert needs_first_start(settings) and remembered(settings).name == ""


def test_a_department_no_longer_in_the_plan_falls_back_to_the_district(qtbot, store: PlanStore,  # type: ignore[no-untyped-def]
                                                                       settings: QSettings) -> None:
    settings.setValue("user/department", "Gone Department")
    dialog = FirstStartDialog(store, settings)
    qtbot.addWidget(dialog)
    assert dialog.department.chosen() == ""


@pytest.mark.parametrize(("text", "words"), [("", "Type your name"), ("x" * 101, "at most 100"),
                                             ("a\x1bb", "control character")])
def test_check_name(text: str, words: str) -> None:
    from planner.errors import ValidationError

    with pytest.raises(ValidationError, match=words):
        check_name(text)
