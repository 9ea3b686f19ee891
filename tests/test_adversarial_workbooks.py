"""Adversarial workbooks: a real export of the default plan, damaged every way a file can be (cell types, the
XML of its parts, <dimension>, UUIDs of the wrong row or the wrong kind, parents of every wrong kind, numbers
the forms refuse), each imported through `planner import` as a person would. Every case must be refused
with one line per problem naming the file, sheet, row and column, never a traceback, and leave the plan file
byte for byte as it was. Tracebacks this suite found are kept below as named examples."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.services.plan_file import new_plan_file
from planner.store import open_plan_file
from tests.test_exchange import export, seed

# PLANNER_FUZZ=200 runs many more examples locally; CI keeps to a couple of minutes.
FUZZ = int(os.environ.get("PLANNER_FUZZ", "0"))
# No shrinking: a failing example is printed as drawn, and a failure never costs minutes of shrinking.
SETTINGS = settings(derandomize=True, deadline=None, max_examples=FUZZ or 6, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MORE = settings(SETTINGS, max_examples=FUZZ or 10)  # the zip-level damage is cheap to build: try more of it
SHEET_PART = {"Cover": 1, "Plan": 2, "WIGs": 3, "Measures": 4, "Measurements": 5, "Projects": 6, "Milestones": 7,
              "Tasks": 8, "Task Dependencies": 9, "RAID Log": 10, "Weekly Updates": 11}


class Base:
    """The plan file and its export, built once for the module."""

    plan: Path
    book: Path
    rows: dict[str, list[dict[str, Any]]]  # each data sheet's rows as exported, by header
    uuids: dict[str, list[str]]  # row UUIDs by kind (a Plan level, or a sheet)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("adversarial")
    b = Base()
    b.plan = folder / "plan.planner"
    with new_plan_file(b.plan) as store:
        seed(store)
        b.book = export(store, folder / "district.xlsx")
    wb = openpyxl.load_workbook(b.book, read_only=True)
    b.rows, b.uuids = {}, {}
    for name in SHEET_PART:
        if name == "Cover":
            continue
        values = list(wb[name].iter_rows(values_only=True))
        header = [str(h) for h in values[0]]
        b.rows[name] = [dict(zip(header, r, strict=False)) for r in values[1:] if any(v is not None for v in r)]
        for r in b.rows[name]:
            kind = r.get("Level") if name == "Plan" else ("WIG" if name == "WIGs" else name)
            if name == "WIGs":
                continue  # the same UUIDs as the WIG rows of the Plan sheet
            b.uuids.setdefault(str(kind), []).append(str(r["UUID"]))
    wb.close()
    return b


@pytest.fixture
def work(base: Base) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def _fingerprint(plan: Path) -> tuple[str, dict[str, int]]:
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    con = sqlite3.connect(f"file:{plan}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()
    return digest, counts


def run_import(base: Base, folder: Path, capsys: pytest.CaptureFixture[str], *books: Path,
               refused: bool = True) -> tuple[int, str, str]:
    """`planner import` on a copy of the plan; a refused import must change nothing and say why plainly."""
    plan = folder / "plan.planner"
    shutil.copyfile(base.plan, plan)
    before = _fingerprint(plan)
    capsys.readouterr()
    started = time.monotonic()
    code = main(["import", "--db", str(plan), *map(str, books)])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    text = out + err
    assert "Traceback" not in text and "unexpected" not in text, text
    assert ".py" not in text, text  # no warning with a source path, no internal detail
    assert elapsed < 60, f"the import took {elapsed:.0f} s"
    if refused:
        assert code == 1, text
        assert _fingerprint(plan) == before, "a refused import changed the plan file"
        lines = [line for line in err.splitlines() if line.startswith("  - ")]
        assert lines, text
        for line in lines:
            assert line.startswith(f"  - {books[0].name}"), line
            assert line.count("(") == line.count(")") and line.count("“") == line.count("”"), line
    return code, out, err


# ---- damage at the zip level --------------------------------------------------------------------------------


def _rewrite(src: Path, dst: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, change(data) if item.filename == part else data)
    return dst


def _part(sheet: str) -> str:
    return f"xl/worksheets/sheet{SHEET_PART[sheet]}.xml"


def _cells(data: bytes) -> list[re.Match[bytes]]:
    return list(re.finditer(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', data))


CELL_DAMAGE = {
    "letters in a number cell": lambda ref: f'<c r="{ref}" t="n"><v>lots</v></c>'.encode(),
    "shared string past the table": lambda ref: f'<c r="{ref}" t="s"><v>987654</v></c>'.encode(),
    "shared string not a number": lambda ref: f'<c r="{ref}" t="s"><v>x1</v></c>'.encode(),
    "yes/no holding text": lambda ref: f'<c r="{ref}" t="b"><v>maybe</v></c>'.encode(),
    "ISO date holding text": lambda ref: f'<c r="{ref}" t="d"><v>soon</v></c>'.encode(),
    "error cell": lambda ref: f'<c r="{ref}" t="e"><v>#DIV/0!</v></c>'.encode(),
    "formula without a result": lambda ref: f'<c r="{ref}"><f>1/0</f></c>'.encode(),
}
REQUIRED_COLUMN = {"Plan": "D", "WIGs": "C", "Measures": "A", "Measurements": "B", "Projects": "A",
                   "Milestones": "A", "Tasks": "D", "Task Dependencies": "A", "RAID Log": "D", "Weekly Updates": "C"}


@MORE
@given(sheet=st.sampled_from(sorted(REQUIRED_COLUMN)), damage=st.sampled_from(sorted(CELL_DAMAGE)),
       row=st.integers(min_value=2, max_value=4))
def test_a_damaged_cell_is_named_by_sheet_row_and_column(base: Base, work: Path, capsys: pytest.CaptureFixture[str],
                                                         sheet: str, damage: str, row: int) -> None:
    if len(base.rows[sheet]) < row - 1:
        row = len(base.rows[sheet]) + 1
    ref = f"{REQUIRED_COLUMN[sheet]}{row}"

    def change(data: bytes) -> bytes:
        found = next(m for m in _cells(data) if m[1].decode() + m[2].decode() == ref)
        return data[:found.start()] + CELL_DAMAGE[damage](ref) + data[found.end():]

    bad = _rewrite(base.book, work / "bad.xlsx", _part(sheet), change)
    _, _, err = run_import(base, work, capsys, bad)
    assert f"{sheet} sheet, row {row}, column {REQUIRED_COLUMN[sheet]} (“" in err, err


XML_DAMAGE = {
    "cut short": lambda data, at: data[: max(10, at % len(data))],
    "garbage inside": lambda data, at: data[: at % len(data)] + b"<<\x00&&>" + data[at % len(data):],
    "entity declaration": lambda data, at: data.replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>', 1),
    "external entity": lambda data, at: data.replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1),
    "unclosed tag": lambda data, at: data.replace(b"</sheetData>", b"<row r=\"9999\"><c r=\"A9999\"><v>1</v>", 1),
}
PARTS = ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml", "[Content_Types].xml",
         "xl/_rels/workbook.xml.rels"] + [_part(s) for s in SHEET_PART]


@MORE
@given(part=st.sampled_from(PARTS), damage=st.sampled_from(sorted(XML_DAMAGE)), at=st.integers(0, 10**6))
def test_damaged_xml_in_any_part_is_one_clear_refusal(base: Base, work: Path, capsys: pytest.CaptureFixture[str],
                                                      part: str, damage: str, at: int) -> None:
    with zipfile.ZipFile(base.book) as z:
        if part not in z.namelist():
            return
        original = z.read(part)
    changed = XML_DAMAGE[damage](original, at)
    if changed == original:
        return
    bad = _rewrite(base.book, work / "bad.xlsx", part, lambda data: changed)
    _, _, err = run_import(base, work, capsys, bad)
    assert "Please see the exception" not in err


# ---- damage of values, through openpyxl as a spreadsheet would write them ----------------------------------


def _edit(base: Base, folder: Path, mutate: Callable[[Any], None], name: str = "bad.xlsx") -> Path:
    wb = openpyxl.load_workbook(base.book)
    mutate(wb)
    path = folder / name
    wb.save(path)
    return path


def _xml_cell(ref: str, value: Any) -> bytes:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'.encode()
    from xml.sax.saxutils import escape

    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'.encode()


def _quick(base: Base, folder: Path, sheet: str, row: int, header: str, value: Any) -> Path:
    """One cell changed in the sheet's XML, as a spreadsheet would save it: fast enough for many cases."""
    from openpyxl.utils import get_column_letter

    ref = f"{get_column_letter(list(base.rows[sheet][0]).index(header) + 1)}{row}"

    def change(data: bytes) -> bytes:
        found = next((m for m in _cells(data) if m[1].decode() + m[2].decode() == ref), None)
        if found is not None:
            return data[:found.start()] + _xml_cell(ref, value) + data[found.end():]
        row_end = re.search(rf'<row r="{row}"[^>]*>.*?(</row>)'.encode(), data, re.S)
        assert row_end is not None
        return data[:row_end.start(1)] + _xml_cell(ref, value) + data[row_end.start(1):]

    return _rewrite(base.book, folder / "bad.xlsx", _part(sheet), change)


