"""The Progress tab of a WIG or performance measure: its chart, status, and the history table of every
period with its value and interim target, editable in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.errors import ValidationError
from planner.render.status_style import label, tint
from planner.services.charts import ChartData
from planner.services.measurements import HistoryRow, Subject, parse_value
from planner.services.wig_parser import format_number
from planner.ui.grid import CellEdit, ExcelGrid
from planner.ui.sorting import sort_rows

if TYPE_CHECKING:
    from planner.ui.wig_chart import WigChart

ModelIndex = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    COL_PERIOD, COL_ACTUAL, COL_TARGET, COL_NOTE, COL_EVIDENCE, COL_BY, COL_AT = range(7)
    HEADERS = ("Period", "Actual", "Target", "Note", "Evidence", "Entered by", "Entered at")
    EDITABLE: ClassVar[dict[int, str]] = {COL_ACTUAL: "value", COL_TARGET: "target", COL_NOTE: "note",
                                          COL_EVIDENCE: "evidence"}

    edit_requested = Signal(int, str, object)  # row, field, typed text
    problem = Signal(str)  # why a value typed into an empty period was not kept ("" once one was)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.subject: Subject | None = None
        self.rows: list[HistoryRow] = []
        self._order: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)

    def set_rows(self, subject: Subject | None, rows: list[HistoryRow]) -> None:
        self.beginResetModel()
        column, order = self._order
        self.subject = subject
        self.rows = rows if column < 0 else sorted(rows, key=self._key(column),
                                                   reverse=order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here (planner/ui/sorting.py; the table's proxy hands the header's clicks on): a sorting proxy
        took a third of a second for a goal logged monthly for years."""
        self._order = (column, order)
        if 0 <= column < len(self.HEADERS):
            sort_rows(self, self.rows, self._key(column), descending=order == Qt.SortOrder.DescendingOrder)

    @staticmethod
    def _key(column: int) -> Any:
        """A row's native value in `column`, so 9 sorts before 10 and dates by date."""
        def key(r: HistoryRow) -> Any:
            return (r.period.start.toordinal(),
                    r.value if r.value is not None else (1.0 if r.done else -1e300),
                    r.target if r.target is not None else -1e300, r.note, r.evidence, r.entered_by,
                    r.entered_at.timestamp() if r.entered_at else 0.0)[column]
        return key

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def _text(self, row: HistoryRow, column: int) -> str:
        subject = self.subject
        assert subject is not None
        if column == self.COL_PERIOD:
            return row.period.label
        if column == self.COL_ACTUAL:
            return subject.format(row.value, row.done)
        if column == self.COL_TARGET:
            return "" if row.target is None else format_number(row.target) + ("%" if subject.percent else "")
        if column == self.COL_NOTE:
            return row.note
        if column == self.COL_EVIDENCE:
            return row.evidence
        if column == self.COL_BY:
            return row.entered_by
        if row.entered_at is None:
            return ""
        return row.entered_at.astimezone().strftime("%Y-%m-%d %H:%M")

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.subject is None:
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.EditRole:
            text = self._text(row, column)
            return text.rstrip("%") if column in (self.COL_ACTUAL, self.COL_TARGET) else text
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_ACTUAL, self.COL_TARGET):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags  # Qt's contract (QAbstractItemModelTester): nothing for the root
        if self.subject is None:
            return flags
        column = index.column()
        # A note or evidence is editable in an empty period too, so a pasted block of value, note and evidence
        # arrives whole (the page saves them as one logged value, or says a note needs its value first).
        if column in (self.COL_ACTUAL, self.COL_NOTE, self.COL_EVIDENCE) or (
                column == self.COL_TARGET and not self.subject.milestone):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in self.EDITABLE:
            return False
        if str(value) == str(self.data(index, Qt.ItemDataRole.EditRole)):
            return False
        row = self.rows[index.row()]
        if index.column() != self.COL_ACTUAL or row.measurement_id is not None or self.subject is None:
            self.edit_requested.emit(index.row(), self.EDITABLE[index.column()], value)
            return True  # the page saved it (or showed why not) and re-read the rows
        # A first value for an empty period: the page logs it but says nothing when that is refused, so the
        # service's own reading of the value is asked first and its message shown; nothing is kept.
        try:
            parse_value(self.subject, value)
        except ValidationError as exc:
            self.problem.emit(exc.message + (f" {exc.hint}" if exc.hint else ""))
            return False
        period = row.period
        self.edit_requested.emit(index.row(), "value", value)
        now = next((r for r in self.rows if r.period == period), None)
        kept = now is not None and (now.measurement_id is not None)
        self.problem.emit("" if kept else f"Nothing was saved for {period.label}: the value was refused.")
        return kept


