"""The scoreboard: a card per WIG of the chosen scope (district, pillar, division or department) with its
status, latest value and a small chart: a 4DX scoreboard readable at a glance. Cards are painted by a
delegate, so only those in view are drawn, however many WIGs the district has."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from planner.render.sparkline import paint_sparkline
from planner.render.status_style import COLOR, PATTERN, label
from planner.services.charts import Scope, ScoreCard, card_points, charted, scope_choices, scoreboard
from planner.services.plan_outline import list_plans
from planner.services.progress import Point
from planner.services.status import plan_rules
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.tasks import run_in_background

CARD_ROLE = Qt.ItemDataRole.UserRole + 20
CARD_SIZE = QSize(330, 200)
ModelIndex = QModelIndex | QPersistentModelIndex


class ScoreboardModel(QAbstractListModel):
    """The cards. A card may come without its chart's points (a whole district's are hundreds of thousands
    of values): when one is painted, `want` notes it and `wanted` is emitted once the paint is over; the
    page reads the points of every card noted (`take_wanted`) off the GUI thread and hands them to `fill`."""

    wanted = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cards: list[ScoreCard] = []
        self.generation = 0  # which set of cards a reading of points was asked for
        self._rows: dict[int, int] = {}  # WIG id -> row
        self._fresh: set[int] = set()  # WIGs whose points were read for this set of cards
        self._asked: set[int] = set()
        self._pending: list[int] = []
        self._ask = QTimer(self)
        self._ask.setSingleShot(True)
        self._ask.timeout.connect(self.wanted.emit)

    def set_cards(self, cards: list[ScoreCard]) -> None:
        """A card without its points keeps the ones it showed before (a new status after an edit) until its
        points are read again: no card goes blank while the board is redrawn."""
        before = {c.wig_id: c.chart.points for c in self.cards if c.charted}
        self.beginResetModel()
        self.generation += 1
        self.cards = [charted(c, before[c.wig_id]) if not c.charted and c.wig_id in before else c for c in cards]
        self._rows = {c.wig_id: row for row, c in enumerate(cards)}
        self._fresh = {c.wig_id for c in cards if c.charted}
        self._asked, self._pending = set(), []
        self.endResetModel()

    def want(self, row: int) -> None:
        """The card in `row` is being painted: its points are read unless they are already."""
        wig_id = self.cards[row].wig_id
        if wig_id in self._fresh or wig_id in self._asked:
            return
        self._asked.add(wig_id)
        self._pending.append(wig_id)
        if not self._ask.isActive():
            self._ask.start(0)  # after this paint: every card in view asked for in one reading

    def take_wanted(self) -> tuple[int, list[int]]:
        pending, self._pending = self._pending, []
        return self.generation, pending

    def fill(self, generation: int, points: dict[int, list[Point]]) -> None:
        """The points read for `generation`'s cards; a reading for cards since replaced is dropped."""
        if generation != self.generation:
            return
        for wig_id, shown in points.items():
            row = self._rows.get(wig_id)
            if row is None:
                continue
            self.cards[row] = charted(self.cards[row], shown)
            self._fresh.add(wig_id)
            index = self.index(row)
            self.dataChanged.emit(index, index, [CARD_ROLE])

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cards)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        card = self.cards[index.row()]
        if role == CARD_ROLE:
            return card
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{card.code}: {card.chart.progress.status.value}, latest {card.latest_text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{card.chart.title}\n\n{card.chart.progress.reason}"
        return None


class CardDelegate(QStyledItemDelegate):
    """Paints a card. `zoom` sizes its type and spacing (the wall mode reads across a room); `size` is set
    by fit_cards so the cards share the width of the view between them."""

    def __init__(self, parent: QWidget | None = None, zoom: float = 1.0) -> None:
        super().__init__(parent)
        self.zoom = zoom
        self.size = QSize(int(CARD_SIZE.width() * zoom), int(CARD_SIZE.height() * zoom))

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return self.size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        card: ScoreCard | None = index.data(CARD_ROLE)
        if card is None:
            return
        model = index.model()
        if isinstance(model, ScoreboardModel):
            model.want(index.row())
        z = self.zoom
        status = card.chart.progress.status
        rect = option.rect.adjusted(4, 4, -4, -4)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QPen(QColor(60, 120, 200) if selected else QColor(205, 205, 205), (2 if selected else 1) * z))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawRoundedRect(rect, 6 * z, 6 * z)
        text = rect.adjusted(int(10 * z), int(8 * z), -int(10 * z), -int(8 * z))
        normal = QFont(option.font)
        normal.setPointSizeF(normal.pointSizeF() * z)
        bold = QFont(normal)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(30, 30, 30))
        metrics = painter.fontMetrics()
        painter.drawText(QRect(text.left(), text.top(), text.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, metrics.elidedText(card.code, Qt.TextElideMode.ElideRight,
                                                                       text.width()))
        painter.setFont(normal)
        metrics = painter.fontMetrics()
        line = metrics.height()
        title_rect = QRect(text.left(), text.top() + line + 2, text.width(), line * 2)
        for i, shown in enumerate(wrapped(card.chart.title, metrics, text.width(), 2)):
            painter.drawText(QRect(title_rect.left(), title_rect.top() + i * line, title_rect.width(), line),
                             Qt.AlignmentFlag.AlignLeft, shown)
        badge = QRect(text.left(), title_rect.bottom() + int(6 * z),
                      max(int(110 * z), QFontMetrics(bold).horizontalAdvance(label(status)) + int(14 * z)),
                      line + int(6 * z))
        color = COLOR[status]
        painter.setPen(QPen(color, 1.5 * z))
        fill = QColor(color)
        fill.setAlpha(60)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(badge, 4 * z, 4 * z)
        pattern = PATTERN[status]
        if pattern not in (Qt.BrushStyle.SolidPattern, Qt.BrushStyle.NoBrush):
            painter.setBrush(QBrush(color, pattern))  # hatching, so status reads in black and white too
            painter.drawRoundedRect(badge, 4 * z, 4 * z)
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(bold)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label(status))
        painter.setFont(normal)
        painter.setPen(QColor(60, 60, 60))
        latest = QRect(badge.right() + int(8 * z), badge.top(), text.right() - badge.right() - int(8 * z),
                       badge.height())
        painter.drawText(latest, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(card.latest_text, Qt.TextElideMode.ElideRight, latest.width()))
        chart_rect = QRectF(text.left(), badge.bottom() + 6 * z, text.width(), text.bottom() - badge.bottom() - 6 * z)
        small = QFont(normal)
        small.setPointSizeF(normal.pointSizeF() * 0.85)
        painter.setFont(small)
        if card.charted:
            paint_sparkline(painter, chart_rect, card.chart, scale=z, axes=z > 1.5)
        else:  # its points are being read: the frame the chart will fill, and no "nothing logged" meanwhile
            painter.setPen(QPen(QColor(225, 225, 225), 1 * z))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(chart_rect)
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(chart_rect, Qt.AlignmentFlag.AlignCenter, "reading the chart…")
        painter.restore()


