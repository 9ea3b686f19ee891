"""The scoreboard: a card per WIG of the chosen scope (district, pillar, division or department) with its
status, latest value and a small chart: a 4DX scoreboard readable at a glance. Cards are painted by a
delegate, so only those in view are drawn, however many WIGs the district has."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from planner.render.sparkline import paint_sparkline
from planner.render.status_style import COLOR, PATTERN, label
from planner.services.charts import Scope, ScoreCard, scope_choices, scoreboard
from planner.services.plan_outline import list_plans
from planner.services.status import plan_rules
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.tasks import run_in_background

CARD_ROLE = Qt.ItemDataRole.UserRole + 20
CARD_SIZE = QSize(330, 200)
ModelIndex = QModelIndex | QPersistentModelIndex


class ScoreboardModel(QAbstractListModel):
    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)
        self.cards: list[ScoreCard] = []

    def set_cards(self, cards: list[ScoreCard]) -> None:
        self.beginResetModel()
        self.cards = cards
        self.endResetModel()

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
    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        return CARD_SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        card: ScoreCard | None = index.data(CARD_ROLE)
        if card is None:
            return
        status = card.chart.progress.status
        rect = option.rect.adjusted(4, 4, -4, -4)  # type: ignore[attr-defined]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.setPen(QPen(QColor(60, 120, 200) if selected else QColor(205, 205, 205), 2 if selected else 1))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawRoundedRect(rect, 6, 6)
        text = rect.adjusted(10, 8, -10, -8)
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(30, 30, 30))
        metrics = painter.fontMetrics()
        painter.drawText(QRect(text.left(), text.top(), text.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, metrics.elidedText(card.code, Qt.TextElideMode.ElideRight,
                                                                       text.width()))
        painter.setFont(option.font)  # type: ignore[attr-defined]
        metrics = painter.fontMetrics()
        line = metrics.height()
        title_rect = QRect(text.left(), text.top() + line + 2, text.width(), line * 2)
        title = metrics.elidedText(card.chart.title, Qt.TextElideMode.ElideRight, text.width() * 2 - 20)
        painter.drawText(title_rect, int(Qt.TextFlag.TextWordWrap), title)
        badge = QRect(text.left(), title_rect.bottom() + 6, 110, line + 6)
        color = COLOR[status]
        painter.setPen(QPen(color, 1.5))
        fill = QColor(color)
        fill.setAlpha(60)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(badge, 4, 4)
        pattern = PATTERN[status]
        if pattern not in (Qt.BrushStyle.SolidPattern, Qt.BrushStyle.NoBrush):
            painter.setBrush(QBrush(color, pattern))  # hatching, so status reads in black and white too
            painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor(20, 20, 20))
        painter.setFont(bold)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label(status))
        painter.setFont(option.font)  # type: ignore[attr-defined]
        painter.setPen(QColor(60, 60, 60))
        latest = QRect(badge.right() + 8, badge.top(), text.right() - badge.right() - 8, badge.height())
        painter.drawText(latest, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(card.latest_text, Qt.TextElideMode.ElideRight, latest.width()))
        chart_rect = QRectF(text.left(), badge.bottom() + 6, text.width(), text.bottom() - badge.bottom() - 6)
        paint_sparkline(painter, chart_rect, card.chart)
        painter.restore()


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
        self.view = QListView()
        self.view.setObjectName("cards")
        self.view.setAccessibleName("Scoreboard")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(self.view))
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setSpacing(4)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)  # lays out in batches: a huge district stays responsive
        self.view.setBatchSize(200)
        self.view.activated.connect(lambda index: self.open_wig.emit(self.model.cards[index.row()].wig_id))
        top = QHBoxLayout()
        top.addWidget(QLabel("&Show:", buddy=self.scope_combo))
        top.addWidget(self.scope_combo, 1)
        top.addWidget(self.summary, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rules)
        layout.addWidget(self.view, 1)
        self.scope_combo.currentIndexChanged.connect(lambda _i: self.refresh())

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

        run_in_background(lambda: scoreboard(store, plan_id, scope, today, year_id, status), done, failed)

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
        self.summary.setText(f"{len(cards)} WIGs: " + ", ".join(f"{n} {s.lower()}" for s, n in counts.items()))
        self.rules.setText("Status rules: " + plan_rules(self.store, self.plan_id).thresholds.describe())