def _set(wb: Any, sheet: str, row: int, header: str, value: Any, number_format: str | None = None) -> None:
    ws = wb[sheet]
    column = [c.value for c in ws[1]].index(header) + 1
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if number_format:
        cell.number_format = number_format


def _row_of(base: Base, sheet: str, **match: Any) -> int:
    return next(i for i, r in enumerate(base.rows[sheet], start=2) if all(r.get(k) == v for k, v in match.items()))


def _percent_measurement(base: Base) -> int:
    measures = {r["UUID"] for r in base.rows["Measures"] if r["Unit"] == "%"}
    wigs = {r["UUID"] for r in base.rows["WIGs"] if r["Kind"] == "percent"}
    return next(i for i, r in enumerate(base.rows["Measurements"], start=2)
                if r["Subject UUID"] in measures | wigs)


BAD_NUMBERS = {
    ("Measurements", "Value"): [150, -5, 1e308, "inf", "-inf", "nan", "1e400", 100.5],
    ("Projects", "% complete"): [250, -1, "inf", 101],
    ("Projects", "Budget"): [-5, "nan"],
    ("Projects", "Spent"): [-0.01, "inf"],
    ("Tasks", "% complete"): [150, -5],
    ("RAID Log", "Likelihood"): [0, 6, 9, -1],
    ("RAID Log", "Impact"): [7, 1e12],
    ("WIGs", "Weight"): [0, -1, "inf"],
    ("Plan", "Position"): [1e308, 3.5],
    ("Tasks", "#"): [1e300, "two"],
}


