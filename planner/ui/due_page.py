"""The Due Now tab: what needs doing this period, each line a double-click away from the form that fixes it."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from planner.services.due import DueItem, due_now, owns_goals
from planner.ui.department_choice import DepartmentChoice
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.tasks import run_in_background

ITEM_ROLE = Qt.ItemDataRole.UserRole + 40
FILL_BATCH = 500  # lines made in one go


class DuePage(FollowsDocument, QWidget):
    open_node = Signal(object)  # the NodeKey of a WIG or measure
    open_project = Signal(int)
    counted = Signal(int)
    department_chosen = Signal(str)  # the department's name, remembered as "my department"

    def __init__(self, doc: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follow(doc)
        doc.status_ready.connect(self._status_ready)
        self.plan_id: int | None = None
        self.items: list[DueItem] = []
        self._generation = 0
        self._filling = 0
        self._waiting = False
        self.department = DepartmentChoice("due_department")
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setObjectName("due")
        self.tree.setAccessibleName("Due now")
        self.tree.setHeaderLabels(["What", "Why"])
        self.tree.setColumnWidth(0, 480)
        top = QHBoxLayout()
        buddy = QLabel("&Department:")
        buddy.setBuddy(self.department)
        top.addWidget(buddy)
        top.addWidget(self.department)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        self.department.currentIndexChanged.connect(self._department_changed)
        self.tree.itemActivated.connect(self._activated)

    def _department_changed(self, _index: int) -> None:
        self.department_chosen.emit(self.department.chosen_name())
        self.refresh()

    def opened(self) -> None:
        """Another file: for my department when its plan has it."""
        self._generation += 1  # results still on their way belong to the old file
        self.plan_id = self.department.load(self.store, self.doc.my_department())
        self.tree.clear()

    def shows(self, change: Changed) -> bool:
        return True  # its count is in the status bar, on every tab

    def mark_stale(self) -> None:
        self.stale = False
        self.refresh()  # even when hidden: the window's status bar shows how many are due

    def _status_ready(self, plan_id: int) -> None:
        if plan_id == self.plan_id:
            self.refresh()  # new statuses: an edit's re-judgement, or the ones it was waiting for

    def refresh(self) -> None:
        """Work out what is due off the GUI thread from the document's shared statuses, then show it."""
        if self.store is None or self.plan_id is None:
            self._show([])
            return
        store, plan_id, today, department = self.store, self.plan_id, self.today(), self.department.currentData()
        year_id = self.doc.year_id_for(plan_id)
        status = self.doc.status(plan_id, year_id)
        self._waiting = status is None
        if status is None:
            self.summary.setText("Working out what is due…")
            return  # the statuses are on their way; `_status_ready` comes back here
        self._generation += 1
        generation = self._generation

        def done(found: tuple[list[DueItem], bool]) -> None:
            if generation == self._generation and self.store is store:
                self._show(found[0], empty=not found[1])

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText(f"What is due could not be worked out: {exc}")

        def read() -> tuple[list[DueItem], bool]:
            items = due_now(store, plan_id, today, department, year_id, status)
            return items, department is None or owns_goals(store, plan_id, department, today, year_id)

        run_in_background(read, done, failed)

    def _show(self, items: list[DueItem], *, empty: bool = False) -> None:
        self.items = items
        self._filling += 1  # a fill still under way was for the list before
        self.tree.clear()
        counts = Counter(item.group for item in items)
        groups: dict[str, QTreeWidgetItem] = {}
        for item in items:
            if item.group not in groups:
                group = groups[item.group] = QTreeWidgetItem(self.tree, [f"{item.group} ({counts[item.group]})"])
                group.setExpanded(True)
        self._fill(self._filling, groups, 0)
        if items:
            self.summary.setText(f"{len(items)} due")
        elif empty:
            self.summary.setText(f"{self.department.currentText()} has no WIGs or performance measures of its own "
                                 "in this plan year: nothing to log here.")
        else:
            self.summary.setText("Nothing is due. Well done.")
        self.counted.emit(len(items))

    def _fill(self, filling: int, groups: dict[str, QTreeWidgetItem], start: int) -> None:
        """The lines from `start` on, FILL_BATCH at a time, the window answering between two batches: at ten
        times the district ten thousand lines took a third of a second to make in one go."""
        if filling != self._filling:
            return
        lines: dict[str, list[QTreeWidgetItem]] = {}
        for index in range(start, min(start + FILL_BATCH, len(self.items))):
            item = self.items[index]
            line = QTreeWidgetItem([item.title[:160], item.reason])
            line.setData(0, ITEM_ROLE, index)
            line.setToolTip(0, item.title)
            lines.setdefault(item.group, []).append(line)
        for group, made in lines.items():
            groups[group].addChildren(made)
        if start + FILL_BATCH < len(self.items):
            QTimer.singleShot(0, self, lambda: self._fill(filling, groups, start + FILL_BATCH))

    def _activated(self, line: QTreeWidgetItem, _column: int) -> None:
        index = line.data(0, ITEM_ROLE)
        if index is None:
            return
        item = self.items[int(index)]
        if item.key is not None:
            self.open_node.emit(item.key)
        elif item.project_id is not None:
            self.open_project.emit(item.project_id)

