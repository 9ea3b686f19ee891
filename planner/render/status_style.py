"""How each status looks: a colour, and a text and pattern so it reads without colour (and in black and white)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from planner.services.progress import Status

COLOR = {
    Status.ON_TRACK: QColor(46, 125, 50),
    Status.ACHIEVED: QColor(21, 101, 192),
    Status.AT_RISK: QColor(230, 145, 0),
    Status.OFF_TRACK: QColor(198, 40, 40),
    Status.NO_DATA: QColor(117, 117, 117),
    Status.NOT_STARTED: QColor(158, 158, 158),
}
SYMBOL = {
    Status.ON_TRACK: "●", Status.ACHIEVED: "★", Status.AT_RISK: "▲", Status.OFF_TRACK: "✖",
    Status.NO_DATA: "○", Status.NOT_STARTED: "◌",
}
PATTERN = {
    Status.ON_TRACK: Qt.BrushStyle.SolidPattern, Status.ACHIEVED: Qt.BrushStyle.SolidPattern,
    Status.AT_RISK: Qt.BrushStyle.BDiagPattern, Status.OFF_TRACK: Qt.BrushStyle.DiagCrossPattern,
    Status.NO_DATA: Qt.BrushStyle.NoBrush, Status.NOT_STARTED: Qt.BrushStyle.NoBrush,
}


def label(status: Status) -> str:
    return f"{SYMBOL[status]} {status.value}"


def tint(status: Status, alpha: int = 40) -> QBrush:
    color = QColor(COLOR[status])
    color.setAlpha(alpha)
    return QBrush(color)
