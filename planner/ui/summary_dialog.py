"""File > Print Status Summary / Export Summary as PDF: choose the scope, the sections and the page setup."""

from __future__ import annotations

from PySide6.QtGui import QPageLayout
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QVBoxLayout,
    QWidget,
)

from planner.render.summary import PageOptions
from planner.services.charts import Scope
from planner.services.report import SECTION_LABEL, SECTIONS


class SummaryDialog(QDialog):
    def __init__(self, scopes: list[tuple[str, Scope]], *, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{action} Status Summary")
        self.scope = QComboBox()
        self.scope.setObjectName("scope")
        self.scope.setAccessibleName("Scope")
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope.setMinimumContentsLength(40)
        for text, scope in scopes:
            self.scope.addItem(text, scope)
        self.checks: dict[str, QCheckBox] = {}
        sections = QGroupBox("Sections")
        box = QVBoxLayout(sections)
        for name in SECTIONS:
            check = QCheckBox(SECTION_LABEL[name])
            check.setObjectName(f"section_{name}")
            check.setChecked(name != "scoreboards")  # wall scoreboards are a page each: asked for, not assumed
            box.addWidget(check)
            self.checks[name] = check
        self.paper = QComboBox()
        self.paper.setObjectName("paper")
        self.paper.addItems(["Letter", "A4"])
        self.orientation = QComboBox()
        self.orientation.setObjectName("orientation")
        self.orientation.addItems(["Portrait", "Landscape"])
        self.margins = QDoubleSpinBox()
        self.margins.setObjectName("margins")
        self.margins.setAccessibleName("Margins")
        self._measure_margins_for("Letter")
        self.paper.currentTextChanged.connect(self._measure_margins_for)
        form = QFormLayout()
        form.addRow("&Scope:", self.scope)
        form.addRow("&Paper:", self.paper)
        form.addRow("&Orientation:", self.orientation)
        form.addRow("&Margins:", self.margins)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(action)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(sections)
        layout.addWidget(buttons)

    def _measure_margins_for(self, paper: str) -> None:
        """Letter paper is measured in inches, A4 in millimetres: the margin box speaks the paper's unit and
        starts at its usual margin."""
        value, unit = PageOptions(paper).margin()
        inches = unit is QPageLayout.Unit.Inch
        self.margins.setDecimals(2 if inches else 0)
        low, high = (0.25, 2.0) if inches else (5, 50)
        self.margins.setRange(low, high)
        self.margins.setSingleStep(0.05 if inches else 1)
        self.margins.setSuffix(" in" if inches else " mm")
        self.margins.setValue(value)

    def chosen_scope(self) -> tuple[Scope, str]:
        return self.scope.currentData(), self.scope.currentText()

    def options(self) -> PageOptions:
        inches = self.margins.suffix() == " in"
        return PageOptions(self.paper.currentText(), self.orientation.currentText() == "Landscape",
                           None if inches else self.margins.value(),
                           {n for n, c in self.checks.items() if c.isChecked()},
                           margins_in=self.margins.value() if inches else None)
