"""The Workbook tab: the projects table with its filters, and the project page (charter, milestones, tasks,
RAID log, weekly updates, timeline), each editable in place with undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFocusEvent, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError, ValidationError
from planner.model import ProjectStatus
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import filter_choices, list_plans
from planner.services.projects import COLUMNS, LABEL, CarryChoice, Entity, ProjectRow
from planner.services.wig_parser import format_number
from planner.ui.commands import RecordAddCommand, RecordEditCommand, RecordRemoveCommand
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.gantt import ZOOM_PX_PER_DAY, GanttView
from planner.ui.grid import CellEdit, ExcelGrid
from planner.ui.plan_form import DATE_HINT, DateLine, FieldError

SORT_ROLE = Qt.ItemDataRole.UserRole + 30
KEY_ROLE = Qt.ItemDataRole.UserRole + 31  # a Carries line's node, as "kind:id" text (see CarriesPicker)
DEPTH_ROLE = Qt.ItemDataRole.UserRole + 32
ModelIndex = QModelIndex | QPersistentModelIndex
OVERDUE_BRUSH = QBrush(QColor(198, 40, 40, 45))


def show_value(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "tasks":
        return ", ".join(f"#{n}" for n in value)
    if kind in ("number", "percent"):
        return format_number(float(value)) + ("%" if kind == "percent" else "")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class ProjectsModel(QAbstractTableModel):
    HEADERS = ("Project", "Lead", "Status", "% done", "Start", "End", "Pillar", "Carries", "Last update", "Flags")

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ProjectRow] = []

    def set_rows(self, rows: list[ProjectRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def replace_row(self, row: ProjectRow) -> None:
        """One project's line after an edit, repainted in place: no reset, so selection and focus stay."""
        for i, old in enumerate(self.rows):
            if old.id == row.id:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))
                return

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    @staticmethod
    def flags_text(row: ProjectRow) -> str:
        parts = []
        if row.overdue:
            parts.append("⚠ overdue")
        if row.overdue_items:
            parts.append(f"⚠ {row.overdue_items} late item" + ("s" if row.overdue_items > 1 else ""))
        if row.open_raid:
            parts.append(f"{row.open_raid} open RAID")
        return " · ".join(parts)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        values = (row.name, row.lead, row.status.value, f"{row.percent_complete:.0f}%", row.start, row.end,
                  row.pillar, row.carries, row.last_update, self.flags_text(row))
        value = values[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return value.isoformat() if isinstance(value, date) else value
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 7:
            return row.carries
        if role == SORT_ROLE:
            if index.column() == 3:
                return row.percent_complete
            return value.toordinal() if isinstance(value, date) else (value or "")
        if role == Qt.ItemDataRole.BackgroundRole and (row.overdue or row.overdue_items):
            return OVERDUE_BRUSH
        return None


class RecordModel(QAbstractTableModel):
    """A project's milestones, tasks, RAID items or updates; edits are handed to the page to save."""

    edit_requested = Signal(int, str, object)  # record id, field, typed value

    def __init__(self, entity: Entity, parent: object | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.columns = list(COLUMNS[entity])
        self.rows: list[dict[str, Any]] = []
        self.extra = {Entity.RAID: "Score", Entity.MILESTONE: "Flags", Entity.TASK: "Flags"}.get(entity)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def replace_row(self, row: dict[str, Any]) -> None:
        """One record saved: its row changes in place (dataChanged), never a reset, so an editor the person
        has opened on the next cell (Tab), the current cell (Enter, then arrows) and the selection survive."""
        for i, old in enumerate(self.rows):
            if old["id"] == row["id"]:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))
                return

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns) + (1 if self.extra else 0) + (
            1 if self.entity is Entity.TASK else 0)

    def _columns(self) -> list[str]:
        names = (["#"] if self.entity is Entity.TASK else []) + [c.label for c in self.columns]
        return names + ([self.extra] if self.extra else [])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns()[section]
        return None

    def column_spec(self, section: int) -> pj.Col | None:
        offset = 1 if self.entity is Entity.TASK else 0
        index = section - offset
        return self.columns[index] if 0 <= index < len(self.columns) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        spec = self.column_spec(index.column())
        if spec is None:
            if self.entity is Entity.TASK and index.column() == 0:
                text = str(row["number"])
            elif self.entity is Entity.RAID:
                text = f"{row['score']} {row['level']}" if row["score"] is not None else ""
            else:
                text = "⚠ overdue" if row.get("overdue") else ""
            if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
                return row.get("number", row.get("score") or 0) if role == SORT_ROLE else text
            return None
        value = row.get(spec.name)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return show_value(spec.kind, value)
        if role == SORT_ROLE:
            return value.toordinal() if isinstance(value, date) else (value if value is not None else "")
        if role == Qt.ItemDataRole.BackgroundRole and row.get("overdue"):
            return OVERDUE_BRUSH
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.column_spec(index.column()) is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        spec = self.column_spec(index.column())
        if role != Qt.ItemDataRole.EditRole or spec is None:
            return False
        if str(value) == str(self.data(index, Qt.ItemDataRole.EditRole)):
            return False
        self.edit_requested.emit(self.rows[index.row()]["id"], spec.name, value)
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """A drop-down for the status and type columns, so only allowed values can be picked."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        model = index.model()
        source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
        source_index = model.mapToSource(index) if isinstance(model, QSortFilterProxyModel) else index
        spec = source.column_spec(source_index.column()) if isinstance(source, RecordModel) else None
        if spec is not None and spec.kind == "choice":
            combo = QComboBox(parent)
            combo.addItems(list(spec.choices))
            return combo
        editor = super().createEditor(parent, option, index)
        if spec is not None and spec.kind == "date" and isinstance(editor, QLineEdit):
            editor.setPlaceholderText(DATE_HINT)
            editor.setToolTip(f"A date as {DATE_HINT}")
        return editor

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: ModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


class RecordTable(QWidget):
    """A table of one kind of record with Add and Delete buttons."""

    add_requested = Signal(object)  # entity
    delete_requested = Signal(object, int)  # entity, record id
    # A paste or a clear of several cells: entity, [(record id, field, typed text)], saved as one undo step
    cells_edited = Signal(object, list)

    def __init__(self, entity: Entity, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.model = RecordModel(entity, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setObjectName(f"{entity.value}_table")
        self.view.setAccessibleName(f"{LABEL[entity].capitalize()}s")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(ChoiceDelegate(self.view))
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)  # the service's order (task number, newest update first) until a header is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # as in a spreadsheet: typing on a cell replaces it, F2 or a double click edits it
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)  # cells, as in Excel
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.grid = ExcelGrid(self.view, apply_edits=self._cells_edited, row_key=self._record_id)
        self.add_button = QPushButton(f"Add {LABEL[entity].capitalize()}")
        self.add_button.setObjectName(f"add_{entity.value}")
        self.delete_button = QPushButton(f"Delete {LABEL[entity].capitalize()}")
        self.delete_button.setObjectName(f"delete_{entity.value}")
        self.add_button.clicked.connect(lambda: self.add_requested.emit(self.entity))
        self.delete_button.clicked.connect(self._delete)
        self.message = QLabel()
        self.message.setObjectName(f"{entity.value}_message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for section in range(self.model.columnCount()):
            if header.sectionSize(section) > 320:
                header.resizeSection(section, 320)

    def _record_id(self, model: Any, row: int) -> Any:
        source = self.proxy.mapToSource(self.proxy.index(row, 0))
        return self.model.rows[source.row()]["id"] if source.isValid() else row

    def _cells_edited(self, edits: list[CellEdit]) -> None:
        cells = []
        for edit in edits:
            source = self.proxy.mapToSource(QModelIndex(edit.index))
            spec = self.model.column_spec(source.column()) if source.isValid() else None
            if spec is not None:
                cells.append((self.model.rows[source.row()]["id"], spec.name, edit.text))
        if cells:
            self.cells_edited.emit(self.entity, cells)

    def selected_id(self) -> int | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return int(self.model.rows[self.proxy.mapToSource(index).row()]["id"])

    def _delete(self) -> None:
        record_id = self.selected_id()
        if record_id is not None:
            self.delete_requested.emit(self.entity, record_id)

    def say(self, text: str, *, problem: bool) -> None:
        self.message.setStyleSheet("color: #a40000;" if problem else "color: #7a5a00;")
        self.message.setText(("⚠ " if text else "") + text)


class _LongText(QPlainTextEdit):
    editingFinished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


class _IndentDelegate(QStyledItemDelegate):
    """Draws a Carries line indented by its depth (pillar > strategy > WIG > key lever)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget else QApplication.style()  # type: ignore[attr-defined]
        # the selection band spans the whole line; only the text moves in by the line's depth
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)  # type: ignore[attr-defined]
        opt.rect.adjust(16 * int(index.data(DEPTH_ROLE) or 0), 0, 0, 0)  # type: ignore[attr-defined]
        opt.state &= ~QStyle.StateFlag.State_HasFocus  # type: ignore[attr-defined]
        opt.backgroundBrush = QBrush()  # type: ignore[attr-defined]
        text_only = QStyleOptionViewItem(opt)
        text_only.state &= ~QStyle.StateFlag.State_MouseOver  # type: ignore[attr-defined]
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_only, painter, opt.widget)  # type: ignore[attr-defined]


