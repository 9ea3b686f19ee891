"""A small WIG chart drawn with QPainter: the values against the path to the target. Cheap enough to paint
hundreds of them as a scoreboard scrolls, and sharp at print resolution."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from planner.model import WigKind
from planner.render.status_style import COLOR
from planner.services.charts import ChartData, nice_ticks
from planner.services.progress import Status


def scale_of(chart: ChartData, values: list[float]) -> list[float]:
    """The values the chart's side is marked with: round numbers taking in every value, the path and the
    target (a milestone: not done and done)."""
    if chart.kind is WigKind.MILESTONE:
        return [0.0, 1.0]
    ticks = nice_ticks(min(values), max(values), 5)
    if min(values) >= 0 > ticks[0]:  # nothing below zero to show: the side starts at 0
        ticks = nice_ticks(0.0, max(values) or 1.0, 5)
    if chart.kind is WigKind.PERCENT and max(values) <= 100 < ticks[-1]:
        ticks = [t for t in ticks if t <= 100]  # a share does not read above 100%
    return ticks


def paint_sparkline(painter: QPainter, rect: QRectF, chart: ChartData, *, scale: float = 1.0,
                    axes: bool = False) -> None:
    """`scale` multiplies pen widths and dots (print devices have 3-4 times the pixels of a screen);
    `axes` adds round values down the side and the dates, for a chart that is read from across a room.
    Values are joined by straight lines: a value between two periods is never made up."""
    if chart.kind is WigKind.MILESTONE:
        paint_checkpoints(painter, rect, chart, scale=scale)
        return
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
    logged = [p for p in chart.points if p.value is not None]
    if not days or not values or (not logged and not chart.path):
        # nothing to draw a line through: say so (and what it aims at) rather than an axis around one number
        painter.setPen(QColor(120, 120, 120))
        aim = f" · target {chart.value_text(chart.target)}" if chart.target is not None else ""
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"nothing logged yet{aim}")
        painter.restore()
        return
    first, last = min(days).toordinal(), max(days).toordinal()
    ticks = scale_of(chart, values)
    low, high = ticks[0], ticks[-1]
    inner = rect.adjusted(4 * scale, 4 * scale, -4 * scale, -4 * scale)
    if axes:
        metrics = painter.fontMetrics()
        left = max(metrics.horizontalAdvance(chart.value_text(v)) for v in ticks) + 8 * scale
        inner = rect.adjusted(left, 6 * scale, -6 * scale, -(metrics.height() + 8 * scale))

    def at(day: date, value: float) -> QPointF:
        x = inner.left() + (day.toordinal() - first) / max(1, last - first) * inner.width()
        y = inner.bottom() - (value - low) / (high - low) * inner.height()
        return QPointF(x, y)

    if axes:
        # round values down the side, every one if there is room, else the first and the last
        room = inner.height() / max(1, len(ticks) - 1) >= metrics.height() * 1.2
        labelled = ticks if room else [ticks[0], ticks[-1]]
        for value in ticks:
            y = at(min(days), value).y()
            painter.setPen(QPen(QColor(232, 232, 232), 0.6 * scale))
            painter.drawLine(QPointF(inner.left(), y), QPointF(inner.right(), y))
        painter.setPen(QColor(70, 70, 70))
        for value in labelled:
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


def checkpoint_lines(chart: ChartData) -> tuple[str, list[tuple[date, bool]]]:
    """A milestone goal as its checkpoints: a line saying where it stands, and each logged period's end
    with done or not done, oldest first."""
    marks = [(p.when, bool(p.value and p.value >= 1)) for p in chart.points if p.value is not None]
    due = f"due {chart.deadline:%d %b %Y}" if chart.deadline else "no deadline"
    done = next((when for when, ok in marks if ok), None)
    if done is not None:
        head = f"Done {done:%d %b %Y} ({due})"
    elif marks:
        head = f"Not done yet at {marks[-1][0]:%d %b %Y}; {due}"
    else:
        head = f"Nothing logged yet; {due}"
    return head, marks


def paint_checkpoints(painter: QPainter, rect: QRectF, chart: ChartData, *, scale: float = 1.0) -> None:
    """A milestone goal has no line to draw: its checkpoints along the way to the deadline instead, a tick
    for each period logged done, a cross for not done, the deadline flagged."""
    head, marks = checkpoint_lines(chart)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(200, 200, 200), 1 * scale))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    metrics = painter.fontMetrics()
    inner = rect.adjusted(8 * scale, 6 * scale, -8 * scale, -6 * scale)
    painter.setPen(QColor(40, 40, 40))
    painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), metrics.height()),
                     int(Qt.AlignmentFlag.AlignLeft), metrics.elidedText(head, Qt.TextElideMode.ElideRight,
                                                                         int(inner.width())))
    days = [when for when, _ in marks] + ([chart.deadline] if chart.deadline else [])
    if not days:
        painter.restore()
        return
    first, last = min(days).toordinal(), max(days).toordinal()
    line_y = inner.top() + metrics.height() + (inner.height() - 2 * metrics.height()) / 2
    left, right = inner.left() + 10 * scale, inner.right() - 10 * scale

    def x_of(day: date) -> float:
        return left + (day.toordinal() - first) / max(1, last - first) * (right - left)

    painter.setPen(QPen(QColor(150, 150, 150), 1.5 * scale))
    painter.drawLine(QPointF(left, line_y), QPointF(right, line_y))
    radius = max(4 * scale, metrics.height() * 0.45)
    for when, ok in marks:
        centre = QPointF(x_of(when), line_y)
        color = COLOR[Status.ACHIEVED] if ok else COLOR[Status.OFF_TRACK]
        painter.setPen(QPen(color, 1.5 * scale))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawEllipse(centre, radius, radius)
        painter.drawText(QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius),
                         int(Qt.AlignmentFlag.AlignCenter), "✓" if ok else "✗")
    if chart.deadline:
        x = x_of(chart.deadline)
        painter.setPen(QPen(QColor(160, 60, 60), 1.5 * scale, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, line_y - radius * 1.6), QPointF(x, line_y + radius * 1.6))
    painter.setPen(QColor(70, 70, 70))
    labels = [(min(days), Qt.AlignmentFlag.AlignLeft), (max(days), Qt.AlignmentFlag.AlignRight)]
    for day, align in labels if first != last else labels[:1]:
        painter.drawText(QRectF(inner.left(), inner.bottom() - metrics.height(), inner.width(), metrics.height()),
                         int(align), f"{day:%d %b %Y}")
    painter.restore()
