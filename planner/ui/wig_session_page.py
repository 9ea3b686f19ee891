"""The weekly WIG session (4DX discipline 4): for each WIG, its score, last week's commitments to account
for, and this week's to make. Edits save at once and can be undone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError
from planner.render.status_style import label as status_label
from planner.services import wig_session as ws
from planner.services.wig_session import CommitmentRow, WigSession
from planner.ui.commands import CallCommand
from planner.ui.department_choice import DepartmentChoice
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.grid import CellEdit, ExcelGrid
from planner.ui.tasks import run_in_background

ID_ROLE = Qt.ItemDataRole.UserRole + 60
DONE_CHOICES = (("Not yet said", None), ("Done", True), ("Not done", False))
COLUMNS = ("Who", "What", "By", "Done", "Note")
FIELD_OF = {0: "who", 1: "what", 2: "due", 4: "note"}
LATE = " (late)"


class CommitmentTable(QTableWidget):
    """One week's commitments, edited in place; each edit goes to the page, which saves it."""

    edited = Signal(int, str, object)  # commitment id, field, value
    many_edited = Signal(list)  # a paste or a clear: [(commitment id, field, value)], one undo step

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName(name)
        self.setHorizontalHeaderLabels(COLUMNS)
        header = self.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 120)
        self.setColumnWidth(2, 130)
        self.setColumnWidth(3, 110)
        self.verticalHeader().setVisible(False)
        self.rows: list[CommitmentRow] = []
        self._filling = False
        self.itemChanged.connect(self._item_changed)
        # Spreadsheet habits; the Done column is a drop-down of its own, so a paste leaves it alone
        self.grid = ExcelGrid(self, apply_edits=self._cells_edited,
                              row_key=lambda model, row: model.index(row, 0).data(ID_ROLE))

    def _cells_edited(self, edits: list[CellEdit]) -> None:
        found = []
        for edit in edits:
            cell = self.item(edit.row, edit.column)
            if cell is not None and edit.column in FIELD_OF:
                found.append((int(cell.data(ID_ROLE)), FIELD_OF[edit.column], edit.text.removesuffix(LATE)))
        if found:
            self.many_edited.emit(found)

    def fill(self, rows: list[CommitmentRow], today: date) -> None:
        self._filling = True
        self.rows = rows
        self.clearContents()
        self.setRowCount(len(rows))
        for r, c in enumerate(rows):
            for column, text in ((0, c.who), (1, c.what), (2, c.due.isoformat() if c.due else ""), (4, c.note)):
                cell = QTableWidgetItem(text)
                cell.setData(ID_ROLE, c.id)
                cell.setToolTip(text)
                self.setItem(r, column, cell)
            due_cell = self.item(r, 2)
            if c.overdue(today) and c.due is not None and due_cell is not None:
                due_cell.setToolTip("Past its date and not done")
                due_cell.setText(c.due.isoformat() + LATE)
            combo = QComboBox()
            combo.setObjectName(f"done_{r}")
            combo.setAccessibleName(f"Done: {c.what}")
            for text, value in DONE_CHOICES:
                combo.addItem(text, value)
            combo.setCurrentIndex([v for _t, v in DONE_CHOICES].index(c.done))
            combo.currentIndexChanged.connect(
                lambda i, ident=c.id: self.edited.emit(ident, "done", DONE_CHOICES[i][1]))
            self.setCellWidget(r, 3, combo)
        self._filling = False

    def _item_changed(self, cell: QTableWidgetItem) -> None:
        if self._filling or cell.column() not in FIELD_OF:
            return
        text = cell.text().removesuffix(LATE) if cell.column() == 2 else cell.text()
        self.edited.emit(int(cell.data(ID_ROLE)), FIELD_OF[cell.column()], text)

    def selected_id(self) -> int | None:
        row = self.currentRow()
        return self.rows[row].id if 0 <= row < len(self.rows) else None


