"""The plan tree's item model: the outline rows of one plan and view, filtered in place, with drag and drop
that offers only the moves a plan permits.

Built to stay quick on a plan a hundred times the district's (50,000 rows): loading links the rows to their
parents and nothing more; a node's shown children are worked out the first time the view asks for them, and
handed out in batches (canFetchMore / fetchMore) so a long list costs only what is scrolled to. The filter
reads a prebuilt index of every row's text (made on its first use) and, while the words typed grow, looks
only among the rows that matched the shorter words; a keystroke marks the matches and their ancestors, and
the view asks for the rest as it shows it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
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
FETCH_BATCH = 256  # children handed to the view at a time; the view asks for more as it scrolls
MOVABLE = {Kind.PILLAR, Kind.PRIORITY, Kind.STRATEGY, Kind.WIG, Kind.KEY_LEVER, Kind.MEASURE, Kind.DEPARTMENT}
BOLD_KINDS = frozenset({Kind.PILLAR, Kind.DIVISION, Kind.GROUP})
# Item flags worked out once: combining Qt's flag enums in Python is slow, and the view asks for every row.
_NONE = Qt.ItemFlag.NoItemFlags
_READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DROP = _READ_ONLY | Qt.ItemFlag.ItemIsDropEnabled
_DRAG = _DROP | Qt.ItemFlag.ItemIsDragEnabled
# Key levers and measures never have children: saying so spares the view asking for each of them.
LEAVES = frozenset({Kind.KEY_LEVER, Kind.MEASURE})
_LEAF = Qt.ItemFlag.ItemNeverHasChildren
_FLAGS = {(leaf, read_only, movable): (_READ_ONLY if read_only else _DRAG if movable else _DROP) | (
    _LEAF if leaf else _NONE) for leaf in (False, True) for read_only in (False, True) for movable in (False, True)}
_ROOT_DROP = Qt.ItemFlag.ItemIsDropEnabled
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
# The roles the model answers: the delegate asks a dozen for every cell it paints, most of them none of these.
_ANSWERED = frozenset({_DISPLAY, _TOOLTIP, _BACKGROUND, _FONT, _ACCESSIBLE, int(KEY_ROLE), int(MATCH_ROLE)})
_MATCH_BRUSH = QBrush(QColor(255, 236, 150))

ModelIndex = QModelIndex | QPersistentModelIndex


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class _Node:
    __slots__ = ("above", "children", "fetched", "generation", "matched", "order", "parent", "position", "row",
                 "visible")

    def __init__(self, row: OutlineRow | None, parent: _Node | None, order: int = -1) -> None:
        self.row = row
        self.parent = parent
        self.order = order  # the row's place in the loaded rows (and in the text index)
        self.children: list[_Node] = []
        self.visible: list[_Node] = []  # the children shown under the filter of `generation`
        self.generation = -1  # which filter `visible` was worked out for (-1: not yet)
        self.fetched = 0  # how many of `visible` the view has been given
        self.position = 0  # row among the parent's visible children
        # the filter generation in which this node matched, and in which it was a match or above one: a stamp
        # rather than membership of a set made each keystroke (a one-letter filter marks 30,000 nodes at x100)
        self.matched = -1
        self.above = -1


@dataclass(frozen=True)
class TreeFilter:
    text: str = ""
    pillar: str | None = None
    division_id: int | None = None
    department_id: int | None = None

    # worked out once a filter: the model asks them for every branch it shows
    @cached_property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.pickers

    @cached_property
    def pickers(self) -> bool:
        """Whether a pillar, division or department is chosen."""
        return any(v is not None for v in (self.pillar, self.division_id, self.department_id))

    @cached_property
    def needle(self) -> str:
        return self.text.strip().lower()

    def passes(self, row: OutlineRow) -> bool:
        if self.pillar is not None and row.pillar != self.pillar:
            return False
        if self.division_id is not None and row.division_id != self.division_id:
            return False
        return self.department_id is None or self.department_id in row.department_ids


class TextIndex:
    """Every row's searchable text in lower case, in the rows' order, made once per load: a keystroke is
    then a scan of strings held in memory, and a longer needle scans only what the shorter one found."""

    def __init__(self, rows: list[OutlineRow]) -> None:
        self.texts = [r.search_text for r in rows]
        self._last: tuple[str, list[int]] | None = None

    def containing(self, needle: str) -> list[int]:
        """The places of the rows whose text contains `needle` (every row for an empty needle), in order."""
        texts = self.texts
        if not needle:
            return list(range(len(texts)))
        last = self._last
        if last is not None and last[0] in needle:  # the words grew: only the rows found before can match
            found = [i for i in last[1] if needle in texts[i]]
        else:
            found = [i for i, text in enumerate(texts) if needle in text]
        self._last = (needle, found)
        return found

    def update(self, place: int, text: str) -> None:
        self.texts[place] = text
        self._last = None


class PlanTreeModel(QAbstractItemModel):
    COL_CODE, COL_TITLE, COL_OWNER, COL_STATUS = range(4)
    HEADERS = ("Code", "Title", "Owner", "Status")

    move_requested = Signal(object, object, int)  # key, new parent key, index among same-kind siblings

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(None, None)
        self._by_key: dict[NodeKey, _Node] = {}
        self._nodes: list[_Node] = []  # in the loaded rows' order
        self._index: TextIndex | None = None  # made on the filter's first use
        self._filter = TreeFilter()
        self._generation = 0
        self._match_order: list[_Node] = []
        self.level_names: tuple[str, ...] = ()
        self.matches = 0
        # Status of a node: (text, Status, tooltip), or None while there is none. Set by the page.
        self.status_lookup: Callable[[NodeKey], tuple[str, Any, str] | None] = lambda key: None
        self.read_only = False
        self._bold = _bold()

    # ---- loading and filtering ---------------------------------------------------------------------------
    def load(self, rows: Iterable[OutlineRow], level_names: tuple[str, ...] = ()) -> None:
        self.beginResetModel()
        for old in self._nodes:  # the old tree's links undone: freed at once, even when it was frozen (gc.freeze)
            old.parent, old.children, old.visible = None, [], []
        self._root.children, self._root.visible = [], []
        self._match_order = []
        self.level_names = level_names
        self._root = root = _Node(None, None)
        rows = list(rows)
        nodes = [_Node(row, root, n) for n, row in enumerate(rows)]
        by_key = self._by_key = {row.key: node for row, node in zip(rows, nodes, strict=True)}
        self._nodes = nodes
        self._index = None
        get = by_key.get
        for row, node in zip(rows, nodes, strict=True):
            parent = get(row.parent) if row.parent is not None else None
            if parent is not None:
                node.parent = parent
            node.parent.children.append(node)  # type: ignore[union-attr]
        for node in (root, *nodes):
            if len(node.children) > 1:
                node.children.sort(key=lambda n: n.row.sort)  # type: ignore[union-attr]
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

    def text_index(self) -> TextIndex:
        """The index of the rows' text (made now if the filter has not been used since the load)."""
        if self._index is None:
            self._index = TextIndex([n.row for n in self._nodes])  # type: ignore[misc]
        return self._index

    def rows_matching(self, text: str) -> list[OutlineRow]:
        """The loaded rows whose text contains `text`, pickers aside, in order."""
        nodes = self._nodes
        return [nodes[i].row for i in self.text_index().containing(text.strip().lower())]  # type: ignore[misc]

    def _apply_filter(self) -> None:
        """Marks the matches and their ancestors; what each node shows is worked out when it is asked for."""
        self._generation += 1
        f = self._filter
        self._match_order = []
        self.matches = 0
        if not f.active:
            return
        nodes = self._nodes
        candidates = (nodes[i] for i in self.text_index().containing(f.needle)) if f.needle else iter(nodes)
        order = [n for n in candidates if f.passes(n.row)] if f.pickers else list(candidates)  # type: ignore[arg-type]
        generation = self._generation
        for node in order:
            node.matched = generation
            up: _Node | None = node
            while up is not None and up.above != generation:  # the matches and every ancestor of one
                up.above = generation
                up = up.parent
        self._match_order = order
        self.matches = len(order)

    def _visible(self, node: _Node) -> list[_Node]:
        """The children `node` shows under the filter, worked out on first use in each filter's generation."""
        if node.generation == self._generation:
            return node.visible
        f = self._filter
        if not f.active:
            shown = node.children
        elif self._inside(node):  # under a match: its descendants that pass the pickers, and further matches
            generation = self._generation
            shown = [c for c in node.children if c.above == generation or f.passes(c.row)]  # type: ignore[arg-type]
        else:  # the way down to the matches
            generation = self._generation
            shown = [c for c in node.children if c.above == generation]
        if shown is not node.visible:  # the same list as last time (the whole tree again): positions hold
            for i, child in enumerate(shown):
                child.position = i
        node.visible = shown
        node.generation = self._generation
        node.fetched = min(len(shown), FETCH_BATCH)
        return shown

    def _inside(self, node: _Node) -> bool:
        """Whether `node` is a match or below one."""
        generation = self._generation
        up: _Node | None = node
        while up is not None and up.row is not None:
            if up.matched == generation:
                return True
            up = up.parent
        return False

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
        if self._index is not None:
            self._index.update(node.order, node.row.search_text)
        if self._is_shown(node) and node.position < node.parent.fetched:  # type: ignore[union-attr]
            self.dataChanged.emit(self.createIndex(node.position, 0, node),
                                  self.createIndex(node.position, len(self.HEADERS) - 1, node))

    # ---- lookups -------------------------------------------------------------------------------------------
    def key(self, index: ModelIndex) -> NodeKey | None:
        node = self._node(index)
        return node.row.key if node is not None and node.row is not None else None

    def row_for(self, key: NodeKey) -> OutlineRow | None:
        node = self._by_key.get(key)
        return node.row if node else None

    def rows(self) -> list[OutlineRow]:
        """Every loaded row, shown or not, in the order loaded."""
        return [n.row for n in self._nodes]  # type: ignore[misc]

    def index_for(self, key: NodeKey, column: int = 0) -> QModelIndex:
        """The row of `key`, handed to the view first (with its ancestors) if it was not yet; invalid when the
        filter hides it."""
        node = self._by_key.get(key)
        if node is None or not self._is_shown(node):
            return QModelIndex()
        chain = []
        up: _Node | None = node
        while up is not None and up.parent is not None:
            chain.append(up)
            up = up.parent
        for child in reversed(chain):
            parent = child.parent
            assert parent is not None
            while child.position >= parent.fetched:
                self.fetchMore(QModelIndex() if parent is self._root else self.createIndex(parent.position, 0, parent))
        return self.createIndex(node.position, column, node)

    def _is_shown(self, node: _Node) -> bool:
        while node.parent is not None:
            parent = node.parent
            shown = self._visible(parent)
            if node.position >= len(shown) or shown[node.position] is not node:
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
        return [n.row.key for n in self._match_order[:limit] if n.row is not None]

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
        if parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            node = parent.internalPointer()
        else:
            node = self._root
        shown = self._visible(node)
        if 0 <= row < node.fetched and 0 <= column < 4:
            return self.createIndex(row, column, shown[row])
        return QModelIndex()

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.position, 0, node.parent)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            if parent.column() != 0:
                return 0
            node = parent.internalPointer()
        else:
            node = self._root
        self._visible(node)
        return node.fetched  # type: ignore[no-any-return]

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 4

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid():
            if parent.column() != 0:
                return False
            node = parent.internalPointer()
        else:
            node = self._root
        return bool(self._visible(node))

    def canFetchMore(self, parent: ModelIndex) -> bool:
        node = self._node(parent) or self._root
        if parent.isValid() and parent.column() != 0:
            return False
        return node.fetched < len(self._visible(node))

    def fetchMore(self, parent: ModelIndex) -> None:
        node = self._node(parent) or self._root
        if parent.isValid() and parent.column() != 0:
            return
        shown = self._visible(node)
        more = min(len(shown), node.fetched + FETCH_BATCH)
        if more <= node.fetched:
            return
        self.beginInsertRows(parent, node.fetched, more - 1)
        node.fetched = more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ANSWERED:
            return None
        node = self._node(index)
        if node is None or node.row is None:
            return None
        row = node.row
        column = index.column()
        if role == _DISPLAY:
            if column == self.COL_CODE:
                return row.code
            if column == self.COL_TITLE:
                first = row.title.splitlines()[0] if row.title else ""
                return first if len(first) <= SHORT_TITLE else first[: SHORT_TITLE - 1].rstrip() + "…"
            if column == self.COL_OWNER:
                return row.owner
            found = self.status_lookup(row.key)
            return found[0] if found else ""
        if column == self.COL_STATUS and role in (_TOOLTIP, _BACKGROUND):
            found = self.status_lookup(row.key)
            if found is None:
                return None
            return found[2] if role == _TOOLTIP else tint(found[1], 55)
        if role == _TOOLTIP:
            return f"{self.level_label(row.key.kind)} {row.code}\n{row.title}".strip()
        match = node.matched == self._generation
        if role == _ACCESSIBLE:
            return f"{self.level_label(row.key.kind)} {row.code}: {row.title}" + (" (match)" if match else "")
        if role == KEY_ROLE:
            return str(row.key)
        if role == MATCH_ROLE:
            return match
        if match:
            if role == _FONT:
                return self._bold  # the match is bold as well as tinted: not by colour alone
            if role == _BACKGROUND:
                return _MATCH_BRUSH
        if role == _FONT and row.key.kind in BOLD_KINDS:
            return self._bold
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None or node.row is None:
            return _ROOT_DROP if not self.read_only else _NONE
        kind = node.row.key.kind
        return _FLAGS[kind in LEAVES, self.read_only, kind in MOVABLE]

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
        shown = self._visible(node)
        if row < 0 or row >= len(shown):
            index = len(same_kind)
        else:
            before = shown[row]
            index = sum(1 for c in same_kind if node.children.index(c) < node.children.index(before))
        if node.row is not None and key in [c.row.key for c in same_kind if c.row] and index > [
                c.row.key for c in same_kind if c.row].index(key):
            index -= 1  # moving down within the same parent: the item's own slot closes up
        self.move_requested.emit(key, target, index)
        return False  # the move is done by the service and the tree reloaded; the view removes nothing