@SETTINGS
@given(data=st.data())
def test_numbers_the_forms_refuse_are_refused(base: Base, work: Path, capsys: pytest.CaptureFixture[str],
                                              data: st.DataObject) -> None:
    sheet, header = data.draw(st.sampled_from(sorted(BAD_NUMBERS)))
    value = data.draw(st.sampled_from(BAD_NUMBERS[(sheet, header)]))
    row = _percent_measurement(base) if sheet == "Measurements" else 2
    bad = _quick(base, work, sheet, row, header, value)
    _, _, err = run_import(base, work, capsys, bad)
    assert f"{sheet} sheet, row {row}, column " in err and f"(“{header}”)" in err, err


REFS = [("Plan", "Parent UUID"), ("Plan", "Owner UUID"), ("Measures", "WIG UUID"), ("Measures", "Strategy UUID"),
        ("Measures", "Department UUID"), ("Measurements", "Subject UUID"), ("Projects", "Carries UUID"),
        ("Milestones", "Project UUID"), ("Tasks", "Project UUID"), ("RAID Log", "Project UUID"),
        ("Weekly Updates", "Project UUID"), ("Task Dependencies", "Task UUID"),
        ("Task Dependencies", "Depends on UUID")]
ALLOWED = {("Measures", "WIG UUID"): {"WIG"}, ("Measures", "Strategy UUID"): {"Strategy"},
           ("Measures", "Department UUID"): {"Department"}, ("Measurements", "Subject UUID"): {"Measures", "WIG"},
           ("Projects", "Carries UUID"): {"Key lever", "WIG", "Strategy"}}
PARENTS = {"Division": {"Plan"}, "Department": {"Plan", "Division"}, "Pillar": {"Plan"}, "Priority": {"Pillar"},
           "Strategy": {"Priority"}, "WIG": {"Strategy", "Department"}, "Key lever": {"WIG"}, "Plan": set()}
OWNERS = {"Strategy": {"Division"}, "WIG": {"Department"}}


