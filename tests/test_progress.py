"""Periods on the school year, and the status function, table-driven over the edges."""

from __future__ import annotations

from datetime import date

import pytest

from planner.errors import ValidationError
from planner.model import Direction, Frequency, WigKind
from planner.services.periods import parse_period, period_containing, periods_between
from planner.services.progress import (
    Point,
    RollupRule,
    RollupSettings,
    Status,
    Thresholds,
    roll_up,
    wig_progress,
)

F = Frequency


@pytest.mark.parametrize(
    ("day", "frequency", "label", "start", "end"),
    [
        (date(2024, 10, 15), F.QUARTERLY, "Q2 2024-25", date(2024, 10, 1), date(2024, 12, 31)),
        (date(2025, 6, 30), F.QUARTERLY, "Q4 2024-25", date(2025, 4, 1), date(2025, 6, 30)),
        (date(2024, 7, 1), F.QUARTERLY, "Q1 2024-25", date(2024, 7, 1), date(2024, 9, 30)),
        (date(2025, 2, 28), F.SEMESTERLY, "S2 2024-25", date(2025, 1, 1), date(2025, 6, 30)),
        (date(2024, 2, 29), F.MONTHLY, "Feb 2024", date(2024, 2, 1), date(2024, 2, 29)),  # leap day
        (date(2024, 2, 29), F.ANNUALLY, "2023-24", date(2023, 7, 1), date(2024, 6, 30)),
        (date(2024, 12, 31), F.WEEKLY, "Week of 2024-12-30", date(2024, 12, 30), date(2025, 1, 5)),
        (date(2024, 9, 16), F.DAILY, "2024-09-16", date(2024, 9, 16), date(2024, 9, 16)),
    ],
)
def test_periods_on_the_school_year(day: date, frequency: Frequency, label: str, start: date, end: date) -> None:
    period = period_containing(day, frequency)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_plan_year_has_four_quarters_and_twelve_months() -> None:
    quarters = periods_between(date(2024, 7, 1), date(2025, 6, 30), F.QUARTERLY)
    assert [q.label for q in quarters] == ["Q1 2024-25", "Q2 2024-25", "Q3 2024-25", "Q4 2024-25"]
    assert len(periods_between(date(2024, 7, 1), date(2025, 6, 30), F.MONTHLY)) == 12


@pytest.mark.parametrize(
    ("text", "frequency", "label"),
    [("2024-09", F.MONTHLY, "Sep 2024"), ("Sep 2024", F.MONTHLY, "Sep 2024"), ("Q3 2024-25", F.QUARTERLY, "Q3 2024-25"),
     ("q3 2024-25", F.QUARTERLY, "Q3 2024-25"), ("2025-01-15", F.QUARTERLY, "Q3 2024-25"),
     ("S1 2024-25", F.SEMESTERLY, "S1 2024-25"), ("2024-25", F.ANNUALLY, "2024-25"),
     # the spring months of a school year carry the next calendar year, leap days included
     ("Jan 2025", F.MONTHLY, "Jan 2025"), ("jun 2025", F.MONTHLY, "Jun 2025"), ("Feb 2024", F.MONTHLY, "Feb 2024"),
     ("2024-02-29", F.MONTHLY, "Feb 2024"), ("2024-02-29", F.QUARTERLY, "Q3 2023-24")],
)
def test_parse_period(text: str, frequency: Frequency, label: str) -> None:
    assert parse_period(text, frequency).label == label


