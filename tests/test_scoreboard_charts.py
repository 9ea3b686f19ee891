"""The scoreboard's charts: a card's points are read when the card comes into view, not every goal's at
once, and a goal with more values than a card has room for still shows its first and last values and its
shape."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from planner.model import Measurement, Plan, Wig, WigKind
from planner.services import measurements as ms
from planner.services.charts import Scope, card_points, scoreboard, thinned
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import Point
from planner.store import PlanStore
from planner.ui.document import Changed
from planner.ui.main_window import MainWindow
from tests.conftest import fetch_one as one
from tests.test_gui import ScriptedPrompter

TODAY = date(2025, 1, 15)


@pytest.fixture
def win(qtbot, qt_isolated: Path, plan_path: Path):  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    w.doc.today = lambda: TODAY
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.resize(1300, 800)
    w.show()
    return w


def logged_values(store: PlanStore, wig_id: int) -> list[tuple[date, float]]:
    with store.reader() as s:
        return [(end, value) for end, value in s.execute(
            select(Measurement.period_end, Measurement.value).where(Measurement.wig_id == wig_id)
            .order_by(Measurement.period_end))]


def test_a_card_gets_its_chart_when_it_comes_into_view(win: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    plan_id = one(win, Plan, archived=False).id
    order = scoreboard(win.store, plan_id, Scope(), TODAY, points=False)
    first = order[0].wig_id
    last = next(c.wig_id for c in reversed(order) if c.chart.kind is not WigKind.MILESTONE)
    for wig_id, typed in ((first, ("10", "12")), (last, ("30", "25", "35"))):
        for month, value in zip(("2024-09", "2024-10", "2024-11"), typed, strict=False):
            ms.log_value(win.store, NodeKey(Kind.WIG, wig_id), month, value)
    win.doc.notify(Changed(nodes=frozenset({NodeKey(Kind.WIG, first), NodeKey(Kind.WIG, last)})))
    win.tabs.setCurrentWidget(win.scoreboard)
    board = win.scoreboard
    board.select_scope("Whole district")
    model = board.model
    qtbot.waitUntil(lambda: model.rowCount() == len(order) and model.cards[0].charted)
    shown = {c.wig_id: c for c in model.cards}
    assert [(p.when, p.value) for p in shown[first].chart.points] == logged_values(win.store, first)
    far = model.cards.index(shown[last])
    assert not board.view.viewport().rect().intersects(board.view.visualRect(model.index(far)))
    assert not shown[last].charted and shown[last].chart.points == []  # out of view: its values not read
    latest = shown[last].latest_text  # from the shared statuses meanwhile
    assert latest.startswith("35") and latest.endswith("(30 Nov 2024)")
    board.view.scrollTo(model.index(far))
    qtbot.waitUntil(lambda: model.cards[far].charted)
    assert [(p.when, p.value) for p in model.cards[far].chart.points] == logged_values(win.store, last)
    assert sum(c.charted for c in model.cards) < len(order)  # only the cards seen were read


def test_a_goal_with_many_values_keeps_its_first_and_last_values_and_its_shape(store: PlanStore) -> None:
    with store.reader() as s:
        wig_id = s.scalars(select(Wig.id).where(Wig.kind == WigKind.PERCENT, Wig.target.is_not(None))).first()
    assert wig_id is not None
    typed = [40, 42, 38, 90, 41, 43, 5, 44, 45, 47, 46, 50]  # a spike up and a dip in the middle
    for month, value in zip(range(12), typed, strict=True):
        year, m = (2024, 7 + month) if month < 6 else (2025, month - 5)
        ms.log_value(store, NodeKey(Kind.WIG, wig_id), f"{year}-{m:02d}", str(value))
    everything = logged_values(store, wig_id)
    assert len(everything) == 12
    few = card_points(store, [wig_id], most=6)[wig_id]
    assert len(few) <= 6
    pairs = [(p.when, p.value) for p in few]
    assert pairs[0] == everything[0] and pairs[-1] == everything[-1]
    assert (everything[3]) in pairs and (everything[6]) in pairs  # the spike and the dip
    assert pairs == sorted(pairs) and set(pairs) <= set(everything)
    assert [(p.when, p.value) for p in card_points(store, [wig_id])[wig_id]] == everything  # room for all


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=400), st.integers(4, 50))
def test_thinning_keeps_the_ends_the_extremes_and_the_order(values: list[float], most: int) -> None:
    points = [Point(date.fromordinal(730000 + i), v) for i, v in enumerate(values)]
    kept = thinned(points, most)
    assert len(kept) <= most
    if points:
        assert kept[0] == points[0] and kept[-1] == points[-1]
        assert min(p.value for p in kept if p.value is not None) == min(values)
        assert max(p.value for p in kept if p.value is not None) == max(values)
    assert [p.when for p in kept] == sorted({p.when for p in kept})  # in order, none twice
    assert set(kept) <= set(points)


def test_a_milestone_keeps_every_change_of_done(qapp) -> None:  # type: ignore[no-untyped-def]
    marks = [0.0] * 50 + [1.0] + [0.0] * 30 + [1.0] * 40
    points = [Point(date.fromordinal(730000 + i), v) for i, v in enumerate(marks)]
    kept = thinned(points, 10, WigKind.MILESTONE)
    assert [p.value for p in kept] == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert kept[0] == points[0] and kept[-1] == points[-1] and kept[1] == points[50]
