"""Where files are saved, and what they are called: a save dialog starts in Documents (then in the folder used
last, remembered in the window's settings), a name says the scope and the date ("Educational Technology
status summary 2026-12-01.pdf"), and once a file is written the person may open it or show it in its folder.
Never the hidden data folder the plan file lives in."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import QProcess, QSettings, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices

LAST_FOLDER_KEY = "files/last_save_folder"
# What Windows refuses in a file name (and a path separator anywhere): replaced, so a department called
# "Student Discipline & Support / Title IX" still gives a name that can be saved.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def start_folder(settings: QSettings) -> Path:
    """The folder a save dialog opens in: the last one used while it still exists, else Documents."""
    last = str(settings.value(LAST_FOLDER_KEY, "") or "")
    if last and Path(last).is_dir():
        return Path(last)
    return documents_folder()


def remember_folder(settings: QSettings, path: Path) -> None:
    settings.setValue(LAST_FOLDER_KEY, str(Path(path).parent))


def scope_name(scope_label: str) -> str:
    """The scope as a file name says it: "Department: Educational Technology" -> "Educational Technology",
    "Whole district: CMS Strategic Plan 2024-29" -> "District", "Pillar Ae: Academic excellence" -> "Pillar Ae"."""
    label = " ".join(scope_label.split())
    if label.lower().startswith("whole district") or not label:
        return "District"
    kind, _, rest = label.partition(":")
    if kind.lower().startswith("pillar"):
        return kind.strip()
    return rest.strip() or kind.strip()


def file_name(scope: str, what: str, day: date, suffix: str) -> str:
    """ "Educational Technology status summary 2026-12-01.pdf": the scope, what it is, the date."""
    stem = _UNSAFE.sub(" ", f"{scope} {what} {day:%Y-%m-%d}")
    stem = " ".join(stem.split()).strip(" .")
    return f"{stem}{suffix}"


def suggested_path(settings: QSettings, scope_label: str, what: str, day: date, suffix: str) -> Path:
    return start_folder(settings) / file_name(scope_name(scope_label), what, day, suffix)


def open_file(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def show_in_folder(path: Path) -> bool:
    """The file's folder in the system's file manager, the file selected where the platform can do that."""
    if sys.platform == "win32":
        return QProcess.startDetached("explorer.exe", [f"/select,{Path(path)}"])[0]
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", str(path)])[0]
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


__all__ = ["LAST_FOLDER_KEY", "documents_folder", "file_name", "open_file", "remember_folder", "scope_name",
           "show_in_folder", "start_folder", "suggested_path"]
