"""Every question the window asks the user, in one place, so tests can answer them without a modal dialog."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

from planner.errors import PlannerError
from planner.ui.errors import show_error

FILE_FILTER = "Planner plan files (*.planner);;All files (*)"


class CreateChoice(Enum):
    DEFAULT_PLAN = "default"
    EMPTY = "empty"
    CANCEL = "cancel"


class LocationChoice(Enum):
    LOCAL_COPY = "copy"
    OPEN_ANYWAY = "open"
    CANCEL = "cancel"


class WrittenChoice(Enum):
    OPEN = "open"
    SHOW_IN_FOLDER = "folder"
    NOTHING = "nothing"


class Prompter:
    """Real dialogs. Tests pass a subclass that answers from a script."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def error(self, exc: PlannerError) -> None:
        show_error(self.parent, exc)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def open_path(self, start: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent, "Open Plan", str(start), FILE_FILTER)
        return Path(name) if name else None

    def save_path(self, title: str, start: Path, file_filter: str = FILE_FILTER,
                  suffix: str = ".planner") -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, title, str(start), file_filter)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(suffix)

    def create_choice(self, path: Path, *, missing: bool) -> CreateChoice:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Create a plan file")
        box.setText(f"There is no plan file “{path.name}” yet." if missing else f"Create “{path.name}”.")
        box.setInformativeText("Start it with the district's 2024-25 strategic plan, or empty?")
        default = box.addButton("With the District Plan", QMessageBox.ButtonRole.AcceptRole)
        empty = box.addButton("Empty", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(default)
        box.exec()
        clicked = box.clickedButton()
        if clicked is default:
            return CreateChoice.DEFAULT_PLAN
        if clicked is empty:
            return CreateChoice.EMPTY
        return CreateChoice.CANCEL

    def risky_location(self, path: Path, reason: str) -> LocationChoice:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("This folder is not safe for a plan file")
        box.setText(reason)
        box.setInformativeText("Planner can work on a copy in your own data folder instead. "
                               "Use Save a Copy As to put it back when you are done.")
        copy = box.addButton("Work on a Local Copy", QMessageBox.ButtonRole.AcceptRole)
        anyway = box.addButton("Open Here Anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(copy)
        box.exec()
        clicked = box.clickedButton()
        if clicked is copy:
            return LocationChoice.LOCAL_COPY
        if clicked is anyway:
            return LocationChoice.OPEN_ANYWAY
        return LocationChoice.CANCEL

    def confirm(self, title: str, text: str, action: str) -> bool:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(action)
        return box.exec() == QMessageBox.StandardButton.Yes

    def ask_text(self, title: str, label: str) -> str | None:
        """One line of text from the person (None when they cancel)."""
        text, ok = QInputDialog.getText(self.parent, title, label)
        return text if ok else None

    def edit_rules(self, dialog: QDialog) -> bool:
        return bool(dialog.exec() == QDialog.DialogCode.Accepted)

    def open_paths(self, title: str, start: Path, file_filter: str) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(self.parent, title, str(start), file_filter)
        return [Path(n) for n in names]

    def run_dialog(self, dialog: QDialog) -> bool:
        return bool(dialog.exec() == QDialog.DialogCode.Accepted)

    def summary_options(self, dialog: QDialog) -> bool:
        return bool(dialog.exec() == QDialog.DialogCode.Accepted)

    def print_preview(self, paint: Callable[[QPrinter], None]) -> None:
        """The print preview: paper, printer and page setup are the platform's own dialogs from here."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        preview = QPrintPreviewDialog(printer, self.parent)
        preview.setWindowTitle("Print Status Summary")
        preview.paintRequested.connect(paint)
        preview.exec()

    def log_value(self, dialog: QWidget) -> None:
        """Shows the Log Value dialog; it saves itself through the page."""
        dialog.exec()  # type: ignore[attr-defined]

    def confirm_delete(self, title: str, details: str) -> bool:
        return confirm_delete_dialog(self.parent, title, details)

    def after_writing(self, path: Path, what: str, details: str = "") -> WrittenChoice:
        """A file was written: open it, show it in its folder, or neither."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(f"{what} written")
        box.setText(f"{what} written: “{path.name}”")
        box.setInformativeText(f"In {path.parent}" + (f"\n\n{details}" if details else ""))
        opened = box.addButton("Open", QMessageBox.ButtonRole.AcceptRole)
        folder = box.addButton("Show in Folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(opened)
        box.exec()
        clicked = box.clickedButton()
        if clicked is opened:
            return WrittenChoice.OPEN
        if clicked is folder:
            return WrittenChoice.SHOW_IN_FOLDER
        return WrittenChoice.NOTHING

    def open_written(self, path: Path, choice: WrittenChoice) -> bool:
        """Carry out the choice with the desktop's own programs (tests record it instead)."""
        from planner.ui.save_places import open_file, show_in_folder

        if choice is WrittenChoice.OPEN:
            return open_file(path)
        if choice is WrittenChoice.SHOW_IN_FOLDER:
            return show_in_folder(path)
        return False

    def open_read_only(self, exc: PlannerError) -> bool:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(exc.title)
        box.setText(exc.message)
        box.setInformativeText("Open it read-only? You can look at everything but change nothing.")
        box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Open).setText("Open Read-Only")
        return box.exec() == QMessageBox.StandardButton.Open


def confirm_delete_dialog(parent: QWidget | None, title: str, details: str) -> bool:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete")
    box.setText(title)
    box.setInformativeText(details + "\n\nYou can undo this with Edit > Undo.")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Yes).setText("Delete")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