class CarriesPicker(QComboBox):
    """What a project carries: the plan's key levers, WIGs and strategies grouped under their pillars and
    departments, indented by level, each with its whole text as a tooltip; `finder` (a line beside it) finds
    one by any words of its text or code. `chosen(NodeKey)` says the person picked one."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items = QStandardItemModel(self)
        self.setModel(self.items)
        self.setItemDelegate(_IndentDelegate(self))
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(30)
        self.setMaxVisibleItems(20)
        self.view().setMinimumWidth(620)
        self.view().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setPlaceholderText("Choose a key lever, WIG or strategy…")
        self.finder = QLineEdit()
        self.finder.setObjectName("carries_find")
        self.finder.setAccessibleName("Find what the project carries")
        self.finder.setPlaceholderText("Find by code or words, e.g. Ae 1.004 or attendance")
        self.finder.setClearButtonEnabled(True)
        self._paths = QStringListModel(self)
        completer = QCompleter(self._paths, self.finder)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(15)
        completer.popup().setMinimumWidth(620)
        completer.activated.connect(self._found)
        self.finder.setCompleter(completer)
        self.activated.connect(self._activated)
        self.currentIndexChanged.connect(lambda _i: self.setToolTip(self.currentData(Qt.ItemDataRole.ToolTipRole)
                                                                   or ""))

    def set_choices(self, choices: list[CarryChoice]) -> None:
        self.blockSignals(True)
        self.items.clear()
        for choice in choices:
            item = QStandardItem(choice.label)
            item.setToolTip(choice.path)
            item.setData(choice.depth, DEPTH_ROLE)
            if choice.key is None:  # a heading: shown, never chosen
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            else:
                item.setData(str(choice.key), KEY_ROLE)
            self.items.appendRow(item)
        self._paths.setStringList([c.path for c in choices if c.key is not None])
        self.setCurrentIndex(-1)
        self.blockSignals(False)

    def select_key(self, key: NodeKey | None) -> bool:
        """Show `key` as the current line (none when it is not offered); True when it was found."""
        # The key is stored as text: Qt's findData cannot compare a Python tuple such as NodeKey, so looking
        # the tuple up always failed and the first line (the first strategy) was shown whatever was carried.
        row = self.findData(str(key), KEY_ROLE) if key is not None else -1
        self.blockSignals(True)
        self.setCurrentIndex(row)
        self.blockSignals(False)
        self.setToolTip(self.currentData(Qt.ItemDataRole.ToolTipRole) or "")
        return row >= 0

    def current_key(self) -> NodeKey | None:
        text = self.currentData(KEY_ROLE)
        return NodeKey.parse(text) if text else None

    def keys(self) -> list[NodeKey]:
        return [NodeKey.parse(self.itemData(i, KEY_ROLE)) for i in range(self.count()) if self.itemData(i, KEY_ROLE)]

    def _activated(self, _row: int) -> None:
        key = self.current_key()
        if key is not None:
            self.chosen.emit(key)

    def _found(self, path: str) -> None:
        for row in range(self.count()):
            if self.itemData(row, Qt.ItemDataRole.ToolTipRole) == path and self.itemData(row, KEY_ROLE):
                self.setCurrentIndex(row)
                self.finder.clear()
                self._activated(row)
                return


class CarriesDialog(QDialog):
    """Asked by New Project when nothing in the plan says what the project carries: the person chooses."""

    def __init__(self, choices: list[CarryChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Project")
        text = QLabel("What will the new project carry? Choose the key lever (or WIG, or strategy) it moves. "
                      "Tip: select a key lever in the plan first, and New Project links to it.")
        text.setWordWrap(True)
        self.picker = CarriesPicker()
        self.picker.setObjectName("new_project_carries")
        self.picker.set_choices(choices)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create Project")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.picker)
        layout.addWidget(self.picker.finder)
        layout.addWidget(self.buttons)
        self.picker.currentIndexChanged.connect(lambda _i: self._update())
        self._update()
        self.resize(680, self.sizeHint().height())

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.picker.current_key() is not None)

    def choose(self, key: NodeKey) -> bool:
        return self.picker.select_key(key) and (self._update() or True)

    def key(self) -> NodeKey | None:
        return self.picker.current_key()


class CharterForm(QWidget):
    """The project's own fields; saved as each field is left, problems shown at the field."""

    commit = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, Any] = {}
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._loading = False
        form = QFormLayout(self)
        for col in COLUMNS[Entity.PROJECT]:
            if col.kind == "long":
                editor: QWidget = _LongText()
                editor.setFixedHeight(80)
                editor.setTabChangesFocus(True)  # type: ignore[attr-defined]
                editor.editingFinished.connect(lambda n=col.name, e=editor: self._changed(n, e.toPlainText()))  # type: ignore[attr-defined]
            elif col.kind == "link":
                editor = CarriesPicker()
                editor.chosen.connect(lambda key, n=col.name: self._changed(n, key))
            elif col.kind == "choice":
                editor = QComboBox()
                editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                editor.setMinimumContentsLength(20)
                for choice in col.choices:
                    editor.addItem(choice, choice)
                editor.activated.connect(lambda _i, n=col.name, e=editor: self._changed(n, e.currentData()))
            else:
                editor = DateLine() if col.kind == "date" else QLineEdit()
                editor.editingFinished.connect(lambda n=col.name, e=editor: self._changed(n, e.text()))
            editor.setObjectName(f"project_{col.name}")
            editor.setAccessibleName(col.label)
            error = FieldError()
            error.setObjectName(f"project_error_{col.name}")
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(editor)
            if isinstance(editor, CarriesPicker):
                box.addWidget(editor.finder)
            box.addWidget(error)
            form.addRow(col.label + (" *" if col.required else ""), holder)
            self.editors[col.name], self.errors[col.name] = editor, error

    @property
    def carries(self) -> CarriesPicker:
        picker = self.editors["link"]
        assert isinstance(picker, CarriesPicker)
        return picker

    def set_targets(self, choices: list[CarryChoice]) -> None:
        self.carries.set_choices(choices)

    def show_project(self, values: dict[str, Any], *, keep_focused: bool = False) -> None:
        """Show a project's values; after its own edit (keep_focused), the field the person is now in is left
        alone, so what Tab selected there stays selected and typing replaces it."""
        self._loading = True
        self.values = values
        for col in COLUMNS[Entity.PROJECT]:
            editor = self.editors[col.name]
            value = values.get(col.name)
            if keep_focused and editor.hasFocus():
                continue
            if col.kind == "link":
                key = next((k for k in (_key("key_lever", values), _key("wig", values), _key("strategy", values))
                            if k), None)
                self.carries.select_key(key)
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(show_value(col.kind, value))
            elif isinstance(editor, QLineEdit):
                editor.setText(show_value(col.kind, value).rstrip("%") if col.kind == "percent" else
                               show_value(col.kind, value))
        self.clear_errors()
        self._loading = False

    def _changed(self, name: str, value: Any) -> None:
        if self._loading or not self.values:
            return
        col = pj.column(Entity.PROJECT, name)
        current = show_value(col.kind, self.values.get(name))
        if col.kind == "percent":
            current = current.rstrip("%")
        if col.kind != "link" and str(value).strip() == current:
            return
        self.commit.emit(name, value)

    def show_error(self, name: str | None, message: str) -> None:
        label = self.errors.get(name or "name") or self.errors["name"]
        label.setText(f"⚠ {message}")
        label.show()

    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def visible_errors(self) -> dict[str, str]:
        return {n: lbl.text() for n, lbl in self.errors.items() if not lbl.isHidden()}