@SETTINGS
@given(data=st.data())
def test_a_reference_to_the_wrong_kind_of_row_is_refused(base: Base, work: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         data: st.DataObject) -> None:
    sheet, header = data.draw(st.sampled_from(REFS))
    rows = base.rows[sheet]
    if sheet == "Plan" and header == "Owner UUID":
        index = data.draw(st.sampled_from([i for i, r in enumerate(rows) if r["Level"] in ("Strategy", "Plan",
                                                                                         "Pillar", "Key lever")]))
        allowed = OWNERS.get(rows[index]["Level"], set())
    elif sheet == "Plan":
        index = data.draw(st.integers(0, len(rows) - 1))
        allowed = PARENTS[rows[index]["Level"]]
    else:
        index = data.draw(st.integers(0, len(rows) - 1))
        allowed = ALLOWED.get((sheet, header), {"Projects"} if "Project" in header else {"Tasks"})
    wrong = sorted(k for k in base.uuids if k not in allowed)
    kind = data.draw(st.sampled_from(wrong))
    target = data.draw(st.sampled_from(base.uuids[kind]))
    bad = _quick(base, work, sheet, index + 2, header, target)
    _, _, err = run_import(base, work, capsys, bad)
    assert f"{sheet} sheet, row " in err, err


@SETTINGS
@given(data=st.data())
def test_a_uuid_used_twice_or_for_another_kind_is_refused(base: Base, work: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          data: st.DataObject) -> None:
    sheet = data.draw(st.sampled_from([s for s in base.rows if s not in ("Task Dependencies",)
                                       and len(base.rows[s]) >= 1]))
    index = data.draw(st.integers(0, len(base.rows[sheet]) - 1))
    own_kind = base.rows[sheet][index].get("Level") if sheet == "Plan" else sheet
    same_kind = {"WIG"} if own_kind in ("WIG", "WIGs") else {own_kind}
    choices = [u for k, us in base.uuids.items() if k not in same_kind for u in us]
    duplicate = [r["UUID"] for i, r in enumerate(base.rows[sheet]) if i != index]
    target = data.draw(st.sampled_from(choices + duplicate))
    bad = _quick(base, work, sheet, index + 2, "UUID", target)
    run_import(base, work, capsys, bad)


DIMENSIONS = ["A1:XFD1048576", "A1", "A1:B2", "A1:A1048576", "XFD1048576"]


@SETTINGS
@given(sheet=st.sampled_from([s for s in SHEET_PART if s != "Cover"]), ref=st.sampled_from(DIMENSIONS))
def test_a_wrong_dimension_neither_hangs_nor_drops_rows(base: Base, work: Path,
                                                        capsys: pytest.CaptureFixture[str], sheet: str,
                                                        ref: str) -> None:
    bad = _rewrite(base.book, work / "dim.xlsx", _part(sheet),
                   lambda data: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), data))
    code, out, err = run_import(base, work, capsys, bad, refused=False)
    assert code == 0 and "0 to add, 0 to update, 0 in conflict" in out, out + err


# ---- kept examples: each was a traceback or a silent wrong import ------------------------------------------


