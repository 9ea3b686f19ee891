"""A property of the merge, through the services: whatever edits are made in the plan file and in several
workbooks exported from it, and in whatever order the workbooks come back, an edit only one side made is
never lost, and a row two sides changed differently is a conflict (or named as older than one already taken),
never overwritten in silence."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from planner.model import Measurement
from planner.services import measurements as ms
from planner.services.plan_file import new_plan_file
from planner.services.xlsx_import import apply_import, plan_import
from planner.store import open_plan_file
from tests.test_exchange import TODAY, _dept, export, seed

ROWS = 3  # Measurements rows the edits are made to
VALUES = st.sampled_from([11.0, 12.5, 13.0])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("merge-property") / "plan.planner"
    with new_plan_file(path) as store:
        seed(store)
        return path, _dept(store)


def _values(store: Any) -> dict[str, float | None]:
    with store.reader() as s:
        return {str(m.uuid): m.value for m in s.scalars(select(Measurement))}


@settings(max_examples=5, deadline=None, derandomize=True, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(books=st.lists(st.dictionaries(st.integers(0, ROWS - 1), VALUES, max_size=ROWS), min_size=1, max_size=3),
       here=st.dictionaries(st.integers(0, ROWS - 1), VALUES, max_size=ROWS),
       minutes=st.lists(st.integers(0, 3), min_size=3, max_size=3), data=st.data())
def test_no_one_sided_edit_is_lost_and_every_two_sided_difference_is_a_conflict(
        template: tuple[Path, int], books: list[dict[int, float]], here: dict[int, float], minutes: list[int],
        data: st.DataObject) -> None:
    path, department = template
    with tempfile.TemporaryDirectory() as folder:
        central = Path(folder) / "central.planner"
        shutil.copyfile(path, central)
        with open_plan_file(central) as store:
            files = [export(store, Path(folder) / f"book{i}.xlsx", department_id=department)
                     for i in range(len(books))]
            wb = openpyxl.load_workbook(files[0], read_only=True)
            header = [c.value for c in next(wb["Measurements"].iter_rows(max_row=1))]
            own = header.index("UUID")
            uuids = [r[own] for r in wb["Measurements"].iter_rows(min_row=2, values_only=True) if r[own]][:ROWS]
            wb.close()
            original = _values(store)
            for i, (file, edits) in enumerate(zip(files, books, strict=True)):
                wb = openpyxl.load_workbook(file)
                ws = wb["Measurements"]
                for r in range(2, ws.max_row + 1):
                    u = ws.cell(row=r, column=own + 1).value
                    if u in uuids and uuids.index(u) in edits:
                        ws.cell(row=r, column=header.index("Value") + 1).value = edits[uuids.index(u)]
                for cells in wb["Cover"].iter_rows():
                    if cells[0].value == "Exported at":  # exported a few minutes apart, or in the same minute
                        cells[1].value = (datetime.fromisoformat(str(cells[1].value))
                                          + timedelta(minutes=minutes[i])).isoformat(sep=" ")
                wb.save(file)
            with store.reader() as s:
                ids = {str(m.uuid): m.id for m in s.scalars(select(Measurement))}
            for index, value in here.items():
                ms.update_measurement(store, ids[uuids[index]], {"value": value})
            order = data.draw(st.permutations(range(len(files))))
            named: set[str] = set()
            for i in order:
                plan = plan_import(store, [files[i]], TODAY)
                assert not plan.files[0].problems, plan.files[0].problems
                named |= {c.uuid for c in plan.files[0].changes if c.action in ("conflict", "older")}
                apply_import(store, plan)
            final = _values(store)
        for index, u in enumerate(uuids):
            sides = [edits[index] for edits in books if index in edits and edits[index] != original[u]]
            if index in here and here[index] != original[u]:
                sides.append(here[index])
            if not sides:
                assert final[u] == original[u], (index, "changed with no edit")
            elif len(set(sides)) == 1:
                assert final[u] == sides[0], (index, "a one-sided edit was lost", sides, final[u])
                assert str(uuid.UUID(u)) not in named
            else:
                assert str(uuid.UUID(u)) in named, (index, "a two-sided difference went unnamed", sides)
                assert final[u] in sides
