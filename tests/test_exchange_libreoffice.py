"""Edits typed in LibreOffice Calc itself, as a person types them, into a workbook Planner exported, saved by
Calc as .xlsx and imported with `planner import`: every kind of edit arrives exactly, or is named.

One headless soffice serves the whole module; tests/lo_typing.py (run by Debian's python3 with python3-uno)
types the edits and saves. Without python3-uno the module is skipped, except in CI (PLANNER_REQUIRE_TOOLS=1)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from planner.cli import main
from planner.model import Measurement, Milestone, Project
from planner.services import measurements as ms
from planner.services.plan_file import new_plan_file
from planner.store import open_plan_file
from tests.conftest import require_tool
from tests.test_exchange import export, seed

SYSTEM_PYTHON = "/usr/bin/python3"
HELPER = Path(__file__).with_name("lo_typing.py")


def _need_uno() -> None:
    require_tool("soffice")
    found = Path(SYSTEM_PYTHON).exists() and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60).returncode == 0
    if found:
        return
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{SYSTEM_PYTHON} cannot import uno (python3-uno) but CI requires it")
    pytest.skip(f"{SYSTEM_PYTHON} cannot import uno (install python3-uno)")


class Calc:
    """One headless LibreOffice for the module, started again if it stops."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = subprocess.Popen(
            ["soffice", f"-env:UserInstallation=file://{self.profile}", "--headless", "--invisible", "--norestore",
             "--nologo", f"--accept=socket,host=127.0.0.1,port={self.port};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def type_into(self, book: Path, out: Path, edits: list[dict[str, Any]]) -> Path:
        if self.process is None or self.process.poll() is not None:
            self.start()
        job = json.dumps({"port": self.port, "input": str(book), "output": str(out), "edits": edits})
        done = subprocess.run([SYSTEM_PYTHON, str(HELPER)], input=job.encode(), capture_output=True, timeout=240)
        assert done.returncode == 0 and out.exists(), done.stderr.decode()
        return out


@dataclass
class Book:
    plan: Path
    book: Path
    headers: dict[str, list[Any]]
    rows: dict[str, list[list[Any]]]

    def cell(self, sheet: str, row: int, header: str) -> str:
        return f"{get_column_letter(self.headers[sheet].index(header) + 1)}{row}"

    def first_empty(self, sheet: str) -> int:
        return len(self.rows[sheet]) + 2

    def value(self, sheet: str, row: int, header: str) -> Any:
        return self.rows[sheet][row - 2][self.headers[sheet].index(header)]


@pytest.fixture(scope="module")
def calc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Calc]:
    _need_uno()
    lo = Calc(tmp_path_factory.mktemp("lo-profile"))
    lo.start()
    yield lo
    lo.stop()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Book:
    folder = tmp_path_factory.mktemp("lo-book")
    plan = folder / "plan.planner"
    with new_plan_file(plan) as store:
        seed(store)
        ms.log_value(store, ms.find_measure(store, "Chronic absenteeism rate"), "Q1 2024-25", 24.0)
        book = export(store, folder / "district.xlsx")
    wb = openpyxl.load_workbook(book, read_only=True)
    headers, rows = {}, {}
    for name in wb.sheetnames:
        values = list(wb[name].iter_rows(values_only=True))
        headers[name] = list(values[0]) if values else []
        rows[name] = [list(r) for r in values[1:] if r and r[0] is not None]
    wb.close()
    return Book(plan, book, headers, rows)


def _percent_row(b: Book) -> int:
    kinds = {r[b.headers["WIGs"].index("UUID")]: r[b.headers["WIGs"].index("Kind")] for r in b.rows["WIGs"]}
    return next(i for i, r in enumerate(b.rows["Measurements"], start=2)
                if kinds.get(r[b.headers["Measurements"].index("Subject UUID")]) == "percent")


def _entry(b: Book) -> tuple[str, int, int, int]:
    """The Data Entry cell holding the logged Q1 value: (sheet, row, column, Measurements row)."""
    sheet = "Data Entry quarterly"
    header = b.headers[sheet]
    row = next(i for i, r in enumerate(b.rows[sheet], start=2)
               if r[header.index("Measure")] == "Chronic absenteeism rate")
    column = header.index("Q1 2024-25") + 1
    measure = b.rows[sheet][row - 2][header.index("Measure UUID")]
    listed = next(i for i, r in enumerate(b.rows["Measurements"], start=2)
                  if r[b.headers["Measurements"].index("Subject UUID")] == measure
                  and r[b.headers["Measurements"].index("Period")] == "Q1 2024-25")
    return sheet, row, column, listed


def _measurement(plan: Path, row_uuid: str) -> Any:
    with open_plan_file(plan, read_only=True) as store, store.reader() as s:
        return s.scalar(select(Measurement.value).where(Measurement.uuid == uuid.UUID(row_uuid)))


def _milestones(plan: Path) -> dict[str, Any]:
    with open_plan_file(plan, read_only=True) as store, store.reader() as s:
        return {m.name: (str(m.uuid), m.due) for m in s.scalars(select(Milestone))}


