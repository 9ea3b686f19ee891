"""Excel exchange: export, import, round trip, conflicts, formula safety and every kind of bad file."""

from __future__ import annotations

import csv
import io
import subprocess
import uuid
import zipfile
from copy import copy
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from planner.cli import main
from planner.model import KeyLever, Measurement, Milestone, PerformanceMeasure
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services import xlsx_import
from planner.services.exchange import DATA_SHEETS, MAX_CELL, row_hash
from planner.services.exchange_rows import ExportScope, collect
from planner.services.plan_file import new_plan_file
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.xlsx_export import export_workbook
from planner.services.xlsx_import import apply_import, plan_import
from planner.store import PlanStore
from tests.benchmarks.generate import add_measurements
from tests.conftest import fetch_one, require_tool
from tests.test_plan_edit import table_dump

TODAY = date(2025, 1, 15)
PAYLOADS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(1,2)", "\tTAB", "=1+1"]


def seed(store: PlanStore) -> int:
    add_measurements(store, 6)
    with store.reader() as s:
        lever = s.scalars(select(KeyLever.id).where(KeyLever.text.like("Revise, implement%"))).first()
    pid = pj.create(store, pj.Entity.PROJECT, {"name": "Street teams", "status": "At risk", "lead": "M. Diaz",
                                               "start_date": "2024-08-01", "end_date": "2025-06-30",
                                               "link": NodeKey(Kind.KEY_LEVER, lever)}).id
    pj.create(store, pj.Entity.TASK, {"name": "Hire"}, project_id=pid)
    pj.create(store, pj.Entity.TASK, {"name": "Train", "depends_on": "1"}, project_id=pid)
    pj.create(store, pj.Entity.MILESTONE, {"name": "Teams in place", "due": "2024-09-30"}, project_id=pid)
    pj.create(store, pj.Entity.RAID, {"type": "Risk", "description": "Turnover", "likelihood": "3", "impact": "4"},
              project_id=pid, today=TODAY)
    pj.create(store, pj.Entity.UPDATE, {"update_date": "2025-01-10", "accomplishments": "Wave 1"}, project_id=pid)
    return pid


def export(store: PlanStore, path: Path, **scope: int) -> Path:
    export_workbook(store, path, ExportScope(1, **scope), TODAY, "Test")
    return path


def hashes(store: PlanStore) -> dict[str, dict[str, str]]:
    rows = collect(store, ExportScope(1), TODAY)
    return {sheet.name: {r["uuid"]: row_hash(sheet, r) for r in rows[sheet.name]} for sheet in DATA_SHEETS}


def test_round_trip_into_an_empty_file_gives_the_same_data(store: PlanStore, tmp_path: Path) -> None:
    seed(store)
    book = export(store, tmp_path / "district.xlsx")
    with new_plan_file(tmp_path / "empty.planner", empty=True) as empty:
        plan = plan_import(empty, [book], TODAY)
        assert not plan.files[0].problems, plan.files[0].problems[:3]
        result = apply_import(empty, plan)
        assert result.files_in == ["district.xlsx"] and result.conflicts_left == 0
        assert hashes(empty) == hashes(store)
        again = plan_import(empty, [book], TODAY)  # the same file twice adds nothing
        assert {c.action for c in again.files[0].changes} == {"same"}
        before = table_dump(empty, with_updated_at=False)
        apply_import(empty, again)
        assert table_dump(empty, with_updated_at=False) == before


