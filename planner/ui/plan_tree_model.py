"""The plan tree's item model: the outline rows of one plan and view, filtered in place, with drag and drop
that offers only the moves a plan permits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from planner.render.status_style import tint
from planner.services.plan_nodes import KIND_LABEL, Kind, NodeKey, allowed_parent
from planner.services.plan_outline import OutlineRow

MIME_TYPE = "application/x-planner-node"
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
MATCH_ROLE = Qt.ItemDataRole.UserRole + 2
SHORT_TITLE = 140
MOVABLE = {Kind.PILLAR, Kind.PRIORITY, Kind.STRATEGY, Kind.WIG, Kind.KEY_LEVER, Kind.MEASURE, Kind.DEPARTMENT}

ModelIndex = QModelIndex | QPersistentModelIndex


class _Node:
    __slots__ = ("children", "match", "parent", "position", "row", "text", "visible")

    def __init__(self, row: OutlineRow | None, parent: _Node | None) -> None:
        self.row = row
        self.parent = parent
        self.children: list[_Node] = []
        self.visible: list[_Node] = []
        self.position = 0  # row among the parent's visible children
        self.match = False
        self.text = row.search_text if row else ""


@dataclass(frozen=True)
class TreeFilter:
    text: str = ""
    pillar: str | None = None
    division_id: int | None = None
    department_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or any(v is not None for v in (self.pillar, self.division_id,
                                                                       self.department_id))

    def passes(self, row: OutlineRow) -> bool:
        if self.pillar is not None and row.pillar != self.pillar:
            return False
        if self.division_id is not None and row.division_id != self.division_id:
            return False
        return self.department_id is None or self.department_id in row.department_ids


class PlanTreeModel(QAbstractItemModel):
    COL_CODE, COL_TITLE, COL_OWNER, COL_STATUS = range(4)
    HEADERS = ("Code", "Title", "Owner", "Status")

    move_requested = Signal(object, object, int)  # key, new parent key, index among same-kind siblings

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None, None)
        self._by_key: dict[NodeKey, _Node] = {}
        self._filter = TreeFilter()
        self.level_names: tuple[str, ...] = ()
        self.matches = 0
        # Status of a node: (text, Status, tooltip), or None while there is none. Set by the page.
        self.status_lookup: Callable[[NodeKey], tuple[str, Any, str] | None] = lambda key: None
        self.read_only = False

    # ---- loading and filtering ---------------------------------------------------------------------------
    def load(self, rows: Iterable[OutlineRow], level_names: tuple[str, ...] = ()) -> None:
        self.beginResetModel()
        self.level_names = level_names
        self._root = _Node(None, None)
        self._by_key = {}
        rows = list(rows)
        for row in rows:
            self._by_key[row.key] = _Node(row, None)
        for row in rows:
            node = self._by_key[row.key]
            parent = self._by_key.get(row.parent) if row.parent is not None else self._root
            node.parent = parent or self._root
            node.parent.children.append(node)
        stack = [self._root]
        while stack:
            node = stack.pop()
            node.children.sort(key=lambda n: n.row.sort)  # type: ignore[union-attr]
            stack.extend(node.children)
        self._apply_filter()
        self.endResetModel()

    def set_filter(self, tree_filter: TreeFilter) -> None:
        self.beginResetModel()
        self._filter = tree_filter
        self._apply_filter()
        self.endResetModel()

    @property
    def filter(self) -> TreeFilter:
        return self._filter

    def _apply_filter(self) -> None:
        f = self._filter
        needle = f.text.strip().lower()
        nodes = list(self._by_key.values())
        if not f.active:
            for node in nodes:
                node.match = False
            self._set_visible(self._root, lambda n: True)
            self.matches = 0
            return
        shown: set[int] = set()
        matched = 0
        for node in nodes:
            row = node.row
            assert row is not None
            node.match = f.passes(row) and (not needle or needle in node.text)
            if not node.match:
                continue
            matched += 1
            # the match, its ancestors, and its descendants that pass the pickers
            up: _Node | None = node
            while up is not None and id(up) not in shown:
                shown.add(id(up))
                up = up.parent
            stack = list(node.children)
            while stack:
                child = stack.pop()
                if (child.row is not None and f.passes(child.row)) or child.row is None:
                    shown.add(id(child))
                    stack.extend(child.children)
        self.matches = matched
        self._set_visible(self._root, lambda n: id(n) in shown)

    @staticmethod
    def _set_visible(root: _Node, keep: Callable[[_Node], bool]) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            node.visible = [c for c in node.children if keep(c)]
            for i, child in enumerate(node.visible):
                child.position = i
            stack.extend(node.visible)

    def refresh_status(self) -> None:
        """Statuses changed (a value was logged): repaint the Status column."""
        top = self.rowCount()
        if top:
            self.dataChanged.emit(self.index(0, self.COL_STATUS), self.index(top - 1, self.COL_STATUS))
        # children's status cells too: one layout change (rows do not move), announced first as Qt requires;
        # found by QAbstractItemModelTester (tests/test_item_models.py)
        self.layoutAboutToBeChanged.emit()
        self.layoutChanged.emit()

    def update_text(self, key: NodeKey, code: str | None, title: str) -> None:
        """A field edit changed a node's code or text: repaint that row only."""
        node = self._by_key.get(key)
        if node is None or node.row is None:
            return
        if code is not None:
            node.row.code = code
        node.row.title = title
        node.text = node.row.search_text
        if self._is_shown(node):
            self.dataChanged.emit(self.createIndex(node.position, 0, node),
                                  self.createIndex(node.position, len(self.HEADERS) - 1, node))

    # ---- lookups -------------------------------------------------------------------------------------------
    def key(self, index: ModelIndex) -> NodeKey | None:
        node = self._node(index)
        return node.row.key if node is not None and node.row is not None else None

    def row_for(self, key: NodeKey) -> OutlineRow | None:
        node = self._by_key.get(key)
        return node.row if node else None

    def index_for(self, key: NodeKey, column: int = 0) -> QModelIndex:
        node = self._by_key.get(key)
        if node is None or not self._is_shown(node):
            return QModelIndex()
        return self.createIndex(node.position, column, node)

    def _is_shown(self, node: _Node) -> bool:
        while node.parent is not None:
            parent = node.parent
            if node.position >= len(parent.visible) or parent.visible[node.position] is not node:
                return False
            node = parent
        return True

    def parent_key(self, key: NodeKey) -> NodeKey | None:
        node = self._by_key.get(key)
        if node is None or node.parent is None or node.parent.row is None:
            return None
        return node.parent.row.key

    def siblings(self, key: NodeKey) -> list[NodeKey]:
        """All siblings of the same kind, in order (filtered or not)."""
        node = self._by_key.get(key)
        if node is None or node.parent is None:
            return []
        return [c.row.key for c in node.parent.children if c.row is not None and c.row.key.kind is key.kind]

    def matched_keys(self, limit: int) -> list[NodeKey]:
        found = []
        for node in self._by_key.values():
            if node.match and node.row is not None:
                found.append(node.row.key)
                if len(found) >= limit:
                    break
        return found

    def is_ancestor(self, ancestor: NodeKey, key: NodeKey) -> bool:
        node = self._by_key.get(key)
        while node is not None and node.row is not None:
            if node.row.key == ancestor:
                return True
            node = node.parent
        return False

    def level_label(self, kind: Kind) -> str:
        depth = {Kind.PILLAR: 0, Kind.PRIORITY: 1, Kind.STRATEGY: 2, Kind.WIG: 3, Kind.KEY_LEVER: 4}.get(kind)
        if depth is not None and depth < len(self.level_names):
            return "WIG" if self.level_names[depth] == "Wildly Important Goal" else self.level_names[depth]
        return KIND_LABEL[kind][:1].upper() + KIND_LABEL[kind][1:]

    def _node(self, index: ModelIndex) -> _Node | None:
        if not index.isValid():
            return None
        return index.internalPointer()  # type: ignore[no-any-return]

    # ---- QAbstractItemModel ------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent) or self._root
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if 0 <= row < len(node.visible) and 0 <= column < len(self.HEADERS):
            return self.createIndex(row, column, node.visible[row])
        return QModelIndex()

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.position, 0, node.parent)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent) or self._root
        return len(node.visible)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        node = self._node(index)
        if node is None or node.row is None:
            return None
        row = node.row
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.COL_CODE:
                return row.code
            if column == self.COL_TITLE:
                first = row.title.splitlines()[0] if row.title else ""
                return first if len(first) <= SHORT_TITLE else first[: SHORT_TITLE - 1].rstrip() + "…"
            if column == self.COL_OWNER:
                return row.owner
            found = self.status_lookup(row.key)
            return found[0] if found else ""
        if column == self.COL_STATUS and role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole):
            found = self.status_lookup(row.key)
            if found is None:
                return None
            return found[2] if role == Qt.ItemDataRole.ToolTipRole else tint(found[1], 55)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self.level_label(row.key.kind)} {row.code}\n{row.title}".strip()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self.level_label(row.key.kind)} {row.code}: {row.title}" + (" (match)" if node.match else "")
        if role == KEY_ROLE:
            return str(row.key)
        if role == MATCH_ROLE:
            return node.match
        if node.match and self._filter.active:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)  # the match is bold as well as tinted: not by colour alone
                return font
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(255, 236, 150))
        if role == Qt.ItemDataRole.FontRole and row.key.kind in (Kind.PILLAR, Kind.DIVISION, Kind.GROUP):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None or node.row is None:
            return Qt.ItemFlag.ItemIsDropEnabled if not self.read_only else Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.read_only:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
            if node.row.key.kind in MOVABLE:
                flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    # ---- drag and drop -----------------------------------------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        data = QMimeData()
        keys = {self.key(i) for i in indexes if i.isValid()}
        keys.discard(None)
        if len(keys) == 1:
            data.setData(MIME_TYPE, str(keys.pop()).encode())
        return data

    def _drop_target(self, data: QMimeData, parent: ModelIndex) -> tuple[NodeKey, NodeKey] | None:
        if self.read_only or not data.hasFormat(MIME_TYPE):
            return None
        try:
            key = NodeKey.parse(bytes(data.data(MIME_TYPE).data()).decode())
        except ValueError:
            return None
        target = self.key(parent)
        if target is None or target == key or self.is_ancestor(key, target):
            return None
        if not allowed_parent(key.kind, target.kind):
            return None
        return key, target

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: ModelIndex) -> bool:
        return action == Qt.DropAction.MoveAction and self._drop_target(data, parent) is not None

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: ModelIndex) -> bool:
        found = self._drop_target(data, parent)
        if found is None:
            return False
        key, target = found
        node = self._node(parent)
        assert node is not None
        same_kind = [c for c in node.children if c.row is not None and c.row.key.kind is key.kind]
        if row < 0 or row >= len(node.visible):
            index = len(same_kind)
        else:
            before = node.visible[row]
            index = sum(1 for c in same_kind if node.children.index(c) < node.children.index(before))
        if node.row is not None and key in [c.row.key for c in same_kind if c.row] and index > [
                c.row.key for c in same_kind if c.row].index(key):
            index -= 1  # moving down within the same parent: the item's own slot closes up
        self.move_requested.emit(key, target, index)
        return False  # the move is done by the service and the tree reloaded; the view removes nothing
