"""Spreadsheet habits for any QTableView over an editable model, the way people type in Excel:

- typing on a selected cell starts editing it (the typed key replaces the value);
- Tab / Shift+Tab commit and move along the row (wrapping to the next or previous row) and keep editing;
- Enter commits and moves down; Escape cancels; on a cell that is not being edited, Enter moves down too;
- Delete (or Backspace) clears the selected cells;
- Ctrl+C copies the selected block as tab-separated text; Ctrl+V pastes a tab-separated block (from Excel,
  a text file or this grid) starting at the current cell, or fills a selection with one copied value;
- the current cell survives a model reset (a save that reloads the table): it is found again by its row's
  key and its column.

A paste or a clear is ONE change: the grid hands all its cell edits to the owner's `apply_edits` callback
at once, so the owner makes one service call and pushes one undo command. Without a callback the edits go
to the model's setData one by one. The grid holds no business rules: whether a text is a valid value is
the owner's (and its services') to say.

    grid = ExcelGrid(view, apply_edits=self._paste, row_key=lambda model, row: model.index(row, 0).data(KEY))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView, QWidget

RowKey = Callable[[QAbstractItemModel, int], Hashable]



def plain(index: QPersistentModelIndex) -> QModelIndex:
    """The model index a persistent index stands for now (an invalid one once its row is gone)."""
    model = index.model()
    return model.index(index.row(), index.column(), index.parent()) if index.isValid() and model else QModelIndex()


@dataclass(frozen=True)
class CellEdit:
    """One cell's new text: where it is (row and column now, and the row's key, which outlives a reload)."""

    row: int
    column: int
    key: Hashable
    text: str
    index: QPersistentModelIndex


def default_row_key(model: QAbstractItemModel, row: int) -> Hashable:
    """A row's identity: what its first cell keeps under Qt.UserRole (a database id), else its number."""
    key = model.index(row, 0).data(Qt.ItemDataRole.UserRole)
    return row if key is None else key


def to_tsv(rows: list[list[str]]) -> str:
    """Rows as Excel writes them to the clipboard: tabs between cells, a line per row, quotes only where a
    cell holds a tab, a line break or a quote."""
    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def from_tsv(text: str) -> list[list[str]]:
    """Tab-separated text (as Excel, LibreOffice or a text editor put it on the clipboard) as rows of cells.
    The trailing line break Excel adds makes no empty row."""
    if text == "":
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if text == "":
        return [[""]]  # one empty cell
    return [row for row in csv.reader(io.StringIO(text), dialect="excel-tab")] or [[""]]