def test_edits_made_in_the_workbook_come_back(store: PlanStore, tmp_path: Path) -> None:
    pid = seed(store)
    book = export(store, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    values = wb["Measurements"]
    values.cell(row=2, column=_column(wb, "Measurements", "Value")).value = 23.5  # corrected by hand (a percent)
    changed_uuid = values.cell(row=2, column=_column(wb, "Measurements", "UUID")).value
    plan_sheet = wb["Plan"]
    title, own = _column(wb, "Plan", "Title") - 1, _column(wb, "Plan", "UUID") - 1
    for row in plan_sheet.iter_rows(min_row=2):
        if row[0].value == "Key lever" and str(row[title].value).startswith("Map district needs"):
            row[title].value = "Map district needs to community resources, by school"
            lever_uuid = row[own].value
    milestones = wb["Milestones"]
    assert [c.value for c in milestones[1]] == ["Project UUID", "Project", "Milestone", "Due", "Done on", "Position",
                                                "UUID"]  # the row's UUID last
    project_uuid = milestones.cell(row=2, column=1).value
    new_uuid = str(uuid.uuid4())
    milestones.append([project_uuid, "Street teams", "Board update", date(2025, 3, 1), None, 1, new_uuid])
    entry = wb["Data Entry quarterly"]
    header = [c.value for c in entry[1]]
    q3 = header.index("Q3 2024-25") + 1
    measure_uuid = None
    for row in entry.iter_rows(min_row=2):
        if row[0].value == "Chronic absenteeism rate":
            row[q3 - 1].value = 21.2
            row[q3].value = 21.0  # the interim target beside it
            measure_uuid = row[header.index("Measure UUID")].value
    wb.save(book)

    plan = plan_import(store, [book], TODAY)
    actions = {(c.sheet, c.action) for c in plan.files[0].changes}
    assert ("Measurements", "update") in actions and ("Milestones", "add") in actions
    apply_import(store, plan)
    with store.reader() as s:
        assert s.scalar(select(Measurement.value).where(Measurement.uuid == uuid.UUID(changed_uuid))) == 23.5
        assert s.scalar(select(KeyLever.text).where(KeyLever.uuid == uuid.UUID(lever_uuid))).endswith("by school")
        assert s.scalars(select(Milestone).where(Milestone.uuid == uuid.UUID(new_uuid))).one().project_id == pid
        measure_id = s.scalar(select(PerformanceMeasure.id).where(PerformanceMeasure.uuid == uuid.UUID(measure_uuid)))
        typed = s.scalars(select(Measurement).where(Measurement.measure_id == measure_id,
                                                    Measurement.period_start == date(2025, 1, 1))).one()
        assert typed.value == 21.2
        from planner.model import InterimTarget

        assert s.scalar(select(InterimTarget.value).where(InterimTarget.measure_id == measure_id)) == 21.0


def test_a_row_changed_on_both_sides_is_a_conflict_left_alone(store: PlanStore, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    seed(store)
    book = export(store, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    sheet = wb["Measurements"]
    row_uuid = uuid.UUID(sheet.cell(row=2, column=_column(wb, "Measurements", "UUID")).value)
    sheet.cell(row=2, column=_column(wb, "Measurements", "Value")).value = 11.0
    wb.save(book)
    with store.reader() as s:
        measurement = s.scalars(select(Measurement).where(Measurement.uuid == row_uuid)).one()
    ms.update_measurement(store, measurement.id, {"note": "corrected here after the export"})
    plan = plan_import(store, [book], TODAY)
    conflicts = [c for c in plan.files[0].changes if c.action == "conflict"]
    assert [c.uuid for c in conflicts] == [str(row_uuid)]
    result = apply_import(store, plan)
    assert result.conflicts_left == 1
    with store.reader() as s:
        kept = s.scalars(select(Measurement).where(Measurement.uuid == row_uuid)).one()
        assert kept.note == "corrected here after the export" and kept.value != 11.0
    store.close()
    assert main(["import", "--db", str(store.path), str(book)]) == 1
    assert f"conflict, left as it is here: Measurements {row_uuid}" in capsys.readouterr().out
    from planner.store import open_plan_file

    with open_plan_file(store.path) as again:
        apply_import(again, plan_import(again, [book], TODAY), take_theirs={str(row_uuid)})
        with again.reader() as s:
            assert s.scalars(select(Measurement).where(Measurement.uuid == row_uuid)).one().value == 11.0


def test_user_text_is_never_a_formula(store: PlanStore, tmp_path: Path) -> None:
    seed(store)
    with store.session() as s:
        levers = s.scalars(select(KeyLever).order_by(KeyLever.id)).all()
        for lever, payload in zip(levers, PAYLOADS, strict=False):
            lever.text = payload
    book = export(store, tmp_path / "payloads.xlsx")
    wb = openpyxl.load_workbook(book)
    found = {c.value: c.data_type for row in wb["Plan"].iter_rows() for c in row if c.value in PAYLOADS}
    assert set(found) == {p for p in PAYLOADS} and set(found.values()) == {"s"}
    with zipfile.ZipFile(book) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet2.xml").decode()
        history_sheet = f"xl/worksheets/sheet{wb.sheetnames.index('History') + 1}.xml"
        assert "<f>" not in archive.read(history_sheet).decode()  # the payloads are in the history, as text
    assert any(PAYLOADS[0] in str(c.value) for row in wb["History"].iter_rows() for c in row)


def test_the_change_history_goes_out_with_the_workbook(store: PlanStore, tmp_path: Path) -> None:
    store.actor = "Dana Whitfield"
    seed(store)
    with store.reader() as s:
        logged = s.scalars(select(Measurement).order_by(Measurement.id)).first()
    ms.update_measurement(store, logged.id, {"note": "corrected after the audit"})
    wb = openpyxl.load_workbook(export(store, tmp_path / "district.xlsx"))
    sheet = wb["History"]
    header = [c.value for c in sheet[1]]
    assert header == ["When (UTC)", "Who", "Action", "Kind", "Item", "Changes", "Reason", "Item UUID"]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    last = rows[-1]
    # On a server the role the person signed in as is kept beside the name they gave, and said when it differs
    who = "Dana Whitfield" + (f" (signed in as {store.role})" if store.on_server else "")
    assert (last["Who"], last["Action"], last["Kind"]) == (who, "Changed", "Logged value")
    assert last["Changes"] == "Note: (blank) → corrected after the audit"
    assert last["Item UUID"] == str(logged.uuid)
    loaded = ("The district's default plan, loaded onto the server by planner server init" if store.on_server
              else "New plan file holding the district's default plan")
    assert any(r["Reason"] == loaded for r in rows)
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert f"{len(rows):,} recorded changes" in cover
    # a department's workbook carries the history of its own rows only
    athletics = _dept(store)
    department = openpyxl.load_workbook(export(store, tmp_path / "athletics.xlsx", department_id=athletics))
    uuids = {c.value for c in department["History"]["H"][1:]}
    exported = {str(r["uuid"]) for rows in collect(store, ExportScope(1, department_id=athletics), TODAY).values()
                for r in rows}
    assert uuids and uuids <= exported
    assert str(logged.uuid) not in uuids


def _dept(store: PlanStore) -> int:
    from planner.model import Department

    return fetch_one(store, Department, name="Athletics").id


def test_a_spreadsheet_opens_the_workbook_and_evaluates_nothing(store: PlanStore, tmp_path: Path) -> None:
    require_tool("soffice")
    seed(store)
    with store.session() as s:
        lever = s.scalars(select(KeyLever).order_by(KeyLever.id)).first()
        lever.text = "=1+1"
    book = export(store, tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(book)
    plan_index = wb.sheetnames.index("Plan")
    out = tmp_path / "csv"
    out.mkdir()
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{plan_index + 1}",
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=240)
    text = next(out.glob("*.csv")).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    titles = [r[3] for r in rows[1:] if len(r) > 3]
    assert "=1+1" in titles and "2" not in titles
    assert any(t.startswith("Ensure each school has a tiered attendance plan") for t in titles)


def test_a_workbook_saved_again_by_a_spreadsheet_comes_back_unchanged(store: PlanStore, tmp_path: Path) -> None:
    """LibreOffice writes text as a shared-strings table (Planner writes it inline): an unchanged re-save must
    import as unchanged, every sheet read through that table."""
    require_tool("soffice")
    seed(store)
    book = export(store, tmp_path / "dept.xlsx", department_id=_dept(store))
    out = tmp_path / "saved"
    out.mkdir()
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=240)
    saved = out / "dept.xlsx"
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(saved).namelist()
    plan = plan_import(store, [saved], TODAY)
    assert not plan.files[0].problems, plan.files[0].problems[:3]
    assert {c.action for c in plan.files[0].changes} <= {"same"}


def test_control_characters_and_long_text(store: PlanStore, tmp_path: Path) -> None:
    with store.session() as s:
        levers = s.scalars(select(KeyLever).order_by(KeyLever.id)).all()
        levers[0].text = "bell\x07 and\x0b form feed"
        levers[1].text = "x" * 40_000
    book = export(store, tmp_path / "long.xlsx")
    cells = [c.value for row in openpyxl.load_workbook(book)["Plan"].iter_rows() for c in row if c.value]
    assert "bell and form feed" in cells
    long = next(c for c in cells if isinstance(c, str) and c.startswith("xxxx"))
    assert len(long) <= MAX_CELL and "[cut:" in long


def _xlsx_with(tmp_path: Path, store: PlanStore, mutate) -> Path:  # type: ignore[no-untyped-def]
    book = export(store, tmp_path / "good.xlsx")
    wb = openpyxl.load_workbook(book)
    mutate(wb)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    return bad


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 200_000_000)
    return path


def _entity_bomb(path: Path, good: Path) -> Path:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
            '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
            '&lol2;">]><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol3;</workbook>')
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, bomb if item.filename == "xl/workbook.xml" else src.read(item.filename))
    return path


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


