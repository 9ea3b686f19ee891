"""Progress and status of a WIG, and the roll-up of many: pure functions, no database, no Qt.

Status rules, in order:
1. Before the start date: Not started.
2. A milestone goal: Achieved once marked done; Off track if the deadline passed without it; otherwise On
   track (nothing to measure until it is done); No data until anything is logged.
3. A number or percent goal needs a target and a value; without them: No data. The baseline is the WIG's,
   or its first logged value when the sentence gave none.
4. Achieved when the latest value reaches the target (or goes beyond it).
5. After the deadline without reaching it: Off track.
6. Otherwise the share of the way from baseline to target is compared with the share expected when the
   value was logged: the straight line from start to deadline, or the interim target of that period where
   one is set. Within the plan's on-track tolerance: On track; within its at-risk tolerance: At risk;
   further behind (or going the wrong way): Off track.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from planner.model import SUMS_DAY0, Direction, WigKind
from planner.services.wig_parser import format_number


class Status(StrEnum):
    NOT_STARTED = "Not started"
    NO_DATA = "No data"
    ON_TRACK = "On track"
    AT_RISK = "At risk"
    OFF_TRACK = "Off track"
    ACHIEVED = "Achieved"


# Worst first: the order of "worst of".
SEVERITY = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.ACHIEVED, Status.NO_DATA, Status.NOT_STARTED]


@dataclass(frozen=True)
class Thresholds:
    """How far behind the expected share a goal may be (in shares of the way, 0.05 = 5 points)."""

    on_track: float = 0.05
    at_risk: float = 0.15

    def describe(self) -> str:
        return (f"On track within {self.on_track:.0%} of where the goal should be by now, at risk within "
                f"{self.at_risk:.0%}, off track beyond that.")


@dataclass(frozen=True)
class Point:
    when: date  # the end of the period the value is for
    value: float | None = None
    done: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Progress:
    status: Status
    reason: str
    share: float | None = None  # of the way from baseline to target, at the latest value
    expected_today: float | None = None
    expected_at_latest: float | None = None
    forecast: float | None = None  # value at the deadline from the trend
    forecast_share: float | None = None
    latest: Point | None = None
    baseline_used: float | None = None
    target_used: float | None = None  # the target, or the one a relative change gives from the baseline


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def straight_line_share(start: date | None, deadline: date | None, day: date) -> float | None:
    if start is None or deadline is None or deadline <= start:
        return None
    return _clamp((day - start).days / (deadline - start).days)


DAY0 = SUMS_DAY0  # the trend's sums count days from here (as the database's value sums do), keeping squares small


@dataclass(frozen=True)
class Summary:
    """What judging a goal needs of its logged values, without every value: the newest point, the oldest and
    newest points with a number, how many have one and the sums a least-squares line needs (x is the period
    end's day number less DAY0, y the value). The database can work these out for a whole plan at once."""

    latest: Point | None = None
    first_value: Point | None = None
    last_value: Point | None = None
    count: int = 0
    sum_x: float = 0.0
    sum_y: float = 0.0
    sum_xx: float = 0.0
    sum_xy: float = 0.0

    @classmethod
    def of(cls, points: Iterable[Point]) -> Summary:
        ordered = sorted(points, key=lambda p: p.when)
        values = [p for p in ordered if p.value is not None]
        xy = [(p.when.toordinal() - DAY0, float(p.value)) for p in values if p.value is not None]
        return cls(ordered[-1] if ordered else None, values[0] if values else None,
                   values[-1] if values else None, len(values), float(sum(x for x, _ in xy)),
                   sum(y for _, y in xy), float(sum(x * x for x, _ in xy)), sum(x * y for x, y in xy))


def _trend(summary: Summary, start: date | None, baseline: float) -> tuple[float, float] | None:
    """Least-squares line through the values (value = a + b * day ordinal); with one value, the line from
    the baseline at the start through it."""
    last = summary.last_value
    if last is None or last.value is None:
        return None
    if summary.count == 1:
        if start is None or last.when == start:
            return None
        x0, x1 = start.toordinal(), last.when.toordinal()
        slope = (last.value - baseline) / (x1 - x0)
        return baseline - slope * x0, slope
    first = summary.first_value
    if first is None or first.when == last.when:  # every value on one day: no line
        return None
    n = summary.count
    mean_x, mean_y = summary.sum_x / n, summary.sum_y / n
    sxx = summary.sum_xx - n * mean_x * mean_x
    if sxx <= 0:
        return None
    slope = (summary.sum_xy - n * mean_x * mean_y) / sxx
    return mean_y - slope * (mean_x + DAY0), slope


def wig_progress(kind: WigKind, direction: Direction, baseline: float | None, target: float | None,
                 start: date | None, deadline: date | None, points: Iterable[Point] | Summary, today: date,
                 thresholds: Thresholds = Thresholds(), interim: Sequence[tuple[date, date, float]] = (),
                 relative_change: float | None = None, year_over: bool = False) -> Progress:
    """`points` are the WIG's logged values; `interim` are (period start, period end, target value);
    `relative_change` (percent) sets the target from the baseline, or the first value when none is given.
    `year_over`: `today` is the last day of a year that has ended, so a milestone due that day and logged
    as not done was missed (one with nothing logged stays No data; a number is judged by where it got)."""
    summary = points if isinstance(points, Summary) else Summary.of(points)
    latest = summary.latest
    expected_today = straight_line_share(start, deadline, today)
    if start is not None and today < start:
        return Progress(Status.NOT_STARTED, f"Starts {start:%d %b %Y}.", latest=latest)

    if kind is WigKind.MILESTONE:
        missed = deadline is not None and (today > deadline or (year_over and today >= deadline))
        if latest is None:  # a year that ended with nothing logged says so: no data, not a failure
            if deadline is not None and today > deadline:
                return Progress(Status.OFF_TRACK, "The deadline passed with nothing logged.", latest=None)
            return Progress(Status.NO_DATA, "Nothing logged yet.")
        done = bool(latest.done) if latest.done is not None else bool(latest.value)
        if done:
            return Progress(Status.ACHIEVED, f"Done ({latest.when:%d %b %Y}).", share=1.0, latest=latest)
        if missed:
            return Progress(Status.OFF_TRACK, "The deadline passed and it is not done.", share=0.0, latest=latest)
        return Progress(Status.ON_TRACK, "Not done yet; the deadline has not passed.", share=0.0,
                        expected_today=expected_today, latest=latest)

    first = summary.first_value
    if target is None and relative_change is not None:
        measured = baseline if baseline is not None else (first.value if first is not None else None)
        if measured is None:
            return Progress(Status.NO_DATA, f"{relative_change:+g}% from a baseline still to be measured: the "
                            "first value logged is the baseline.", latest=latest)
        baseline, target = measured, measured * (1 + relative_change / 100)
        if summary.count == 1 and first is not None and baseline == first.value:
            return Progress(Status.ON_TRACK, f"The baseline is measured: {format_number(baseline)}; the target is "
                            f"{format_number(target)} ({relative_change:+g}%).", share=0.0, latest=first,
                            baseline_used=baseline, target_used=target)
    if target is None:
        return Progress(Status.NO_DATA, "The goal has no target yet.", latest=latest)
    if summary.count == 0 or first is None or summary.last_value is None:
        return Progress(Status.NO_DATA, "Nothing logged yet.", expected_today=expected_today)
    if direction is Direction.MAINTAIN:
        return _kept(summary.last_value, target, deadline, today, thresholds)
    base = baseline if baseline is not None else first.value
    assert base is not None
    latest = summary.last_value
    assert latest.value is not None
    if target == base:
        return Progress(Status.NO_DATA, "The target equals the baseline.", latest=latest, baseline_used=base)
    share = (latest.value - base) / (target - base)
    trend = _trend(summary, start, base)
    forecast = forecast_share = None
    if trend is not None and deadline is not None:
        forecast = trend[0] + trend[1] * deadline.toordinal()
        if kind is WigKind.PERCENT:  # a share cannot go past 0% or 100%, whatever the trend's line says
            forecast = max(0.0, min(100.0, forecast))
        forecast_share = (forecast - base) / (target - base)
    common = Progress(Status.NO_DATA, "", share=share, expected_today=expected_today, forecast=forecast,
                      forecast_share=forecast_share, latest=latest, baseline_used=base, target_used=target)

    if share >= 1.0:
        return replace(common, status=Status.ACHIEVED, reason="The latest value reaches the target.",
                       expected_at_latest=1.0)
    if deadline is not None and today > deadline:
        return replace(common, status=Status.OFF_TRACK, reason="The deadline passed before the target was reached.",
                       expected_at_latest=1.0)
    expected = None
    source = "the straight line from start to deadline"
    for period_start, period_end, value in interim:
        if period_start <= latest.when <= period_end:
            expected = (value - base) / (target - base)
            source = "the interim target for that period"
            break
    if expected is None:
        expected = straight_line_share(start, deadline, latest.when)
    if expected is None:
        expected = 0.0 if share >= 0 else 1.0
    shortfall = expected - share
    how = f"{share:.0%} of the way; {expected:.0%} expected by {latest.when:%d %b %Y} ({source})."
    if share < 0:
        return replace(common, status=Status.OFF_TRACK, reason="The value moved away from the target. " + how,
                       expected_at_latest=expected)
    if shortfall <= thresholds.on_track:
        return replace(common, status=Status.ON_TRACK, reason=how, expected_at_latest=expected)
    if shortfall <= thresholds.at_risk:
        return replace(common, status=Status.AT_RISK, reason=how, expected_at_latest=expected)
    return replace(common, status=Status.OFF_TRACK, reason=how, expected_at_latest=expected)


def _kept(latest: Point, level: float, deadline: date | None, today: date, thresholds: Thresholds) -> Progress:
    """A level to keep: on track at or above it (or within the on-track tolerance of it, as a share of the
    level), at risk within the at-risk tolerance, off track further below; Achieved once the deadline is
    reached with the level kept."""
    assert latest.value is not None
    below = (level - latest.value) / abs(level) if level else (0.0 if latest.value >= level else 1.0)
    how = (f"{format_number(latest.value)} against a level of {format_number(level)} to keep "
           f"({latest.when:%d %b %Y}).")
    common = Progress(Status.NO_DATA, "", share=1.0 - max(below, 0.0), latest=latest, expected_at_latest=1.0)
    if below <= 0 and deadline is not None and today >= deadline:
        return replace(common, status=Status.ACHIEVED, reason="The level was kept to the deadline. " + how)
    if below <= thresholds.on_track:
        return replace(common, status=Status.ON_TRACK, reason=how)
    if below <= thresholds.at_risk:
        return replace(common, status=Status.AT_RISK, reason="Below the level to keep. " + how)
    return replace(common, status=Status.OFF_TRACK, reason="Well below the level to keep. " + how)


class RollupRule(StrEnum):
    WORST = "worst"
    WEIGHTED = "weighted"


@dataclass(frozen=True)
class RollupSettings:
    rule: RollupRule = RollupRule.WORST
    on_track_share: float = 0.8
    at_risk_share: float = 0.6

    def describe(self) -> str:
        if self.rule is RollupRule.WORST:
            return "Summary = the worst status among its WIGs that have data."
        return (f"Summary = weighted share of its WIGs on track or achieved: on track from "
                f"{self.on_track_share:.0%}, at risk from {self.at_risk_share:.0%}, off track below.")


@dataclass(frozen=True)
class Rollup:
    counts: dict[Status, int] = field(default_factory=dict)
    status: Status = Status.NO_DATA
    share_on_track: float | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def badge(self) -> str:
        """"2 on track · 1 at risk" in severity order, for the tree."""
        parts = [f"{self.counts[s]} {s.value.lower()}" for s in SEVERITY if self.counts.get(s)]
        return " · ".join(parts)


def roll_up(items: Iterable[tuple[Status, float]], settings: RollupSettings = RollupSettings()) -> Rollup:
    """The summary of several WIGs: (status, weight) each."""
    items = list(items)
    counts: dict[Status, int] = {}
    for status, _ in items:
        counts[status] = counts.get(status, 0) + 1
    measured = [(s, w) for s, w in items if s in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.ACHIEVED)]
    if not measured:
        only = Status.NOT_STARTED if counts and set(counts) == {Status.NOT_STARTED} else Status.NO_DATA
        return Rollup(counts, only, None)
    total_weight = sum(max(w, 0.0) for _, w in measured)
    good = sum(max(w, 0.0) for s, w in measured if s in (Status.ON_TRACK, Status.ACHIEVED))
    share = good / total_weight if total_weight > 0 else None
    if settings.rule is RollupRule.WORST:
        status = next(s for s in SEVERITY if any(m == s for m, _ in measured))
    elif share is None:
        status = Status.NO_DATA
    elif all(s is Status.ACHIEVED for s, _ in measured):
        status = Status.ACHIEVED
    elif share >= settings.on_track_share:
        status = Status.ON_TRACK
    elif share >= settings.at_risk_share:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return Rollup(counts, status, share)
