"""The WIG chart in the window (pyqtgraph): values over time against the path to the target, the target and
deadline, the forecast; hovering a point shows its value, period end and note."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from planner.render.status_style import COLOR, label
from planner.services.charts import ChartData


def _ts(day: date) -> float:
    return datetime.combine(day, time(12)).timestamp()


class WigChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Progress chart")
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(220)
        self.legend = self.plot.addLegend(offset=(8, 8), brush=(255, 255, 255, 220), pen=(200, 200, 200))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.data: ChartData | None = None
        self.values_item: pg.ScatterPlotItem | None = None

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.plot.clear()
        self.legend.clear()
        falling = bool(data.path) and data.path[1][1] < data.path[0][1]
        # the legend goes in the corner the values leave empty: top left when rising, bottom left when falling
        self.legend.anchor(itemPos=(0, 1 if falling else 0), parentPos=(0, 1 if falling else 0),
                           offset=(8, -30 if falling else 8))
        plot = self.plot
        if data.path:
            plot.plot([_ts(d) for d, _ in data.path], [v for _, v in data.path],
                      pen=pg.mkPen((90, 90, 90), width=1.5, style=Qt.PenStyle.DashLine), name="Path to target")
        if data.target is not None:
            target_pen = pg.mkPen((120, 120, 120), style=Qt.PenStyle.DotLine)
            plot.addItem(pg.InfiniteLine(pos=data.target, angle=0, pen=target_pen,
                                         label=f"target {data.value_text(data.target)}",
                                         labelOpts={"position": 0.62, "color": (80, 80, 80)}))
        if data.deadline is not None:
            plot.addItem(pg.InfiniteLine(pos=_ts(data.deadline), angle=90,
                                         pen=pg.mkPen((160, 60, 60), style=Qt.PenStyle.DashLine),
                                         label=f"deadline {data.deadline:%d %b %Y}",
                                         labelOpts={"position": 0.5, "color": (160, 60, 60)}))
        if data.forecast:
            plot.plot([_ts(d) for d, _ in data.forecast], [v for _, v in data.forecast],
                      pen=pg.mkPen((150, 150, 150), width=1.5, style=Qt.PenStyle.DashDotLine), name="Forecast")
        if data.interim:
            plot.plot([_ts(d) for d, _ in data.interim], [v for _, v in data.interim], pen=None, symbol="t",
                      symbolBrush=(120, 120, 120), name="Interim targets")
        for n, (year, earlier) in enumerate(reversed(data.earlier)):  # last year darkest, older years lighter
            values = [p for p in earlier if p.value is not None]
            if values:
                grey = min(150 + 35 * n, 220)
                plot.plot([_ts(p.when) for p in values], [p.value for p in values], symbol="o", symbolSize=5,
                          pen=pg.mkPen((grey, grey, grey), width=1.5), symbolBrush=(grey, grey, grey),
                          name=f"{year}" if year else "Earlier year")
        color = COLOR[data.progress.status]
        shown = [p for p in data.points if p.value is not None]
        if shown:
            xs, ys = [_ts(p.when) for p in shown], [p.value for p in shown]
            plot.plot(xs, ys, pen=pg.mkPen(color, width=2), name=f"Logged ({label(data.progress.status)})")
            notes = [p.note for p in shown]
            self.values_item = pg.ScatterPlotItem(
                x=xs, y=ys, data=list(range(len(shown))), size=9, brush=pg.mkBrush(color), hoverable=True,
                hoverSize=13, tip=lambda x, y, data: self.tip(int(data), notes))
            plot.addItem(self.values_item)
        else:
            self.values_item = None
        plot.enableAutoRange()
        lines = bool(data.path or shown or data.forecast or data.interim or any(data.earlier))
        self.legend.setVisible(lines)  # an empty legend is a blank box in the corner
        if not lines and data.deadline is not None:
            # Nothing but the deadline and the target to draw: the year up to the deadline, and the target
            # with room around it, rather than a fraction of a second and of a unit around one line.
            start = data.deadline - timedelta(days=365)
            plot.setXRange(_ts(start), _ts(data.deadline + timedelta(days=20)), padding=0)
            if data.target is not None:
                low, high = min(0.0, data.target), max(0.0, data.target)
                plot.setYRange(low, high + (abs(high - low) or 1) * 0.25, padding=0)

    def tip(self, index: int, notes: list[str] | None = None) -> str:
        """The hover text of the index-th logged value."""
        assert self.data is not None
        shown = [p for p in self.data.points if p.value is not None]
        point = shown[index]
        note = point.note or (notes[index] if notes else "")
        return f"{self.data.value_text(point.value)} for the period ending {point.when:%d %b %Y}" + (
            f"\n{note}" if note else "")
