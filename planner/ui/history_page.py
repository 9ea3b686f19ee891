"""The History tab: every change recorded in the plan file, filtered by kind, person, date, words or one item,
with the selected change's fields before and after."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.services import history
from planner.services.history import ChangeEntry, Item
from planner.ui.document import FollowsDocument, PlanDocument
from planner.ui.tasks import run_in_background

SHOWN = 2000  # the newest this many; the filters narrow it
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 50
ACTION_WORDS = {"add": "Added", "change": "Changed", "delete": "Deleted"}
NO_DATE = QDate(2000, 1, 1)


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("Any")  # shown at the minimum date: no limit
    edit.setDate(NO_DATE)
    return edit


class HistoryPage(FollowsDocument, QWidget):
    open_item = Signal(object)  # an Item to show in the plan or the workbook

    def __init__(self, doc: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follow(doc)
        self.item: Item | None = None
        self.entries: list[ChangeEntry] = []
        self._generation = 0
        self.kind = QComboBox()
        self.kind.setObjectName("history_kind")
        self.kind.addItem("Everything", None)
        for group in history.GROUPS:
            self.kind.addItem(group, group)
        self.person = QComboBox()
        self.person.setObjectName("history_person")
        self.since = _date_edit("history_since")
        self.until = _date_edit("history_until")
        self.words = QLineEdit()
        self.words.setObjectName("history_words")
        self.words.setPlaceholderText("Words in a value or reason")
        self.words.setClearButtonEnabled(True)
        self.item_label = QLabel()
        self.item_label.setObjectName("history_item")
        self.clear_item = QPushButton("Show &All Items")
        self.clear_item.clicked.connect(lambda: self.show_item(None))
        self.only_item = QPushButton("Only &This Item")
        self.only_item.setToolTip("Show the history of the selected change's item (and what belongs to it)")
        self.only_item.clicked.connect(self._only_selected_item)
        self.summary = QLabel()
        self.table = QTreeWidget()
        self.table.setObjectName("history_table")
        self.table.setAccessibleName("Change history")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setHeaderLabels(["When", "Who", "Action", "What", "Change", "Reason"])
        for column, width in enumerate((140, 110, 70, 360, 360)):
            self.table.setColumnWidth(column, width)
        self.detail = QTreeWidget()
        self.detail.setObjectName("history_detail")
        self.detail.setAccessibleName("Fields before and after")
        self.detail.setRootIsDecorated(False)
        self.detail.setHeaderLabels(["Field", "Before", "After"])
        self.detail.setColumnWidth(0, 160)
        self.detail.setColumnWidth(1, 360)

        filters = QHBoxLayout()
        for text, widget in (("&Kind:", self.kind), ("&Person:", self.person), ("&From:", self.since),
                             ("&To:", self.until)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.words, 1)
        item_row = QHBoxLayout()
        item_row.addWidget(self.item_label, 1)
        item_row.addWidget(self.only_item)
        item_row.addWidget(self.clear_item)
        item_row.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(item_row)
        layout.addWidget(split, 1)

        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.person.currentIndexChanged.connect(lambda _i: self.refresh())
        self.since.dateChanged.connect(lambda _d: self.refresh())
        self.until.dateChanged.connect(lambda _d: self.refresh())
        self.words.returnPressed.connect(self.refresh)
        self.words.textChanged.connect(lambda text: None if text else self.refresh())
        self.table.currentItemChanged.connect(lambda current, _old: self._show_detail(current))
        self.table.itemActivated.connect(lambda line, _c: self._open(line))
        self._show_item_label()

    def opened(self) -> None:
        self._generation += 1
        self.item = None
        self.table.clear()
        self.detail.clear()
        self._show_item_label()

    def show_item(self, item: Item | None) -> None:
        """Show one item's history (None: everything again)."""
        self.item = item
        self._show_item_label()
        self.refresh()

    def _show_item_label(self) -> None:
        self.item_label.setText("All items" if self.item is None else "Only one item and what belongs to it")
        self.clear_item.setEnabled(self.item is not None)

    @staticmethod
    def _day(edit: QDateEdit) -> date | None:
        value = edit.date()
        return None if value == NO_DATE else date(value.year(), value.month(), value.day())

    def refresh(self) -> None:
        """Read the history off the GUI thread with the filters as they are now."""
        if self.store is None:
            return
        self._fill_people()
        group = self.kind.currentData()
        filters: dict[str, Any] = {"tables": history.GROUPS[group] if group else None, "item": self.item,
                   "actor": self.person.currentData() or None, "since": self._day(self.since),
                   "until": self._day(self.until), "search": self.words.text().strip() or None}
        store = self.store
        self._generation += 1
        generation = self._generation

        def read() -> tuple[list[ChangeEntry], int]:
            return history.changes(store, limit=SHOWN, **filters), history.count(store, **filters)

        def done(result: tuple[list[ChangeEntry], int]) -> None:
            if generation == self._generation and self.store is store:
                self._show(*result)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText(f"The history could not be read: {exc}")

        run_in_background(read, done, failed)

    def _fill_people(self) -> None:
        assert self.store is not None
        chosen = self.person.currentData()
        people = history.actors(self.store)
        if [self.person.itemData(i) for i in range(1, self.person.count())] == people:
            return
        self.person.blockSignals(True)
        self.person.clear()
        self.person.addItem("Everyone", None)
        for name in people:
            self.person.addItem(name, name)
        self.person.setCurrentIndex(max(0, self.person.findData(chosen)))
        self.person.blockSignals(False)

    def _show(self, entries: list[ChangeEntry], total: int) -> None:
        self.entries = entries
        self.table.clear()
        self.detail.clear()
        lines = []
        for index, e in enumerate(entries):
            line = QTreeWidgetItem([e.at.astimezone().strftime("%Y-%m-%d %H:%M"), e.who,
                                    ACTION_WORDS.get(e.action, e.action), e.item, e.summary, e.reason])
            line.setData(0, ENTRY_ROLE, index)
            line.setToolTip(1, e.who)
            line.setToolTip(3, e.item)
            line.setToolTip(4, e.summary)
            line.setToolTip(5, e.reason)
            lines.append(line)
        self.table.addTopLevelItems(lines)
        # the Who column wide enough for the longest name shown ("Ben Okafor (signed in as lead_wellness)"),
        # within reason: the name, not only its start
        metrics = self.table.fontMetrics()
        widest = max((metrics.horizontalAdvance(e.who) for e in entries[:500]), default=0) + 16
        self.table.setColumnWidth(1, max(110, min(widest, 420)))
        shown = f"the newest {len(entries):,} of " if total > len(entries) else ""
        self.summary.setText(f"{shown}{total:,} change{'s' if total != 1 else ''}")
        if lines:
            self.table.setCurrentItem(lines[0])

    def selected(self) -> ChangeEntry | None:
        line = self.table.currentItem()
        return None if line is None else self.entries[int(line.data(0, ENTRY_ROLE))]

    def _show_detail(self, line: QTreeWidgetItem | None) -> None:
        self.detail.clear()
        self.only_item.setEnabled(line is not None)
        if line is None:
            return
        entry = self.entries[int(line.data(0, ENTRY_ROLE))]
        self.detail.addTopLevelItems([QTreeWidgetItem([f.field, f.before, f.after]) for f in entry.fields])

    def _only_selected_item(self) -> None:
        entry = self.selected()
        if entry is not None and entry.row_id is not None:
            self.show_item(Item(entry.table, entry.row_id))

    def _open(self, line: QTreeWidgetItem) -> None:
        entry = self.entries[int(line.data(0, ENTRY_ROLE))]
        if entry.row_id is not None and entry.action != "delete":
            self.open_item.emit(Item(entry.table, entry.row_id))