CASES = {
    "zero-byte": (lambda tmp, st: _file(tmp / "z.xlsx", b""), "is empty (0 bytes)"),
    "random bytes": (lambda tmp, st: _file(tmp / "r.xlsx", bytes(range(256)) * 100), "not an Excel workbook"),
    "renamed text": (lambda tmp, st: _file(tmp / "t.xlsx", b"Name,Value\nA,1\n"), "not an Excel workbook"),
    "old xls": (lambda tmp, st: _file(tmp / "old.xls", b"\xd0\xcf\x11\xe0"), "old Excel 97-2003 workbook"),
    "ods": (lambda tmp, st: _file(tmp / "o.ods", b"PK"), "OpenDocument spreadsheet"),
    "truncated": (lambda tmp, st: _truncated(tmp, st), "not an Excel workbook"),
    "zip bomb": (lambda tmp, st: _zip_bomb(tmp / "bomb.xlsx"), "zip bomb"),
    "entity bomb": (lambda tmp, st: _entity_bomb(tmp / "lol.xlsx", export(st, tmp / "g.xlsx")),
                    "cannot be read as a workbook"),
    "not planner": (lambda tmp, st: _plain_workbook(tmp), "not a Planner workbook"),
    "missing sheet": (lambda tmp, st: _xlsx_with(tmp, st, lambda wb: wb.remove(wb["Projects"])),
                      "Projects sheet: the sheet is missing"),
    "renamed column": (lambda tmp, st: _xlsx_with(tmp, st, lambda wb: setattr(wb["Measures"]["A1"], "value",
                                                                              "Measure name")),
                       "missing column(s): “Measure”"),
    "wrong type": (lambda tmp, st: _xlsx_with(tmp, st, _wrong_type), "“lots” is not a number"),
    "dangling reference": (lambda tmp, st: _xlsx_with(tmp, st, _dangling), "neither in this workbook nor in"),
    "dependency circle": (lambda tmp, st: _xlsx_with(tmp, st, _circle), "close a circle"),
}


