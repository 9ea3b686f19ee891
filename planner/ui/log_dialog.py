"""The Log Value dialog: period (as the measure's frequency says), value, note, evidence, who."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from planner.errors import ValidationError
from planner.services.measurements import Subject
from planner.services.periods import EXAMPLE

Submit = Callable[[dict[str, Any]], ValidationError | None]  # None when saved


class LogValueDialog(QDialog):
    def __init__(self, subject: Subject, entered_by: str, submit: Submit, *, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.subject = subject
        self.submit_values = submit
        self.setWindowTitle("Log Value")
        self.setAccessibleName("Log a value")
        self.setMinimumWidth(460)  # room for a period such as "Q1 2024-25" and a message beside it
        heading = QLabel(subject.name if len(subject.name) < 160 else subject.name[:159] + "…")
        heading.setWordWrap(True)
        self.period = QComboBox()
        self.period.setObjectName("period")
        self.period.setEditable(True)  # any period can be typed: 2024-09, Q1 2024-25, a date
        self.period.setAccessibleName("Period")
        for period in subject.periods():
            self.period.addItem(period.label)
        current = subject.default_period(today).label
        if self.period.findText(current) < 0:
            self.period.addItem(current)
        self.period.setCurrentText(current)
        editor = self.period.lineEdit()
        if editor is not None:  # the combo box is editable, so it has one
            editor.setPlaceholderText(EXAMPLE[subject.frequency])
        if subject.milestone:
            self.value: QComboBox | QLineEdit = QComboBox()
            self.value.addItems(["done", "not done"])
            self.value.setCurrentIndex(1)
        else:
            self.value = QLineEdit()
            self.value.setPlaceholderText("a percent from 0 to 100" if subject.percent else "a number")
        self.value.setObjectName("value")
        self.value.setAccessibleName("Value")
        self.note = QLineEdit()
        self.note.setObjectName("note")
        self.evidence = QLineEdit()
        self.evidence.setObjectName("evidence")
        self.evidence.setPlaceholderText("a link or a file path")
        self.entered_by = QLineEdit(entered_by)
        self.entered_by.setObjectName("entered_by")
        # The problem line has its own room, kept while it is empty: showing a message used to squash the
        # fields above it. Three lines hold the longest message and its hint; it is cleared on any change.
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a40000;")
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error.setFixedHeight(self.error.fontMetrics().lineSpacing() * 3 + 4)
        policy = self.error.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.error.setSizePolicy(policy)
        self.error.hide()
        for signal in (self.period.editTextChanged, self.note.textChanged, self.evidence.textChanged,
                       self.entered_by.textChanged):
            signal.connect(self.clear_error)
        if isinstance(self.value, QComboBox):
            self.value.currentIndexChanged.connect(self.clear_error)
        else:
            self.value.textChanged.connect(self.clear_error)
        form = QFormLayout()
        form.addRow("&Period:", self.period)
        unit = "%" if subject.percent else (subject.unit or "")
        form.addRow(f"&Value{f' ({unit})' if unit and not subject.milestone else ''}:", self.value)
        form.addRow("&Note:", self.note)
        form.addRow("&Evidence:", self.evidence)
        form.addRow("Entered &by:", self.entered_by)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.value.setFocus()

    def clear_error(self, *_args: object) -> None:
        """The person changed something: the last problem no longer describes what is typed."""
        self.error.clear()
        self.error.hide()

    def values(self) -> dict[str, Any]:
        value = self.value.currentText() if isinstance(self.value, QComboBox) else self.value.text()
        return {"period": self.period.currentText(), "value": value, "note": self.note.text(),
                "evidence": self.evidence.text(), "entered_by": self.entered_by.text()}

    def save(self) -> bool:
        """Saves through the page; on a problem, says it here and stays open."""
        problem = self.submit_values(self.values())
        if problem is None:
            self.accept()
            return True
        self.error.setText(f"⚠ {problem.message}" + (f" {problem.hint}" if problem.hint else ""))
        self.error.show()
        target = {"period": self.period, "value": self.value}.get(problem.field or "", self.value)
        target.setFocus()
        return False
