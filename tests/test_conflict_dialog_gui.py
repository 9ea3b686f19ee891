"""The conflict dialog as a person meets it: every value readable without scrolling sideways, the goal named
as the plan names it, and Enter keeping theirs even when Keep Mine has the focus."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from planner.errors import RowChangedError
from planner.ui.conflict_dialog import ConflictDialog

LONG = "Increase the number of CMS Partners from 124 to {} by June 2025"


def dialog(qtbot) -> ConflictDialog:  # type: ignore[no-untyped-def]
    conflict = RowChangedError("x", actor="Ben Okafor", table="wig", row_id=3,
                               changes=[("sentence", LONG.format(154), LONG.format(160)), ("target", 154, 160)],
                               at=datetime(2026, 12, 2, 10, 42, tzinfo=UTC))
    d = ConflictDialog(conflict, {"target": 158, "sentence": LONG.format(158)})
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_every_value_is_readable_and_the_goal_is_named_as_the_plan_names_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    d = dialog(qtbot)
    assert "Ben Okafor changed this WIG at 10:42 UTC" in d.words.text()
    assert not d.table.horizontalScrollBar().isVisible()
    texts = {d.table.item(r, c).text() for r in range(d.table.rowCount()) for c in range(4)}
    assert {LONG.format(154), LONG.format(160), LONG.format(158), "154", "160", "158"} <= texts


def test_enter_keeps_theirs_even_with_the_focus_on_keep_mine(qtbot) -> None:  # type: ignore[no-untyped-def]
    d = dialog(qtbot)
    d.keep_mine.setFocus()
    qtbot.keyClick(d, Qt.Key.Key_Return)
    assert d.result() == ConflictDialog.DialogCode.Rejected  # rejected is "keep theirs"