def _circle(wb) -> None:  # type: ignore[no-untyped-def]
    sheet = wb["Task Dependencies"]
    task, depends_on = sheet["A2"].value, sheet["C2"].value  # Train depends on Hire ...
    _append(sheet, {"Task UUID": depends_on, "Task": "Hire", "Depends on UUID": task, "Depends on": "Train",
                    "UUID": str(uuid.uuid4())})  # ... and now Hire on Train


def _truncated(tmp: Path, store: PlanStore) -> Path:
    data = export(store, tmp / "full.xlsx").read_bytes()
    path = tmp / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _plain_workbook(tmp: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget"
    wb.save(tmp / "budget.xlsx")
    return tmp / "budget.xlsx"


def _wrong_type(wb) -> None:  # type: ignore[no-untyped-def]
    measure = wb["Measures"].cell(row=2, column=_column(wb, "Measures", "UUID")).value
    _append(wb["Measurements"], {"UUID": str(uuid.uuid4()), "Subject": "x", "Subject UUID": measure, "Period": "Q1",
                                 "Period start": date(2024, 7, 1), "Period end": date(2024, 9, 30), "Value": "lots"})


def _dangling(wb) -> None:  # type: ignore[no-untyped-def]
    _append(wb["Milestones"], {"UUID": str(uuid.uuid4()), "Project UUID": str(uuid.uuid4()), "Project": "Nowhere",
                               "Milestone": "Ghost milestone"})


def _append(ws, values: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """A row added below the others, its cells placed by their headers."""
    header = [c.value for c in ws[1]]
    ws.append([values.get(h) for h in header])


@pytest.mark.parametrize("case", list(CASES))
def test_bad_files_are_refused_with_a_clear_message_and_change_nothing(store: PlanStore, tmp_path: Path,
                                                                      case: str) -> None:
    seed(store)
    make, words = CASES[case]
    bad = make(tmp_path, store)
    before = table_dump(store)
    plan = plan_import(store, [bad], TODAY)
    problems = [str(p) for p in plan.files[0].problems]
    assert problems and any(words in p for p in problems), problems
    assert all(p.startswith(bad.name) for p in problems)
    apply_import(store, plan)
    assert table_dump(store) == before


def test_problem_names_sheet_row_and_column(store: PlanStore, tmp_path: Path) -> None:
    seed(store)
    bad = _xlsx_with(tmp_path, store, _wrong_type)
    problem = plan_import(store, [bad], TODAY).files[0].problems[0]
    assert problem.sheet == "Measurements" and problem.row and problem.row > 2 and "Value" in problem.column


def test_a_sheet_too_long_is_refused(store: PlanStore, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(xlsx_import, "MAX_ROWS", 50)
    bad = _xlsx_with(tmp_path, store, lambda wb: None)
    problems = [str(p) for p in plan_import(store, [bad], TODAY).files[0].problems]
    assert any("more than 50 rows" in p for p in problems)


def test_good_files_go_in_beside_a_bad_one(store: PlanStore, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    seed(store)
    good = export(store, tmp_path / "good.xlsx")
    with new_plan_file(tmp_path / "central.planner", empty=True):
        pass
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    assert main(["import", "--db", str(tmp_path / "central.planner"), str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "bad.xlsx: refused, nothing from it was imported" in captured.err
    assert "Imported good.xlsx" in captured.out and "The other files went in" in captured.out


def test_cli_export_department(plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wellness.xlsx"
    assert main(["export", "--db", str(plan_path), "--out", str(out), "--department", "Student Wellness"]) == 0
    assert "Department: Student Wellness" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    goals = [row for row in wb["WIGs"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert wb.sheetnames[:3] == ["Cover", "Plan", "WIGs"] and len(goals) == 7
    facts = {row[0].value: row[1].value for row in wb["Cover"].iter_rows(min_row=3, max_row=12)}
    assert facts["Department"] == "Student Wellness" and facts["Exported by"]
    assert main(["export", "--db", str(plan_path), "--out", str(tmp_path / "x.csv")]) == 1
    assert "does not end in .xlsx" in capsys.readouterr().err


def test_export_is_atomic(store: PlanStore, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"the previous export")

    def broken(self, filename):  # type: ignore[no-untyped-def]
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError):
        export(store, out)
    assert out.read_bytes() == b"the previous export"
    assert not [p.name for p in tmp_path.iterdir() if "partial" in p.name]


def test_openpyxl_parses_xml_through_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_an_import_leaves_locked_periods_as_they_were_sent(store: PlanStore, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from planner.services import history, period_locks

    seed(store)
    book = export(store, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    sheet = wb["Measurements"]
    header = [c.value for c in sheet[1]]
    rows = {str(sheet.cell(row=r, column=header.index("Period") + 1).value): r for r in range(2, sheet.max_row + 1)}
    sept, dec = rows["Sep 2024"], rows["Dec 2024"]
    for r in (sept, dec):
        sheet.cell(row=r, column=header.index("Note") + 1).value = "changed in the workbook"
    wb.save(book)
    period_locks.lock(store, "Q1 2024-25")  # July-September went to the central office
    plan = plan_import(store, [book], TODAY)
    held = [c for c in plan.files[0].changes if c.action == "locked"]
    own = header.index("UUID") + 1
    assert [c.uuid for c in held] == [sheet.cell(row=sept, column=own).value]
    assert "(Q1 2024-25 is locked)" in held[0].label
    result = apply_import(store, plan)
    assert (result.locked_left, result.updated) == (1, 1)
    with store.reader() as s:
        notes = {str(m.uuid): m.note for m in s.scalars(select(Measurement))}
    assert notes[sheet.cell(row=sept, column=own).value] == ""
    assert notes[sheet.cell(row=dec, column=own).value] == "changed in the workbook"
    assert history.changes(store, limit=1)[0].reason == "Imported from district.xlsx"
    store.close()
    assert main(["import", "--db", str(store.path), str(book)]) == 1
    assert "locked period, left as it is here: Measurements" in capsys.readouterr().out


def test_a_sheet_too_big_for_excel_is_refused_before_anything_is_written(store: PlanStore, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.errors import ValidationError
    from planner.services import xlsx_export
    from planner.services.exchange_rows import plan_measurement_count

    seed(store)
    # counted in SQL before anything is read: the same number the export would write
    assert plan_measurement_count(store, 1) == len(collect(store, ExportScope(1), TODAY)["Measurements"])
    monkeypatch.setattr(xlsx_export, "MAX_SHEET_ROWS", 10)  # Excel's 1,048,575, scaled down for the test
    before = table_dump(store)
    with pytest.raises(ValidationError, match=r"The Measurements sheet would have \d+ rows; an Excel sheet holds 10"):
        export(store, tmp_path / "district.xlsx")
    assert not list(tmp_path.glob("*.xlsx*")) and table_dump(store) == before


def test_a_whole_years_values_go_out_and_come_back(store: PlanStore, tmp_path: Path) -> None:
    """Spring months ("Jan 2025" … "Jun 2025") head the data-entry columns as well as the autumn ones."""
    add_measurements(store, 12)
    with store.session() as s:  # the generator wanders past 100%; a percent goal's values are 0 to 100
        from planner.model import Wig, WigKind

        for m in s.scalars(select(Measurement).join(Wig, Measurement.wig_id == Wig.id)
                           .where(Wig.kind == WigKind.PERCENT)):
            m.value = min(100.0, max(0.0, m.value))
    book = export(store, tmp_path / "year.xlsx")
    with new_plan_file(tmp_path / "central.planner", empty=True) as central:
        plan = plan_import(central, [book], TODAY)
        assert not plan.files[0].problems, plan.files[0].problems[:3]
        apply_import(central, plan)
        assert hashes(central)["Measurements"] == hashes(store)["Measurements"]


def _history_rows(wb: openpyxl.Workbook) -> list[dict[str, object]]:
    sheet = wb["History"]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


def _column(wb: openpyxl.Workbook, sheet: str, header: str) -> int:
    return [c.value for c in wb[sheet][1]].index(header) + 1


def test_the_history_sheet_carries_what_the_receiver_does_not_have_yet(store: PlanStore, tmp_path: Path) -> None:
    from sqlalchemy import func

    from planner.model import Change

    seed(store)
    scope = ExportScope(1, department_id=_dept(store), label="Department: Athletics")
    book = export_workbook(store, tmp_path / "athletics.xlsx", scope, TODAY, "Test").path
    wb = openpyxl.load_workbook(book)
    everything = _history_rows(wb)
    assert everything  # nothing came back from Athletics yet: its rows' whole history goes out
    # Athletics sends the workbook back with a value's note written; its cover says when it was exported
    with store.reader() as s:
        cutoff = s.scalar(select(func.max(Change.at)))
    values = wb["Measurements"]
    values.cell(row=2, column=_column(wb, "Measurements", "Note")).value = "Noted in the department"
    value_uuid = uuid.UUID(values.cell(row=2, column=_column(wb, "Measurements", "UUID")).value)
    for cells in wb["Cover"].iter_rows():
        if cells[0].value == "Exported at":
            cells[1].value = cutoff.astimezone().replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
    wb.save(book)
    result = apply_import(store, plan_import(store, [book], TODAY))
    assert result.files_in == ["athletics.xlsx"]
    with store.reader() as s:  # then the central office changes the note again
        value_id = s.scalars(select(Measurement.id).where(Measurement.uuid == value_uuid)).one()
    ms.update_measurement(store, value_id, {"note": "Noted centrally"})
    again = openpyxl.load_workbook(export_workbook(store, tmp_path / "athletics-2.xlsx", scope, TODAY, "Test").path)
    rows = _history_rows(again)
    assert rows and len(rows) < len(everything)
    assert all(r["When (UTC)"] >= cutoff.replace(tzinfo=None, microsecond=0) for r in rows)
    assert any("Noted centrally" in str(r["Changes"]) for r in rows)
    cover = " ".join(str(c.value) for row in again["Cover"].iter_rows() for c in row if c.value)
    assert f"{len(rows):,} recorded changes" in cover and "came back from Athletics" in cover
    # the whole district's workbook goes to somebody else: its history is whole
    district = _history_rows(openpyxl.load_workbook(export(store, tmp_path / "district.xlsx")))
    assert len(district) > len(everything)


def _earlier_layout(book: Path, full: dict[str, dict[str, str]], out: Path) -> Path:
    """The workbook as the Planner before workbook format 2 wrote it: each row's UUID in the first column (the
    Data Entry sheets' Measure UUID too), the base sheet's row hashes whole (SHA-256), format 1 on the cover."""
    from planner.services.exchange import BASE

    wb = openpyxl.load_workbook(book)
    sheets = [(s.name, "UUID") for s in DATA_SHEETS] + [(n, "Measure UUID") for n in wb.sheetnames
                                                         if n.startswith("Data Entry ")]
    for name, header in sheets:
        ws = wb[name]
        rows = [[(c.value, copy(c._style)) for c in row] for row in ws.iter_rows()]  # values with their formats
        own = [value for value, _style in rows[0]].index(header)
        for r, cells in enumerate(rows, start=1):
            for c, (value, style) in enumerate([cells[own], *cells[:own], *cells[own + 1:]], start=1):
                ws.cell(row=r, column=c).value = value
                ws.cell(row=r, column=c)._style = style
    for row in wb[BASE].iter_rows(min_row=2):
        row[2].value = full[row[0].value][row[1].value]
        assert row[3].value in ("same", None)  # a first export: nothing was exchanged before
    for row in wb["Cover"].iter_rows():
        if row[0].value == "Workbook format":
            row[1].value = "1"
    wb.save(out)
    return out


def test_a_workbook_of_the_earlier_layout_with_the_uuid_first_still_imports(store: PlanStore, tmp_path: Path) -> None:
    seed(store)
    book = export(store, tmp_path / "district.xlsx")
    wb = openpyxl.load_workbook(book)
    for name in [s.name for s in DATA_SHEETS] + [n for n in wb.sheetnames if n.startswith("Data Entry ")]:
        header = [c.value for c in wb[name][1]]
        assert header[0] != "UUID" and header[-1] in ("UUID", "Measure UUID")  # not first: last, and narrow
        assert wb[name].column_dimensions[openpyxl.utils.get_column_letter(len(header))].width <= 12
        if name in ("Measurements", "Milestones"):
            assert wb[name].cell(row=2, column=len(header)).protection.locked
    old = _earlier_layout(book, hashes(store), tmp_path / "earlier.xlsx")
    assert [c.value for c in openpyxl.load_workbook(old)["Measurements"][1]][:2] == ["UUID", "Subject"]
    with new_plan_file(tmp_path / "empty.planner", empty=True) as empty:
        plan = plan_import(empty, [old], TODAY)
        assert not plan.files[0].problems, plan.files[0].problems[:3]
        result = apply_import(empty, plan)
        assert result.files_in == ["earlier.xlsx"] and result.conflicts_left == 0
        assert hashes(empty) == hashes(store)
    # a value corrected in the earlier layout's Measurements sheet and one typed on its Data Entry sheet
    wb = openpyxl.load_workbook(old)
    values = wb["Measurements"]
    values.cell(row=2, column=_column(wb, "Measurements", "Value")).value = 23.5
    changed = values.cell(row=2, column=1).value
    entry = wb["Data Entry quarterly"]
    header = [c.value for c in entry[1]]
    measure = next(r for r in entry.iter_rows(min_row=2) if r[header.index("Measure")].value ==
                   "Chronic absenteeism rate")
    measure[header.index("Q3 2024-25")].value = 21.2
    wb.save(old)
    plan = plan_import(store, [old], TODAY)
    assert not plan.files[0].problems, plan.files[0].problems[:3]
    assert {c.action for c in plan.files[0].changes} == {"same", "update", "add"}
    apply_import(store, plan)
    with store.reader() as s:
        assert s.scalar(select(Measurement.value).where(Measurement.uuid == uuid.UUID(changed))) == 23.5
        measure_id = s.scalar(select(PerformanceMeasure.id).where(
            PerformanceMeasure.uuid == uuid.UUID(measure[0].value)))
        assert s.scalars(select(Measurement.value).where(Measurement.measure_id == measure_id,
                                                         Measurement.period_start == date(2025, 1, 1))).one() == 21.2
