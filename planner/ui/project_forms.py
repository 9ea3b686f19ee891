"""The project workbook's forms and pickers: the record tables with their editors, the charter form, and
the Carries picker (searchable by code and words) that ties a project to a key lever, WIG or strategy."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFocusEvent, QPainter, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.services import projects as pj
from planner.services.fields import FieldKind
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.projects import COLUMNS, LABEL, CarryChoice, Entity
from planner.ui.grid import CellEdit, ExcelGrid
from planner.ui.plan_form import DATE_HINT, DateLine, FieldError
from planner.ui.project_models import DEPTH_ROLE, KEY_ROLE, SORT_ROLE, ModelIndex, RecordModel, show_value


class ChoiceDelegate(QStyledItemDelegate):
    """A drop-down for the status and type columns, so only allowed values can be picked."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        model = index.model()
        source = model.sourceModel() if isinstance(model, QSortFilterProxyModel) else model
        source_index = model.mapToSource(index) if isinstance(model, QSortFilterProxyModel) else index
        spec = source.column_spec(source_index.column()) if isinstance(source, RecordModel) else None
        if spec is not None and spec.kind is FieldKind.CHOICE:
            combo = QComboBox(parent)
            combo.addItems(list(spec.choices))
            return combo
        editor = super().createEditor(parent, option, index)
        if spec is not None and spec.kind is FieldKind.DATE and isinstance(editor, QLineEdit):
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
            source = self.proxy.mapToSource(edit.index)
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
        style = opt.widget.style() if opt.widget else QApplication.style()
        # the selection band spans the whole line; only the text moves in by the line's depth
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        opt.rect.adjust(16 * int(index.data(DEPTH_ROLE) or 0), 0, 0, 0)
        opt.state &= ~QStyle.StateFlag.State_HasFocus
        opt.backgroundBrush = QBrush()
        text_only = QStyleOptionViewItem(opt)
        text_only.state &= ~QStyle.StateFlag.State_MouseOver
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_only, painter, opt.widget)


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
        popup = completer.popup()
        if popup is not None:
            popup.setMinimumWidth(620)
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
        found = self.picker.select_key(key)
        if found:
            self._update()
        return found

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
            if col.kind is FieldKind.LONG_TEXT:
                editor: QWidget = _LongText()
                editor.setFixedHeight(80)
                editor.setTabChangesFocus(True)  # type: ignore[attr-defined]
                editor.editingFinished.connect(lambda n=col.name, e=editor: self._changed(n, e.toPlainText()))  # type: ignore[attr-defined]
            elif col.kind is FieldKind.LINK:
                editor = CarriesPicker()
                editor.chosen.connect(lambda key, n=col.name: self._changed(n, key))
            elif col.kind is FieldKind.CHOICE:
                editor = QComboBox()
                editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                editor.setMinimumContentsLength(20)
                for choice in col.choices:
                    editor.addItem(choice, choice)
                editor.activated.connect(lambda _i, n=col.name, e=editor: self._changed(n, e.currentData()))
            else:
                editor = DateLine() if col.kind is FieldKind.DATE else QLineEdit()
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
            if col.kind is FieldKind.LINK:
                key = next((k for k in (_key("key_lever", values), _key("wig", values), _key("strategy", values))
                            if k), None)
                self.carries.select_key(key)
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(show_value(col.kind, value))
            elif isinstance(editor, QLineEdit):
                editor.setText(show_value(col.kind, value).rstrip("%") if col.kind is FieldKind.PERCENT else
                               show_value(col.kind, value))
        self.clear_errors()
        self._loading = False

    def _changed(self, name: str, value: Any) -> None:
        if self._loading or not self.values:
            return
        col = pj.column(Entity.PROJECT, name)
        current = show_value(col.kind, self.values.get(name))
        if col.kind is FieldKind.PERCENT:
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