class WigSessionPage(FollowsDocument, QWidget):
    department_chosen = Signal(str)  # the department's name, remembered as "my department"

    def __init__(self, doc: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follow(doc)
        doc.status_ready.connect(lambda plan_id: self.mark_stale() if plan_id == self.plan_id else None)
        self.report, self.who = doc.failed.emit, doc.entered_by
        self.plan_id: int | None = None
        self.week = ws.week_of(self.today())
        self.sessions: list[WigSession] = []
        self._generation = 0
        self.department = DepartmentChoice("session_department")
        self.week_label = QLabel()
        self.week_label.setObjectName("session_week")
        previous = QPushButton("◀ &Previous Week")
        previous.clicked.connect(lambda: self.set_week(self.week - timedelta(days=7)))
        this = QPushButton("T&his Week")
        this.clicked.connect(lambda: self.set_week(self.today()))
        following = QPushButton("&Next Week ▶")
        following.clicked.connect(lambda: self.set_week(self.week + timedelta(days=7)))
        self.wigs = QListWidget()
        self.wigs.setObjectName("session_wigs")
        self.wigs.setAccessibleName("WIGs")
        self.wigs.setWordWrap(True)
        self.wigs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A style sheet on ::item takes the item's drawing from the style, selection included: with only the
        # padding given, the selected WIG was drawn highlighted-text on a plain background (white on white).
        # Every state gets its own pair of colours from the palette, so text is readable whatever the theme.
        self.wigs.setStyleSheet(
            "QListWidget::item { padding: 6px 4px; border-bottom: 1px solid palette(mid);"
            " color: palette(text); background: palette(base); }"
            "QListWidget::item:selected { color: palette(highlighted-text); background: palette(highlight); }"
            "QListWidget::item:selected:!active { color: palette(highlighted-text); background: palette(highlight); }"
            "QListWidget::item:hover:!selected { color: palette(text); background: palette(alternate-base); }")
        self.wig_title = QLabel()
        self.wig_title.setObjectName("session_wig")
        self.wig_title.setWordWrap(True)
        self.wig_title.setTextFormat(Qt.TextFormat.PlainText)
        self.score = QLabel()
        self.score.setObjectName("session_score")
        self.score.setWordWrap(True)
        self.last_title = QLabel()
        self.last_week = CommitmentTable("last_week")
        self.this_title = QLabel()
        self.this_week = CommitmentTable("this_week")
        self.new_who = QLineEdit()
        self.new_who.setObjectName("new_who")
        self.new_who.setPlaceholderText("Who")
        self.new_what = QLineEdit()
        self.new_what.setObjectName("new_what")
        self.new_what.setPlaceholderText("What I will do this week to move a lead measure")
        self.new_due = QLineEdit()
        self.new_due.setObjectName("new_due")
        self.new_due.setPlaceholderText("By (YYYY-MM-DD or M/D/YYYY)")
        self.new_what.returnPressed.connect(self.add_commitment)
        self.add_button = QPushButton("&Add Commitment")
        self.add_button.setObjectName("add_commitment")
        self.add_button.clicked.connect(self.add_commitment)
        self.delete_button = QPushButton("&Delete Commitment")
        self.delete_button.clicked.connect(self.delete_commitment)
        self._last_table = self.this_week
        for table in (self.last_week, self.this_week):
            table.edited.connect(self.save_edit)
            table.many_edited.connect(self.save_edits)
            table.currentCellChanged.connect(lambda *_cells, t=table: setattr(self, "_last_table", t))

        top = QHBoxLayout()
        buddy = QLabel("&Department:")
        buddy.setBuddy(self.department)
        top.addWidget(buddy)
        top.addWidget(self.department)
        top.addStretch(1)
        top.addWidget(previous)
        top.addWidget(self.week_label)
        top.addWidget(this)
        top.addWidget(following)
        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(self.wig_title)
        column.addWidget(self.score)
        column.addWidget(self.last_title)
        column.addWidget(self.last_week, 1)
        column.addWidget(self.this_title)
        column.addWidget(self.this_week, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_who)
        buttons.addWidget(self.new_what, 3)
        buttons.addWidget(self.new_due)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.wigs)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([330, 700])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.department.currentIndexChanged.connect(self._department_changed)
        self.wigs.currentRowChanged.connect(lambda _r: self._show_wig())
        self._show_week()

    # ---- loading ---------------------------------------------------------------------------------------------
    def opened(self) -> None:
        self._generation += 1
        self.plan_id = self.department.load(self.store, self.doc.my_department())
        self.sessions = []
        self.wigs.clear()
        self._show_wig()

    def _department_changed(self, _index: int) -> None:
        self.department_chosen.emit(self.department.chosen_name())
        self.refresh()

    def set_week(self, day: date) -> None:
        self.week = ws.week_of(day)
        self._show_week()
        self.refresh()

    def _show_week(self) -> None:
        self.week_label.setText(f"Week of {self.week:%b} {self.week.day}, {self.week.year}")
        last = self.week - timedelta(days=7)
        self.last_title.setText(f"<b>Last week</b> (from {last:%b} {last.day}): account for each commitment")
        self.this_title.setText(f"<b>This week</b> (from {self.week:%b} {self.week.day}): what will each of us do "
                                "to move the lead measures?")

    def shows(self, change: Changed) -> bool:
        return change.commitments or change.moves_status

    def refresh(self, keep: int | None = None) -> None:
        """Read the commitments again, with the scores of the document's shared statuses (a commitment, a
        week or a department changes no score)."""
        if self.store is None or self.plan_id is None:
            return
        store, plan_id, week, today = self.store, self.plan_id, self.week, self.today()
        year_id = self.doc.year_id_for(plan_id)
        status = self.doc.status(plan_id, year_id)
        if status is None:
            self.score.setText("Working out the scores…")
            return  # the document says when they are ready, and the page comes back here
        department = self.department.currentData()
        chosen = keep if keep is not None else self.current_wig()
        self._generation += 1
        generation = self._generation

        def read() -> list[WigSession]:
            return ws.session_view(store, plan_id, week, today, department, status, year_id)

        def done(result: list[WigSession]) -> None:
            if generation == self._generation and self.store is store:
                self._show(result, chosen)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.score.setText(f"The session could not be read: {exc}")

        run_in_background(read, done, failed)

    def _show(self, sessions: list[WigSession], chosen: int | None) -> None:
        self.sessions = sessions
        self.wigs.blockSignals(True)
        self.wigs.clear()
        row_to_select = 0
        for i, s in enumerate(sessions):
            status = status_label(s.progress.status) if s.progress else ""
            waiting = f" · {s.unaccounted} to account for" if s.unaccounted else ""
            line = QListWidgetItem(f"{status}{waiting}\n{s.sentence}")
            line.setData(ID_ROLE, s.wig_id)
            self.wigs.addItem(line)
            if s.wig_id == chosen:
                row_to_select = i
        self.wigs.blockSignals(False)
        if sessions:
            self.wigs.setCurrentRow(row_to_select)
            self.wigs.scrollToItem(self.wigs.currentItem())
        self._show_wig()

    def current_wig(self) -> int | None:
        line = self.wigs.currentItem()
        return None if line is None else int(line.data(ID_ROLE))

    def _current(self) -> WigSession | None:
        row = self.wigs.currentRow()
        return self.sessions[row] if 0 <= row < len(self.sessions) else None

    def _show_wig(self) -> None:
        s = self._current()
        enabled = s is not None and self.store is not None and not self.store.read_only
        for widget in (self.add_button, self.delete_button, self.new_who, self.new_what, self.new_due):
            widget.setEnabled(enabled)
        if not self.new_who.text():
            self.new_who.setText(self.who())
        today = self.today()
        if s is None:
            chosen = self.department.chosen_name()
            empty = (f"{chosen} has no WIGs in this plan yet: add them in the Plan tab (By department)."
                     if chosen else "This plan has no WIGs yet.")
            self.wig_title.setText(empty if self.store is not None else "")
            self.score.setText("")
            self.last_week.fill([], today)
            self.this_week.fill([], today)
            return
        self.wig_title.setText(s.sentence + (f"  ({s.department})" if s.department else ""))
        if s.progress is not None:
            self.score.setText(f"Scoreboard: {status_label(s.progress.status)}. {s.progress.reason}")
        self.last_week.fill(s.last_week, today)
        self.this_week.fill(s.this_week, today)

    # ---- edits -----------------------------------------------------------------------------------------------
    def save_edits(self, edits: list[tuple[int, str, Any]]) -> None:
        """Several cells at once (a paste, a clear): one undo step."""
        self.doc.undo_stack.beginMacro(f"Paste {len(edits)} commitment cells")
        try:
            for ident, name, value in edits:
                self.save_edit(ident, name, value)
        finally:
            self.doc.undo_stack.endMacro()

    def _push(self, text: str, do: Callable[[], Any], revert: Callable[[], Any], keep: int) -> None:
        assert self.store is not None
        self.doc.push(CallCommand(text, self.doc, do, revert, Changed(commitments=True)))
        self.refresh(keep)

    def add_commitment(self) -> None:
        s = self._current()
        if s is None or self.store is None:
            return
        store, week = self.store, self.week
        try:
            new_id = ws.add_commitment(store, s.wig_id, week, self.new_who.text() or self.who(),
                                       self.new_what.text(), self.new_due.text())
        except PlannerError as exc:
            self.report(exc)
            return
        self.new_what.clear()
        self.new_due.clear()
        snapshot: dict[str, Any] = {}

        def undo() -> None:
            snapshot.update(ws.delete_commitment(store, new_id))

        self._push("Add commitment", lambda: ws.restore_commitment(store, snapshot), undo, s.wig_id)
        self.new_what.setFocus()

    def save_edit(self, ident: int, name: str, value: Any) -> None:
        s = self._current()
        if self.store is None or s is None:
            return
        store = self.store
        try:
            before = ws.update_commitment(store, ident, {name: value})
        except PlannerError as exc:
            self.report(exc)
            self.refresh(s.wig_id)  # put the cell back as it is in the file
            return
        after = {name: value}
        self._push(f"Change commitment {name}", lambda: ws.update_commitment(store, ident, after),
                   lambda: ws.update_commitment(store, ident, before), s.wig_id)

    def delete_commitment(self) -> None:
        """Delete the commitment last selected, in either week (the button takes the focus from the table)."""
        s = self._current()
        ident = self._last_table.selected_id()
        if s is None or self.store is None or ident is None:
            return
        store = self.store
        try:
            row = ws.delete_commitment(store, ident)
        except PlannerError as exc:
            self.report(exc)
            return
        self._push("Delete commitment", lambda: ws.delete_commitment(store, ident),
                   lambda: ws.restore_commitment(store, row), s.wig_id)