@pytest.mark.parametrize(("text", "frequency", "words"), [
    ("2024-10", F.QUARTERLY, "is a month"), ("Q5 2024-25", F.QUARTERLY, "does not fit"),
    ("next week", F.WEEKLY, "not a period"), ("", F.MONTHLY, "missing"), ("2024-13", F.MONTHLY, "not a month"),
])
def test_parse_period_refusals_say_how(text: str, frequency: Frequency, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_period(text, frequency)
    assert words in caught.value.message and "give a period such as" in str(caught.value)


P, N, M = WigKind.PERCENT, WigKind.NUMBER, WigKind.MILESTONE
UP, DOWN = Direction.INCREASE, Direction.DECREASE
START, END = date(2024, 7, 1), date(2025, 6, 30)
MID = date(2024, 12, 31)  # about half way


def pts(*pairs: tuple[date, float]) -> list[Point]:
    return [Point(d, v) for d, v in pairs]


STATUS_CASES = [
    # name, kind, direction, baseline, target, points, today, status
    ("before the start", P, UP, 0, 100, [], date(2024, 6, 1), Status.NOT_STARTED),
    ("no data", P, UP, 0, 100, [], MID, Status.NO_DATA),
    ("no target", N, UP, 5, None, pts((MID, 6)), MID, Status.NO_DATA),
    ("on the line", N, UP, 102, 154, pts((MID, 128)), MID, Status.ON_TRACK),
    ("a little behind", N, UP, 102, 154, pts((MID, 123)), MID, Status.AT_RISK),
    ("far behind", N, UP, 102, 154, pts((MID, 110)), MID, Status.OFF_TRACK),
    ("target reached early", N, UP, 102, 154, pts((date(2024, 10, 31), 160)), MID, Status.ACHIEVED),
    ("deadline passed", N, UP, 102, 154, pts((date(2025, 5, 31), 150)), date(2025, 7, 15), Status.OFF_TRACK),
    ("value beyond the target", P, UP, 0, 95, pts((MID, 99)), MID, Status.ACHIEVED),
    ("going the wrong way", N, UP, 102, 154, pts((MID, 95)), MID, Status.OFF_TRACK),
    ("decrease on track", P, DOWN, 23.35, 20, pts((MID, 21.6)), MID, Status.ON_TRACK),
    ("decrease wrong way", P, DOWN, 23.35, 20, pts((MID, 24.0)), MID, Status.OFF_TRACK),
    ("decrease achieved", P, DOWN, 23.35, 20, pts((MID, 19.5)), MID, Status.ACHIEVED),
    ("no baseline: first value is the baseline", P, UP, None, 100, pts((date(2024, 9, 30), 40), (MID, 70)), MID,
     Status.ON_TRACK),
]


@pytest.mark.parametrize(("name", "kind", "direction", "baseline", "target", "points", "today", "status"),
                         STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
def test_status(name: str, kind: WigKind, direction: Direction, baseline: float | None, target: float | None,
                points: list[Point], today: date, status: Status) -> None:
    progress = wig_progress(kind, direction, baseline, target, START, END, points, today)
    assert progress.status is status, progress.reason
    assert progress.reason


def test_milestones() -> None:
    def status(points: list[Point], today: date) -> Status:
        return wig_progress(M, UP, None, None, START, END, points, today).status

    assert status([], MID) is Status.NO_DATA
    assert status([Point(MID, done=False)], MID) is Status.ON_TRACK
    assert status([Point(MID, done=True)], MID) is Status.ACHIEVED
    assert status([Point(MID, done=False)], date(2025, 7, 2)) is Status.OFF_TRACK
    assert status([], date(2025, 7, 2)) is Status.OFF_TRACK


def test_shares_expected_and_forecast() -> None:
    p = wig_progress(N, UP, 100, 200, START, END, pts((date(2024, 9, 30), 125), (MID, 150)), MID)
    assert p.share == pytest.approx(0.5)
    assert p.expected_at_latest == pytest.approx(0.504, abs=0.01)
    assert p.forecast == pytest.approx(200, abs=3)  # the trend reaches the target near the deadline
    assert p.forecast_share == pytest.approx(1.0, abs=0.03)


def test_interim_targets_replace_the_straight_line() -> None:
    points = pts((MID, 115))
    straight = wig_progress(N, UP, 100, 200, START, END, points, MID)
    assert straight.status is Status.OFF_TRACK
    slow_start = [(date(2024, 10, 1), MID, 112.0)]  # the plan expects a slow first half
    planned = wig_progress(N, UP, 100, 200, START, END, points, MID, interim=slow_start)
    assert planned.status is Status.ON_TRACK and "interim target" in planned.reason


def test_thresholds_are_settable() -> None:
    strict = Thresholds(on_track=0.0, at_risk=0.01)
    assert wig_progress(N, UP, 102, 154, START, END, pts((MID, 127)), MID, strict).status is Status.OFF_TRACK
    assert "5%" in Thresholds().describe()


def test_roll_up_worst_and_weighted() -> None:
    items = [(Status.ON_TRACK, 1.0), (Status.ON_TRACK, 1.0), (Status.OFF_TRACK, 1.0), (Status.NO_DATA, 1.0)]
    worst = roll_up(items)
    assert worst.status is Status.OFF_TRACK and worst.badge() == "1 off track · 2 on track · 1 no data"
    weighted = roll_up(items, RollupSettings(RollupRule.WEIGHTED, 0.6, 0.4))
    assert weighted.status is Status.ON_TRACK and weighted.share_on_track == pytest.approx(2 / 3)
    heavy = roll_up([(Status.ON_TRACK, 1.0), (Status.OFF_TRACK, 3.0)], RollupSettings(RollupRule.WEIGHTED))
    assert heavy.status is Status.OFF_TRACK and heavy.share_on_track == pytest.approx(0.25)
    assert roll_up([(Status.NO_DATA, 1.0)]).status is Status.NO_DATA
    assert roll_up([]).status is Status.NO_DATA
    assert "worst" in RollupSettings().describe()
