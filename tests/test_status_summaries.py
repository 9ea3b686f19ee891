"""Judging from what the database sums up (each goal's newest point, its first and last values and a trend's
sums) gives what judging every logged value one by one gives: the same status and reason, the same latest
point, the same forecast to rounding, for goals with nothing logged, one value, values and blanks, milestones
done and not done, notes, goals judged on measures, and a year that has ended. On a file and on a server."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from planner.model import Measurement, PerformanceMeasure, Wig, WigKind
from planner.model.base import utcnow as store_now
from planner.services.progress import Point, Summary, Thresholds, wig_progress
from planner.services.status import Goal, judge, summaries, wig_points
from planner.store import PlanStore

JUDGED = (date(2025, 1, 15), date(2025, 6, 30), date(2026, 12, 1))


def month(first: date, k: int) -> tuple[date, date]:
    start = date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
    after = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, after - timedelta(days=1)


def log_random_values(store: PlanStore, seed: int) -> tuple[list[int], list[int]]:
    """Random values on the plan's WIGs and measures (some left with nothing): each row a month of 2024-25,
    a value or a blank with done/not done, sometimes a note; two values on one period end now and then (a
    month and the quarter ending with it)."""
    rng = random.Random(seed)
    with store.session(reason="Random values for the summaries' test") as s:
        wigs = list(s.execute(select(Wig.id, Wig.kind)).all())
        measures = list(s.scalars(select(PerformanceMeasure.id)))
        taken = {(w, start) for w, start in s.execute(select(Measurement.wig_id, Measurement.period_start))} | {
            (m, start) for m, start in s.execute(select(Measurement.measure_id, Measurement.period_start))}
        for subject, ids in (("wig_id", [(w, k) for w, k in wigs]), ("measure_id", [(m, None) for m in measures])):
            for row_id, kind in ids:
                months = sorted(rng.sample(range(12), rng.choice([0, 0, 1, 1, 2, 3, 5, 8, 12])))
                for k in months:
                    start, end = month(date(2024, 7, 1), k)
                    if (row_id, start) in taken:  # the plan's own values stay as they are
                        continue
                    taken.add((row_id, start))
                    blank = rng.random() < (0.6 if kind is WigKind.MILESTONE else 0.15)
                    value = None if blank else round(rng.uniform(-20, 140), rng.choice([0, 1, 3]))
                    done = rng.choice([True, False]) if blank or kind is WigKind.MILESTONE else None
                    note = rng.choice(["", "", "late", "from the audit"])
                    s.add(Measurement(**{subject: row_id}, period_start=start, period_end=end, value=value,
                                      done=done, note=note))
                    quarter = month(date(2024, 7, 1), k - 2)[0]
                    if k % 3 == 2 and rng.random() < 0.3 and (row_id, quarter) not in taken:
                        taken.add((row_id, quarter))  # the quarter ending with that month, as well
                        s.add(Measurement(**{subject: row_id}, period_start=quarter, period_end=end,
                                          value=rng.uniform(0, 100), note="quarter"))
    with store.reader() as s:
        return [w for w, _ in wigs], measures


def assert_sums_are_the_values(store: PlanStore, of: str, ids: list[int]) -> None:
    """What the database keeps summed up for each goal or measure is what its values sum up to, one by one."""
    column = getattr(Measurement, of)
    with store.reader() as s:
        values: dict[int, list[Point]] = {i: [] for i in ids}
        for key, end, value, done, note in s.execute(
                select(column, Measurement.period_end, Measurement.value, Measurement.done, Measurement.note)
                .where(column.in_(ids)).order_by(Measurement.period_end, Measurement.period_start)):
            values[key].append(Point(end, value, done, note))
        summed = summaries(s, of, ids)
    assert set(summed) == {i for i in ids if values[i]}
    for key in ids:
        one_by_one, from_sums = Summary.of(values[key]), summed.get(key, Summary())
        for side in ("latest", "first_value", "last_value", "count"):
            assert getattr(one_by_one, side) == getattr(from_sums, side), (of, key, side)
        for total in ("sum_x", "sum_y", "sum_xx", "sum_xy"):
            assert getattr(from_sums, total) == pytest.approx(getattr(one_by_one, total), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", [5, 23])
def test_the_sums_follow_values_changed_moved_and_deleted(store: PlanStore, seed: int) -> None:
    """The sums are the database's, kept as values are written: after values are changed, blanked, given a
    value, moved to another period or subject, deleted one by one, and deleted with their goal or measure, and
    a batch written at once, each goal's and measure's sums are still those of its values."""
    rng = random.Random(seed)
    wig_ids, measure_ids = log_random_values(store, seed)
    with store.session(reason="Values changed for the sums' test") as s:
        rows = list(s.scalars(select(Measurement).order_by(Measurement.id)))
        for row in rng.sample(rows, len(rows) // 3):
            change = rng.choice(["value", "blank", "value", "period", "delete", "note"])
            if change == "value":
                row.value = round(rng.uniform(-5, 120), 2)
            elif change == "blank" and row.done is not None:
                row.value = None
            elif change == "period":
                row.period_end = row.period_end + timedelta(days=rng.choice([-3, 1, 40]))
            elif change == "delete":
                s.delete(row)
            else:
                row.note = "checked"
        s.flush()
        moving = next((r for r in s.scalars(select(Measurement).where(Measurement.wig_id.is_not(None)))), None)
        if moving is not None:  # to another goal, on a period that goal has free
            moving.wig_id, moving.period_start = wig_ids[-1], date(2030, 1, 1)
            moving.period_end = date(2030, 1, 31)
    gone_wig = next(w for w in wig_ids if w != wig_ids[-1])
    with store.session(reason="A goal deleted with its values") as s:
        s.delete(s.get(Wig, gone_wig))
    with store.session(reason="A batch of values at once") as s:
        s.execute(Measurement.__table__.insert(), [
            {"uuid": uuid.uuid4(), "created_at": store_now(), "updated_at": store_now(),
             "measure_id": measure_ids[0], "period_start": date(2031, 1, k), "period_end": date(2031, 1, k),
             "value": float(k), "note": "", "evidence": "", "entered_by": "", "entered_at": store_now()}
            for k in range(1, 20)])
    with store.reader() as s:
        wig_ids = list(s.scalars(select(Wig.id)))
        measure_ids = list(s.scalars(select(PerformanceMeasure.id)))
    assert gone_wig not in wig_ids
    assert_sums_are_the_values(store, "wig_id", [*wig_ids, gone_wig])
    assert_sums_are_the_values(store, "measure_id", measure_ids)


@pytest.mark.parametrize("seed", [3, 17])
def test_the_summed_judgement_is_the_one_of_every_value(store: PlanStore, seed: int) -> None:
    wig_ids, measure_ids = log_random_values(store, seed)
    assert_sums_are_the_values(store, "measure_id", measure_ids)
    with store.reader() as s:
        points, interim = wig_points(s, wig_ids)
        summed = summaries(s, "wig_id", wig_ids)
        assert set(summed) == {w for w in wig_ids if points[w]}  # nothing logged: nothing summed
        for wig_id in wig_ids:
            one_by_one = Summary.of(points[wig_id])
            from_sums = summed.get(wig_id, Summary())
            # the chosen points are the same (on a tie of period end, the row that started later is the newer)
            for side in ("latest", "first_value", "last_value"):
                assert getattr(one_by_one, side) == getattr(from_sums, side), (wig_id, side)
            assert one_by_one.count == from_sums.count
            for total in ("sum_x", "sum_y", "sum_xx", "sum_xy"):
                assert getattr(from_sums, total) == pytest.approx(getattr(one_by_one, total), rel=1e-9, abs=1e-6)
        goals = [Goal.of(w) for w in s.scalars(select(Wig))]
        for today in JUDGED:
            for over in (False, True):
                by_points = judge(s, goals, today, Thresholds(), over=over, points=points, interim=interim)
                by_sums = judge(s, goals, today, Thresholds(), over=over)
                assert by_points.keys() == by_sums.keys()
                for wig_id, expected in by_points.items():
                    got = by_sums[wig_id]
                    assert (got.status, got.reason, got.latest) == (expected.status, expected.reason,
                                                                    expected.latest), (wig_id, today)
                    for figure in ("share", "expected_today", "forecast", "forecast_share", "baseline_used",
                                   "target_used"):
                        want = getattr(expected, figure)
                        assert getattr(got, figure) == (want if want is None else pytest.approx(
                            want, rel=1e-9, abs=1e-9)), (wig_id, figure)
    assert measure_ids  # the plan's measures had values too (goals judged on their quantities)


def test_a_wig_with_one_value_draws_its_trend_from_the_baseline_at_its_start() -> None:
    from planner.model import Direction
    from planner.services.progress import Point

    one = [Point(date(2024, 12, 31), 60.0)]
    for points in (one, Summary.of(one)):
        got = wig_progress(WigKind.NUMBER, Direction.INCREASE, 40, 100, date(2024, 7, 1), date(2025, 6, 30),
                           points, date(2025, 1, 15))
        # 20 up in 183 days, so 363 days after the start: 40 + 20 * 363 / 183
        assert got.forecast == pytest.approx(40 + 20 * (date(2025, 6, 30) - date(2024, 7, 1)).days / 183)
