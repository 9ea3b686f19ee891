"""The services' Core statements (logging a value, deleting one: the hot paths of the command line and the
log form run Core UPDATE/DELETE, not ORM flushes) are checked on a district server like the ORM's: undoing
the logging of a value never deletes a value someone else saved over it since."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from planner.errors import RowChangedError
from planner.model import Measurement, PerformanceMeasure, Wig
from planner.services import history, measurements, plan_edit
from planner.services.history import change_reason
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)


@pytest.fixture
def two(server_url: str) -> Iterator[tuple[PlanStore, PlanStore, NodeKey]]:
    ana, ben = open_server(server_url), open_server(server_url)
    ana.actor, ben.actor = "Ana Ruiz", "Ben Okafor"
    with ana.reader() as s:
        wig = s.scalars(select(Wig.id).order_by(Wig.id)).first()
    assert wig is not None
    yield ana, ben, NodeKey(Kind.WIG, wig)
    ana.close()
    ben.close()


def values_of(store: PlanStore, measurement_id: int) -> float | None:
    with store.reader() as s:
        row = s.get(Measurement, measurement_id)
        return None if row is None else row.value


def free_period(store: PlanStore, key: NodeKey) -> str:
    """A week of the WIG's year with no value logged yet."""
    with store.reader() as s:
        taken = set(s.scalars(select(Measurement.period_start).where(Measurement.wig_id == key.id)))
    from datetime import date, timedelta

    day = date(2024, 9, 2)
    while day in taken:
        day += timedelta(days=7)
    return day.isoformat()


def test_undoing_a_logged_value_someone_else_replaced_since_is_refused_and_their_value_stays(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    period = free_period(ana, key)
    logged = measurements.log_value(ana, key, period, "41", outside_year_ok=True)
    measurements.log_value(ben, key, period, "57", replace=True, outside_year_ok=True)  # Ben replaces it
    with pytest.raises(RowChangedError, match=r"Undo would overwrite .*Ben Okafor") as caught, \
            change_reason("Undo: Log value"):
        measurements.delete_measurement(ana, logged.id)
    assert caught.value.actor == "Ben Okafor"
    assert values_of(ben, logged.id) == 57  # Ben's value is still on the server


def test_undoing_a_logged_value_nobody_else_touched_deletes_it(two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    period = free_period(ana, key)
    logged = measurements.log_value(ana, key, period, "41", outside_year_ok=True)
    with change_reason("Undo: Log value"):
        measurements.delete_measurement(ana, logged.id)
    assert values_of(ben, logged.id) is None


def test_undoing_a_replacement_someone_else_replaced_again_is_refused(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    period = free_period(ana, key)
    first = measurements.log_value(ben, key, period, "10", outside_year_ok=True)
    measurements.log_value(ana, key, period, "20", replace=True, outside_year_ok=True)
    measurements.log_value(ben, key, period, "30", replace=True, outside_year_ok=True)
    # Ana's undo puts 10 back through the same Core update
    with pytest.raises(RowChangedError, match="Ben Okafor"), change_reason("Undo: Log value"):
        measurements.log_value(ana, key, period, "10", replace=True, outside_year_ok=True)
    assert values_of(ben, first.id) == 30


def test_undoing_an_add_someone_else_changed_since_is_refused_and_their_row_stays(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, wig = two
    added = plan_edit.add_node(ana, wig, Kind.MEASURE, {"name": "Ana's new measure"})
    plan_edit.update_node(ben, added, {"name": "Ben's better name"})
    with pytest.raises(RowChangedError, match=r"Undo would overwrite .*Ben Okafor") as caught, \
            change_reason("Undo: Add Measure"):
        plan_edit.delete_node(ana, added)
    assert "Ben's better name" in str(caught.value)
    assert plan_edit.node_values(ben, added)["name"] == "Ben's better name"  # still on the server


def test_undoing_an_add_nobody_else_touched_deletes_it(two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, wig = two
    added = plan_edit.add_node(ana, wig, Kind.MEASURE, {"name": "Ana's own measure"})
    with change_reason("Undo: Add Measure"):
        plan_edit.delete_node(ana, added)
    with ben.reader() as s:
        assert s.get(PerformanceMeasure, added.id) is None


def test_keep_mine_saves_over_their_change_and_the_history_says_whose_it_overwrote(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, wig = two
    plan_edit.node_values(ana, wig)  # Ana's form shows the WIG
    plan_edit.update_node(ben, wig, {"unit": "ben's unit"})
    with pytest.raises(RowChangedError) as caught:
        plan_edit.update_node(ana, wig, {"unit": "ana's unit"})
    plan_edit.keep_mine(ana, wig, {"unit": "ana's unit"}, caught.value)
    assert plan_edit.node_values(ben, wig)["unit"] == "ana's unit"
    entry = history.changes(ben, item=history.item_of(wig), limit=1)[0]
    assert entry.actor == "Ana Ruiz" and "over Ben Okafor's change" in entry.reason
    assert [(f.before, f.after) for f in entry.fields if f.field == "Unit"] == [("ben's unit", "ana's unit")]
    plan_edit.update_node(ben, wig, {"unit": "ben again"})  # a third change since is refused in turn
    with pytest.raises(RowChangedError, match="Ben Okafor"):
        plan_edit.update_node(ana, wig, {"unit": "ana twice"})
    assert plan_edit.node_values(ben, wig)["unit"] == "ben again"


def test_keep_theirs_writes_nothing_and_gives_their_values(two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, wig = two
    plan_edit.node_values(ana, wig)
    plan_edit.update_node(ben, wig, {"unit": "ben's unit"})
    with pytest.raises(RowChangedError):
        plan_edit.update_node(ana, wig, {"unit": "ana's unit"})
    before = len(history.changes(ben, limit=None))
    assert plan_edit.keep_theirs(ana, wig)["unit"] == "ben's unit"
    assert len(history.changes(ben, limit=None)) == before
    plan_edit.update_node(ana, wig, {"unit": "ana, having seen ben's"})  # theirs now counts as seen
    assert plan_edit.node_values(ben, wig)["unit"] == "ana, having seen ben's"
