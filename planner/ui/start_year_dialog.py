"""Plan > Start Next Year: the preview of what the new year gets, to untick and edit before anything is written.

One row per WIG of the newest year, with its key levers, measures and open projects underneath; the
baseline (where the goal got to), the target and the dates are edited in place. Nothing is written until
Start is pressed; the service then writes it all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError, ValidationError
from planner.services.dates import DateError, parse_date
from planner.services.numbers import read_number
from planner.services.wig_parser import format_number
from planner.services.years import CarryItem, CarryWig, YearPreview

COLUMNS = ["Carry", "Baseline", "Target", "Deadline", "Note"]
BASELINE, TARGET, DEADLINE = 1, 2, 3


def _number_text(value: float | None) -> str:
    return "" if value is None else format_number(value)


class StartYearDialog(QDialog):
    def __init__(self, preview: YearPreview, start: Callable[[YearPreview], PlannerError | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.start = start
        self.setWindowTitle(f"Start {preview.label}")
        self.resize(1180, 680)
        intro = QLabel(
            f"<b>{preview.label}</b> ({preview.start.day} {preview.start:%B %Y} to {preview.end.day} "
            f"{preview.end:%B %Y}), carried from {preview.from_year.label}. Each WIG starts from its latest "
            "value; untick what the new year does not carry, and edit a baseline, target or deadline by "
            "double-clicking it. Nothing is written until you press Start.")
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("carry")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setColumnWidth(0, 600)
        self.tree.setColumnWidth(BASELINE, 90)
        self.tree.setColumnWidth(TARGET, 90)
        self.tree.setColumnWidth(DEADLINE, 110)
        self.wig_items: dict[int, QTreeWidgetItem] = {}
        self.item_items: list[tuple[CarryItem, QTreeWidgetItem]] = []
        self._fill()
        self.tree.itemDoubleClicked.connect(self._edit)
        self.counts = QLabel()
        self.counts.setObjectName("counts")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #a4262c")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = self.buttons.addButton(f"&Start {preview.label}", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        if preview.left_behind:
            behind = QLabel("Left behind (finished): " + "; ".join(preview.left_behind))
            behind.setWordWrap(True)
            layout.addWidget(behind)
        layout.addWidget(self.counts)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.tree.itemChanged.connect(lambda *_: self._count())
        self._count()

    def _fill(self) -> None:
        flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        for w in self.preview.wigs:
            item = QTreeWidgetItem(self.tree, [w.title, "" if w.milestone else _number_text(w.baseline),
                                               "" if w.milestone else _number_text(w.target),
                                               w.deadline.isoformat() if w.deadline else "", w.note])
            item.setFlags(flags)
            item.setCheckState(0, Qt.CheckState.Checked if w.include else Qt.CheckState.Unchecked)
            item.setToolTip(0, w.sentence)
            if w.old_baseline is not None and not w.milestone:
                item.setToolTip(BASELINE, f"{self.preview.from_year.label} baseline: {format_number(w.old_baseline)}")
            self.wig_items[w.id] = item
        for c in self.preview.items:
            parent = self.wig_items.get(c.wig_id) if c.wig_id is not None else None
            child = QTreeWidgetItem([f"{c.kind.capitalize()}: {c.title}"])
            child.setFlags(flags)
            child.setCheckState(0, Qt.CheckState.Checked if c.include else Qt.CheckState.Unchecked)
            (parent.addChild(child) if parent is not None else self.tree.addTopLevelItem(child))
            self.item_items.append((c, child))

    def _wig_of(self, item: QTreeWidgetItem) -> CarryWig | None:
        return next((w for w in self.preview.wigs if self.wig_items.get(w.id) is item), None)

    def _edit(self, item: QTreeWidgetItem, column: int) -> None:
        wig = self._wig_of(item)
        if wig is None or column not in (BASELINE, TARGET, DEADLINE) or (wig.milestone and column != DEADLINE):
            return
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.tree.editItem(item, column)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def _read(self) -> YearPreview:
        """The preview as the person left it: ticks, numbers and dates read back from the rows."""
        for w in self.preview.wigs:
            item = self.wig_items[w.id]
            w.include = item.checkState(0) == Qt.CheckState.Checked
            where = f"WIG “{w.title}”"
            if not w.milestone:
                for column, name in ((BASELINE, "baseline"), (TARGET, "target")):
                    text = item.text(column).strip()
                    setattr(w, name, read_number(text, label=f"{where}: the {name}", field=name) if text else None)
            text = item.text(DEADLINE).strip()
            try:
                w.deadline = parse_date(text) if text else None
            except DateError as exc:
                raise ValidationError(f"{where}: deadline: {exc}.") from None
        for c, item in self.item_items:
            c.include = item.checkState(0) == Qt.CheckState.Checked
        return self.preview

    def _count(self) -> None:
        try:
            counts = self._read().counts()
        except PlannerError:
            return
        self.counts.setText("The new year gets " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")

    def _start(self) -> None:
        try:
            preview = self._read()
        except PlannerError as exc:
            self.error.setText(str(exc))
            return
        problem = self.start(preview)
        if problem is not None:
            self.error.setText(str(problem))
            return
        self.accept()
