"""Every item model of the window under QAbstractItemModelTester, with no widget at all: loaded from the
default plan through the services, filtered, updated in place and reloaded. The tester checks Qt's model
contract (rows, parents, indexes, signals) after every change and fails the test on the first breach."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester
from sqlalchemy import select

from planner.model import KeyLever, Wig
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services.charts import Scope, scoreboard
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import View, outline
from planner.services.projects import Entity
from planner.store import PlanStore
from planner.ui.plan_tree_model import PlanTreeModel, TreeFilter
from planner.ui.progress_panel import HistoryModel
from planner.ui.project_models import ProjectsModel, RecordModel
from planner.ui.scoreboard import ScoreboardModel

TODAY = date(2025, 1, 15)
FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal


def walk(model: object, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
    """Every cell's display text read, depth first; returns how many rows there are in all."""
    count = 0
    try:
        columns = model.columnCount(parent)  # type: ignore[attr-defined]
    except TypeError:  # a list model: one column, its columnCount private
        columns = 1
    for row in range(model.rowCount(parent)):  # type: ignore[attr-defined]
        for column in range(columns):
            model.index(row, column, parent).data(Qt.ItemDataRole.DisplayRole)  # type: ignore[attr-defined]
        count += 1 + walk(model, model.index(row, 0, parent))  # type: ignore[attr-defined]
    return count


@pytest.mark.parametrize("view", [View.PILLARS, View.DIVISIONS, View.DEPARTMENTS])
def test_the_plan_tree_model(qapp, store: PlanStore, view: View) -> None:  # type: ignore[no-untyped-def]
    model = PlanTreeModel()
    tester = QAbstractItemModelTester(model, FATAL)
    rows = outline(store, 1, view)
    model.load(rows)
    assert walk(model) >= len(rows)  # groups of the division views add rows of their own
    model.set_filter(TreeFilter("wellness"))
    assert 0 < model.matches < len(rows)
    model.set_filter(TreeFilter("no such words anywhere"))
    assert model.matches == 0 and model.rowCount() == 0
    model.set_filter(TreeFilter())
    wig = next(r.key for r in rows if r.key.kind is Kind.WIG)
    model.status_lookup = lambda key: ("On track", None, "tip") if key == wig else None
    model.refresh_status()
    assert model.index_for(wig, PlanTreeModel.COL_STATUS).data() == "On track"
    model.update_text(wig, None, "A new sentence")
    assert model.index_for(wig, PlanTreeModel.COL_TITLE).data() == "A new sentence"
    model.load(rows)  # the same again: a reset, checked too
    assert walk(model) >= len(rows)
    del tester


def test_the_progress_history_model(qapp, store: PlanStore) -> None:  # type: ignore[no-untyped-def]
    with store.reader() as s:
        key = NodeKey(Kind.WIG, s.scalars(select(Wig.id).where(Wig.sentence.like("Decrease the chronic%"))).one())
    ms.log_value(store, key, "2024-12", "21.6", note="from the SIS")
    model = HistoryModel()
    tester = QAbstractItemModelTester(model, FATAL)
    subject, rows = ms.history(store, key)
    model.set_rows(subject, rows)
    assert walk(model) == len(rows) > 1
    model.set_rows(None, [])
    assert model.rowCount() == 0
    del tester


def test_the_scoreboard_model(qapp, store: PlanStore) -> None:  # type: ignore[no-untyped-def]
    model = ScoreboardModel()
    tester = QAbstractItemModelTester(model, FATAL)
    cards = scoreboard(store, 1, Scope(), TODAY)
    model.set_cards(cards)
    assert walk(model) == len(cards) == 62
    model.set_cards(cards[:3])
    assert model.rowCount() == 3
    del tester


def test_the_project_workbook_models(qapp, store: PlanStore) -> None:  # type: ignore[no-untyped-def]
    with store.reader() as s:
        lever = NodeKey(Kind.KEY_LEVER, s.scalars(select(KeyLever.id)).first())
    project = pj.create(store, Entity.PROJECT, {"name": "Street teams", "link": lever, "start_date": "2024-08-01",
                                                "end_date": "2025-06-30", "lead": "M. Diaz"}, today=TODAY).id
    for name in ("Hire", "Train"):
        pj.create(store, Entity.TASK, {"name": name}, project_id=project)
    projects = ProjectsModel()
    tester = QAbstractItemModelTester(projects, FATAL)
    rows = pj.project_rows(store, 1, TODAY)
    projects.set_rows(rows)
    assert walk(projects) == len(rows) == 1
    projects.replace_row(pj.project_rows(store, 1, TODAY, only=project)[0])
    records = RecordModel(Entity.TASK)
    record_tester = QAbstractItemModelTester(records, FATAL)
    tasks = pj.records(store, Entity.TASK, project, TODAY)
    records.set_rows(tasks)
    assert walk(records) == 2
    records.replace_row({**tasks[0], "name": "Hire two"})
    assert "Hire two" in [records.index(0, c).data() for c in range(records.columnCount())]
    records.set_rows([])
    assert records.rowCount() == 0
    del tester, record_tester
