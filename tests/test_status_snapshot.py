"""The shared status snapshot: re-judging only the WIGs a change touched gives exactly what judging the whole
plan again gives, for values logged on WIGs and on measures, deleted values and goals edited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from planner.model import PerformanceMeasure, Wig
from planner.services import measurements as ms
from planner.services import plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import Status
from planner.services.status import PlanStatus, plan_status, refreshed, wigs_of
from planner.store import PlanStore

TODAY = date(2025, 1, 15)


def same(a: PlanStatus, b: PlanStatus) -> None:
    assert a.wigs.keys() == b.wigs.keys()
    for wig_id in a.wigs:
        assert (a.wigs[wig_id].status, a.wigs[wig_id].reason) == (b.wigs[wig_id].status, b.wigs[wig_id].reason)
    assert {k: (r.status, r.counts) for k, r in a.rollups.items()} == \
        {k: (r.status, r.counts) for k, r in b.rollups.items()}


def first_wig(store: PlanStore, like: str) -> NodeKey:
    with store.reader() as s:
        return NodeKey(Kind.WIG, s.scalars(select(Wig.id).where(Wig.sentence.like(like))).one())


def test_a_logged_value_re_judges_its_wig_and_the_owners_above_it(store: PlanStore) -> None:
    before = plan_status(store, 1, TODAY)
    partners = first_wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2024-12", "105")  # far behind 154
    after = refreshed(store, before, wigs_of(store, [partners]))
    assert after.wigs[partners.id].status is Status.OFF_TRACK
    assert before.wigs[partners.id].status is not Status.OFF_TRACK  # the old snapshot is left as it was
    same(after, plan_status(store, 1, TODAY))


def test_a_value_logged_on_a_measure_moves_its_wig(store: PlanStore) -> None:
    before = plan_status(store, 1, TODAY)
    with store.reader() as s:
        measure = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.wig_id.is_not(None))).first()
        key, wig_id = NodeKey(Kind.MEASURE, measure.id), measure.wig_id
    assert wigs_of(store, [key]) == {wig_id}
    ms.log_value(store, key, date(2024, 12, 15), "12")
    same(refreshed(store, before, wigs_of(store, [key])), plan_status(store, 1, TODAY))


def test_edits_and_deletes_come_out_as_a_full_judgement(store: PlanStore) -> None:
    partners = first_wig(store, "Increase the number of CMS Partners%")
    logged = ms.log_value(store, partners, "2024-12", "160")
    status = plan_status(store, 1, TODAY)
    assert status.wigs[partners.id].status is not Status.OFF_TRACK
    plan_edit.update_node(store, partners, {**plan_edit.node_values(store, partners), "weight": 3.0})
    status = refreshed(store, status, [partners.id])
    same(status, plan_status(store, 1, TODAY))
    ms.delete_measurement(store, logged.id)
    status = refreshed(store, status, [partners.id])
    same(status, plan_status(store, 1, TODAY))


@pytest.mark.parametrize("how", ["deleted", "unknown"])
def test_a_wig_that_left_the_plan_is_dropped_from_the_snapshot(store: PlanStore, how: str) -> None:
    status = plan_status(store, 1, TODAY)
    partners = first_wig(store, "Increase the number of CMS Partners%")
    if how == "deleted":
        plan_edit.delete_node(store, partners)
        status = refreshed(store, status, [partners.id])
        assert partners.id not in status.wigs
    else:
        status = refreshed(store, status, [10**9])
    same(status, plan_status(store, 1, TODAY))
