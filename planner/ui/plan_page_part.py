"""What the plan page gives the parts mixed into it (structural edits, value logging): one place that names
what they use of the page, so each part's module reads on its own and the type checker knows what `self` is."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from planner.errors import PlannerError
from planner.services.plan_nodes import NodeKey
from planner.services.plan_outline import PlanInfo, View
from planner.ui.document import PlanDocument, Store
from planner.ui.prompts import Prompter

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QComboBox, QTreeView, QWidget

    from planner.ui.plan_form import NodeForm
    from planner.ui.plan_tree_model import PlanTreeModel
    from planner.ui.progress_panel import ProgressPanel

    _Page = QWidget  # to the checker a part is the page it is mixed into
else:
    _Page = object


class PlanPagePart(_Page):
    doc: PlanDocument
    prompter: Prompter
    model: PlanTreeModel
    form: NodeForm
    tree: QTreeView
    progress: ProgressPanel
    plans: list[PlanInfo]
    plan_combo: QComboBox

    if TYPE_CHECKING:  # the page's own parts and steps (planner/ui/plan_page.py)
        status_message: SignalInstance

        @property
        def store(self) -> Store | None: ...
        @property
        def undo_stack(self) -> QUndoStack: ...
        @property
        def writable(self) -> bool: ...
        @property
        def plan(self) -> PlanInfo | None: ...
        @property
        def view(self) -> View: ...

        def today(self) -> date: ...
        def current_key(self) -> NodeKey | None: ...
        def reload(self, select: NodeKey | None = None, *, first: bool = False) -> None: ...
        def year_id_for(self, plan_id: int) -> int | None: ...
        def _show_node(self, key: NodeKey | None) -> None: ...
        def _report(self, exc: PlannerError) -> None: ...
