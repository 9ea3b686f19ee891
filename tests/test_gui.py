"""The main window through its widgets: first start, opening files good and bad, the lock, settings, errors."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select

from planner.errors import PlanFileLockedError, PlannerError
from planner.model import Pillar
from planner.store import open_plan_file
from planner.ui.app import DEFAULT_FILE_NAME, create_main_window, data_folder
from planner.ui.errors import make_excepthook
from planner.ui.main_window import MainWindow
from planner.ui.prompts import CreateChoice, LocationChoice, Prompter, WrittenChoice


class ScriptedPrompter(Prompter):
    """Answers the window's questions from a script and records what it was asked."""

    def __init__(self, **answers: object) -> None:
        super().__init__(None)
        self.answers = answers
        self.errors: list[PlannerError] = []
        self.asked: list[str] = []

    def error(self, exc: PlannerError) -> None:
        self.errors.append(exc)

    def info(self, title: str, text: str) -> None:
        self.asked.append(f"info:{title}")
        self.last_info = text

    def open_path(self, start: Path) -> Path | None:
        self.asked.append("open_path")
        return self.answers.get("open_path")  # type: ignore[return-value]

    def save_path(self, title: str, start: Path, *_args: object) -> Path | None:
        self.asked.append(f"save_path:{title}")
        self.save_start = start  # where the dialog would have opened, with the name it suggested
        return self.answers.get("save_path")  # type: ignore[return-value]

    def create_choice(self, path: Path, *, missing: bool) -> CreateChoice:
        self.asked.append("create_choice")
        return self.answers.get("create_choice", CreateChoice.CANCEL)  # type: ignore[return-value]

    def risky_location(self, path: Path, reason: str) -> LocationChoice:
        self.asked.append(f"risky:{reason}")
        return self.answers.get("risky", LocationChoice.CANCEL)  # type: ignore[return-value]

    def confirm(self, title: str, text: str, action: str) -> bool:
        self.asked.append(f"confirm:{text}")
        return bool(self.answers.get("confirm", True))

    def log_value(self, dialog) -> None:  # type: ignore[no-untyped-def]
        """Fill the Log Value dialog from answers["log"] (a dict of field -> text) and press Save."""
        self.asked.append("log_value")
        self.dialog = dialog
        for name, text in dict(self.answers.get("log", {})).items():
            widget = getattr(dialog, name)
            if hasattr(widget, "setCurrentText"):
                widget.setCurrentText(text)
            else:
                widget.setText(text)
        self.saved = dialog.save()

    def after_writing(self, path: Path, what: str, details: str = "") -> WrittenChoice:
        self.asked.append(f"written:{what}")
        self.written = (path, details)
        return self.answers.get("written", WrittenChoice.NOTHING)  # type: ignore[return-value]

    def open_written(self, path: Path, choice: WrittenChoice) -> bool:
        """Records what the desktop would have been asked to open, instead of opening it."""
        self.opened = [*getattr(self, "opened", []), (choice, path)]
        return choice is not WrittenChoice.NOTHING

    def ask_text(self, title: str, label: str) -> str | None:
        self.asked.append(f"ask:{title}")
        return self.answers.get("text")  # type: ignore[return-value]

    def edit_rules(self, dialog) -> bool:  # type: ignore[no-untyped-def]
        self.asked.append("edit_rules")
        if getattr(self, "_rules_done", False):
            return False
        self._rules_done = True
        self.answers.get("rules", lambda d: None)(dialog)  # type: ignore[operator]
        return True

    def open_paths(self, title: str, start: Path, file_filter: str) -> list[Path]:
        self.asked.append("open_paths")
        return list(self.answers.get("open_paths", []))  # type: ignore[call-overload]

    def run_dialog(self, dialog) -> bool:  # type: ignore[no-untyped-def]
        self.asked.append(f"dialog:{dialog.windowTitle()}")
        self.dialogs = [*getattr(self, "dialogs", []), dialog]
        answer = self.answers.get("dialog", lambda d: True)
        return bool(answer(dialog))  # type: ignore[operator]

    def summary_options(self, dialog) -> bool:  # type: ignore[no-untyped-def]
        self.asked.append("summary_options")
        self.answers.get("summary", lambda d: None)(dialog)  # type: ignore[operator]
        return True

    def print_preview(self, paint) -> None:  # type: ignore[no-untyped-def]
        """What the preview dialog would do: paint on a printer, here one that writes a PDF."""
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.answers["preview_pdf"]))
        paint(printer)
        self.asked.append("print_preview")

    def confirm_delete(self, title: str, details: str) -> bool:
        self.asked.append(f"delete:{title}\n{details}")
        return bool(self.answers.get("confirm_delete", True))

    def open_read_only(self, exc: PlannerError) -> bool:
        self.asked.append("read_only")
        return bool(self.answers.get("read_only", False))


