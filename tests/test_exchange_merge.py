"""The three-way merge of workbooks against what each held when it was exported: edits on one side arrive,
edits on both are conflicts told in a person's words, older workbooks revert nothing, a Data Entry value and
its Measurements row are one fact, rows added by hand need no UUID, a pasted row never overwrites its source,
and worked-out columns are visibly read-only."""

from __future__ import annotations

import shutil
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from planner.cli import main
from planner.model import Measurement, Milestone, PerformanceMeasure
from planner.services import measurements as ms
from planner.services.exchange import BASE, FILLED_IN_BY
from planner.services.xlsx_import import apply_import, plan_import
from planner.store import PlanStore, open_plan_file
from tests.test_exchange import TODAY, export, seed


def _header(ws: Any) -> list[Any]:
    return [c.value for c in ws[1]]


def _set(wb: Any, sheet: str, row: int, header: str, value: Any) -> None:
    ws = wb[sheet]
    ws.cell(row=row, column=_header(ws).index(header) + 1).value = value


def _get(wb: Any, sheet: str, row: int, header: str) -> Any:
    ws = wb[sheet]
    return ws.cell(row=row, column=_header(ws).index(header) + 1).value


def _measure_row(wb: Any, frequency: str = "quarterly") -> tuple[int, int, str, str]:
    """A measure on the Data Entry sheet with a value logged: (entry row, entry column, measure UUID, period)."""
    entry = wb[f"Data Entry {frequency}"]
    header = _header(entry)
    for r in range(2, entry.max_row + 1):
        for c in range(2, len(header), 2):  # a period's value, its target beside it; the measure's UUID last
            if entry.cell(row=r, column=c).value is not None:
                return r, c, str(entry.cell(row=r, column=header.index("Measure UUID") + 1).value), str(header[c - 1])
    raise AssertionError("no logged value on the Data Entry sheet")


def _measurement_row(wb: Any, measure_uuid: str, period: str) -> int:
    ws = wb["Measurements"]
    for r in range(2, ws.max_row + 1):
        if _get(wb, "Measurements", r, "Subject UUID") == measure_uuid and _get(wb, "Measurements", r,
                                                                                   "Period") == period:
            return r
    raise AssertionError(f"no Measurements row for {period}")


def _value(store: PlanStore, row_uuid: str) -> float | None:
    with store.reader() as s:
        return s.scalar(select(Measurement.value).where(Measurement.uuid == uuid.UUID(row_uuid)))


def _edit(book: Path, change: Any, out: Path | None = None) -> Path:
    wb = openpyxl.load_workbook(book)
    change(wb)
    wb.save(out or book)
    return out or book


@pytest.fixture
def seeded(store: PlanStore) -> PlanStore:
    seed(store)
    key = ms.find_measure(store, "Chronic absenteeism rate")  # a quarterly measure, on its Data Entry sheet
    ms.log_value(store, key, "Q1 2024-25", 24.0, entered_by="Dana Whitfield")
    return store


