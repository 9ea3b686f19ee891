"""Files where people keep them: Documents first, then the last folder used; names that say the scope and
the date; nothing in the hidden data folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths

from planner.ui.save_places import (
    documents_folder,
    file_name,
    remember_folder,
    scope_name,
    start_folder,
    suggested_path,
)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_a_first_save_starts_in_documents_then_in_the_last_folder(settings: QSettings, tmp_path: Path,
                                                                   qapp) -> None:  # type: ignore[no-untyped-def]
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert start_folder(settings) == documents_folder() == Path(documents or Path.home())
    reports = tmp_path / "Reports"
    reports.mkdir()
    remember_folder(settings, reports / "one.pdf")
    assert start_folder(QSettings(settings.fileName(), QSettings.Format.IniFormat)) == reports
    reports.rmdir()  # a folder that has gone: back to Documents
    assert start_folder(settings) == documents_folder()


@pytest.mark.parametrize(("label", "scope"), [
    ("Department: Educational Technology", "Educational Technology"),
    ("Division: Office of Technology", "Office of Technology"),
    ("Pillar Ae: Academic Excellence", "Pillar Ae"),
    ("Whole district: CMS Strategic Plan 2024-29", "District"),
])
def test_names_say_the_scope_and_the_date(label: str, scope: str) -> None:
    assert scope_name(label) == scope
    assert file_name(scope_name(label), "status summary", date(2026, 12, 1), ".pdf") == \
        f"{scope} status summary 2026-12-01.pdf"


def test_a_name_never_holds_what_a_file_system_refuses() -> None:
    name = file_name('Student Discipline & Support / Title IX: "new"?', "workbook", date(2026, 12, 1), ".xlsx")
    assert name == "Student Discipline & Support Title IX new workbook 2026-12-01.xlsx"


def test_the_suggestion_puts_them_together(settings: QSettings, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    remember_folder(settings, tmp_path / "x.xlsx")
    assert suggested_path(settings, "Department: Educational Technology", "status summary", date(2026, 12, 1),
                          ".pdf") == tmp_path / "Educational Technology status summary 2026-12-01.pdf"
