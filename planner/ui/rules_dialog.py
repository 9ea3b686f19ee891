"""Plan > Status Rules: the thresholds and the roll-up rule of the open plan, shown in words as they change."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from planner.errors import ValidationError
from planner.services.progress import RollupRule, RollupSettings, Thresholds
from planner.services.status import StatusRules


def _percent_box(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0, 100)
    box.setDecimals(0)
    box.setSuffix(" %")
    box.setValue(round(value * 100))
    return box


class StatusRulesDialog(QDialog):
    def __init__(self, rules: StatusRules, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Status Rules")
        self.on_track = _percent_box(rules.thresholds.on_track)
        self.on_track.setObjectName("on_track")
        self.at_risk = _percent_box(rules.thresholds.at_risk)
        self.at_risk.setObjectName("at_risk")
        self.rule = QComboBox()
        self.rule.setObjectName("rule")
        self.rule.addItem("Worst of its WIGs", RollupRule.WORST.value)
        self.rule.addItem("Weighted share on track", RollupRule.WEIGHTED.value)
        self.rule.setCurrentIndex(self.rule.findData(rules.rollup.rule.value))
        self.on_track_share = _percent_box(rules.rollup.on_track_share)
        self.at_risk_share = _percent_box(rules.rollup.at_risk_share)
        self.explain = QLabel()
        self.explain.setObjectName("explain")
        self.explain.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet("color: #a40000;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("On track when behind by at most:", self.on_track)
        form.addRow("At risk when behind by at most:", self.at_risk)
        form.addRow("Roll-up of several WIGs:", self.rule)
        form.addRow("Weighted: on track from:", self.on_track_share)
        form.addRow("Weighted: at risk from:", self.at_risk_share)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("How far behind its straight line (or interim target) a WIG may be, in shares of "
                                "the way from baseline to target, and how a strategy, pillar, division or "
                                "department sums up its WIGs. Each WIG's weight is on its Details tab."))
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for box in (self.on_track, self.at_risk, self.on_track_share, self.at_risk_share):
            box.valueChanged.connect(self._update)
        self.rule.currentIndexChanged.connect(self._update)
        self._update()

    def rules(self) -> StatusRules:
        return StatusRules(
            Thresholds(self.on_track.value() / 100, self.at_risk.value() / 100),
            RollupSettings(RollupRule(self.rule.currentData()), self.on_track_share.value() / 100,
                           self.at_risk_share.value() / 100))

    def _update(self) -> None:
        weighted = self.rule.currentData() == RollupRule.WEIGHTED.value
        self.on_track_share.setEnabled(weighted)
        self.at_risk_share.setEnabled(weighted)
        self.explain.setText(self.rules().describe())

    def show_error(self, exc: ValidationError) -> None:
        self.error.setText(f"⚠ {exc.message}")
