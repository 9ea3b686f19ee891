"""A scoreboard card's goal sentence is wrapped to two lines and, when it goes on, ends in "…" (it was elided
to twice the card's width and then wrapped, so a third line was cut off mid-sentence with no sign)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontMetrics

from planner.ui.scoreboard import wrapped

SENTENCE = ("Increase the School Social Workers facilitating tier 3 problem-solving Attendance Review Conferences "
            "(ARC) for students on their campuses with intensive attendance needs from 41% to 95% by June 2025.")


@pytest.mark.parametrize("width", [180, 320, 560])
def test_a_long_sentence_takes_two_lines_that_fit_and_says_it_goes_on(qapp, width: int) -> None:  # type: ignore[no-untyped-def]
    metrics = QFontMetrics(QFont("DejaVu Sans", 11))
    lines = wrapped(SENTENCE, metrics, width, 2)
    assert len(lines) == 2
    assert all(metrics.horizontalAdvance(x) <= width for x in lines)
    assert lines[-1].endswith("…")
    shown = " ".join(lines)[:-1].rstrip()
    assert SENTENCE.startswith(shown)


def test_a_sentence_that_fits_is_shown_whole(qapp) -> None:  # type: ignore[no-untyped-def]
    metrics = QFontMetrics(QFont("DejaVu Sans", 11))
    assert " ".join(wrapped("From 5 to 186 by January 2025.", metrics, 2000, 2)) == "From 5 to 186 by January 2025."
