"""Plan > Period Locks: the plan year's quarters, which are locked (sent to the central office), and the
buttons to lock one or unlock it with a reason."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError
from planner.services import period_locks
from planner.services.period_locks import QuarterState
from planner.ui.document import Store


class PeriodLocksDialog(QDialog):
    def __init__(self, store: Store, plan_id: int, ask_reason: Callable[[str], str | None],
                 report: Callable[[PlannerError], None], parent: QWidget | None = None,
                 year_id: int | None = None) -> None:
        super().__init__(parent)
        self.year_id = year_id  # the quarters of the year the window shows
        self.setWindowTitle("Period Locks")
        self.store, self.plan_id, self.ask_reason, self.report = store, plan_id, ask_reason, report
        self.states: list[QuarterState] = []
        explain = QLabel("Lock a quarter once its values have been sent to the central office: they then stay as "
                         "sent. Changing one later needs an unlock, and the reason is kept in the History.")
        explain.setWordWrap(True)
        self.table = QTreeWidget()
        self.table.setObjectName("quarters")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Quarter", "Values", "State", "Note"])
        self.table.setColumnWidth(0, 110)
        self.table.setColumnWidth(1, 60)
        self.table.setColumnWidth(2, 260)
        self.lock_button = QPushButton("&Lock")
        self.lock_button.setObjectName("lock")
        self.unlock_button = QPushButton("&Unlock…")
        self.unlock_button.setObjectName("unlock")
        self.lock_button.clicked.connect(self.lock_selected)
        self.unlock_button.clicked.connect(self.unlock_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.lock_button)
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(close)
        self.table.currentItemChanged.connect(lambda *_: self._enable())
        self.resize(640, 300)
        self.reload()

    def reload(self, select: int = 0) -> None:
        self.states = period_locks.quarters(self.store, self.plan_id, self.year_id)
        self.table.clear()
        for q in self.states:
            state = (f"Locked {q.locked_at:%b %d, %Y}" + (f" by {q.locked_by}" if q.locked_by else "")
                     if q.locked_at else "Open")
            self.table.addTopLevelItem(QTreeWidgetItem([q.period.label, str(q.values), state, q.note]))
        chosen = self.table.topLevelItem(min(select, len(self.states) - 1)) if self.states else None
        if chosen is not None:
            self.table.setCurrentItem(chosen)
        self._enable()

    def selected(self) -> QuarterState | None:
        row = self.table.indexOfTopLevelItem(self.table.currentItem()) if self.table.currentItem() else -1
        return self.states[row] if 0 <= row < len(self.states) else None

    def select_label(self, label: str) -> None:
        for row, q in enumerate(self.states):
            item = self.table.topLevelItem(row)
            if q.period.label == label and item is not None:
                self.table.setCurrentItem(item)

    def _enable(self) -> None:
        q = self.selected()
        writable = not self.store.read_only
        self.lock_button.setEnabled(writable and q is not None and not q.locked)
        self.unlock_button.setEnabled(writable and q is not None and q.locked)

    def lock_selected(self) -> None:
        q = self.selected()
        if q is None:
            return
        try:
            period_locks.lock(self.store, q.period)
        except PlannerError as exc:
            self.report(exc)
        self.reload(self.states.index(q))

    def unlock_selected(self) -> None:
        q = self.selected()
        if q is None:
            return
        reason = self.ask_reason(q.period.label)
        if reason is None:
            return
        try:
            period_locks.unlock(self.store, q.period, reason)
        except PlannerError as exc:
            self.report(exc)
        self.reload(self.states.index(q))
