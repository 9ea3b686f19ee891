"""File > Print Status Summary / Export Summary as PDF: choose the scope, the sections and the page setup."""

from __future__ import annotations

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
        self.margins.setRange(5, 40)
        self.margins.setSuffix(" mm")
        self.margins.setValue(15)
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

    def chosen_scope(self) -> tuple[Scope, str]:
        return self.scope.currentData(), self.scope.currentText()

    def options(self) -> PageOptions:
        return PageOptions(self.paper.currentText(), self.orientation.currentText() == "Landscape",
                           self.margins.value(), {n for n, c in self.checks.items() if c.isChecked()})
