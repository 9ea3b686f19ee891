"""The plan year the window works on: a picker above the tabs, and the banner that says a year has ended.

Every tab shows the year chosen here. When the newest year has ended the bar says so in plain words and
offers to start the year that contains today; a closed year (all its quarters locked) is said to be
read-only, with the way to reopen it (Plan > Period Locks, giving a reason).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from planner.services.years import YearInfo, ended_banner, pick_year


class YearBar(QFrame):
    year_changed = Signal(object)  # the YearInfo chosen (None: a plan without years)
    start_requested = Signal(str)  # the label of the year to start

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("year_bar")
        self.years: list[YearInfo] = []
        self.closed: set[int] = set()
        self.combo = QComboBox()
        self.combo.setObjectName("year")
        self.combo.setAccessibleName("Plan year")
        self.banner = QLabel()
        self.banner.setObjectName("year_banner")
        self.banner.setWordWrap(True)
        self.start_button = QPushButton()
        self.start_button.setObjectName("start_year")
        self._next_label = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        buddy = QLabel("Plan &year:")
        buddy.setBuddy(self.combo)
        layout.addWidget(buddy)
        layout.addWidget(self.combo)
        layout.addWidget(self.banner, 1)
        layout.addStretch(0)  # the picker keeps its size when there is nothing to say
        layout.addWidget(self.start_button)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self._chosen)
        self.start_button.clicked.connect(lambda: self.start_requested.emit(self._next_label))

    @property
    def year(self) -> YearInfo | None:
        index = self.combo.currentIndex()
        return self.years[index] if 0 <= index < len(self.years) else None

    def load(self, years: list[YearInfo], closed: set[int], today: date, keep: int | None = None) -> None:
        """Show the plan's years, choosing `keep` if it is still one of them, else the year of today."""
        self.years, self.closed, self._today = years, closed, today
        chosen = next((y for y in years if y.id == keep), None) or pick_year(years, today)
        self.combo.blockSignals(True)
        self.combo.clear()
        for y in years:
            self.combo.addItem(f"{y.label}  ({y.start:%b %Y} to {y.end:%b %Y})", y.id)
        if chosen is not None:
            self.combo.setCurrentIndex(years.index(chosen))
        self.combo.blockSignals(False)
        self.setVisible(bool(years))
        self._say()
        self.year_changed.emit(chosen)

    def _chosen(self, _index: int) -> None:
        self._say()
        self.year_changed.emit(self.year)

    def _say(self) -> None:
        year = self.year
        words: list[str] = []
        banner = ended_banner(self.years, self._today) if self.years else None
        if banner is not None:
            words.append(banner.text)
            self._next_label = banner.next_label
            self.start_button.setText(f"Start {banner.next_label}…")
        if year is not None and year.id in self.closed:
            words.append(f"{year.label} is closed and shown read-only; to change it, unlock a quarter in "
                         "Plan > Period Locks (you will be asked why).")
        elif year is not None and year.end < self._today:
            if banner is not None and year is self.years[-1]:
                words.append("Its goals are judged as of that day, not today.")
            else:
                words.append(f"{year.label} has ended; its goals are judged as of {year.end.day} {year.end:%B %Y}.")
        self.start_button.setVisible(banner is not None)
        self.banner.setText(" ".join(words))
        self.banner.setVisible(bool(words))
        self.setStyleSheet("QFrame#year_bar { background: #fff4ce; border-bottom: 1px solid #e0c060; }"
                           if banner is not None else "")

    def is_closed(self) -> bool:
        year = self.year
        return year is not None and year.id in self.closed
