"""The timeline (Gantt) of projects, their tasks and milestones, with a today line; zoom by month or quarter."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from planner import clock
from planner.services.projects import TimelineBar

ROW = 24
LABEL_WIDTH = 280
HEADER = 34
ZOOM_PX_PER_DAY = {"Month": 5.0, "Quarter": 1.8}
STATUS_COLOR = {
    "On track": QColor(46, 125, 50), "At risk": QColor(230, 145, 0), "Off track": QColor(198, 40, 40),
    "On hold": QColor(120, 120, 120), "Complete": QColor(21, 101, 192), "Not started": QColor(150, 150, 150),
    "In progress": QColor(46, 125, 50), "Blocked": QColor(198, 40, 40), "Done": QColor(21, 101, 192),
    "Open": QColor(90, 90, 90),
}


class GanttView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Project timeline")
        self.bars: list[TimelineBar] = []
        self.today = clock.today()
        self.zoom = "Month"
        self.first = self.today
        self.last = self.today

    def set_bars(self, bars: list[TimelineBar], today: date) -> None:
        self.bars, self.today = bars, today
        days = [d for b in bars for d in (b.start, b.end) if d] + [today]
        self.first = min(days).replace(day=1)
        end = max(days) + timedelta(days=31)
        self.last = end.replace(day=1)
        self.updateGeometry()
        self.resize(self.sizeHint())
        self.update()

    def set_zoom(self, zoom: str) -> None:
        self.zoom = zoom
        self.updateGeometry()
        self.resize(self.sizeHint())
        self.update()

    def x_of(self, day: date) -> float:
        return LABEL_WIDTH + (day - self.first).days * ZOOM_PX_PER_DAY[self.zoom]

    def sizeHint(self) -> QSize:
        width = int(self.x_of(self.last)) + 20
        return QSize(max(width, 600), HEADER + ROW * max(1, len(self.bars)) + 10)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        metrics = painter.fontMetrics()
        # months (and quarters) across the top, with light grid lines
        month = self.first
        while month <= self.last:
            x = self.x_of(month)
            painter.setPen(QPen(QColor(230, 230, 230), 1))
            painter.drawLine(QPointF(x, HEADER - 4), QPointF(x, self.height()))
            show = self.zoom == "Month" or month.month in (1, 4, 7, 10)
            if show:
                painter.setPen(QColor(80, 80, 80))
                text = month.strftime("%b %Y") if self.zoom == "Month" or month.month == 1 else month.strftime("%b")
                painter.drawText(QPointF(x + 3, 14), text)
            month = (month + timedelta(days=32)).replace(day=1)
        if not self.bars:
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No projects to show.")
            painter.end()
            return
        for row, bar in enumerate(self.bars):
            top = HEADER + row * ROW
            indent = 0 if bar.kind == "project" else 16
            painter.setPen(QColor(20, 20, 20))
            font = painter.font()
            font.setBold(bar.kind == "project")
            painter.setFont(font)
            label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 12 - indent)
            painter.drawText(QRectF(6 + indent, top, LABEL_WIDTH - 10 - indent, ROW),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
            color = STATUS_COLOR.get(bar.status, QColor(100, 100, 100))
            pen = QPen(QColor(198, 40, 40), 2) if bar.overdue else QPen(color.darker(130), 1)
            if bar.kind == "milestone" and bar.start:
                x = self.x_of(bar.start)
                cy = top + ROW / 2
                diamond = QPolygonF([QPointF(x, cy - 7), QPointF(x + 7, cy), QPointF(x, cy + 7), QPointF(x - 7, cy)])
                painter.setPen(pen)
                painter.setBrush(color if bar.done else QColor(255, 255, 255))
                painter.drawPolygon(diamond)
            elif bar.start and bar.end:
                x1, x2 = self.x_of(bar.start), self.x_of(bar.end + timedelta(days=1))
                height = 14 if bar.kind == "project" else 10
                rect = QRectF(x1, top + (ROW - height) / 2, max(3.0, x2 - x1), height)
                fill = QColor(color)
                fill.setAlpha(200 if bar.kind == "project" else 150)
                painter.setPen(pen)
                painter.setBrush(fill)
                painter.drawRoundedRect(rect, 3, 3)
            if bar.overdue:
                painter.setPen(QColor(198, 40, 40))
                last = bar.end or bar.start
                end_x = self.x_of(last) + 10 if last else LABEL_WIDTH
                painter.drawText(QPointF(end_x + 4, top + ROW / 2 + 4), "overdue")
        # today
        x = self.x_of(self.today)
        painter.setPen(QPen(QColor(198, 40, 40), 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, HEADER - 8), QPointF(x, self.height()))
        painter.drawText(QPointF(x + 3, HEADER - 10), "today")
        painter.end()
