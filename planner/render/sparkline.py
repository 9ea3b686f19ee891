"""A small WIG chart drawn with QPainter: the values against the path to the target. Cheap enough to paint
hundreds of them as a scoreboard scrolls, and sharp at print resolution."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from planner.render.status_style import COLOR
from planner.services.charts import ChartData


def paint_sparkline(painter: QPainter, rect: QRectF, chart: ChartData, *, scale: float = 1.0,
                    axes: bool = False) -> None:
    """`scale` multiplies pen widths and dots (print devices have 3-4 times the pixels of a screen);
    `axes` adds the value range and the dates, for a chart that is read from across a room."""
    days = [p.when for p in chart.points] + [d for d, _ in chart.path] + [d for d, _ in chart.forecast]
    if chart.deadline:
        days.append(chart.deadline)
    values = [p.value for p in chart.points if p.value is not None] + [v for _, v in chart.path]
    values += [v for _, v in chart.forecast] + ([chart.target] if chart.target is not None else [])
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(200, 200, 200), 1 * scale))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    if not days or not values:
        painter.setPen(QColor(120, 120, 120))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "nothing logged")
        painter.restore()
        return
    first, last = min(days).toordinal(), max(days).toordinal()
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    inner = rect.adjusted(4 * scale, 4 * scale, -4 * scale, -4 * scale)
    if axes:
        metrics = painter.fontMetrics()
        left = max(metrics.horizontalAdvance(chart.value_text(v)) for v in (low, high)) + 8 * scale
        inner = rect.adjusted(left, 6 * scale, -6 * scale, -(metrics.height() + 8 * scale))

    def at(day: date, value: float) -> QPointF:
        x = inner.left() + (day.toordinal() - first) / max(1, last - first) * inner.width()
        y = inner.bottom() - (value - low) / (high - low) * inner.height()
        return QPointF(x, y)

    if axes:
        painter.setPen(QColor(70, 70, 70))
        for value in (low + pad, high - pad):
            y = at(min(days), value).y()
            painter.drawText(QRectF(rect.left(), y - metrics.height() / 2, inner.left() - rect.left() - 4 * scale,
                                    metrics.height()), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             chart.value_text(value))
        for day, align in ((min(days), Qt.AlignmentFlag.AlignLeft), (max(days), Qt.AlignmentFlag.AlignRight)):
            painter.drawText(QRectF(inner.left(), inner.bottom() + 4 * scale, inner.width(), metrics.height()),
                             int(align), f"{day:%d %b %Y}")
    if chart.target is not None:
        painter.setPen(QPen(QColor(120, 120, 120), 1 * scale, Qt.PenStyle.DotLine))
        y = at(min(days), chart.target).y()
        painter.drawLine(QPointF(inner.left(), y), QPointF(inner.right(), y))
    if len(chart.path) == 2:
        painter.setPen(QPen(QColor(90, 90, 90), 1.2 * scale, Qt.PenStyle.DashLine))
        painter.drawLine(at(*chart.path[0]), at(*chart.path[1]))
    if len(chart.forecast) == 2:
        painter.setPen(QPen(QColor(150, 150, 150), 1 * scale, Qt.PenStyle.DashDotLine))
        painter.drawLine(at(*chart.forecast[0]), at(*chart.forecast[1]))
    color = COLOR[chart.progress.status]
    painter.setPen(QPen(color, 2 * scale))
    shown = [at(p.when, p.value) for p in chart.points if p.value is not None]
    for a, b in pairwise(shown):
        painter.drawLine(a, b)
    painter.setBrush(color)
    for point in shown:
        painter.drawEllipse(point, 2.5 * scale, 2.5 * scale)
    painter.restore()