def _key(prefix: str, values: dict[str, Any]) -> NodeKey | None:
    ident = values.get(f"{prefix}_id")
    return NodeKey(Kind(prefix), ident) if ident else None


class WorkbookPage(FollowsDocument, QWidget):
    status_message = Signal(str)

    def __init__(self, doc: PlanDocument, prompter: Any, parent: QWidget | None = None, *,
                 plan_selection: Callable[[], NodeKey | None] | None = None) -> None:
        super().__init__(parent)
        self.follow(doc)
        doc.year_changed.connect(self._year_changed)
        self.undo_stack = doc.undo_stack
        self.report = doc.failed.emit
        # Who asks the person (the window's Prompter; tests script it) and what is selected in the plan tree.
        self.prompter = prompter
        self.plan_selection = plan_selection or self._plan_tree_selection
        self.plan_id: int | None = None
        self.project_id: int | None = None
        self._loaded = False

        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        self.status_filter.addItem("All statuses", None)
        for status in ProjectStatus:
            self.status_filter.addItem(status.value, status.value)
        self.owner_filter = QLineEdit()
        self.owner_filter.setPlaceholderText("Lead")
        self.owner_filter.setAccessibleName("Lead filter")
        self.pillar_filter = QComboBox()
        self.pillar_filter.setAccessibleName("Pillar filter")
        self.lever_filter = QLineEdit()
        self.lever_filter.setPlaceholderText("Key lever, WIG or strategy contains…")
        self.lever_filter.setAccessibleName("Key lever filter")
        self.overdue_only = QComboBox()
        self.overdue_only.addItems(["All projects", "Overdue or with late items"])
        self.new_button = QPushButton("&New Project")
        self.new_button.setObjectName("new_project")
        self.delete_button = QPushButton("Delete Project")
        self.delete_button.setObjectName("delete_project")
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for widget in (self.status_filter, self.owner_filter, self.pillar_filter, self.lever_filter,
                       self.overdue_only, self.count_label):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        filters.addWidget(self.delete_button)

        self.projects = ProjectsModel(self)
        self.proxy = _ProjectFilter(self)
        self.proxy.setSourceModel(self.projects)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("projects_table")
        self.table.setAccessibleName("Projects")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)

        self.charter = CharterForm()
        charter_scroll = QScrollArea()
        charter_scroll.setWidgetResizable(True)
        charter_scroll.setWidget(self.charter)
        self.tables = {entity: RecordTable(entity) for entity in (Entity.MILESTONE, Entity.TASK, Entity.RAID,
                                                                   Entity.UPDATE)}
        self.gantt = GanttView()
        gantt_scroll = QScrollArea()
        gantt_scroll.setWidget(self.gantt)
        gantt_scroll.setWidgetResizable(False)
        self.zoom = QComboBox()
        self.zoom.setAccessibleName("Timeline zoom")
        self.zoom.addItems(list(ZOOM_PX_PER_DAY))
        self.timeline_scope = QComboBox()
        self.timeline_scope.addItems(["This project", "All projects in the table"])
        timeline = QWidget()
        timeline_box = QVBoxLayout(timeline)
        row = QHBoxLayout()
        row.addWidget(QLabel("Zoom:"))
        row.addWidget(self.zoom)
        row.addWidget(self.timeline_scope)
        row.addStretch(1)
        timeline_box.addLayout(row)
        timeline_box.addWidget(gantt_scroll)
        self.tabs = QTabWidget()
        self.tabs.addTab(charter_scroll, "Charter")
        self.tabs.addTab(self.tables[Entity.MILESTONE], "Milestones")
        self.tabs.addTab(self.tables[Entity.TASK], "Tasks")
        self.tabs.addTab(self.tables[Entity.RAID], "RAID Log")
        self.tabs.addTab(self.tables[Entity.UPDATE], "Weekly Updates")
        self.tabs.addTab(timeline, "Timeline")
        self.heading = QLabel()
        self.heading.setObjectName("project_heading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.heading)
        right_box.addWidget(self.tabs)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setSizes([260, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter)

        for widget in (self.status_filter, self.pillar_filter, self.overdue_only):
            widget.currentIndexChanged.connect(self.apply_filter)
        for line in (self.owner_filter, self.lever_filter):
            line.textChanged.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._project_changed)
        self.new_button.clicked.connect(self.new_project)
        self.delete_button.clicked.connect(self.delete_project)
        self.charter.commit.connect(self.save_charter)
        for table in self.tables.values():
            table.model.edit_requested.connect(lambda rid, name, value, e=table.entity: self.save_record(e, rid,
                                                                                                         name, value))
            table.cells_edited.connect(self.save_cells)
            table.add_requested.connect(self.add_record)
            table.delete_requested.connect(self.delete_record)
        self.zoom.currentTextChanged.connect(self.gantt.set_zoom)
        self.timeline_scope.currentIndexChanged.connect(lambda _i: self._refresh_timeline())
        self._update_buttons()

    # ---- loading -----------------------------------------------------------------------------------------
    def opened(self) -> None:
        self.plan_id = None
        self.project_id = None
        self._loaded = False
        self.projects.set_rows([])

    @property
    def year_id(self) -> int | None:
        """The window's open year (None: the one containing today)."""
        return self.doc.year_id_for(self.plan_id) if self.plan_id is not None else None

    def _year_changed(self, _year: object) -> None:
        """Show the projects of another school year; what a project can carry is read again when shown."""
        self._loaded = False

    def shows(self, change: Changed) -> bool:
        return change.workbook or change.structure or bool(change.nodes)

    def refresh(self, select: int | None = None) -> None:
        if self.store is None:
            return
        if not self._loaded:
            plans = [p for p in list_plans(self.store) if not p.archived]
            self.plan_id = plans[0].id if plans else None
            self.charter.set_targets(pj.carry_choices(self.store, self.plan_id, self.year_id) if self.plan_id else [])
            self.pillar_filter.blockSignals(True)
            self.pillar_filter.clear()
            self.pillar_filter.addItem("All pillars", None)
            if self.plan_id:
                for code, name in filter_choices(self.store, self.plan_id).pillars:
                    self.pillar_filter.addItem(f"{code} {name}", code)
            self.pillar_filter.blockSignals(False)
            self._loaded = True
        keep = select if select is not None else self.project_id
        rows = pj.project_rows(self.store, self.plan_id, self.today(), year_id=self.year_id) if self.plan_id else []
        self.projects.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.apply_filter()
        if keep is not None and self.select_project(keep):
            return
        self._show_project(None)

    def apply_filter(self) -> None:
        self.proxy.set_filter(self.status_filter.currentData(), self.owner_filter.text(),
                              self.pillar_filter.currentData(), self.lever_filter.text(),
                              self.overdue_only.currentIndex() == 1)
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.projects.rowCount()} projects")

    def select_project(self, project_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.projects.rows[self.proxy.mapToSource(index).row()].id == project_id:
                self.table.setCurrentIndex(index)
                self._show_project(project_id)
                return True
        return False

    def _project_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_project(self.projects.rows[self.proxy.mapToSource(current).row()].id)

    def _show_project(self, project_id: int | None) -> None:
        self.project_id = project_id
        self._update_buttons()
        if self.store is None or project_id is None:
            self.heading.setText("Select a project, or press New Project.")
            self.charter.values = {}
            for table in self.tables.values():
                table.set_rows([])
            self.gantt.set_bars([], self.today())
            return
        values = pj.project(self.store, project_id, self.today())
        self.heading.setText(values["name"])
        self.charter.show_project(values)
        for entity, table in self.tables.items():
            table.set_rows(pj.records(self.store, entity, project_id, self.today()))
        self._refresh_timeline()

    def _refresh_timeline(self) -> None:
        if self.store is None:
            return
        if self.timeline_scope.currentIndex() == 1:
            ids = [self.projects.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()].id
                   for r in range(self.proxy.rowCount())]
        else:
            ids = [self.project_id] if self.project_id else []
        self.gantt.set_bars(pj.timeline(self.store, ids, self.today()), self.today())

    def _update_buttons(self) -> None:
        writable = self.store is not None and not self.store.read_only
        self.new_button.setEnabled(writable)
        self.delete_button.setEnabled(writable and self.project_id is not None)
        for table in self.tables.values():
            table.add_button.setEnabled(writable and self.project_id is not None)
            table.delete_button.setEnabled(writable and self.project_id is not None)

    def _reload_current(self) -> None:
        self.refresh(self.project_id)

    # ---- edits -------------------------------------------------------------------------------------------
    def _plan_tree_selection(self) -> NodeKey | None:
        page = getattr(self.window(), "page", None)
        current = getattr(page, "current_key", None)
        key = current() if callable(current) else None
        return key if isinstance(key, NodeKey) else None

    def _ask_carries(self, choices: list[CarryChoice]) -> NodeKey | None:
        dialog = CarriesDialog(choices, self)
        run = getattr(self.prompter, "run_dialog", None)
        accepted = run(dialog) if callable(run) else dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.key() if accepted else None

    def new_project(self) -> None:
        """A new project carrying the key lever (or WIG, strategy) selected in the plan; with nothing
        selected there, the person is asked what it carries: never a guess such as the plan's first line."""
        if self.store is None or self.plan_id is None:
            return
        choices = pj.carry_choices(self.store, self.plan_id, self.year_id)
        if not any(c.key for c in choices):
            self.report(ValidationError("This plan has nothing a project could carry yet."))
            return
        link = pj.default_carry(self.plan_selection(), choices) or self._ask_carries(choices)
        if link is None:
            self.status_message.emit("No project made: it needs a key lever, WIG or strategy to carry")
            return
        try:
            saved = pj.create(self.store, Entity.PROJECT, {"link": link}, today=self.today())
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordAddCommand(Entity.PROJECT, saved.id, "Add Project", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(saved.id)
        self.tabs.setCurrentIndex(0)
        self.charter.editors["name"].setFocus()

    def delete_project(self) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            removed = pj.remove(self.store, Entity.PROJECT, self.project_id)
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordRemoveCommand(removed, self.project_id, "Delete Project", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.project_id = None
        self.refresh()

    def save_charter(self, name: str, value: Any) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            saved = pj.update(self.store, Entity.PROJECT, self.project_id, {name: value})
        except ValidationError as exc:
            self.charter.show_error(exc.field or name, exc.message)
            return
        except PlannerError as exc:
            self.report(exc)
            self._reload_current()
            return
        values = pj.project(self.store, self.project_id, self.today())
        after = {key: values.get(key) for key in saved.before}
        if name == "link":
            after = {"link": value}
        self.undo_stack.push(RecordEditCommand(Entity.PROJECT, self.project_id, saved.before, after,
                                               f"Edit Project {pj.column(Entity.PROJECT, name).label}", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.heading.setText(values["name"])
        self.charter.show_project(values, keep_focused=True)
        self._repaint_project_row()
        self._refresh_timeline()
        self.status_message.emit("Saved")

    def _repaint_project_row(self) -> None:
        """The current project's line of the projects table again true to the file, in place."""
        if self.store is None or self.plan_id is None or self.project_id is None:
            return
        for row in pj.project_rows(self.store, self.plan_id, self.today(), only=self.project_id):
            self.projects.replace_row(row)
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.projects.rowCount()} projects")

    def save_record(self, entity: Entity, record_id: int, name: str, value: Any) -> None:
        if self.store is None:
            return
        table = self.tables[entity]
        try:
            saved = pj.update(self.store, entity, record_id, {name: value})
        except ValidationError as exc:
            table.say(exc.message, problem=True)
            return
        except PlannerError as exc:
            self.report(exc)
            self._reload_current()
            return
        current = next(r for r in pj.records(self.store, entity, self.project_id or 0, self.today())
                       if r["id"] == record_id)
        after = {key: current[key] for key in saved.before}
        self.undo_stack.push(RecordEditCommand(entity, record_id, saved.before, after,
                                               f"Edit {LABEL[entity].capitalize()} {pj.column(entity, name).label}",
                                               self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        # This runs inside the view's commit of the cell editor: resetting the model here destroyed the editor
        # Tab had just opened on the next cell and lost the current cell. Repaint the one row instead.
        table.model.replace_row(current)
        self._repaint_project_row()
        self._refresh_timeline()
        table.say(" ".join(saved.warnings), problem=False)

    def save_cells(self, entity: Entity, cells: list[tuple[int, str, str]]) -> None:
        """A paste (or a clear) of several cells: one service call per record with all its fields, the lot
        ONE undo step; a cell refused takes the whole paste back, and the message names its row."""
        if self.store is None:
            return
        table = self.tables[entity]
        by_record: dict[int, dict[str, Any]] = {}
        for record_id, name, text in cells:
            by_record.setdefault(record_id, {})[name] = text
        numbers = {r["id"]: n for n, r in enumerate(table.model.rows, start=1)}
        self.undo_stack.beginMacro(f"Paste {len(cells)} Cells" if any(t.strip() for *_, t in cells)
                                   else f"Clear {len(cells)} Cells")
        refused: PlannerError | None = None
        where = ""
        try:
            for record_id, fields in by_record.items():
                try:
                    saved = pj.update(self.store, entity, record_id, fields)
                except PlannerError as exc:
                    refused, where = exc, f"row {numbers.get(record_id, '?')}"
                    break
                current = next(r for r in pj.records(self.store, entity, self.project_id or 0, self.today())
                               if r["id"] == record_id)
                after = {key: current[key] for key in saved.before}
                self.undo_stack.push(RecordEditCommand(entity, record_id, saved.before, after,
                                                       f"Edit {LABEL[entity].capitalize()}", self.doc))
        finally:
            self.undo_stack.endMacro()
        if refused is not None:
            self.undo_stack.undo()  # what went in before the refused cell comes out again
            verb = "pasted" if any(t.strip() for *_, t in cells) else "cleared"
            table.say(f"Nothing was {verb}: {where}: {refused.message}", problem=True)
        self.doc.notify(Changed(workbook=True, origin=self))
        self._reload_current()

    def add_record(self, entity: Entity) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            saved = pj.create(self.store, entity, None, project_id=self.project_id, today=self.today())
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordAddCommand(entity, saved.id, f"Add {LABEL[entity].capitalize()}", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(self.project_id)
        table = self.tables[entity]
        row = next(i for i, r in enumerate(table.model.rows) if r["id"] == saved.id)
        index = table.proxy.mapFromSource(table.model.index(row, 1 if entity is Entity.TASK else 0))
        table.view.setCurrentIndex(index)
        table.view.setFocus()

    def delete_record(self, entity: Entity, record_id: int) -> None:
        if self.store is None:
            return
        try:
            removed = pj.remove(self.store, entity, record_id)
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordRemoveCommand(removed, record_id, f"Delete {LABEL[entity].capitalize()}",
                                                 self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(self.project_id)


class _ProjectFilter(QSortFilterProxyModel):
    def set_filter(self, status: str | None, owner: str, pillar: str | None, lever: str, overdue: bool) -> None:
        staged = hasattr(self, "beginFilterChange")  # Qt 6.9+: invalidateFilter() is deprecated
        if staged:
            self.beginFilterChange()
        self._status, self._owner, self._pillar = status, owner.strip().lower(), pillar
        self._lever, self._overdue = lever.strip().lower(), overdue
        if staged:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        rows = self.sourceModel().rows  # type: ignore[attr-defined]
        row: ProjectRow = rows[source_row]
        if getattr(self, "_status", None) and row.status.value != self._status:
            return False
        if getattr(self, "_owner", "") and self._owner not in row.lead.lower():
            return False
        if getattr(self, "_pillar", None) and row.pillar != self._pillar:
            return False
        if getattr(self, "_lever", "") and self._lever not in row.carries.lower():
            return False
        return not (getattr(self, "_overdue", False) and not (row.overdue or row.overdue_items))