def test_a_period_start_typed_as_text_is_read_or_named(base: Base, work: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    row = _percent_measurement(base)
    bad = _edit(base, work, lambda wb: _set(wb, "Measurements", row, "Period start", "first of July"))
    _, _, err = run_import(base, work, capsys, bad)
    assert f"Measurements sheet, row {row}, column D (“Period start”): “first of July” is not a date" in err


def test_a_value_cell_formatted_as_a_date_is_named(base: Base, work: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = _edit(base, work, lambda wb: _set(wb, "Measurements", 2, "Value", datetime(2024, 9, 1), "yyyy-mm-dd"))
    _, _, err = run_import(base, work, capsys, bad)
    assert "Measurements sheet, row 2, column F (“Value”): holds a date" in err


def test_a_target_of_only_spaces_is_no_target(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def spaces(wb: Any) -> None:
        ws = wb["Data Entry quarterly"]
        header = [c.value for c in ws[1]]
        ws.cell(row=2, column=header.index("Target Q1 2024-25") + 1).value = "   "

    bad = _edit(base, work, spaces)
    code, out, err = run_import(base, work, capsys, bad, refused=False)
    assert code == 0, out + err


def test_a_new_pillar_without_a_parent_is_named(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _edit(base, work, lambda wb: wb["Plan"].append(["Pillar", "Xe", None, "A new pillar", None, None, None,
                                                          str(uuid.uuid4())]))  # no Parent UUID; its UUID last
    _, _, err = run_import(base, work, capsys, bad)
    assert "Plan sheet, row" in err and "(“Parent UUID”): a pillar needs a Parent UUID" in err


def test_a_data_entry_problem_is_named_on_its_own_sheet(base: Base, work: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def over(wb: Any) -> None:
        ws = wb["Data Entry quarterly"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "Chronic absenteeism rate":
                row[1].value = 150  # its first period's value

    bad = _edit(base, work, over)
    _, _, err = run_import(base, work, capsys, bad)
    assert "Data Entry quarterly sheet, row" in err and "column B (“Q1 2024-25”): 150% is outside 0 to 100" in err


def test_an_unknown_workbook_format_is_refused(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def newer(wb: Any) -> None:
        for row in wb["Cover"].iter_rows():
            if row[0].value == "Workbook format":
                row[1].value = "7"

    _, _, err = run_import(base, work, capsys, _edit(base, work, newer))
    assert "Cover sheet: says workbook format “7”" in err


def test_a_workbook_named_twice_is_imported_once(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = _edit(base, work, lambda wb: _set(wb, "Milestones", 2, "Milestone", "Teams hired"), "edit.xlsx")
    code, out, _ = run_import(base, work, capsys, book, book, refused=False)
    assert code == 0 and "edit.xlsx: named more than once; imported once." in out
    assert out.count("1 to update") == 1 and "1 updated" in out


def test_a_database_refusal_does_not_stop_the_good_file_after_it(base: Base, work: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = _edit(base, work, lambda wb: (_set(wb, "Projects", 2, "% complete", 250),
                                        _set(wb, "Projects", 2, "End", date(2020, 1, 1))))
    good = _edit(base, work, lambda wb: _set(wb, "Milestones", 2, "Milestone", "Teams hired"), "good.xlsx")
    code, out, err = run_import(base, work, capsys, bad, good, refused=False)
    assert code == 1 and "Imported good.xlsx: 0 added, 1 updated." in out
    assert "bad.xlsx, Projects sheet, row 2, column J (“% complete”): % complete must be between 0 and 100." in err
    assert "The end (01 Jan 2020) is before the start" not in err  # one problem at a time per row is enough


def test_a_stale_dimension_does_not_skip_rows(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def add(wb: Any) -> None:
        ws = wb["Milestones"]
        ws.append([ws["A2"].value, "x", "Added below the old dimension", date(2025, 3, 1), None, None,
                   str(uuid.uuid4())])  # Project UUID, Project, Milestone, Due, Done on, Position, UUID

    book = _edit(base, work, add, "added.xlsx")
    small = _rewrite(book, work / "small.xlsx", _part("Milestones"),
                     lambda data: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', data))
    code, out, _ = run_import(base, work, capsys, small, refused=False)
    assert code == 0 and "1 to add" in out


SPREADSHEET_HABITS = [(0.45, "0%"), (0.45, "0.0%"), (45, None), ("45%", None), ("45", None), (" 45 % ", None)]


@pytest.mark.parametrize(("typed", "fmt"), SPREADSHEET_HABITS)
def test_a_percent_cell_means_0_to_100_whatever_the_spreadsheet_did(base: Base, work: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     typed: Any, fmt: str | None) -> None:
    row = _percent_measurement(base)
    wanted = base.rows["Measurements"][row - 2]["UUID"]

    def habits(wb: Any) -> None:
        _set(wb, "Measurements", row, "Value", typed, fmt)
        _set(wb, "Projects", 2, "% complete", typed, fmt)

    code, out, err = run_import(base, work, capsys, _edit(base, work, habits), refused=False)
    assert code == 0, out + err
    with open_plan_file(work / "plan.planner", read_only=True) as store, store.reader() as s:
        from sqlalchemy import select

        from planner.model import Measurement, Project

        assert s.scalar(select(Measurement.value).where(Measurement.uuid == uuid.UUID(wanted))) == 45
        assert s.scalar(select(Project.percent_complete)) == 45


def test_thousands_separators_and_cached_formula_values(base: Base, work: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    book = _edit(base, work, lambda wb: (_set(wb, "Projects", 2, "Budget", "4,512.75"),
                                         _set(wb, "Projects", 2, "Spent", 1)), "habits.xlsx")

    def formula(data: bytes) -> bytes:  # as Excel saves =4000+512.75: the formula and its result
        found = next(m for m in _cells(data) if m[1] == b"L" and m[2] == b"2")  # Spent
        return data[:found.start()] + b'<c r="L2"><f>4000+512.75</f><v>4512.75</v></c>' + data[found.end():]

    book = _rewrite(book, work / "formula.xlsx", _part("Projects"), formula)
    code, out, err = run_import(base, work, capsys, book, refused=False)
    assert code == 0, out + err
    with open_plan_file(work / "plan.planner", read_only=True) as store, store.reader() as s:
        from sqlalchemy import select

        from planner.model import Project

        assert s.execute(select(Project.budget, Project.spent)).one() == (4512.75, 4512.75)


def test_warnings_are_not_printed(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def far_date(data: bytes) -> bytes:  # a date-formatted cell whose number is no date: openpyxl warns
        found = next(m for m in _cells(data) if m[1] == b"D" and m[2] == b"2")  # Period start
        style = re.search(rb's="(\d+)"', found[0])
        return data[:found.start()] + b'<c r="D2" s="' + (style[1] if style else b"1") + b'"><v>1e12</v></c>' + \
            data[found.end():]

    bad = _rewrite(base.book, work / "bad.xlsx", _part("Measurements"), far_date)
    _, _, err = run_import(base, work, capsys, bad)
    assert "Measurements sheet, row 2, column D (“Period start”)" in err


TEXTS = {"long": "x" * 40_000 + "end", "control": "bell\x07 and\x0b form feed", "carriage": "line one\rline two",
         "both": "a\r\nb\x01c"}


def test_text_a_spreadsheet_cannot_hold_comes_back_unchanged(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select

    from planner.model import KeyLever, Measurement

    plan = tmp_path / "plan.planner"
    with new_plan_file(plan) as store:
        seed(store)
        with store.session() as s:
            values = s.scalars(select(Measurement).order_by(Measurement.id)).all()
            levers = s.scalars(select(KeyLever).order_by(KeyLever.id)).all()
            for m, lever, text in zip(values, levers, TEXTS.values(), strict=False):
                m.note, lever.text = text, text
        book = export(store, tmp_path / "round.xlsx")
    before = _fingerprint(plan)[1]
    capsys.readouterr()
    assert main(["import", "--db", str(plan), str(book)]) == 0, capsys.readouterr()
    assert "0 to add, 0 to update, 0 in conflict" in capsys.readouterr().out
    with open_plan_file(plan, read_only=True) as store, store.reader() as s:
        notes = [m.note for m in s.scalars(select(Measurement).order_by(Measurement.id))][: len(TEXTS)]
        texts = [k.text for k in s.scalars(select(KeyLever).order_by(KeyLever.id))][: len(TEXTS)]
    assert notes == list(TEXTS.values()) and texts == list(TEXTS.values())
    assert _fingerprint(plan)[1] == before
    # a person who edits such a cell means it: the edit goes in
    wb = openpyxl.load_workbook(book)
    ws = wb["Measurements"]
    note = [c.value for c in ws[1]].index("Note") + 1
    edited = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(row=r, column=note).value).startswith("bell"))
    ws.cell(row=edited, column=note).value = "rewritten in Excel"
    wb.save(book)
    assert main(["import", "--db", str(plan), str(book)]) == 0
    with open_plan_file(plan, read_only=True) as store, store.reader() as s:
        assert "rewritten in Excel" in [m.note for m in s.scalars(select(Measurement))]


def test_the_base_export_imports_cleanly(base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_import(base, work, capsys, base.book, refused=False)
    assert code == 0 and "unchanged" in out, out + err


def test_a_clashing_code_or_an_empty_value_is_named_before_the_database_sees_it(
        base: Base, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pillars = [i for i, r in enumerate(base.rows["Plan"], start=2) if r["Level"] == "Pillar"]
    first_code = base.rows["Plan"][pillars[0] - 2]["Code"]
    bad = _quick(base, work, "Plan", pillars[1], "Code", first_code)
    _, _, err = run_import(base, work, capsys, bad)
    assert f"Plan sheet, row {pillars[1]}, column B (“Code”): a pillar with the code “{first_code}”" in err

    def empty(wb: Any) -> None:
        _set(wb, "Measurements", 2, "Value", None)
        _set(wb, "Measurements", 2, "Done", None)

    _, _, err = run_import(base, work, capsys, _edit(base, work, empty))
    assert "Measurements sheet, row 2, column F (“Value”): a logged value needs a Value" in err


def test_a_folder_or_a_pipe_named_as_a_workbook_is_said_to_be_one(tmp_path: Path, plan_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from planner.cli import main

    folder = tmp_path / "collected"
    folder.mkdir()
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    assert main(["import", "--db", str(plan_path), str(folder), str(pipe)]) == 1
    err = capsys.readouterr().err
    assert "is a folder, not a workbook" in err and "is not an ordinary file" in err
    assert "There is no file" not in err and "Traceback" not in err
