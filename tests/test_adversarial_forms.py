"""The forms' door, generated: every field of every plan form and project-workbook form, and the Log Value
and Start Next Year inputs, fed hostile text through the services the forms call. Each input is either
saved, or refused with one ValidationError whose message names the field and changes nothing in the file;
never another exception. (The window shows these same messages under the field.)"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from planner.errors import PlannerError, ValidationError
from planner.model import Department, KeyLever, PerformanceMeasure, Pillar, Priority, Strategy, Wig
from planner.services import measurements as ms
from planner.services import plan_edit, years
from planner.services import projects as pj
from planner.services.plan_nodes import FIELDS, Kind, NodeKey
from planner.store import PlanStore, open_plan_file


def history_mark(store: PlanStore) -> int:
    """The newest entry of the change history: the file's triggers record every add, change and delete of
    every table, so an unchanged newest entry proves a refused input wrote nothing (and costs one query)."""
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM change_log").scalar() or 0)

TODAY = date(2026, 12, 1)
HOSTILE = st.one_of(
    st.sampled_from(["", " ", "\t\n", "0", "-0", "-5", "150", "1e308", "-1e308", "inf", "-inf", "nan", "NaN",
                     "12,5", "4,512.75", "45%", "0.45", "1/0", "9999-12-31", "0001-01-01", "2/30/2026",
                     "13/13/2026", "9/1/2026", "2026-09-01", "Q1 9999-00", "Q9 2024-25", "2024-13", "Jan 2025",
                     "=1+1", "+1", "@SUM(A1)", "'; DROP TABLE wig; --", "\x00", "\x1b[31m", "\u202e", "🙂",
                     "x" * 40_000, "None", "null", "true", "done", "not done", "decrease", "maintain", "kilo"]),
    st.text(max_size=60),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, default_plan_template: Path) -> Iterator[PlanStore]:
    """One file for the whole module: a refused input must leave it as it was, so the file stays the same."""
    path = tmp_path_factory.mktemp("forms") / "plan.planner"
    shutil.copyfile(default_plan_template, path)
    store = open_plan_file(path)
    pid = pj.create(store, pj.Entity.PROJECT, {"name": "Fuzz project", "status": "On track",
                                               "link": _first(store, Kind.KEY_LEVER)}, today=TODAY).id
    for entity in (pj.Entity.MILESTONE, pj.Entity.TASK, pj.Entity.RAID, pj.Entity.UPDATE):
        pj.create(store, entity, None, project_id=pid, today=TODAY)
    yield store
    store.close()


def _first(store: PlanStore, kind: Kind) -> NodeKey:
    model = {Kind.PILLAR: Pillar, Kind.PRIORITY: Priority, Kind.STRATEGY: Strategy, Kind.WIG: Wig,
             Kind.KEY_LEVER: KeyLever, Kind.MEASURE: PerformanceMeasure, Kind.DEPARTMENT: Department}[kind]
    with store.reader() as s:
        return NodeKey(kind, s.scalars(select(model.id).order_by(model.id)).first())


PLAN_FIELDS = [(kind, f.name) for kind in (Kind.PILLAR, Kind.PRIORITY, Kind.STRATEGY, Kind.WIG, Kind.KEY_LEVER,
                                           Kind.MEASURE, Kind.DEPARTMENT) for f in FIELDS[kind]
               if f.name not in ("collaborators",)]


@pytest.mark.parametrize(("kind", "field"), PLAN_FIELDS, ids=[f"{k.value}.{n}" for k, n in PLAN_FIELDS])
@SETTINGS
@given(text=HOSTILE)
def test_a_plan_form_field_saves_or_refuses_in_words(shared: PlanStore, kind: Kind, field: str, text: str) -> None:
    key = _first(shared, kind)
    before, written = plan_edit.node_values(shared, key), history_mark(shared)
    try:
        plan_edit.update_node(shared, key, {field: text})
    except ValidationError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert plan_edit.node_values(shared, key) == before and history_mark(shared) == written
        return
    # saved: put it back, so every example starts from the same plan
    plan_edit.update_node(shared, key, {field: before[field]})


WORKBOOK_FIELDS = [(e, c.name) for e in pj.Entity for c in pj.COLUMNS[e] if c.kind not in ("link", "tasks")]


@pytest.mark.parametrize(("entity", "field"), WORKBOOK_FIELDS, ids=[f"{e.value}.{n}" for e, n in WORKBOOK_FIELDS])
@SETTINGS
@given(text=HOSTILE)
def test_a_workbook_form_field_saves_or_refuses_in_words(shared: PlanStore, entity: pj.Entity, field: str,
                                                        text: str) -> None:
    with shared.reader() as s:
        record = s.scalars(select(pj.MODELS[entity].id).order_by(pj.MODELS[entity].id)).first()
    before = history_mark(shared)
    try:
        saved = pj.update(shared, entity, record, {field: text})
    except ValidationError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert history_mark(shared) == before
        return
    pj.update(shared, entity, record, saved.before)


@SETTINGS
@given(period=HOSTILE, value=HOSTILE, note=HOSTILE)
def test_log_value_saves_or_refuses_in_words(shared: PlanStore, period: str, value: str, note: str) -> None:
    key = _first(shared, Kind.MEASURE)
    before = history_mark(shared)
    try:
        logged = ms.log_value(shared, key, period, value, note=note)
    except PlannerError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert history_mark(shared) == before
        return
    if logged.replaced is None:
        ms.delete_measurement(shared, logged.id)


@SETTINGS
@given(label=HOSTILE, baseline=HOSTILE, deadline=HOSTILE)
def test_start_next_year_inputs_save_or_refuse_in_words(shared: PlanStore, label: str, baseline: str,
                                                        deadline: str) -> None:
    from planner.services.dates import DateError, parse_date

    before = history_mark(shared)
    try:
        preview = years.preview_next_year(shared, 1, label or None)
        first = preview.wigs[0]
        try:
            first.baseline = float(baseline)
        except ValueError:
            first.baseline = None
        with contextlib.suppress(DateError):  # what the dialog's deadline cell refuses never reaches here
            first.deadline = parse_date(deadline)
        started = years.start_year(shared, preview)
    except ValidationError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert history_mark(shared) == before
        return
    years.undo_start_year(shared, started)