def test_a_value_corrected_on_the_measurements_sheet_is_not_undone_by_the_data_entry_sheet(
        seeded: PlanStore, tmp_path: Path) -> None:
    book = export(seeded, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    _, _, measure, period = _measure_row(wb)
    row = _measurement_row(wb, measure, period)
    row_uuid = _get(wb, "Measurements", row, "UUID")
    _set(wb, "Measurements", row, "Value", 17.25)
    wb.save(book)
    plan = plan_import(seeded, [book], TODAY)
    assert not plan.files[0].problems
    assert [c.uuid for c in plan.files[0].changes if c.action == "update"] == [row_uuid]
    assert apply_import(seeded, plan).updated == 1
    assert _value(seeded, row_uuid) == 17.25


def test_a_value_typed_on_the_data_entry_sheet_arrives_and_two_different_copies_are_named(
        seeded: PlanStore, tmp_path: Path) -> None:
    book = export(seeded, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    r, c, measure, period = _measure_row(wb)
    row = _measurement_row(wb, measure, period)
    row_uuid = _get(wb, "Measurements", row, "UUID")
    wb["Data Entry quarterly"].cell(row=r, column=c).value = 31.5
    wb.save(book)
    apply_import(seeded, plan_import(seeded, [book], TODAY))
    assert _value(seeded, row_uuid) == 31.5

    both = export(seeded, tmp_path / "both.xlsx")
    wb = openpyxl.load_workbook(both)
    wb["Data Entry quarterly"].cell(row=r, column=c).value = 40
    _set(wb, "Measurements", row, "Value", 41)
    wb.save(both)
    problems = [str(p) for p in plan_import(seeded, [both], TODAY).files[0].problems]
    letter = openpyxl.utils.get_column_letter(c)
    assert any(p.startswith(f"both.xlsx, Data Entry quarterly sheet, row {r}, column {letter}") and
               f"the Measurements sheet (row {row}, column F) says 41" in p for p in problems), problems


def test_an_older_workbook_never_reverts_what_a_newer_one_brought(seeded: PlanStore, tmp_path: Path) -> None:
    from tests.test_exchange import _dept

    athletics = _dept(seeded)
    first = export(seeded, tmp_path / "athletics-october.xlsx", department_id=athletics)
    second = export(seeded, tmp_path / "athletics-november.xlsx", department_id=athletics)
    wb = openpyxl.load_workbook(second)
    row_uuid = _get(wb, "Measurements", 2, "UUID")
    _set(wb, "Measurements", 2, "Value", 12.5)
    wb.save(second)

    def october(wb: Any) -> None:  # typed into the earlier workbook, exported an hour before
        _set(wb, "Measurements", 2, "Value", 9.5)
        cover = wb["Cover"]
        for cells in cover.iter_rows():
            if cells[0].value == "Exported at":
                earlier = datetime.fromisoformat(str(cells[1].value)) - timedelta(hours=1)
                cells[1].value = earlier.isoformat(sep=" ")

    _edit(first, october)
    apply_import(seeded, plan_import(seeded, [second], TODAY))
    assert _value(seeded, row_uuid) == 12.5
    plan = plan_import(seeded, [first], TODAY)
    older = [c for c in plan.files[0].changes if c.action == "older"]
    assert [c.uuid for c in older] == [row_uuid]
    assert "is older than the one already taken from" in older[0].detail and "9.5 in the workbook" in older[0].detail
    apply_import(seeded, plan)
    assert _value(seeded, row_uuid) == 12.5


def test_a_district_workbook_exported_before_a_departments_edit_does_not_undo_it(seeded: PlanStore,
                                                                                tmp_path: Path) -> None:
    from tests.test_exchange import _dept

    district = export(seeded, tmp_path / "district.xlsx")
    department = export(seeded, tmp_path / "athletics.xlsx", department_id=_dept(seeded))
    wb = openpyxl.load_workbook(department)
    row_uuid = _get(wb, "Measurements", 2, "UUID")
    _set(wb, "Measurements", 2, "Value", 3.75)
    wb.save(department)
    apply_import(seeded, plan_import(seeded, [department], TODAY))
    plan = plan_import(seeded, [district], TODAY)
    assert not [c for c in plan.files[0].changes if c.action in ("update", "conflict")]
    apply_import(seeded, plan)
    assert _value(seeded, row_uuid) == 3.75


def test_two_peoples_data_entry_values_for_one_period_are_a_conflict_named_in_their_words(
        seeded: PlanStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = export(seeded, tmp_path / "dana.xlsx")
    two = export(seeded, tmp_path / "lee.xlsx")
    wb = openpyxl.load_workbook(one)
    entry = wb["Data Entry quarterly"]
    header = _header(entry)
    column = header.index("Q4 2024-25") + 1  # a period with no value yet
    name = entry.cell(row=2, column=header.index("Measure") + 1).value

    def typed(person: str, value: float) -> Any:
        def change(wb: Any) -> None:
            wb["Data Entry quarterly"].cell(row=2, column=column).value = value
            for cells in wb["Cover"].iter_rows():
                if cells[0].value == FILLED_IN_BY:
                    cells[1].value = person
        return change

    _edit(one, typed("Dana Whitfield", 20))
    _edit(two, typed("Lee Ortiz", 22))
    apply_import(seeded, plan_import(seeded, [one], TODAY))
    with seeded.reader() as s:
        measure_id = s.scalar(select(PerformanceMeasure.id).where(PerformanceMeasure.name == name))
        logged = s.scalars(select(Measurement).where(Measurement.measure_id == measure_id,
                                                     Measurement.period_start == date(2025, 4, 1))).one()
        assert (logged.value, logged.entered_by) == (20, "Dana Whitfield")  # the person, not "Data Entry (...)"
    seeded.actor = "Central office"
    plan = plan_import(seeded, [two], TODAY)
    conflicts = [c for c in plan.files[0].changes if c.action == "conflict"]
    assert len(conflicts) == 1
    detail = conflicts[0].detail
    for words in ("Whole district workbook", f"measure “{name}”", "Q4 2024-25", "Value: 22 in the workbook, 20 here",
                  "typed by Lee Ortiz", "changed here by "):
        assert words in detail, detail
    apply_import(seeded, plan)
    with seeded.reader() as s:
        assert s.get(Measurement, logged.id).value == 20
    seeded.close()
    capsys.readouterr()
    assert main(["import", "--db", str(seeded.path), str(two)]) == 1
    assert "Value: 22 in the workbook, 20 here" in capsys.readouterr().out


def test_an_edit_to_a_worked_out_column_is_named_not_dropped_in_silence(seeded: PlanStore, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    book = export(seeded, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    status = _get(wb, "WIGs", 2, "Status")
    _set(wb, "WIGs", 2, "Status", "Achieved" if status != "Achieved" else "Off track")
    wb.save(book)
    plan = plan_import(seeded, [book], TODAY)
    notes = [str(n) for n in plan.files[0].notes]
    letter = openpyxl.utils.get_column_letter(_header(wb["WIGs"]).index("Status") + 1)
    assert notes == [f"district.xlsx, WIGs sheet, row 2, column {letter} (“Status”): Status is worked out by "
                     "Planner; your change was not taken."]
    assert not plan.files[0].problems and {c.action for c in plan.files[0].changes} == {"same"}
    seeded.close()
    capsys.readouterr()
    main(["import", "--db", str(seeded.path), str(book)])
    assert "Status is worked out by Planner; your change was not taken." in capsys.readouterr().out


def test_worked_out_cells_are_locked_grey_and_explained_and_the_history_is_protected(seeded: PlanStore,
                                                                                     tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(export(seeded, tmp_path / "district.xlsx"))
    ws = wb["WIGs"]
    status = _header(ws).index("Status") + 1
    sentence = _header(ws).index("Goal as written") + 1
    assert ws.protection.sheet and not ws.protection.password
    assert ws.cell(row=2, column=status).protection.locked
    assert ws.cell(row=2, column=status).fill.fgColor.rgb.endswith("E7E6E6")
    assert "worked out by Planner" in ws.cell(row=1, column=status).comment.text
    assert not ws.cell(row=2, column=sentence).protection.locked
    assert not ws.cell(row=ws.max_row, column=1).protection.locked  # rows below the table: for new rows
    assert wb["History"].protection.sheet
    assert wb[BASE].sheet_state == "hidden" and wb[BASE].protection.sheet


def test_rows_added_without_a_uuid_are_matched_or_made(seeded: PlanStore, tmp_path: Path) -> None:
    book = export(seeded, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    project_uuid = _get(wb, "Milestones", 2, "Project UUID")
    _, _, measure, period = _measure_row(wb)
    row = _measurement_row(wb, measure, period)
    row_uuid = _get(wb, "Measurements", row, "UUID")
    ws = wb["Milestones"]
    last = max(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value)
    _set(wb, "Milestones", last + 1, "Project UUID", project_uuid)
    _set(wb, "Milestones", last + 1, "Milestone", "Board update")
    _set(wb, "Milestones", last + 1, "Due", date(2025, 3, 1))
    _set(wb, "Measurements", row, "UUID", None)  # the value retyped on a row without its UUID
    _set(wb, "Measurements", row, "Value", 8.5)
    wb.save(book)
    plan = plan_import(seeded, [book], TODAY)
    assert not plan.files[0].problems, plan.files[0].problems
    assert [(c.sheet, c.action) for c in plan.files[0].changes if c.action in ("add", "update")] == [
        ("Measurements", "update"), ("Milestones", "add")]
    apply_import(seeded, plan)
    assert _value(seeded, row_uuid) == 8.5
    again = plan_import(seeded, [book], TODAY)  # the same workbook again adds nothing
    assert {c.action for c in again.files[0].changes} == {"same"}
    with seeded.reader() as s:
        assert len(s.scalars(select(Milestone).where(Milestone.name == "Board update")).all()) == 1


def test_a_pasted_copy_of_a_row_is_a_new_row_and_leaves_the_original_alone(seeded: PlanStore,
                                                                          tmp_path: Path) -> None:
    book = export(seeded, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Milestones"]
    original = [c.value for c in ws[2]]
    last = max(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value)
    for c, value in enumerate(original, start=1):
        ws.cell(row=last + 1, column=c).value = value
    _set(wb, "Milestones", last + 1, "Milestone", "Teams trained")
    wb.save(book)
    plan = plan_import(seeded, [book], TODAY)
    assert not plan.files[0].problems, plan.files[0].problems
    notes = [str(n) for n in plan.files[0].notes]
    assert any(f"Milestones sheet, row {last + 1}" in n and "has the UUID of row 2" in n for n in notes), notes
    apply_import(seeded, plan)
    with seeded.reader() as s:
        header = _header(ws)
        kept = s.scalars(select(Milestone).where(Milestone.uuid == uuid.UUID(original[header.index("UUID")]))).one()
        assert kept.name == original[header.index("Milestone")]
        assert s.scalars(select(Milestone).where(Milestone.name == "Teams trained")).one().uuid != kept.uuid


def test_a_change_made_in_the_exporting_file_arrives_at_the_central_file(tmp_path: Path, store: PlanStore) -> None:
    """A department edits in its own Planner (not in the spreadsheet) and exports: the central file, unchanged
    since it last agreed with the department, takes the edit."""
    seed(store)
    store.close()
    central = tmp_path / "central.planner"
    shutil.copyfile(store.path, central)
    with open_plan_file(store.path) as department:
        first = export(department, tmp_path / "first.xlsx")
        with open_plan_file(central) as c:
            apply_import(c, plan_import(c, [first], TODAY))
        with department.reader() as s:
            logged = s.scalars(select(Measurement).order_by(Measurement.id)).first()
        ms.update_measurement(department, logged.id, {"value": 6.25})
        second = export(department, tmp_path / "second.xlsx")
    with open_plan_file(central) as c:
        plan = plan_import(c, [second], TODAY)
        assert [x.action for x in plan.files[0].changes if x.uuid == str(logged.uuid)] == ["update"]
        apply_import(c, plan)
        assert _value(c, str(logged.uuid)) == 6.25
