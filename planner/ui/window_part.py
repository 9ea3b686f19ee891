"""What the main window gives the flows mixed into it (files, workbooks, summaries): one place that names
the parts they share, so each flow's module reads on its own."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from planner.ui.document import PlanDocument, Store
from planner.ui.prompts import Prompter

if TYPE_CHECKING:
    from planner.ui.overview import PlanOverview
    from planner.ui.plan_page import PlanPage
    from planner.ui.year_bar import YearBar


class WindowPart:
    doc: PlanDocument
    prompter: Prompter
    settings: QSettings
    data_dir: Path
    page: PlanPage
    overview: PlanOverview
    year_bar: YearBar

    @property
    def store(self) -> Store | None:
        """The open file's store: the handle pages pass to the services."""
        return self.doc.store
