"""The "Department:" picker shared by Due Now and the WIG session: all departments or one, filled from the
open plan, set to "my department" when the plan has it. Departments are in alphabetical order as a person
reads it (case and accents aside: "Academics" before "ASEP"); groups such as "All Central Office
Departments" come after them under their own heading."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QCollator, QLocale, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QWidget

from planner.services.plan_nodes import is_department_group
from planner.services.plan_outline import filter_choices, list_plans
from planner.ui.document import Store

GROUPS_HEADING = "Groups of departments"


def _plain(text: str) -> str:
    if text.isascii():  # nothing to strip (most names): a district has thousands of departments at scale
        return text.casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def sorted_names(pairs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(id, name) pairs alphabetically, ignoring case and accents, then in the user's locale's order (the
    "C" locale of a bare machine would otherwise put every capital first: "ASEP" before "Academics")."""
    collator = QCollator(QLocale())
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    collator.setNumericMode(True)
    return sorted(pairs, key=lambda pair: (_plain(pair[1]), collator.sortKey(pair[1]), pair[1]))


class DepartmentChoice(QComboBox):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Department")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(30)

    def load(self, store: Store | None, department: str = "") -> int | None:
        """Fill from the current plan of `store` without emitting a change; returns that plan's id."""
        plan_id = None
        self.blockSignals(True)
        self.clear()
        self.addItem("All departments", None)
        if store is not None:
            plans = [p for p in list_plans(store) if not p.archived]
            if plans:
                plan_id = plans[0].id
                found = filter_choices(store, plan_id).departments
                departments = sorted_names([d for d in found if not is_department_group(d[1])])
                groups = sorted_names([d for d in found if is_department_group(d[1])])
                if departments:
                    self.insertSeparator(self.count())
                for ident, name in departments:
                    self.addItem(name, ident)
                if groups:
                    self.insertSeparator(self.count())
                    self.addItem(GROUPS_HEADING)
                    model = self.model()
                    if isinstance(model, QStandardItemModel):  # a heading: shown, never chosen
                        heading = model.item(self.count() - 1)
                        heading.setEnabled(False)
                        heading.setSelectable(False)
                        font = heading.font()
                        font.setBold(True)
                        heading.setFont(font)
                for ident, name in groups:
                    self.addItem(f"  {name}", ident)
                    self.setItemData(self.count() - 1, name, Qt.ItemDataRole.AccessibleTextRole)
        self.setCurrentIndex(max(0, self.find_name(department)) if department else 0)
        self.blockSignals(False)
        return plan_id

    def find_name(self, name: str) -> int:
        """The line of a department or group by its name (a group's line is indented), -1 when none."""
        for row in range(self.count()):
            if self.itemData(row) is not None and self.itemText(row).strip() == name:
                return row
        return -1

    def chosen_name(self) -> str:
        """The chosen department's name, "" for all departments: what is remembered as my department."""
        return self.currentText().strip() if self.currentData() is not None else ""