def wrapped(text: str, metrics: QFontMetrics, width: int, lines: int) -> list[str]:
    """`text` word-wrapped to `width`, at most `lines` lines, the last one ending in "…" when the text goes on
    (a sentence is never cut off mid-word without a sign that it continues)."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines:
        taken = 1
        while taken < len(words) and metrics.horizontalAdvance(" ".join(words[:taken + 1])) <= width:
            taken += 1
        out.append(" ".join(words[:taken]))
        words = words[taken:]
    if words and out:
        out[-1] = metrics.elidedText(f"{out[-1]} {' '.join(words)}", Qt.TextElideMode.ElideRight, width)
    elif out and metrics.horizontalAdvance(out[-1]) > width:  # one word wider than the card
        out[-1] = metrics.elidedText(out[-1], Qt.TextElideMode.ElideRight, width)
    return out


def fit_cards(view: QListView, delegate: CardDelegate) -> None:
    """As many cards as fit side by side at their smallest, widened to share the whole width: no empty
    strip on the right of the board."""
    spacing = view.spacing()
    width = view.viewport().width() - 2 * spacing - 2  # the viewport is what is left beside a scroll bar
    smallest = int(CARD_SIZE.width() * delegate.zoom)
    columns = max(1, (width + spacing) // (smallest + spacing))
    card = max(smallest // 2, (width - (columns - 1) * spacing) // columns - 2 * spacing)
    size = QSize(card, int(CARD_SIZE.height() * delegate.zoom))
    if size != delegate.size:
        delegate.size = size
        view.setGridSize(QSize(card + 2 * spacing, size.height() + 2 * spacing))


class _FitOnResize(QObject):
    def __init__(self, view: QListView, delegate: CardDelegate) -> None:
        super().__init__(view)
        self.view, self.delegate = view, delegate
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            fit_cards(self.view, self.delegate)
        return False


def card_view(model: ScoreboardModel, zoom: float = 1.0) -> tuple[QListView, CardDelegate]:
    view = QListView()
    view.setModel(model)
    delegate = CardDelegate(view, zoom)
    view.setItemDelegate(delegate)
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setFlow(QListView.Flow.LeftToRight)
    view.setWrapping(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setUniformItemSizes(True)
    view.setMovement(QListView.Movement.Static)
    view.setSpacing(4)
    view.setLayoutMode(QListView.LayoutMode.Batched)  # lays out in batches: a huge district stays responsive
    view.setBatchSize(200)
    _FitOnResize(view, delegate)
    return view, delegate


class WallBoard(QWidget):
    """The scoreboard for the wall: full screen, the cards and their type sized to the screen so they read
    across a room. Escape (or F11) leaves it."""

    closed = Signal()

    def __init__(self, model: ScoreboardModel, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("wall_board")
        self.setWindowTitle("Scoreboard — Wall Mode")
        self.setStyleSheet("background: #f4f4f4;")
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        height = screen.geometry().height() if screen is not None else 1080
        self.zoom = wall_zoom(height)
        self.heading = QLabel(heading)
        self.heading.setObjectName("wall_heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * self.zoom * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.view, self.delegate = card_view(model, self.zoom)
        self.view.setObjectName("wall_cards")
        self.view.setAccessibleName("Wall scoreboard")
        self.hint = QLabel("Esc leaves the wall mode")
        self.hint.setStyleSheet("color: #777;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):  # type: ignore[attr-defined]
            self.close()
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)


def wall_zoom(screen_height: int) -> float:
    """How much bigger than on a desk the wall's type is: about 2x on a 1080-line screen, more on a 4K one."""
    return max(1.6, screen_height / 540)


