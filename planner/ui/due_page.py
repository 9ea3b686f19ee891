"""The Due Now tab: what needs doing this period, each line a double-click away from the form that fixes it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from planner import clock
from planner.services.due import DueItem, due_now, owns_goals
from planner.store import PlanStore
from planner.ui.department_choice import DepartmentChoice
from planner.ui.tasks import run_in_background

ITEM_ROLE = Qt.ItemDataRole.UserRole + 40


class DuePage(QWidget):
    open_node = Signal(object)  # the NodeKey of a WIG or measure
    open_project = Signal(int)
    counted = Signal(int)
    department_chosen = Signal(str)  # the department's name, remembered as "my department"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: PlanStore | None = None
        self.plan_id: int | None = None
        self.year_id: int | None = None  # the window's open year (None: the one containing today)
        self.today = clock.today
        self.items: list[DueItem] = []
        self._generation = 0
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

    def set_store(self, store: PlanStore | None, department: str = "") -> None:
        """Show `store`, for the department of that name (my department) when the plan has it."""
        self._generation += 1  # results still on their way belong to the old file
        self.store = store
        self.plan_id = self.department.load(store, department)
        self.year_id = None
        self.tree.clear()

    def refresh(self) -> None:
        """Work out what is due off the GUI thread (it reads every status of the plan), then show it."""
        if self.store is None or self.plan_id is None:
            self._show([])
            return
        store, plan_id, today, department = self.store, self.plan_id, self.today(), self.department.currentData()
        year_id = self.year_id
        self._generation += 1
        generation = self._generation

        def done(found: tuple[list[DueItem], bool]) -> None:
            if generation == self._generation and self.store is store:
                self._show(found[0], empty=not found[1])

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText(f"What is due could not be worked out: {exc}")

        def read() -> tuple[list[DueItem], bool]:
            items = due_now(store, plan_id, today, department, year_id)
            return items, department is None or owns_goals(store, plan_id, department, today, year_id)

        run_in_background(read, done, failed)

    def _show(self, items: list[DueItem], *, empty: bool = False) -> None:
        self.items = items
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for index, item in enumerate(items):
            group = groups.get(item.group)
            if group is None:
                group = groups[item.group] = QTreeWidgetItem(self.tree, [item.group])
                group.setExpanded(True)
            line = QTreeWidgetItem(group, [item.title[:160], item.reason])
            line.setData(0, ITEM_ROLE, index)
            line.setToolTip(0, item.title)
        for group in groups.values():
            group.setText(0, f"{group.text(0)} ({group.childCount()})")
        if items:
            self.summary.setText(f"{len(items)} due")
        elif empty:
            self.summary.setText(f"{self.department.currentText()} has no WIGs or performance measures of its own "
                                 "in this plan year: nothing to log here.")
        else:
            self.summary.setText("Nothing is due. Well done.")
        self.counted.emit(len(items))

    def _activated(self, line: QTreeWidgetItem, _column: int) -> None:
        index = line.data(0, ITEM_ROLE)
        if index is None:
            return
        item = self.items[int(index)]
        if item.key is not None:
            self.open_node.emit(item.key)
        elif item.project_id is not None:
            self.open_project.emit(item.project_id)

