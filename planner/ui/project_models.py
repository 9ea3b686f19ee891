"""The project workbook's item models: the projects table, one table model per kind of record (milestones,
tasks, the RAID log, weekly updates) and the projects' filter."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from planner.services import projects as pj
from planner.services.fields import FieldKind
from planner.services.projects import COLUMNS, Entity, ProjectRow
from planner.services.wig_parser import format_number
from planner.ui.sorting import sort_rows

SORT_ROLE = Qt.ItemDataRole.UserRole + 30
KEY_ROLE = Qt.ItemDataRole.UserRole + 31  # a Carries line's node, as "kind:id" text (see CarriesPicker)
DEPTH_ROLE = Qt.ItemDataRole.UserRole + 32
ModelIndex = QModelIndex | QPersistentModelIndex
OVERDUE_BRUSH = QBrush(QColor(198, 40, 40, 45))


def show_value(kind: FieldKind, value: Any) -> str:
    if value is None:
        return ""
    if kind is FieldKind.TASKS:
        return ", ".join(f"#{n}" for n in value)
    if kind in (FieldKind.AMOUNT, FieldKind.PERCENT):
        return format_number(float(value)) + ("%" if kind is FieldKind.PERCENT else "")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class ProjectsModel(QAbstractTableModel):
    HEADERS = ("Project", "Lead", "Status", "% done", "Start", "End", "Pillar", "Carries", "Last update", "Flags")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ProjectRow] = []
        self._sort_column, self._sort_order = 0, Qt.SortOrder.AscendingOrder

    def set_rows(self, rows: list[ProjectRow]) -> None:
        self.beginResetModel()
        self.rows = sorted(rows, key=self._key(self._sort_column),
                           reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def _key(self, column: int) -> Any:
        """One key a row (planner/ui/sorting.py; a sorting proxy took about 2 s for 5,000 rows at x10). Text
        by its characters, % done by its number, a missing date after the rest."""
        def key(row: ProjectRow) -> tuple[bool, Any]:
            value = row.percent_complete if column == 3 else self._value(row, column)
            if isinstance(value, str):
                return (False, value)
            return (value is None, value if value is not None else 0)
        return key

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.HEADERS):
            return
        self._sort_column, self._sort_order = column, order
        sort_rows(self, self.rows, self._key(column), descending=order == Qt.SortOrder.DescendingOrder)

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
        # Qt asks for a dozen roles a cell and the sort asks 5,000 rows' keys many times over (the x10 Workbook
        # tab froze seconds here): answer the roles shown at once, and work out only the one column asked for.
        if not index.isValid() or role not in self._ROLES:
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.BackgroundRole:
            return OVERDUE_BRUSH if row.overdue or row.overdue_items else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.carries if column == 7 else None
        if role == SORT_ROLE and column == 3:
            return row.percent_complete
        value = self._value(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            return value.isoformat() if isinstance(value, date) else value
        return value.toordinal() if isinstance(value, date) else (value or "")

    _ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, SORT_ROLE,
                        Qt.ItemDataRole.BackgroundRole})

    def _value(self, row: ProjectRow, column: int) -> Any:
        if column == 0:
            return row.name
        if column == 1:
            return row.lead
        if column == 2:
            return row.status.value
        if column == 3:
            return f"{row.percent_complete:.0f}%"
        if column == 9:
            return self.flags_text(row)
        return (row.start, row.end, row.pillar, row.carries, row.last_update)[column - 4]


class RecordModel(QAbstractTableModel):
    """A project's milestones, tasks, RAID items or updates; edits are handed to the page to save."""

    edit_requested = Signal(int, str, object)  # record id, field, typed value

    def __init__(self, entity: Entity, parent: QObject | None = None) -> None:
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
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags  # Qt's contract (QAbstractItemModelTester): nothing for the root
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


class ProjectFilter(QSortFilterProxyModel):
    """Filters the projects; sorting is passed on to the ProjectsModel, which sorts its list with one key a
    row, and the proxy keeps the source's order (its sort column stays -1)."""

    # Defaults until set_filter: a missing attribute's getattr on a Qt object searched Qt's names (0.9 s a
    # 5,000-row fill at x10, the list filled before any filter was set).
    _status: str | None = None
    _owner = ""
    _pillar: str | None = None
    _lever = ""
    _overdue = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

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