def _percent_typed(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    row = _percent_row(b)
    wanted = b.value("Measurements", row, "UUID")

    def check(plan: Path, out: str) -> None:
        assert _measurement(plan, wanted) == 45

    return [{"op": "type", "sheet": "Measurements", "cell": b.cell("Measurements", row, "Value"), "text": "45%"}], check


def _thousands(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    def check(plan: Path, out: str) -> None:
        with open_plan_file(plan, read_only=True) as store, store.reader() as s:
            assert s.scalar(select(Project.budget)) == 4512.75

    return [{"op": "type", "sheet": "Projects", "cell": b.cell("Projects", 2, "Budget"), "text": "4,512.75"}], check


def _us_date(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    name = b.value("Milestones", 2, "Milestone")

    def check(plan: Path, out: str) -> None:
        assert _milestones(plan)[name][1] == date(2024, 11, 1)

    return [{"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", 2, "Due"), "text": "11/1/2024"}], check


def _corrected_on_measurements(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    _, _, _, listed = _entry(b)
    wanted = b.value("Measurements", listed, "UUID")

    def check(plan: Path, out: str) -> None:
        assert _measurement(plan, wanted) == 17.5 and "1 to update" in out

    return [{"op": "type", "sheet": "Measurements", "cell": b.cell("Measurements", listed, "Value"),
             "text": "17.5"}], check


def _typed_on_data_entry(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    sheet, row, column, listed = _entry(b)
    wanted = b.value("Measurements", listed, "UUID")

    def check(plan: Path, out: str) -> None:
        assert _measurement(plan, wanted) == 19.25

    return [{"op": "type", "sheet": sheet, "cell": f"{get_column_letter(column)}{row}", "text": "19.25"}], check


def _both_copies(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    sheet, row, column, listed = _entry(b)
    wanted = b.value("Measurements", listed, "UUID")

    def check(plan: Path, out: str) -> None:
        assert f"Data Entry quarterly sheet, row {row}, column {get_column_letter(column)}" in out
        assert f"the Measurements sheet (row {listed}, column F) says 22" in out
        assert _measurement(plan, wanted) == 24

    return [{"op": "type", "sheet": sheet, "cell": f"{get_column_letter(column)}{row}", "text": "21"},
            {"op": "type", "sheet": "Measurements", "cell": b.cell("Measurements", listed, "Value"),
             "text": "22"}], check


def _worked_out(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    status = b.value("WIGs", 2, "Status")
    typed = "Achieved" if status != "Achieved" else "Off track"

    def check(plan: Path, out: str) -> None:
        assert f"WIGs sheet, row 2, column {b.cell('WIGs', 2, 'Status')[:-1]} (“Status”): Status is worked out by " \
               "Planner; your change was not taken." in out
        assert "0 to add, 0 to update, 0 in conflict" in out

    return [{"op": "unprotect", "sheet": "WIGs"},  # Review > Unprotect Sheet: no password to ask for
            {"op": "type", "sheet": "WIGs", "cell": b.cell("WIGs", 2, "Status"), "text": typed}], check


def _added_without_uuid(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    row = b.first_empty("Milestones")
    project = b.value("Milestones", 2, "Project UUID")

    def check(plan: Path, out: str) -> None:
        assert _milestones(plan)["Board update"][1] == date(2025, 3, 1) and "1 to add" in out

    return [{"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", row, "Project UUID"), "text": project},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", row, "Milestone"),
             "text": "Board update"},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", row, "Due"), "text": "3/1/2025"}], check


def _inserted_row(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    project = b.value("Milestones", 2, "Project UUID")

    def check(plan: Path, out: str) -> None:
        found = _milestones(plan)
        assert found["Kick-off"][1] == date(2024, 8, 15) and b.value("Milestones", 2, "Milestone") in found

    return [{"op": "insert_row", "sheet": "Milestones", "row": 2},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", 2, "Project UUID"), "text": project},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", 2, "Milestone"), "text": "Kick-off"},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", 2, "Due"), "text": "2024-08-15"}], check


def _copied_row(b: Book) -> tuple[list[dict[str, Any]], Callable[[Path, str], None]]:
    row = b.first_empty("Milestones")
    name, original = b.value("Milestones", 2, "Milestone"), b.value("Milestones", 2, "UUID")

    def check(plan: Path, out: str) -> None:
        found = _milestones(plan)
        assert found[name][0] == original and found["Teams trained"][0] != original
        assert f"Milestones sheet, row {row}, column G (“UUID”): this row has the UUID of row 2" in out

    return [{"op": "copy_row", "sheet": "Milestones", "from": 2, "to": row},
            {"op": "type", "sheet": "Milestones", "cell": b.cell("Milestones", row, "Milestone"),
             "text": "Teams trained"}], check


EDITS = {"percent typed as 45%": _percent_typed, "thousands separator": _thousands, "US date": _us_date,
         "value corrected on Measurements": _corrected_on_measurements,
         "value typed on Data Entry": _typed_on_data_entry, "both copies changed differently": _both_copies,
         "worked-out column edited": _worked_out, "row added without a UUID": _added_without_uuid,
         "row inserted in the middle": _inserted_row, "row copied and changed": _copied_row}


@pytest.mark.parametrize("kind", list(EDITS))
def test_an_edit_typed_in_libreoffice_arrives_or_is_named(calc: Calc, exported: Book, tmp_path: Path, kind: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.planner"
    shutil.copyfile(exported.plan, plan)
    edits, check = EDITS[kind](exported)
    saved = calc.type_into(exported.book, tmp_path / "typed.xlsx", edits)
    capsys.readouterr()
    main(["import", "--db", str(plan), str(saved)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and "unexpected" not in text, text
    check(plan, text)