class ExcelGrid(QObject):
    """Gives `view` the habits above. Keep a reference (it is parented to the view, so the view keeps it)."""

    def __init__(self, view: QTableView, *, apply_edits: Callable[[list[CellEdit]], None] | None = None,
                 row_key: RowKey = default_row_key) -> None:
        super().__init__(view)
        self.view = view
        self.apply_edits = apply_edits
        self.row_key = row_key
        self._editing: QPersistentModelIndex | None = None
        self._pending: tuple[Hashable, int] | None = None
        self._model: QAbstractItemModel | None = None
        view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        view.setTabKeyNavigation(True)
        self._viewport = view.viewport()
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)
        self._watch(view.model())

    # ---- the model: keep the current cell through a reload ------------------------------------------------
    def _watch(self, model: QAbstractItemModel | None) -> None:
        if model is self._model:
            return
        if self._model is not None:
            for signal, slot in self._signals(self._model):
                signal.disconnect(slot)
        self._model = model
        if model is not None:
            for signal, slot in self._signals(model):
                signal.connect(slot)

    def _signals(self, model: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [(model.modelAboutToBeReset, self._remember), (model.modelReset, self._restore),
                (model.rowsAboutToBeRemoved, self._remember),
                (model.rowsInserted, self._restore), (model.layoutAboutToBeChanged, self._remember),
                (model.layoutChanged, self._restore)]

    def key_of(self, row: int) -> Hashable:
        model = self.view.model()
        return self.row_key(model, row)

    def find(self, key: Hashable, column: int) -> QModelIndex:
        """The cell at the row with this key, in this column (invalid when the row is gone)."""
        model = self.view.model()
        if model is None or column >= model.columnCount():
            return QModelIndex()
        for row in range(model.rowCount()):
            if self.row_key(model, row) == key:
                return model.index(row, column)
        return QModelIndex()

    def _alive(self) -> bool:
        """False while the table is being taken down (its model still says rows are going)."""
        return shiboken6.isValid(self) and shiboken6.isValid(self.view)

    def _remember(self, *_: object) -> None:
        if not self._alive():
            return
        current = self.view.currentIndex()
        if current.isValid() and self._pending is None:
            self._pending = (self.key_of(current.row()), current.column())
            QTimer.singleShot(0, self._forget)  # a reload is one burst of signals; after it, nothing is pending

    def _restore(self, *_: object) -> None:
        if self._pending is None or not self._alive():
            return
        found = self.find(*self._pending)
        if found.isValid():
            self._pending = None
            self.view.setCurrentIndex(found)

    def _forget(self) -> None:
        self._pending = None

    # ---- events ----------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._alive():  # the table is being taken down: nothing of ours to do
            return False
        kind = event.type()
        if watched is self._viewport:
            if kind == QEvent.Type.ChildPolished:
                self._adopt_editor(event.child())  # type: ignore[attr-defined]
            return False
        if watched is self.view:
            self._watch(self.view.model())
            if kind == QEvent.Type.ShortcutOverride and self._mine(event):  # type: ignore[arg-type]
                # Delete, Ctrl+C, Ctrl+V and Enter are the table's here, not a window shortcut's (the plan's
                # Delete… would otherwise delete the goal the table belongs to)
                event.accept()
                return True
            if kind == QEvent.Type.KeyPress and self.view.state() != QAbstractItemView.State.EditingState:
                return self._view_key(event)  # type: ignore[arg-type]
            return False
        if kind == QEvent.Type.KeyPress and isinstance(watched, QWidget):
            return self._editor_key(watched, event)  # type: ignore[arg-type]
        return False

    def _adopt_editor(self, child: QObject) -> None:
        """An editor has just been shown in the viewport (after the delegate put its own filter on it): ours
        goes on last, so it sees Tab and Enter first."""
        editing = self.view.state() == QAbstractItemView.State.EditingState
        if isinstance(child, QWidget) and shiboken6.isValid(child) and editing:
            self._editing = QPersistentModelIndex(self.view.currentIndex())
            child.installEventFilter(self)

    def _mine(self, event: QKeyEvent) -> bool:
        if self.view.state() == QAbstractItemView.State.EditingState:
            return False
        if event.matches(QKeySequence.StandardKey.Copy) or event.matches(QKeySequence.StandardKey.Paste):
            return True
        return event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Return, Qt.Key.Key_Enter) \
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier

    def _view_key(self, event: QKeyEvent) -> bool:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            return True
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            return True
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not event.modifiers():
            self.clear_selection()
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self._move_to(self._below(self.view.currentIndex()), edit=False)
            return True
        return False

    def _editor_key(self, editor: QWidget, event: QKeyEvent) -> bool:
        key = event.key()
        if key not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False  # Shift+Enter, Alt+Enter: the editor's own (a new line in a text box)
        index = plain(self._editing) if self._editing is not None else self.view.currentIndex()
        if not index.isValid():
            return False
        backwards = key == Qt.Key.Key_Backtab or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            target = self._along(index, -1 if backwards else 1)
        else:
            target = self._below(index)
        # Where to go is written down by key before the commit, which may reload the whole table.
        aim = (self.key_of(target.row()), target.column()) if target.isValid() else None
        # The editor is closed first (the view deletes it later), then its value is written: a model that
        # reloads itself on the write then finds no open editor to trip over.
        edited = QPersistentModelIndex(index)
        delegate = self.view.itemDelegateForIndex(index)
        editor.removeEventFilter(self)
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        if edited.isValid():
            delegate.setModelData(editor, self.view.model(), plain(edited))
        self._editing = None
        if aim is not None:
            self._move_to(self.find(*aim), edit=key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab))
        return True

    # ---- moving ----------------------------------------------------------------------------------------
    def _visible_columns(self) -> list[int]:
        model = self.view.model()
        return [c for c in range(model.columnCount()) if not self.view.isColumnHidden(c)]

    def _along(self, index: QModelIndex, step: int) -> QModelIndex:
        """The next (or previous) editable cell along the row, wrapping to the next (previous) row."""
        model = self.view.model()
        columns = self._visible_columns()
        cells = [(r, c) for r in range(model.rowCount()) if not self.view.isRowHidden(r) for c in columns]
        if (index.row(), index.column()) not in cells:
            return QModelIndex()
        at = cells.index((index.row(), index.column()))
        for r, c in (cells[at + 1:] if step > 0 else reversed(cells[:at])):
            candidate = model.index(r, c)
            if candidate.flags() & Qt.ItemFlag.ItemIsEditable:
                return candidate
        return QModelIndex()

    def _below(self, index: QModelIndex) -> QModelIndex:
        model = self.view.model()
        if not index.isValid():
            return QModelIndex()
        for row in range(index.row() + 1, model.rowCount()):
            if not self.view.isRowHidden(row):
                return model.index(row, index.column())
        return QModelIndex()

    def _move_to(self, index: QModelIndex, *, edit: bool) -> None:
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        if edit and index.flags() & Qt.ItemFlag.ItemIsEditable:
            self.view.edit(index)

    # ---- blocks of cells -------------------------------------------------------------------------------
    def selected_block(self) -> tuple[int, int, list[list[str]]]:
        """The selection's bounding rectangle as text (cells inside it that are not selected are empty):
        its top row, its left column and its rows. Hidden rows and columns are left out."""
        indexes = [i for i in self.view.selectionModel().selectedIndexes()
                   if not self.view.isRowHidden(i.row()) and not self.view.isColumnHidden(i.column())]
        if not indexes and self.view.currentIndex().isValid():
            indexes = [self.view.currentIndex()]
        if not indexes:
            return 0, 0, []
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        columns = [c for c in range(columns[0], columns[-1] + 1) if not self.view.isColumnHidden(c)]
        rows = [r for r in range(rows[0], rows[-1] + 1) if not self.view.isRowHidden(r)]
        chosen = {(i.row(), i.column()): i for i in indexes}
        text = [[self._text(chosen[(r, c)]) if (r, c) in chosen else "" for c in columns] for r in rows]
        return rows[0], columns[0], text

    @staticmethod
    def _text(index: QModelIndex) -> str:
        value = index.data(Qt.ItemDataRole.DisplayRole)
        return "" if value is None else str(value)

    def copy(self) -> str:
        _, _, rows = self.selected_block()
        text = to_tsv(rows)
        if rows:
            QGuiApplication.clipboard().setText(text)
        return text

    def paste(self, text: str | None = None) -> list[CellEdit]:
        """Paste tab-separated text (the clipboard's, unless given) from the current cell rightwards and
        down; one value over a selection of several cells fills them all. Cells that fall outside the table
        or cannot be edited are left alone. All edits reach the owner as one change."""
        if self._read_only():
            return []
        text = QGuiApplication.clipboard().text() if text is None else text
        rows = from_tsv(text)
        start = self.view.currentIndex()
        model = self.view.model()
        if not rows or not start.isValid():
            return []
        targets: list[tuple[QModelIndex, str]] = []
        selected = [i for i in self.view.selectionModel().selectedIndexes() if not self.view.isRowHidden(i.row())]
        if len(rows) == 1 and len(rows[0]) == 1 and len(selected) > 1:
            targets = [(i, rows[0][0]) for i in selected]
        else:
            row_numbers = [r for r in range(start.row(), model.rowCount()) if not self.view.isRowHidden(r)]
            columns = [c for c in range(start.column(), model.columnCount()) if not self.view.isColumnHidden(c)]
            for r, cells in zip(row_numbers, rows, strict=False):
                for c, value in zip(columns, cells, strict=False):
                    targets.append((model.index(r, c), value))
        edits = self._edits(targets)
        if edits:
            self._apply(edits)
            self._select(edits)
        return edits

    def _read_only(self) -> bool:
        return self.view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers

    def clear_selection(self) -> list[CellEdit]:
        if self._read_only():
            return []
        indexes = [i for i in self.view.selectionModel().selectedIndexes() if not self.view.isRowHidden(i.row())]
        if not indexes and self.view.currentIndex().isValid():
            indexes = [self.view.currentIndex()]
        edits = self._edits([(i, "") for i in indexes if self._text(i) != ""])
        if edits:
            self._apply(edits)
        return edits

    def _edits(self, targets: list[tuple[QModelIndex, str]]) -> list[CellEdit]:
        return [CellEdit(i.row(), i.column(), self.key_of(i.row()), text, QPersistentModelIndex(i))
                for i, text in sorted(targets, key=lambda t: (t[0].row(), t[0].column()))
                if i.isValid() and i.flags() & Qt.ItemFlag.ItemIsEditable]

    def _apply(self, edits: list[CellEdit]) -> None:
        current = self.view.currentIndex()
        aim = (self.key_of(current.row()), current.column()) if current.isValid() else None
        if self.apply_edits is not None:
            self.apply_edits(edits)
        else:
            model = self.view.model()
            for edit in edits:
                if edit.index.isValid():
                    model.setData(edit.index, edit.text, Qt.ItemDataRole.EditRole)
        if aim is not None and not self.view.currentIndex().isValid():
            self._move_to(self.find(*aim), edit=False)

    def _select(self, edits: list[CellEdit]) -> None:
        """Select what was pasted (found by key: the owner may have reloaded the table)."""
        found = [self.find(e.key, e.column) for e in edits]
        found = [i for i in found if i.isValid()]
        if not found:
            return
        model = self.view.selectionModel()
        selection = QItemSelection()
        for index in found:
            selection.select(index, index)
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        model.setCurrentIndex(found[0], QItemSelectionModel.SelectionFlag.NoUpdate)


__all__ = ["CellEdit", "ExcelGrid", "default_row_key", "from_tsv", "to_tsv"]
