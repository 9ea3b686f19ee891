"""Charts read as a person reads them: values joined by straight lines, round numbers down the side."""

from __future__ import annotations

import math
import re
from datetime import date
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from planner.model import WigKind
from planner.render.sparkline import checkpoint_lines, paint_sparkline, scale_of
from planner.services.charts import ChartData, nice_ticks
from planner.services.progress import Point, Progress, Status


class Recorder(QPainter):
    """A painter that notes the text and lines it is asked to draw."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.texts: list[str] = []
        self.lines = 0
        self.paths = 0

    def drawText(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.texts.append(next(a for a in args if isinstance(a, str)))
        super().drawText(*args)

    def drawLine(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.lines += 1
        super().drawLine(*args)

    def drawPath(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.paths += 1
        super().drawPath(*args)


def chart(kind: WigKind = WigKind.PERCENT, values: tuple[float, ...] = (21.63, 37.842, 44.1)) -> ChartData:
    points = [Point(date(2026, m, 28), v) for m, v in zip((8, 9, 10), values, strict=False)]
    return ChartData("t", kind, None, points, [(date(2026, 7, 1), 3.17), (date(2027, 6, 30), 79.2)], 79.2,
                     date(2027, 6, 30), [], [], Progress(Status.ON_TRACK, "", latest=points[-1] if points else None))


def paint(data: ChartData) -> Recorder:
    image = QImage(600, 300, QImage.Format.Format_ARGB32)
    painter = Recorder(image)
    try:
        paint_sparkline(painter, QRectF(0, 0, 600, 300), data, axes=True)
    finally:
        painter.end()
    return painter


def test_the_side_of_a_chart_reads_in_round_numbers(qapp) -> None:  # type: ignore[no-untyped-def]
    painter = paint(chart())
    numbers = [t for t in painter.texts if t.endswith("%")]
    assert numbers == ["0%", "20%", "40%", "60%", "80%"]  # not "3.17%" and "79.2%", the values' own ends
    assert "28 Aug 2026" not in painter.texts and "01 Jul 2026" in painter.texts


def test_values_are_joined_by_straight_lines(qapp) -> None:  # type: ignore[no-untyped-def]
    painter = paint(chart())
    assert painter.paths == 0
    # the frame is drawRect; lines: 5 grid lines, the target, the path, and two segments between three values
    assert painter.lines == 5 + 1 + 1 + 2


def test_a_milestone_shows_its_checkpoints_not_an_empty_chart(qapp) -> None:  # type: ignore[no-untyped-def]
    data = chart(WigKind.MILESTONE, (0.0, 1.0))
    assert scale_of(data, [0.0, 1.0]) == [0.0, 1.0]
    texts = paint(data).texts
    assert texts[0] == "Done 28 Sep 2026 (due 30 Jun 2027)"
    assert texts.count("✗") == 1 and texts.count("✓") == 1  # not done in August, done in September
    assert "28 Aug 2026" in texts and "30 Jun 2027" in texts
    nothing = chart(WigKind.MILESTONE, ())
    assert paint(nothing).texts[0] == "Nothing logged yet; due 30 Jun 2027"
    assert checkpoint_lines(chart(WigKind.MILESTONE, (0.0,)))[0] == "Not done yet at 28 Aug 2026; due 30 Jun 2027"


@given(st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_nice_ticks_take_in_the_range_in_round_steps(low: float, span: float) -> None:
    high = low + span
    ticks = nice_ticks(low, high)
    assert 2 <= len(ticks) <= 5
    step = ticks[1] - ticks[0]
    slack = 1e-6 * step + 1e-9 * max(abs(low), abs(high))  # a hair past a step's end is on it
    assert ticks[0] <= low + slack and ticks[-1] >= high - slack
    steps = {round(b - a, 9) for a, b in pairwise(ticks)}
    assert max(steps) - min(steps) <= 1e-6 * step
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))


def test_nice_ticks_examples() -> None:
    assert nice_ticks(21.63, 79.2) == [20, 40, 60, 80]
    assert nice_ticks(102, 154) == [100, 120, 140, 160]
    assert nice_ticks(7, 7) == [6, 6.5, 7, 7.5, 8]
    assert nice_ticks(0, 0) == [-0.5, -0.25, 0, 0.25, 0.5]
    assert all(re.fullmatch(r"-?\d+(\.\d{1,2})?", f"{t:g}") for t in nice_ticks(0.31, 0.79))


def test_a_share_is_not_marked_above_100_percent(qapp) -> None:  # type: ignore[no-untyped-def]
    assert scale_of(chart(), [100.0]) == [99, 99.5, 100]
    assert scale_of(chart(), [0.0]) == [0, 0.25, 0.5, 0.75, 1]
