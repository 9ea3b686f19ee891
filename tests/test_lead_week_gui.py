"""A department lead's week in the window (issue 18): who you are at the first start, every tab on your
department, the user guide, files saved where people keep them and offered to open. Each test checks the
file (or the settings, or the file written) after the clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from sqlalchemy import select

from planner.model import Measurement, PerformanceMeasure
from planner.services import history
from planner.services import measurements as ms
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.first_start import FirstStartDialog
from planner.ui.main_window import MainWindow
from planner.ui.prompts import WrittenChoice
from tests.test_gui import ScriptedPrompter

DEPARTMENT = "Educational Technology"


def answer_who(name: str = "Jordan Lee", department: str = DEPARTMENT):  # type: ignore[no-untyped-def]
    def fill(dialog) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(dialog, FirstStartDialog):
            return True
        dialog.name.setText(name)
        dialog.department.setCurrentIndex(dialog.department.findData(department))
        dialog.accept()
        return dialog.result() == FirstStartDialog.DialogCode.Accepted
    return fill


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make(qtbot, qt_isolated: Path, plan_path: Path, settings: QSettings):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    def window(**answers: object) -> MainWindow:
        w = MainWindow(data_dir=data_folder(), settings=settings, prompter=ScriptedPrompter(**answers))
        qtbot.addWidget(w)
        assert w.open_path(plan_path)
        w.resize(1366, 768)
        w.show()
        return w

    return window


def test_the_first_start_asks_who_you_are_and_every_tab_starts_on_your_department(make, settings) -> None:  # type: ignore[no-untyped-def]
    w = make(dialog=answer_who())
    assert w.due.department.chosen_name() == ""  # before: the whole district
    assert w.ask_who_you_are()
    assert "dialog:Welcome to Planner" in w.prompter.asked
    assert settings.value("user/name") == "Jordan Lee" and settings.value("user/department") == DEPARTMENT
    assert QSettings().value("user/name") is None  # never the global settings
    assert w.due.department.chosen_name() == DEPARTMENT and w.session.department.chosen_name() == DEPARTMENT
    assert w.scoreboard.scope_combo.currentText() == f"Department: {DEPARTMENT}"
    # the history records the name given, not the login
    with w.store.reader() as s:
        measure = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.name == "Canvas Course Reports")
                            ).first()
    ms.log_value(w.store, NodeKey(Kind.MEASURE, measure.id), "Q2 2026-27", "12", entered_by=w.doc.entered_by(),
                 outside_year_ok=True)
    assert history.changes(w.store, actor="Jordan Lee")
    with w.store.reader() as s:
        assert s.scalars(select(Measurement.entered_by).where(Measurement.measure_id == measure.id)).one() == \
            "Jordan Lee"
    w.close()
    # the next start does not ask again, and opens on the department
    again = make()
    assert not again.ask_who_you_are() and not [a for a in again.prompter.asked if a.startswith("dialog:")]
    assert again.due.department.chosen_name() == DEPARTMENT and again.doc.entered_by() == "Jordan Lee"


def test_the_whole_district_stays_one_click_away(make) -> None:  # type: ignore[no-untyped-def]
    w = make(dialog=answer_who())
    w.ask_who_you_are()
    w.due.department.setCurrentIndex(0)
    assert w.due.department.chosen_name() == "" and w.due.department.currentText() == "All departments"


def test_help_user_guide_opens_the_offline_guide(make, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make()
    assert w.guide_action.shortcut().toString() == "F1"
    w.guide_action.trigger()
    guide = w.guide
    assert guide.isVisible() and guide.guide.current_page() == "index.html"
    guide.guide.show_page("status.html")
    assert "At risk" in guide.guide.browser.toPlainText()
    guide.close()


def test_the_summary_and_export_start_on_my_department_and_save_to_documents(make, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "Reports" / "summary.pdf"
    out.parent.mkdir()
    chosen = {}

    def summary(dialog) -> None:  # type: ignore[no-untyped-def]
        chosen["scope"] = dialog.scope.currentText()

    w = make(dialog=answer_who(), summary=summary, save_path=out, written=WrittenChoice.OPEN)
    w.ask_who_you_are()
    w.pdf_action.trigger()
    assert chosen["scope"] == f"Department: {DEPARTMENT}"
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    assert w.prompter.save_start == documents / f"{DEPARTMENT} status summary 2026-12-01.pdf"
    assert out.exists() and out.read_bytes().startswith(b"%PDF")
    # after writing: Open or Show in Folder, carried out by the desktop (recorded here)
    assert "written:Status summary" in w.prompter.asked and w.prompter.opened == [(WrittenChoice.OPEN, out)]
    # the next save starts in the folder used last
    w.pdf_action.trigger()
    assert w.prompter.save_start == out.parent / f"{DEPARTMENT} status summary 2026-12-01.pdf"
    assert settings.value("files/last_save_folder") == str(out.parent)


def test_the_workbook_export_is_named_for_its_scope_and_date_and_offered_to_open(make, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "edtech.xlsx"
    seen = {}

    def choose(dialog) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(dialog, FirstStartDialog):
            return answer_who()(dialog)
        seen["scope"] = dialog.scope.currentText()
        return True

    w = make(dialog=choose, save_path=out, written=WrittenChoice.SHOW_IN_FOLDER)
    w.ask_who_you_are()
    w.export_action.trigger()
    assert seen["scope"].endswith(DEPARTMENT)
    assert w.prompter.save_start.name == f"{DEPARTMENT} workbook 2026-12-01.xlsx"
    assert out.exists() and w.prompter.opened == [(WrittenChoice.SHOW_IN_FOLDER, out)]
    assert "data-quality" in w.prompter.written[1]