@pytest.fixture
def window(qtbot, qt_isolated: Path):  # type: ignore[no-untyped-def]
    def make(**answers: object) -> MainWindow:
        w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(**answers))
        qtbot.addWidget(w)
        return w

    return make


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_start_creates_the_users_plan_from_the_district_plan(qtbot, qt_isolated: Path) -> None:
    window = create_main_window(None)
    assert window is not None
    qtbot.addWidget(window)
    window.show()
    own = data_folder() / DEFAULT_FILE_NAME
    assert own.exists() and str(qt_isolated) in str(own)
    assert window.windowTitle() == f"{DEFAULT_FILE_NAME} — Planner"
    assert str(own) in window.file_label.text()
    text = window.overview.label.text()
    assert "CMS Strategic Plan 2024-29" in text and "Strategic Plan 2018" in text
    assert "Engagement Excellence" in text
    window.close()
    # what the window showed is what the file holds
    with open_plan_file(own) as store, store.reader() as s:
        assert [p.code for p in s.scalars(select(Pillar).where(Pillar.plan_id == 1).order_by(Pillar.position))] \
            == ["Ae", "Pe", "Oe", "Ee"]


def test_second_start_opens_the_same_file_without_recreating_it(qtbot, qt_isolated: Path) -> None:
    first = create_main_window(None)
    qtbot.addWidget(first)
    own = first.store.path
    with first.store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Ae")).first().tagline = "kept between starts"
    first.close()
    second = create_main_window(None)
    qtbot.addWidget(second)
    assert second.store.path == own
    with second.store.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Ae")).first().tagline == "kept between starts"
    second.close()