class ProgressPanel(QWidget):
    """Chart (for a WIG), status in words, the history table and its buttons."""

    log_requested = Signal()
    delete_requested = Signal(int)  # measurement id
    # A paste or a clear of several cells: [(row of the model, field, typed text)], saved as one undo step
    cells_edited = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The chart is made the first time one is shown: pyqtgraph (and numpy) take most of a second to
        # import, and the window's first paint does not need them.
        self._chart: WigChart | None = None
        self.chart_area = QWidget()
        QVBoxLayout(self.chart_area).setContentsMargins(0, 0, 0, 0)
        self.chart_area.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setObjectName("status_label")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Status")
        self.model = HistoryModel(self)
        self.proxy = QIdentityProxyModel(self)  # sorting is the model's own (HistoryModel.sort)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("history")
        self.table.setAccessibleName("History of values")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(HistoryModel.COL_PERIOD, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().setVisible(False)
        # columns sized from the rows in view and a hundred more, not every value of a goal logged for years
        self.table.verticalHeader().setResizeContentsPrecision(100)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(HistoryModel.COL_NOTE, QHeaderView.ResizeMode.Stretch)
        # Spreadsheet habits: type to edit, Tab and Enter move on, Ctrl+C / Ctrl+V blocks of values from Excel
        self.grid = ExcelGrid(self.table, apply_edits=self._cells_edited,
                              row_key=lambda model, row: model.index(row, HistoryModel.COL_PERIOD).data())
        self.log_button = QPushButton("&Log Value…")
        self.log_button.setObjectName("log_value")
        self.log_button.clicked.connect(self.log_requested)
        self.delete_button = QPushButton("Delete Value")
        self.delete_button.setObjectName("delete_value")
        self.delete_button.clicked.connect(self._delete)
        self.message = QLabel()  # beside the buttons: a message appearing moves nothing
        self.message.setObjectName("history_message")
        self.message.setStyleSheet("color: #a40000;")
        self.message.setWordWrap(True)
        self.model.problem.connect(lambda text: self.message.setText(f"⚠ {text}" if text else ""))
        buttons = QHBoxLayout()
        buttons.addWidget(self.log_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chart_area, 3)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)

    @property
    def chart(self) -> WigChart:
        if self._chart is None:
            from planner.ui.wig_chart import WigChart

            self._chart = WigChart()
            layout = self.chart_area.layout()
            assert layout is not None
            layout.addWidget(self._chart)
        return self._chart

    def show_history(self, subject: Subject, rows: list[HistoryRow], chart: ChartData | None,
                     read_only: bool) -> None:
        if self.model.subject is None or subject.key != self.model.subject.key:
            self.message.clear()  # another WIG or measure: the last one's problem is not this one's
        self.model.set_rows(subject, rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(HistoryModel.COL_NOTE, QHeaderView.ResizeMode.Stretch)
        self.chart_area.setVisible(chart is not None)
        if chart is not None:
            self.chart.set_data(chart)
            p = chart.progress
            extra = ""
            if p.share is not None and subject.milestone is False:
                parts = []
                if p.expected_today is not None:
                    parts.append(f"{p.expected_today:.0%} of the way is expected by today")
                if p.forecast is not None and chart.deadline is not None:
                    parts.append(f"at this pace {chart.value_text(p.forecast)} by {chart.deadline:%d %b %Y}")
                extra = (" " + "; ".join(parts) + ".") if parts else ""
                extra = extra[:2].upper() + extra[2:] if extra else ""
            self.status_label.setText(f"<b>{label(p.status)}</b> — {p.reason}{extra}")
            background = tint(p.status, 50).color().name(QColor.NameFormat.HexArgb)
            self.status_label.setStyleSheet(f"background: {background}; padding: 4px;")
        else:
            self.status_label.setText(f"Logged {subject.frequency.value}.")
            self.status_label.setStyleSheet("")
        for widget in (self.log_button, self.delete_button):
            widget.setEnabled(not read_only)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if read_only else (
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed))

    def _cells_edited(self, edits: list[CellEdit]) -> None:
        found = []
        for edit in edits:
            source = self.proxy.mapToSource(edit.index)
            if source.isValid() and source.column() in HistoryModel.EDITABLE:
                found.append((source.row(), HistoryModel.EDITABLE[source.column()], edit.text))
        if found:
            self.cells_edited.emit(found)

    def selected_row(self) -> HistoryRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()]

    def _delete(self) -> None:
        row = self.selected_row()
        if row is not None and row.measurement_id is not None:
            self.delete_requested.emit(row.measurement_id)

