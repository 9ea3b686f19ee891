"""Spreadsheet habits of planner/ui/grid.py, on a small table that saves every edit and then reloads itself
(a model reset, as the pages' tables do after a service call). What the "database" (a dict of rows) holds
after the keys is what each test checks; the model runs under QAbstractItemModelTester."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel, QUndoCommand, QUndoStack
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QTableView

from planner.ui.grid import CellEdit, ExcelGrid, from_tsv, to_tsv

COLUMNS = ["Name", "Q1", "Q2", "Q3"]


class Rows(QStandardItemModel):
    """A table over `db` (row key -> cells). Every save writes to db and reloads the whole table; the Name
    column of the "locked" row cannot be edited."""

    def __init__(self, db: dict[str, list[str]]) -> None:
        super().__init__()
        self.db = db
        self.saves = 0
        self.reload()

    def reload(self) -> None:
        self.clear()  # a reset; then a row inserted at a time
        self.setHorizontalHeaderLabels(COLUMNS)
        for key, cells in self.db.items():
            items = []
            for column, text in enumerate(cells):
                item = QStandardItem(text)
                if column == 0:
                    item.setData(key, Qt.ItemDataRole.UserRole)
                    item.setEditable(key != "locked")
                items.append(item)
            self.appendRow(items)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        key = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        self.db[key][index.column()] = str(value)
        self.saves += 1
        self.reload()  # what a page does after its service call: the table is read again
        return True


class Paste(QUndoCommand):
    def __init__(self, model: Rows, edits: list[CellEdit]) -> None:
        super().__init__(f"Paste {len(edits)} cells")
        self.model = model
        self.after = [(e.key, e.column, e.text) for e in edits]
        self.before = [(e.key, e.column, model.db[e.key][e.column]) for e in edits]

    def _put(self, cells: list[tuple[str, int, str]]) -> None:
        for key, column, text in cells:
            self.model.db[key][column] = text
        self.model.reload()

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)


@pytest.fixture
def db() -> dict[str, list[str]]:
    return {"a": ["Alpha", "1", "2", "3"], "b": ["Bravo", "4", "5", "6"], "locked": ["Locked", "7", "8", "9"],
            "d": ["Delta", "", "", ""]}


@pytest.fixture
def table(qtbot, db: dict[str, list[str]]) -> Iterator[tuple[QTableView, ExcelGrid, Rows, QUndoStack, list]]:  # type: ignore[no-untyped-def]
    model = Rows(db)
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    view = QTableView()
    view.setModel(model)
    undo = QUndoStack()
    calls: list[list[CellEdit]] = []

    def apply(edits: list[CellEdit]) -> None:
        calls.append(edits)
        undo.push(Paste(model, edits))

    grid = ExcelGrid(view, apply_edits=apply)
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.setFocus()
    yield view, grid, model, undo, calls
    del tester


def cell(view: QTableView, row: int, column: int) -> None:
    view.setCurrentIndex(view.model().index(row, column))


def keys(qtbot, view: QTableView, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a person does: each key goes to whatever has the focus (the table, then its editor)."""
    for char in text:
        qtbot.keyClick(QApplication.focusWidget() or view, char)


def key(qtbot, view: QTableView, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget() or view, k, modifier)


def editing(view: QTableView) -> bool:
    return view.state() == QTableView.State.EditingState


def test_typing_starts_editing_and_tab_moves_along_the_row_through_a_reload(table, db, qtbot, qtlog) -> None:  # type: ignore[no-untyped-def]
    view, _, model, _, _ = table
    cell(view, 3, 0)
    keys(qtbot, view, "Dog")  # typing replaces the value: no Enter, no double-click
    assert editing(view)
    key(qtbot, view, Qt.Key.Key_Tab)
    assert db["d"][0] == "Dog" and model.saves == 1
    assert view.currentIndex().row() == 3 and view.currentIndex().column() == 1 and editing(view)
    keys(qtbot, view, "10")
    key(qtbot, view, Qt.Key.Key_Tab)
    keys(qtbot, view, "20")
    key(qtbot, view, Qt.Key.Key_Backtab)  # Shift+Tab: back along the row, still typing
    assert view.currentIndex().column() == 1 and editing(view)
    keys(qtbot, view, "11")
    key(qtbot, view, Qt.Key.Key_Escape)
    assert db["d"] == ["Dog", "10", "20", ""]  # the name kept, 11 cancelled
    assert not any("does not belong" in r.message for r in qtlog.records)


