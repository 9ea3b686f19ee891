"""The "Department:" picker shared by Due Now and the WIG session: all departments or one, filled from the
open plan, set to "my department" when the plan has it."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from planner.services.plan_outline import filter_choices, list_plans
from planner.store import PlanStore


class DepartmentChoice(QComboBox):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Department")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(30)

    def load(self, store: PlanStore | None, department: str = "") -> int | None:
        """Fill from the current plan of `store` without emitting a change; returns that plan's id."""
        plan_id = None
        self.blockSignals(True)
        self.clear()
        self.addItem("All departments", None)
        if store is not None:
            plans = [p for p in list_plans(store) if not p.archived]
            if plans:
                plan_id = plans[0].id
                for ident, name in filter_choices(store, plan_id).departments:
                    self.addItem(name, ident)
        self.setCurrentIndex(max(0, self.findText(department)) if department else 0)
        self.blockSignals(False)
        return plan_id

    def chosen_name(self) -> str:
        """The chosen department's name, "" for all departments: what is remembered as my department."""
        return self.currentText() if self.currentData() is not None else ""