class ScoreboardPage(FollowsDocument, QWidget):
    open_wig = Signal(int)

    def __init__(self, doc: PlanDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follow(doc)
        doc.status_ready.connect(self._status_ready)
        self.plan_id: int | None = None
        self._loaded = False
        self._generation = 0
        self._waiting = False
        self.scope_combo = QComboBox()
        self.scope_combo.setObjectName("scope")
        self.scope_combo.setAccessibleName("Scoreboard scope")
        self.scope_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scope_combo.setMinimumContentsLength(30)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.rules.setStyleSheet("color: #555;")
        self.model = ScoreboardModel(self)
        self.view, self.delegate = card_view(self.model)
        self.view.setObjectName("cards")
        self.view.setAccessibleName("Scoreboard")
        self.wall_button = QPushButton("&Wall Mode")
        self.wall_button.setObjectName("wall_mode")
        self.wall_button.setToolTip("The scoreboard full screen, to read across a room (F11; Esc leaves)")
        self.wall_button.clicked.connect(self.show_wall)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.show_wall)
        self.wall: WallBoard | None = None
        self.view.activated.connect(lambda index: self.open_wig.emit(self.model.cards[index.row()].wig_id))
        self.model.wanted.connect(self._read_points)
        top = QHBoxLayout()
        buddy = QLabel("&Show:")
        buddy.setBuddy(self.scope_combo)
        top.addWidget(buddy)
        top.addWidget(self.scope_combo, 1)
        top.addWidget(self.summary, 2)
        top.addWidget(self.wall_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rules)
        layout.addWidget(self.view, 1)
        self.scope_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    def show_wall(self) -> WallBoard:
        """The wall mode: the same cards, full screen, for the scope shown."""
        if self.wall is None:
            self.wall = WallBoard(self.model, "", self)
            self.wall.closed.connect(lambda: setattr(self, "wall", None))
            self.wall.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.wall.heading.setText(f"{self.scope_combo.currentText()} — {self.summary.text()}")
        self.wall.showFullScreen()
        fit_cards(self.wall.view, self.wall.delegate)
        return self.wall

    def mark_stale(self) -> None:
        """Also while only the wall is on screen: the meeting room's scoreboard follows the desk's edits."""
        if self.wall is not None and self.wall.isVisible() and not self.isVisible():
            self.stale = False
            self.refresh()
            return
        super().mark_stale()

    def opened(self) -> None:
        """Another file; its scopes are read when the scoreboard is first shown."""
        self.plan_id = None
        self._loaded = False
        self._generation += 1
        self.scope_combo.clear()
        self.model.set_cards([])

    def _load_scopes(self) -> None:
        self._loaded = True
        store = self.store
        self.scope_combo.blockSignals(True)
        self.scope_combo.clear()
        if store is not None:
            plans = [p for p in list_plans(store) if not p.archived]
            if plans:
                self.plan_id = plans[0].id
                for text, scope in scope_choices(store, self.plan_id):
                    self.scope_combo.addItem(text, scope)
        self.scope_combo.blockSignals(False)
        self.model.set_cards([])

    def select_scope(self, text_start: str) -> None:
        if not self._loaded:
            self._load_scopes()
        for i in range(self.scope_combo.count()):
            if self.scope_combo.itemText(i).startswith(text_start):
                self.scope_combo.setCurrentIndex(i)
                return

    def refresh(self) -> None:
        if self.store is not None and not self._loaded:
            self._load_scopes()
        if self.store is None or self.plan_id is None:
            self.model.set_cards([])
            return
        scope = self.scope_combo.currentData() or Scope()
        store, plan_id, today = self.store, self.plan_id, self.today()
        year_id = self.doc.year_id_for(plan_id)
        status = self.doc.status(plan_id, year_id)  # the statuses the window shares
        self._waiting = status is None
        if status is None:
            self.summary.setText("Working out statuses…")
            return  # `_status_ready` comes back here
        self._generation += 1
        generation = self._generation
        self.summary.setText("Working out statuses…")

        def done(cards: list[ScoreCard]) -> None:
            if generation == self._generation and self.store is store:
                self._show(cards)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText(f"The scoreboard could not be read: {exc}")

        run_in_background(lambda: scoreboard(store, plan_id, scope, today, year_id, status, points=False), done,
                          failed)

    def _read_points(self) -> None:
        """The points of the cards painted without them, read off the GUI thread."""
        generation, wig_ids = self.model.take_wanted()
        store = self.store
        if not wig_ids or store is None:
            return

        def failed(exc: BaseException) -> None:
            if generation == self.model.generation:
                self.summary.setText(f"A chart could not be read: {exc}")

        run_in_background(lambda: card_points(store, wig_ids), lambda found: self.model.fill(generation, found),
                          failed)

    def shows(self, change: Changed) -> bool:
        return change.moves_status

    def _status_ready(self, plan_id: int) -> None:
        if plan_id == self.plan_id:
            if self._waiting:
                self.refresh()
            else:
                self.mark_stale()  # new statuses (another page's edit): shown now if on screen, else next time

    def _show(self, cards: list[ScoreCard]) -> None:
        assert self.store is not None and self.plan_id is not None
        self.model.set_cards(cards)
        counts: dict[str, int] = {}
        for card in cards:
            counts[card.chart.progress.status.value] = counts.get(card.chart.progress.status.value, 0) + 1
        shown = ", ".join(f"{n} {s.lower()}" for s, n in counts.items())
        self.summary.setText(f"{len(cards)} WIG{'' if len(cards) == 1 else 's'}: {shown}")
        if self.wall is not None:
            self.wall.heading.setText(f"{self.scope_combo.currentText()} — {self.summary.text()}")
        self.rules.setText("Status rules: " + plan_rules(self.store, self.plan_id).thresholds.describe())