def test_tab_at_the_end_of_a_row_goes_on_to_the_next_rows_first_editable_cell(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, *_ = table
    cell(view, 1, 3)
    keys(qtbot, view, "60")
    key(qtbot, view, Qt.Key.Key_Tab)
    assert db["b"][3] == "60"
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2, 1)  # the locked row's name is skipped


def test_enter_commits_and_moves_down_and_the_next_key_types_there(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, *_ = table
    cell(view, 0, 2)
    keys(qtbot, view, "7")
    key(qtbot, view, Qt.Key.Key_Return)
    assert db["a"][2] == "7" and not editing(view)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 2)
    key(qtbot, view, Qt.Key.Key_Right)  # arrow, then type: the current cell survived the reload
    keys(qtbot, view, "9")
    key(qtbot, view, Qt.Key.Key_Enter)
    assert db["b"][3] == "9"
    key(qtbot, view, Qt.Key.Key_Return)  # Enter on a cell not being edited moves down too
    assert view.currentIndex().row() == 3


def test_escape_cancels(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, _, model, _, _ = table
    cell(view, 0, 1)
    keys(qtbot, view, "999")
    key(qtbot, view, Qt.Key.Key_Escape)
    assert db["a"][1] == "1" and model.saves == 0 and not editing(view)


def test_delete_clears_the_selected_cells_in_one_change(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, _, _, undo, calls = table
    cell(view, 0, 1)
    key(qtbot, view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, view, Qt.Key.Key_Delete)
    assert db["a"] == ["Alpha", "", "", "3"] and db["b"] == ["Bravo", "", "", "6"]
    assert len(calls) == 1 and len(calls[0]) == 4 and undo.count() == 1
    undo.undo()
    assert db["a"] == ["Alpha", "1", "2", "3"]


def test_copy_puts_the_block_on_the_clipboard_as_tab_separated_text(table, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, *_ = table
    cell(view, 0, 0)
    key(qtbot, view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Alpha\t1\nBravo\t4\n"


def test_paste_a_block_from_excel_is_one_change_and_one_undo_step(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, _, model, undo, calls = table
    QGuiApplication.clipboard().setText("10\t11\r\n12\t13\r\n14\t15\r\n")  # as Excel puts three rows of two
    cell(view, 1, 2)
    key(qtbot, view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert db["b"][2:] == ["10", "11"] and db["locked"][2:] == ["12", "13"] and db["d"][2:] == ["14", "15"]
    assert len(calls) == 1 and len(calls[0]) == 6 and undo.count() == 1 and model.saves == 0
    assert {(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()} == \
        {(r, c) for r in (1, 2, 3) for c in (2, 3)}  # what was pasted is selected
    undo.undo()
    assert db["b"][2:] == ["5", "6"] and db["d"][2:] == ["", ""]


def test_paste_skips_cells_that_cannot_be_edited_or_fall_off_the_table(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, _, _, _, calls = table
    cell(view, 2, 0)  # the locked row's name cannot be edited
    edits = table[1].paste("X\tY\nZ\tW\nQ\tR")
    assert db["locked"][:2] == ["Locked", "Y"] and db["d"][:2] == ["Z", "W"]
    assert len(edits) == 3 and len(calls) == 1  # the third row of text has no row to go to


def test_one_value_fills_a_selection(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, grid, *_ = table
    cell(view, 0, 3)
    key(qtbot, view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    grid.paste("0\n")
    assert db["a"][3] == "0" and db["b"][3] == "0" and db["locked"][3] == "9"


def test_the_current_cell_survives_a_reload_that_reorders_the_rows(table, db, qtbot) -> None:  # type: ignore[no-untyped-def]
    view, _, model, _, _ = table
    cell(view, 1, 2)  # Bravo, Q2
    reordered = dict(reversed(list(db.items())))
    db.clear()
    db.update(reordered)
    model.reload()
    current = view.currentIndex()
    assert current.siblingAtColumn(0).data() == "Bravo" and current.column() == 2 and current.row() == 2


@pytest.mark.parametrize("rows", [[["a", "b"], ["c", "d"]], [["two\nlines", "tab\there"], ["\"quoted\"", ""]],
                                  [[""]]])
def test_tab_separated_text_round_trips(rows: list[list[str]]) -> None:
    assert from_tsv(to_tsv(rows)) == rows


def test_tab_separated_text_as_excel_and_editors_write_it() -> None:
    assert from_tsv("1\t2\r\n3\t4\r\n") == [["1", "2"], ["3", "4"]]
    assert from_tsv("") == []
    assert from_tsv("\n") == [[""]]
    assert from_tsv('"a\nb"\tc') == [["a\nb", "c"]]