def test_open_a_given_file_and_remember_it(window, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = window()
    assert w.open_path(plan_path)
    assert w.windowTitle() == "plan.planner — Planner"
    assert w.recent_files()[0] == plan_path.resolve()
    w.close()
    assert QSettings().value("window/geometry") is not None


def test_a_bad_file_shows_one_clear_error_and_keeps_the_open_file(window, plan_path: Path,
                                                                  tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = window()
    assert w.open_path(plan_path)
    bad = tmp_path / "notes.planner"
    bad.write_text("these are my meeting notes")
    before = sha(bad)
    assert not w.open_path(bad)
    assert len(w.prompter.errors) == 1
    assert "notes.planner" in str(w.prompter.errors[0]) and "not a Planner plan file" in str(w.prompter.errors[0])
    assert w.store.path == plan_path and w.windowTitle() == "plan.planner — Planner"
    assert sha(bad) == before


def test_a_file_open_elsewhere_can_be_viewed_read_only(window, plan_path: Path) -> None:  # type: ignore[no-untyped-def]
    elsewhere = open_plan_file(plan_path)
    try:
        refused = window(read_only=False)
        assert not refused.open_path(plan_path) and refused.store is None
        viewer = window(read_only=True)
        assert viewer.open_path(plan_path)
        assert viewer.prompter.asked == ["read_only"]
        assert viewer.store.read_only and "[read-only]" in viewer.windowTitle()
        assert "Read-only" in viewer.overview.label.text()
    finally:
        elsewhere.close()


def test_a_missing_file_is_created_only_when_the_user_says_so(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "new dept.planner"
    cancel = window(create_choice=CreateChoice.CANCEL)
    assert not cancel.open_path(target) and not target.exists()
    create = window(create_choice=CreateChoice.EMPTY)
    assert create.open_path(target) and target.exists()
    assert "This plan file is empty" in create.overview.label.text()


def test_new_file_from_the_menu(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "second.planner"
    w = window(save_path=target, create_choice=CreateChoice.DEFAULT_PLAN)
    w.new_action.trigger()
    assert w.store is not None and w.store.path == target
    with w.store.reader() as s:
        assert len(s.scalars(select(Pillar)).all()) == 10


def test_save_a_copy(window, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dest = tmp_path / "for central office.planner"
    w = window(save_path=dest)
    w.open_path(plan_path)
    with w.store.session() as s:
        s.scalars(select(Pillar).where(Pillar.code == "Pe")).first().tagline = "edited before the copy"
    w.save_copy_action.trigger()
    assert w.store.path == plan_path  # still working on the original
    with open_plan_file(dest) as copy, copy.reader() as s:
        assert s.scalars(select(Pillar).where(Pillar.code == "Pe")).first().tagline == "edited before the copy"


def test_cloud_folder_warning_offers_a_local_copy(window, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    synced = tmp_path / "OneDrive" / "plan.planner"
    synced.parent.mkdir()
    synced.write_bytes(plan_path.read_bytes())
    before = sha(synced)
    w = window(risky=LocationChoice.LOCAL_COPY)
    assert w.open_path(synced)
    assert w.prompter.asked[0].startswith("risky:") and "cloud-synced" in w.prompter.asked[0]
    assert w.store.path.parent == data_folder() / "Local copies"
    assert sha(synced) == before
    cancel = window(risky=LocationChoice.CANCEL)
    assert not cancel.open_path(synced) and cancel.store is None


def test_recent_files_menu_lists_and_opens(window, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.planner"
    other.write_bytes(plan_path.read_bytes())
    w = window()
    w.open_path(plan_path)
    w.open_path(other)
    w.recent_menu.aboutToShow.emit()
    actions = [a for a in w.recent_menu.actions() if a.data()]
    assert [Path(a.data()) for a in actions] == [other.resolve(), plan_path.resolve()]
    actions[1].trigger()
    assert w.store.path == plan_path.resolve() or w.store.path == plan_path


def test_menus_have_standard_shortcuts(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QKeySequence

    w = window()
    assert w.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert w.new_action.shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    assert w.quit_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles == ["&File", "&Edit", "P&lan", "&Help"]


def test_unexpected_errors_are_logged_and_shown_and_the_app_carries_on(tmp_path: Path) -> None:
    from planner.ui.errors import setup_logging

    log_file = setup_logging(tmp_path / "logs")
    shown: list[str] = []
    hook = make_excepthook(log_file, crash_dialog=lambda details, path: shown.append(details),
                           error_dialog=lambda exc: shown.append(f"expected: {exc}"))
    try:
        raise ZeroDivisionError("a bug in a slot")
    except ZeroDivisionError:
        hook(*sys.exc_info())
    hook(PlanFileLockedError, PlanFileLockedError("x.planner", "x.planner is in use."), None)
    for handler in logging.getLogger("planner").handlers:
        handler.flush()
    assert "ZeroDivisionError: a bug in a slot" in shown[0] and "Traceback" in shown[0]
    assert shown[1] == "expected: x.planner is in use."
    logged = log_file.read_text()
    assert "ZeroDivisionError: a bug in a slot" in logged


def test_window_renders(window, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = window()
    w.open_path(plan_path)
    w.resize(1100, 760)
    w.show()
    image = w.grab()
    assert image.width() >= 1000 and image.height() >= 700
    assert image.save(str(tmp_path / "main.png"))


def test_a_file_opens_off_the_gui_thread_and_its_lock_goes_with_the_window(
        window, plan_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Real threads: open_path returns at once, the file is shown when the worker has checked it, and the
    writer lock taken on the worker is released when the GUI thread closes the file."""
    from planner.ui.tasks import wait_for_background

    monkeypatch.setenv("PLANNER_SYNC_TASKS", "0")
    w = window()
    assert w.open_path(plan_path)
    qtbot.waitUntil(lambda: w.store is not None, timeout=20000)
    assert w.windowTitle() == "plan.planner — Planner" and w.page.model.rowCount() == 4
    assert w.store.holds_writer_lock  # as the GUI thread, which will release it, sees it
    wait_for_background()
    w.close()
    with open_plan_file(plan_path) as again:  # not "already open in another window"
        assert not again.read_only
    second = window()
    assert second.open_path(plan_path)
    qtbot.waitUntil(lambda: second.store is not None, timeout=20000)
    wait_for_background()
    second.close()
