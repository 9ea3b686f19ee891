"""No lost update across transactions on a district server: a window reads a row in one transaction and saves
a field of it in another; when someone else saved the row in between, the save is refused naming who and what
(their change stands), and an undo or a redo is checked against every later change of others, not only the
newest entry."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from planner.errors import RowChangedError
from planner.model import Wig
from planner.services import plan_edit
from planner.services.history import change_reason
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg
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


def test_a_save_over_a_change_saved_after_the_form_read_the_row_is_refused_naming_it(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    assert plan_edit.node_values(ana, key)["unit"] != "ben's unit"  # Ana's form shows the goal
    plan_edit.update_node(ben, key, {"unit": "ben's unit"})  # Ben saves first
    with pytest.raises(RowChangedError, match=r"The change was not saved: Ben Okafor .*changed this wig") as caught:
        plan_edit.update_node(ana, key, {"unit": "ana's unit"})
    assert "→ “ben's unit”" in str(caught.value) and caught.value.actor == "Ben Okafor"
    assert plan_edit.node_values(ben, key)["unit"] == "ben's unit"  # Ben's change stands
    assert plan_edit.node_values(ana, key)["unit"] == "ben's unit"  # her window reads it again…
    plan_edit.update_node(ana, key, {"unit": "ana's unit"})  # …and, having seen it, she may change it
    assert plan_edit.node_values(ben, key)["unit"] == "ana's unit"
    plan_edit.update_node(ana, key, {"unit": "ana again"})  # her own later saves are no conflict with herself
    assert plan_edit.node_values(ben, key)["unit"] == "ana again"


def test_a_redo_over_someone_elses_later_change_is_refused(two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    before = plan_edit.update_node(ana, key, {"unit": "ana 1"})
    with change_reason("Undo: Edit WIG"):
        plan_edit.update_node(ana, key, before)
    plan_edit.update_node(ben, key, {"unit": "ben 2"})
    with pytest.raises(RowChangedError, match="Redo would overwrite someone else's later change, so nothing was "
                                              "redone"), change_reason("Redo: Edit WIG"):
        plan_edit.update_node(ana, key, {"unit": "ana 1"})
    assert plan_edit.node_values(ben, key)["unit"] == "ben 2"


def test_undoing_an_older_change_refuses_when_someone_else_changed_the_row_after_it(
        two: tuple[PlanStore, PlanStore, NodeKey]) -> None:
    ana, ben, key = two
    plan_edit.update_node(ana, key, {"unit": "u0"})
    first = plan_edit.update_node(ana, key, {"unit": "ana unit 1"})  # Ana's edit 1
    plan_edit.update_node(ben, key, {"unit": "ben unit"})  # Ben's change after it
    plan_edit.node_values(ana, key)  # Ana's window reads it again (she saw Ben's change)
    second = plan_edit.update_node(ana, key, {"unit": "ana unit 2"})  # Ana's edit 2
    with change_reason("Undo: Edit WIG"):
        plan_edit.update_node(ana, key, second)  # undoing edit 2: nobody changed the row after it
    assert plan_edit.node_values(ben, key)["unit"] == "ben unit"
    with pytest.raises(RowChangedError, match="Undo would overwrite someone else's later change") as caught, \
            change_reason("Undo: Edit WIG"):
        plan_edit.update_node(ana, key, first)  # edit 1 was before Ben's change: refused
    assert "Ben Okafor" in str(caught.value)
    assert plan_edit.node_values(ben, key)["unit"] == "ben unit"


def test_two_values_of_one_goal_logged_at_the_same_moment_are_both_kept_or_one_is_refused_in_words(
        two: tuple[PlanStore, PlanStore, NodeKey], server_url: str) -> None:
    """Two people logging different periods of one goal at once meet on its value sums (a row the server's
    triggers keep): the second is told in words and nothing of it is written, and the sums stay those of the
    values; logged again, it goes in."""
    import threading

    from planner.errors import PlannerError
    from planner.services import measurements
    from planner.services.status import summaries

    _ana, ben, key = two
    with psycopg.connect(server_url) as held:  # Ana's save, under way: her value is in, not yet committed
        held.execute("SELECT set_config('planner.actor', 'Ana Ruiz', false)")
        held.execute("INSERT INTO measurement (uuid, created_at, updated_at, wig_id, period_start, period_end, "
                     "value, note, evidence, entered_by, entered_at) VALUES (gen_random_uuid(), now(), now(), %s, "
                     "'2024-09-01', '2024-09-30', 40, '', '', 'Ana Ruiz', now())", (key.id,))
        outcome: list[object] = []
        ben_logs = threading.Thread(target=lambda: outcome.append(_try(lambda: measurements.log_value(
            ben, key, "2024-10", "45", outside_year_ok=True))))
        ben_logs.start()
        ben_logs.join(1.0)  # Ben waits on the goal's sums row Ana's save holds
        held.commit()
    ben_logs.join(30)
    assert outcome, "Ben's save neither finished nor failed"
    if isinstance(outcome[0], PlannerError):
        assert "someone else was changing the same rows at the same moment" in str(outcome[0])
        measurements.log_value(ben, key, "2024-10", "45", outside_year_ok=True)  # again: it goes in
    with ben.reader() as s:
        summed = summaries(s, "wig_id", [key.id])[key.id]
    assert summed.count == 2 and summed.sum_y == 85


def _try(fn):  # type: ignore[no-untyped-def]
    try:
        return fn()
    except Exception as exc:
        return exc
