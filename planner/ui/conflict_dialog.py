"""The choice when a save meets someone else's change on the district server: who changed what, when, the
value both started from, theirs and mine; "Keep mine" or "Keep theirs". The dialog only asks: what each answer
means is the services' (plan_edit.keep_mine, plan_edit.keep_theirs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError, RowChangedError
from planner.services.history import KIND_NAMES, field_name

if TYPE_CHECKING:
    from planner.ui.prompts import Prompter

T = TypeVar("T")


def _shown(value: Any) -> str:
    return "(blank)" if value is None or value == "" else str(value)


class ConflictDialog(QDialog):
    """Accepted: keep mine (save over theirs). Rejected or closed: keep theirs (nothing overwritten)."""

    def __init__(self, conflict: RowChangedError, mine: dict[str, Any], parent: QWidget | None = None, *,
                 changed: str = "", yours: str = "") -> None:
        """`changed` names the row theirs changed when "this …" would not (a sibling a move renumbers);
        `yours` says what the person's change was when it is not fields of that row ("You moved this WIG …")."""
        super().__init__(parent)
        self.setWindowTitle("Someone Else Changed This")
        self.setObjectName("conflict_dialog")
        when = f" at {conflict.at:%H:%M} UTC" if isinstance(conflict.at, datetime) else ""
        kind = KIND_NAMES.get(conflict.table, conflict.table.replace("_", " "))
        what = kind if kind.isupper() else kind.lower()  # "this WIG", "this key lever"
        self.words = QLabel(f"{conflict.actor} changed {changed or 'this ' + what}{when}, while you were changing "
                            f"it. {yours + ' ' if yours else ''}Keep your change (it replaces theirs, and the "
                            "history says so) or keep theirs (your edit is dropped)?")
        self.words.setWordWrap(True)
        theirs = {column: (before, after) for column, before, after in conflict.changes}
        columns = list(dict.fromkeys([*mine, *theirs]))
        self.table = QTableWidget(len(columns), 4)
        self.table.setObjectName("conflict_values")
        self.table.setHorizontalHeaderLabels(["Field", "Both started from", f"{conflict.actor}'s", "Yours"])
        for row, column in enumerate(columns):
            started, their_value = theirs.get(column, (None, None))
            cells = [field_name(column), _shown(started) if column in theirs else "",
                     _shown(their_value) if column in theirs else "(not changed)",
                     _shown(mine[column]) if column in mine else "(not changed)"]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        # every value readable without scrolling sideways: long sentences wrap in columns of a fixed share
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self.setMinimumWidth(720)
        buttons = QDialogButtonBox()
        self.keep_mine = QPushButton("Keep &Mine")
        self.keep_theirs = QPushButton("Keep &Theirs")
        buttons.addButton(self.keep_mine, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_theirs, QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_theirs.setDefault(True)  # Enter never overwrites someone else's work by accident
        self.keep_mine.setAutoDefault(False)  # not even when Keep Mine has the focus
        self.keep_theirs.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.words)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 200 + sum(self.table.rowHeight(r) for r in range(self.table.rowCount())))


def settle(prompter: Prompter, parent: QWidget | None, conflict: RowChangedError, mine: dict[str, Any],
           keep_mine: Callable[[], T], said: Callable[[str], None], **words: str) -> T | None:
    """Asks which change stands and carries the answer out: Keep Mine calls `keep_mine` (the service that reads
    the row again and saves over theirs); its refusal, a third change made while the dialog asked, is reported
    in words. Keep Theirs drops the edit, said through `said` (the status bar). None when nothing was saved;
    the caller then shows the row as the server holds it. `words`: the dialog's `changed` and `yours`."""
    if not prompter.run_dialog(ConflictDialog(conflict, mine, parent, **words)):
        said(f"Kept {conflict.actor}'s change; yours was not saved")
        return None
    try:
        return keep_mine()
    except PlannerError as exc:
        prompter.error(exc)
        return None
