"""What the main window gives the flows mixed into it (files, workbooks, summaries): one place that names
the parts they share, so each flow's module reads on its own and the type checker knows what `self` is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from planner.ui.document import PlanDocument, Store
from planner.ui.prompts import Prompter

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, SignalInstance
    from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QTabWidget

    from planner.ui.overview import PlanOverview
    from planner.ui.plan_page import PlanPage
    from planner.ui.year_bar import YearBar

    _Window = QMainWindow  # to the checker the flows are the window they are mixed into
else:
    _Window = object


class WindowPart(_Window):
    doc: PlanDocument
    prompter: Prompter
    settings: QSettings
    data_dir: Path
    page: PlanPage
    overview: PlanOverview
    year_bar: YearBar

    if TYPE_CHECKING:  # the window's own parts and steps the flows use (planner/ui/main_window.py)
        tabs: QTabWidget
        file_label: QLabel
        backup_timer: QTimer
        _progress: SignalInstance

        def _load_years(self, keep: int | None = None, store: Store | None = None) -> None: ...
        def _tab_changed(self, index: int) -> None: ...
        def _update_actions(self) -> None: ...
        def my_department(self) -> str: ...
        def start_on_my_department(self) -> None: ...
        def ask_who_you_are(self, *, force: bool = False) -> bool: ...
        def _on_my_department(self, combo: QComboBox) -> None: ...
        def _offer_to_open(self, path: Path, what: str, details: str = "") -> None: ...

    @property
    def store(self) -> Store | None:
        """The open file's store: the handle pages pass to the services."""
        return self.doc.store
