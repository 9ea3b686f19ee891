"""The plan page: the tree of one plan (three ways to see it), the filter and the form of the selected node.
Its values (plan_logging.py) and its structural edits (plan_edits.py) are mixed in beside it; every change
goes through a service, is in the file at once, and is one undo step."""

from __future__ import annotations

import dataclasses
import gc
import importlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError
from planner.render.status_style import label as status_label
from planner.services import history, plan_edit, projects
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import (
    VIEW_LABEL,
    FilterChoices,
    OutlineRow,
    PlanInfo,
    View,
    filter_choices,
    list_plans,
    outline,
)
from planner.services.progress import Rollup
from planner.services.report import lineage_lines
from planner.services.status import PlanStatus
from planner.services.years import YearInfo
from planner.ui.document import Changed, PlanDocument, Store
from planner.ui.overview import PlanOverview
from planner.ui.plan_edits import CODE_FIELD, TITLE_FIELD, PlanEdits
from planner.ui.plan_form import NodeForm
from planner.ui.plan_logging import ValueLogging
from planner.ui.plan_tree_model import PlanTreeModel, TextIndex, TreeFilter
from planner.ui.progress_panel import ProgressPanel
from planner.ui.prompts import Prompter
from planner.ui.tasks import run_in_background

FILTER_DELAY_MS = 150
EXPAND_MATCHES = 100  # the branches opened to show the first matches: screens of them; the rest one click away
# The other views are read off the GUI thread, but in Python, which runs one thread at a time: not at once,
# while the first paint and the statuses are being worked out (the first keystroke reads them if sooner).
OTHER_VIEWS_DELAY_MS = 400
# The chart library (pyqtgraph with NumPy, over a second to import) is not needed for the first paint; it is
# imported off the GUI thread a moment after a file is shown, so the first WIG selected does not freeze the
# window while it loads (measured by tests/benchmarks/bench_freeze.py).
CHART_WARMUP_MS = 2000
HISTORY_FIT_ROWS = 60


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while the tree's rows are made: tens of thousands of small objects,
    none in a cycle, each batch of which would otherwise walk everything alive (the profile of opening the
    x100 plan: half its time in the collector). It runs as usual afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class PlanPage(ValueLogging, PlanEdits, QWidget):
    status_message = Signal(str)

    def __init__(self, doc: PlanDocument, prompter: Prompter, overview: PlanOverview,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prompter = prompter
        self.plans: list[PlanInfo] = []
        self.choices = FilterChoices([], [], [])
        self._expanded: set[NodeKey] = set()
        self._restoring = False
        self._status_memo: PlanStatus | None = None
        # the Status column's cells of one snapshot (a snapshot is never changed: a new one replaces it), worked
        # out once a row rather than on each paint of it: a filter keystroke repaints every row it shows
        self._status_cells: dict[NodeKey, tuple[str, Any, str] | None] = {}
        self._status_cells_of: PlanStatus | None = None

        self.plan_combo = QComboBox()
        self.plan_combo.setAccessibleName("Plan")
        self.view_combo = QComboBox()
        self.view_combo.setAccessibleName("View")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText("Filter codes, statements, key levers and measures (Ctrl+F)")
        self.filter_edit.setAccessibleName("Filter the plan")
        self.pillar_combo = QComboBox()
        self.pillar_combo.setAccessibleName("Pillar filter")
        self.division_combo = QComboBox()
        self.division_combo.setAccessibleName("Division filter")
        self.department_combo = QComboBox()
        self.department_combo.setAccessibleName("Department filter")
        for combo in (self.plan_combo, self.view_combo, self.pillar_combo, self.division_combo,
                      self.department_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.match_label = QLabel()
        self.match_label.setAccessibleName("Filter matches")
        # Matches the tree does not show (another view, another department): said in words, one click away.
        self.elsewhere_button = QPushButton()
        self.elsewhere_button.setObjectName("filter_elsewhere")
        self.elsewhere_button.setFlat(True)
        self.elsewhere_button.setAccessibleName("Matches elsewhere in the plan")
        self.elsewhere_button.setStyleSheet("QPushButton { text-align: left; color: palette(link); "
                                            "text-decoration: underline; }")
        policy = self.elsewhere_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # its line stays: shown or hidden, the tree below keeps its place
        self.elsewhere_button.setSizePolicy(policy)
        self.elsewhere_button.hide()
        self.elsewhere_button.clicked.connect(self._show_elsewhere)
        self._elsewhere_action: Callable[[], None] | None = None
        self._other_views: dict[View, tuple[list[OutlineRow], TextIndex]] | None = None
        self._other_views_for = -1  # the reload the other views were read for
        self._other_views_reading = -1  # the reload they are being read for
        self._reloads = 0

        top = QHBoxLayout()
        top.addWidget(_buddy("&Plan:", self.plan_combo))
        top.addWidget(self.plan_combo, 2)
        top.addWidget(_buddy("&View:", self.view_combo))
        top.addWidget(self.view_combo, 1)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 3)
        filters.addWidget(self.pillar_combo, 1)
        filters.addWidget(self.division_combo, 1)
        filters.addWidget(self.department_combo, 1)
        filters.addWidget(self.match_label)

        self.model = PlanTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("plan_tree")
        self.tree.setAccessibleName("Plan tree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # keeps a 50,000-row tree quick
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(PlanTreeModel.COL_CODE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PlanTreeModel.COL_TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PlanTreeModel.COL_OWNER, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PlanTreeModel.COL_STATUS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(PlanTreeModel.COL_CODE, 150)
        header.resizeSection(PlanTreeModel.COL_OWNER, 170)
        header.resizeSection(PlanTreeModel.COL_STATUS, 190)

        self.form = NodeForm()
        self.form.setObjectName("node_form")
        self.details_extra = QLabel()
        self.details_extra.setObjectName("details_extra")
        self.details_extra.setWordWrap(True)
        self.details_extra.setTextFormat(Qt.TextFormat.PlainText)
        self.details_extra.setContentsMargins(12, 0, 12, 8)
        details = QWidget()
        details_box = QVBoxLayout(details)
        details_box.setContentsMargins(0, 0, 0, 0)
        details_box.addWidget(self.form)
        details_box.addWidget(self.details_extra)
        details_box.addStretch(1)
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        form_scroll.setWidget(details)
        self.overview = overview
        self.progress = ProgressPanel()
        self.progress.setObjectName("progress")
        # Its columns fit their contents after every selection and every value logged: measured on the first
        # rows, not on a goal's whole history (a thousand values: 1.5 s of the window frozen at ten times the
        # district, each time; tests/benchmarks/bench_freeze.py).
        self.progress.table.horizontalHeader().setResizeContentsPrecision(HISTORY_FIT_ROWS)
        self.tabs = QTabWidget()
        self.tabs.addTab(form_scroll, "&Details")
        self.tabs.addTab(self.progress, "P&rogress")
        self.right = QStackedWidget()
        self.right.addWidget(self.overview)
        self.right.addWidget(self.tabs)

        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addLayout(top)
        left_box.addLayout(filters)
        left_box.addWidget(self.elsewhere_button)
        left_box.addWidget(self.tree)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([780, 520])
        self.splitter.setChildrenCollapsible(False)
        self.right.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)

        self._build_actions()
        self.plan_combo.currentIndexChanged.connect(self._plan_changed)
        self.view_combo.currentIndexChanged.connect(lambda _i: self._view_changed())
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        for combo in (self.pillar_combo, self.division_combo, self.department_combo):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.expanded.connect(self._on_expanded)
        self.tree.collapsed.connect(self._on_collapsed)
        self.form.commit.connect(self._save_form)
        self.form.typing_began.connect(self._typing_began)
        self.form.who_changed = self._who_changed
        self._typing_read: tuple[NodeKey, int | None] | None = None  # the read a form's typing began from
        self.model.move_requested.connect(self.move_to)
        self.model.status_lookup = self._status_of
        self.progress.log_requested.connect(self.log_value)
        self.form.log_requested.connect(self.log_value)
        self.progress.delete_requested.connect(self.delete_value)
        self.progress.model.edit_requested.connect(self.edit_history)
        self.progress.cells_edited.connect(self.edit_history_cells)
        self.setTabOrder(self.plan_combo, self.view_combo)
        self.setTabOrder(self.view_combo, self.filter_edit)
        self.setTabOrder(self.filter_edit, self.pillar_combo)
        self.setTabOrder(self.department_combo, self.tree)
        doc.opened.connect(self._opened)
        doc.changed.connect(self._changed)
        doc.status_ready.connect(self._status_ready)
        doc.year_changed.connect(lambda _year: self.set_year())

    # ---- actions -----------------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        ctrl_y = QKeySequence("Ctrl+Y")  # the issue asks for Ctrl+Y everywhere; some platforms bind it already
        self.redo_action.setShortcuts(redo_keys if ctrl_y in redo_keys else [ctrl_y, *redo_keys])

        def action(text: str, slot: Any, shortcut: Any = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(shortcut)
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            return a

        self.add_child_action = action("Add &Child", self.add_child, QKeySequence("Ctrl+Shift+N"))
        self.add_sibling_action = action("Add &Sibling", self.add_sibling, QKeySequence("Ctrl+Return"))
        self.add_measure_action = action("Add Performance &Measure", self.add_measure, QKeySequence("Ctrl+Shift+M"))
        self.delete_action = action("&Delete…", self.delete_selected, QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tree.addAction(self.delete_action)
        self.move_up_action = action("Move &Up", lambda: self.move_by(-1), QKeySequence("Ctrl+Up"))
        self.move_down_action = action("Move Do&wn", lambda: self.move_by(1), QKeySequence("Ctrl+Down"))
        self.find_action = action("&Find in Plan", self.focus_filter, QKeySequence.StandardKey.Find)
        self.log_action = action("&Log Value…", self.log_value, QKeySequence("Ctrl+L"))
        self.plan_details_action = action("Plan &Details", self.show_plan_details)
        self.edit_actions = [self.add_child_action, self.add_sibling_action, self.add_measure_action,
                             self.delete_action, self.move_up_action, self.move_down_action]
        self._update_actions()

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    # ---- what the document holds --------------------------------------------------------------------------
    @property
    def store(self) -> Store | None:
        return self.doc.store

    @property
    def undo_stack(self) -> QUndoStack:
        return self.doc.undo_stack

    def today(self) -> date:
        return self.doc.today()

    @property
    def year(self) -> YearInfo | None:
        return self.doc.year

    @property
    def year_locked(self) -> bool:
        return self.doc.year_closed

    @property
    def status(self) -> PlanStatus | None:
        """The shown plan year's statuses, if the document has them worked out (else they are on their way)."""
        plan = self.plan
        if self.store is None or plan is None:
            return None
        return self.doc.status(plan.id, self.year_id_for(plan.id))

    @property
    def writable(self) -> bool:
        return self.store is not None and not self.store.read_only and not self.year_locked

    def year_id_for(self, plan_id: int) -> int | None:
        """The open year when `plan_id` is the plan it belongs to (the archived plan has no years)."""
        return self.doc.year_id_for(plan_id)

    def set_year(self) -> None:
        """Show another year of the plan: its WIGs, key levers and measures, read-only when it is closed."""
        self.model.read_only = not self.writable
        self._expanded.clear()
        self.form.key = None
        self.reload(first=True)

    def _update_actions(self) -> None:
        key = self.current_key()
        writable = self.writable
        parent = self._parent_for_children(key)
        self.add_child_action.setEnabled(writable and parent is not None and bool(self._child_kind(parent)))
        sibling_parent = self._sibling_parent(key)
        self.add_sibling_action.setEnabled(writable and key is not None and sibling_parent is not None
                                           and key.kind in plan_edit.DEFAULT_TEXT)
        self.add_measure_action.setEnabled(writable and key is not None and key.kind in (
            Kind.WIG, Kind.STRATEGY, Kind.DEPARTMENT))
        self.delete_action.setEnabled(writable and key is not None and key.kind in plan_edit.DELETABLE)
        self.log_action.setEnabled(writable and key is not None and key.kind in (Kind.WIG, Kind.MEASURE))
        siblings = self.model.siblings(key) if key else []
        movable = writable and key is not None and key.kind in plan_edit.DELETABLE and key in siblings
        self.move_up_action.setEnabled(movable and siblings.index(key) > 0)  # type: ignore[arg-type]
        self.move_down_action.setEnabled(movable and siblings.index(key) < len(siblings) - 1)  # type: ignore[arg-type]
        if key is not None and parent is not None:
            kind = self._child_kind(parent)
            self.add_child_action.setText(f"Add &Child {self.model.level_label(kind)}" if kind else "Add &Child")
        if key is not None:
            self.add_sibling_action.setText(f"Add &Sibling {self.model.level_label(key.kind)}")

    # ---- the file ----------------------------------------------------------------------------------------
    def _opened(self) -> None:
        store = self.store
        self._expanded.clear()
        self.form.key = None
        self.model.read_only = not self.writable
        self.plans = list_plans(store) if store else []
        self.plan_combo.blockSignals(True)
        self.plan_combo.clear()
        for plan in self.plans:
            self.plan_combo.addItem(plan.name + ("  (archived)" if plan.archived else ""), plan.id)
        self.plan_combo.blockSignals(False)
        self._plan_changed()
        if store is not None and "planner.ui.wig_chart" not in sys.modules:
            QTimer.singleShot(CHART_WARMUP_MS, self, self._warm_charts)

    def _warm_charts(self) -> None:
        def ignore(_value: object) -> None:
            pass  # a failed warm-up only leaves the import to the first chart, where its error shows

        run_in_background(lambda: importlib.import_module("planner.ui.wig_chart"), ignore, ignore)

    @property
    def plan(self) -> PlanInfo | None:
        index = self.plan_combo.currentIndex()
        return self.plans[index] if 0 <= index < len(self.plans) else None

    @property
    def view(self) -> View:
        value = self.view_combo.currentData()
        return View(value) if value else View.PILLARS

    def select_plan(self, plan_id: int, view: View = View.PILLARS) -> None:
        self.plan_combo.setCurrentIndex(self.plan_combo.findData(plan_id))
        index = self.view_combo.findData(view.value)
        if index >= 0:
            self.view_combo.setCurrentIndex(index)

    def _view_changed(self) -> None:
        self._expanded.clear()
        self.reload(first=True)

    def _plan_changed(self) -> None:
        plan = self.plan
        self.view_combo.blockSignals(True)
        self.view_combo.clear()
        views = [View.PILLARS] + ([View.DIVISIONS, View.DEPARTMENTS] if plan and plan.has_divisions else [])
        for view in views:
            label = VIEW_LABEL[view]
            if view is View.PILLARS and plan and plan.level_names:
                label = f"By {plan.level_names[0].lower()}"
            self.view_combo.addItem(label, view.value)
        self.view_combo.blockSignals(False)
        self.choices = filter_choices(self.store, plan.id) if self.store and plan else FilterChoices([], [], [])
        pillar_word = (plan.level_names[0] if plan and plan.level_names else "Pillar").lower()
        self._fill_combo(self.pillar_combo, f"All {pillar_word}s", [(c, f"{c} {n}") for c, n in self.choices.pillars])
        self._fill_combo(self.division_combo, "All divisions", self.choices.divisions)
        self._fill_combo(self.department_combo, "All departments", self.choices.departments)
        self.division_combo.setVisible(bool(self.choices.divisions))
        self.department_combo.setVisible(bool(self.choices.departments))
        self._expanded.clear()
        self.reload(first=True)

    @staticmethod
    def _fill_combo(combo: QComboBox, everything: str, items: list[tuple[Any, str]]) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for value, text in items:
            combo.addItem(text if len(text) <= 60 else text[:59] + "…", value)
        combo.blockSignals(False)

    def reload(self, select: NodeKey | None = None, *, first: bool = False) -> None:
        """Read the tree again from the file, keeping what was expanded and selecting `select`."""
        plan = self.plan
        current = select or self.current_key()
        self._status_memo = None
        self._reloads += 1  # the other views, if read, are of the file as it was
        self._restoring = True
        try:
            with collector_paused():
                rows = outline(self.store, plan.id, self.view, self.year_id_for(plan.id)) if self.store and plan else []
                self.model.load(rows, plan.level_names if plan else ())
            if first:
                self._expanded = {r.key for r in rows if r.parent is None}
            self._restore_expansion()
        finally:
            self._restoring = False
        if current is not None and self.model.index_for(current).isValid():
            self.select(current)
        else:
            self._show_node(None)
        self._update_match_label()
        self.model.refresh_status()  # the document's statuses; when they are on their way, when they arrive
        QTimer.singleShot(0, self, self._index_text)  # the filter's index, made once the tree is on screen
        if first:  # another file, plan, view or year: the other views read behind it, once it is painted and
            QTimer.singleShot(OTHER_VIEWS_DELAY_MS, self, self._prefetch_other_views)  # its statuses are on their way

    def _prefetch_other_views(self) -> None:
        plan = self.plan
        others = self._other_view_names()
        if plan is not None and self.store is not None and others:
            self._read_other_views(plan.id, others)

    def _other_view_names(self) -> list[View]:
        return [View(v) for v in (self.view_combo.itemData(i) for i in range(self.view_combo.count()))
                if v and v != self.view.value]

    def _index_text(self) -> None:
        with collector_paused():
            self.model.text_index()

    def _status_ready(self, plan_id: int) -> None:
        """The document worked the statuses out again: the tree's Status column and the badges show them."""
        self._status_memo = None
        if self.plan is not None and self.plan.id == plan_id:
            self.model.refresh_status()

    def _changed(self, change: Changed) -> None:
        """An edit, its undo or redo, on this page or another: the tree and the form again true to the file."""
        self._status_memo = None
        if change.years:
            return  # the window shows the year again, which reloads the page
        if change.everything:  # an import: every node may hold other values now, the selected one too
            self.form.key = None
            self.reload()
            return
        if change.structure:
            self.form.key = None
            self.reload(select=change.focus)
            return
        if change.focus is not None and change.focus in change.nodes:
            self.refresh(change.focus, False)
        key = self.form.key
        if key is not None and key.kind in (Kind.WIG, Kind.MEASURE) and (change.statuses or change.touches(key)):
            self._show_progress(key)
        if change.statuses:
            self.model.refresh_status()  # asks the document, which works them out again and says when

    def _restore_expansion(self) -> None:
        if self.model.filter.active:
            opened: set[NodeKey] = set()
            for key in self.model.matched_keys(EXPAND_MATCHES):
                chain = []
                parent = self.model.parent_key(key)
                while parent is not None and parent not in opened:
                    chain.append(parent)
                    parent = self.model.parent_key(parent)
                for ancestor in reversed(chain):
                    opened.add(ancestor)
                    self.tree.expand(self.model.index_for(ancestor))
            return
        for key in list(self._expanded):
            index = self.model.index_for(key)
            if index.isValid():
                self.tree.expand(index)

    def _on_expanded(self, index: QModelIndex) -> None:
        key = self.model.key(index)
        if key and not self._restoring and not self.model.filter.active:
            self._expanded.add(key)

    def _on_collapsed(self, index: QModelIndex) -> None:
        key = self.model.key(index)
        if key and not self._restoring and not self.model.filter.active:
            self._expanded.discard(key)

    # ---- filtering ---------------------------------------------------------------------------------------
    def apply_filter(self) -> None:
        self._filter_timer.stop()
        current = self.current_key()
        self._restoring = True
        try:
            self.model.set_filter(TreeFilter(self.filter_edit.text(), self.pillar_combo.currentData(),
                                             self.division_combo.currentData(), self.department_combo.currentData()))
            self._restore_expansion()
        finally:
            self._restoring = False
        if current is not None and self.model.index_for(current).isValid():
            self.select(current)
        else:
            self.tree.selectionModel().clearSelection()
            self.tree.setCurrentIndex(QModelIndex())
            self._show_node(None)
        self._update_match_label()

    def _update_match_label(self) -> None:
        if self.model.filter.active:
            n = self.model.matches
            self.match_label.setText("no matches" if n == 0 else f"{n} match" + ("" if n == 1 else "es"))
        else:
            self.match_label.clear()
        self._update_elsewhere()

    # ---- matches the tree does not show ------------------------------------------------------------------
    def _update_elsewhere(self) -> None:
        """Beside the filter, in words, the matches outside what the tree shows: under the pillar, division or
        department not chosen, else in the plan's other views; the button goes there in one click."""
        found = self._elsewhere() if self.model.filter.needle else None
        if found is None:
            self._elsewhere_action = None
            self.elsewhere_button.hide()
            return
        words, action = found
        self._elsewhere_action = action
        self.elsewhere_button.setText(words)
        self.elsewhere_button.show()

    def _show_elsewhere(self) -> None:
        if self._elsewhere_action is not None:
            self._elsewhere_action()

    def _elsewhere(self) -> tuple[str, Callable[[], None]] | None:
        f = self.model.filter
        if f.pickers:
            hidden = [r for r in self.model.rows_matching(f.text) if r.key.kind is not Kind.GROUP and not f.passes(r)]
            if hidden:
                return self._outside_pickers(f, hidden)
        return self._in_other_views(f)

    def _outside_pickers(self, f: TreeFilter, hidden: list[OutlineRow]) -> tuple[str, Callable[[], None]]:
        n = len(hidden)
        more = f"{n} more match" + ("" if n == 1 else "es")
        pickers = ((self.pillar_combo, f.pillar), (self.division_combo, f.division_id),
                   (self.department_combo, f.department_id))
        chosen = [(combo, value) for combo, value in pickers if value is not None]
        if len(chosen) == 1:
            combo, _value = chosen[0]
            counts: Counter[object]
            if combo is self.department_combo:
                counts = Counter(d for r in hidden for d in r.department_ids)
            elif combo is self.division_combo:
                counts = Counter(r.division_id for r in hidden if r.division_id is not None)
            else:
                counts = Counter(r.pillar for r in hidden if r.pillar is not None)
            if counts:
                where, many = counts.most_common(1)[0]
                index = combo.findData(where)
                if many == n and index >= 0:  # all of them in one other pillar, division or department
                    return (f"{more} in {combo.itemText(index)} — show them",
                            lambda: combo.setCurrentIndex(index))
        what = {self.pillar_combo: "pillar", self.division_combo: "division", self.department_combo: "department"}
        chosen_words = " and ".join(what[combo] for combo, _v in chosen)
        return f"{more} outside the chosen {chosen_words} — show all", self._clear_pickers

    def _clear_pickers(self) -> None:
        for combo in (self.pillar_combo, self.division_combo, self.department_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.apply_filter()

    def _in_other_views(self, f: TreeFilter) -> tuple[str, Callable[[], None]] | None:
        """Matches in the plan's other views that this one does not hold (its departments or divisions as
        rows, its pillars and priorities, a department's own measures); the other views are read off the GUI
        thread the first time the filter is used after a reload, and the words follow when they are in."""
        plan = self.plan
        others = self._other_view_names()
        if plan is None or self.store is None or not others:
            return None
        if self._other_views is None or self._other_views_for != self._reloads:
            self._read_other_views(plan.id, others)  # the words follow when they are read
            if self._other_views is None or self._other_views_for != self._reloads:
                return None
        needle = f.needle
        best: tuple[int, View] | None = None
        for view in others:
            rows, index = self._other_views.get(view, ([], None))
            if index is None:
                continue
            found = index.containing(needle)
            n = sum(1 for i in found if f.passes(rows[i])) if f.pickers else len(found)
            if n and (best is None or n > best[0]):
                best = (n, view)
        if best is None:
            return None
        n, view = best
        words = f"{n} more match" + ("" if n == 1 else "es") + f" {VIEW_LABEL[view].lower()} — show them"
        return words, lambda: self.select_plan(plan.id, view)

    def _read_other_views(self, plan_id: int, views: list[View]) -> None:
        if self._other_views_reading == self._reloads:
            return  # on its way
        store, reloads, year_id = self.store, self._reloads, self.year_id_for(plan_id)
        self._other_views_reading = reloads
        shown = [r.key for r in self.model.rows()]

        def read() -> dict[View, tuple[list[OutlineRow], TextIndex]]:
            """Each other view's rows that this view does not hold, with the index of their text."""
            here = set(shown)
            found = {}
            for view in views:
                rows = [r for r in outline(store, plan_id, view, year_id)  # type: ignore[arg-type]
                        if r.key not in here and r.key.kind is not Kind.GROUP]
                found[view] = (rows, TextIndex(rows))
            return found

        def done(found: dict[View, tuple[list[OutlineRow], TextIndex]]) -> None:
            if reloads == self._reloads and self.store is store:
                self._other_views, self._other_views_for = found, reloads
                if not inline:
                    self._update_elsewhere()

        def failed(exc: BaseException) -> None:
            if reloads == self._other_views_reading:
                self._other_views_reading = -1
            if not isinstance(exc, PlannerError):
                raise exc  # a read that fails only leaves the words out

        inline = True  # tests run background work at once: the caller reads the result itself
        run_in_background(read, done, failed)
        inline = False

    # ---- selection and the form ----------------------------------------------------------------------------
    def current_key(self) -> NodeKey | None:
        return self.model.key(self.tree.currentIndex())

    def select(self, key: NodeKey) -> None:
        index = self.model.index_for(key)
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.tree.scrollTo(index)
        self._show_node(key)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_node(self.model.key(current))

    def _show_node(self, key: NodeKey | None) -> None:
        self._update_actions()
        if key is None or key.kind is Kind.GROUP or self.store is None:
            self.right.setCurrentIndex(0)
            return
        if self.form.key == key and self.right.currentIndex() == 1:
            return
        try:
            values = plan_edit.node_values(self.store, key)
        except PlannerError:
            self.right.setCurrentIndex(0)
            return
        heading = self._heading(key)
        self.form.show_node(key, heading, values, divisions=self.choices.divisions,
                            departments=self.choices.departments, read_only=not self.writable)
        self.refresh_details()
        has_progress = key.kind in (Kind.WIG, Kind.MEASURE)
        self.tabs.setTabEnabled(1, has_progress)
        if has_progress:
            self._show_progress(key)
        elif self.tabs.currentIndex() == 1:
            self.tabs.setCurrentIndex(0)
        self.right.setCurrentIndex(1)

    def _typing_began(self, key: NodeKey) -> None:
        """Typing began in the form: the read of the row it began from is kept, because a redraw meanwhile
        (someone's change on the server) reads the row again and would otherwise count their change as seen."""
        self._typing_read = (key, self.doc.read_mark(key))

    def _save_form(self, key: NodeKey, changes: dict[str, Any]) -> None:
        """A field of the form left: saved against the read the typing began from (on a server, a change
        someone saved since offers the conflict choice rather than being overwritten)."""
        began, self._typing_read = self._typing_read, None
        if began is not None and began[0] == key:
            self.doc.recall_read_mark(key, began[1])
        self.save_fields(key, changes)

    def _who_changed(self, key: NodeKey) -> str:
        """Who made the newest change to the node's own row, when it was someone else on the server."""
        item = history.item_of(key)
        if self.store is None or not self.store.on_server or item is None:
            return ""
        try:
            found = history.changes(self.store, item=item, limit=20)
        except PlannerError:
            return ""  # the note then says the change without the name
        own = next((e for e in found if e.table == item.table and e.row_id == item.row_id), None)
        return own.who if own is not None and own.actor != self.store.actor else ""

    def show_plan_details(self) -> None:
        """The plan's own form: name, period, plan year and its dates, mission, vision, strategy, tagline."""
        if self.plan is None or self.store is None:
            return
        self.tree.selectionModel().clearSelection()
        self.tree.setCurrentIndex(QModelIndex())
        self._show_node(NodeKey(Kind.PLAN, self.plan.id))

    def refresh_details(self) -> None:
        """What the workbook says about the selected node: its projects, or a department's utilization."""
        key = self.form.key
        text = ""
        if self.store is not None and key is not None:
            if key.kind in (Kind.WIG, Kind.KEY_LEVER, Kind.STRATEGY):
                found = projects.projects_for(self.store, key)
                if found:
                    text = "Projects: " + "; ".join(f"{name} ({status.value})" for _id, name, status in found)
                else:
                    text = "No project in the workbook carries this yet."
            if key.kind is Kind.WIG:
                years = lineage_lines(self.store, key.id, self.today())
                if years:
                    text += "\nYear over year:\n" + "\n".join(f"  {line}" for line in years)
            elif key.kind is Kind.DEPARTMENT:
                plan = self.plan
                text = "Project workbook utilization: " + projects.utilization(
                    self.store, key.id, self.today(), year_id=self.year_id_for(plan.id) if plan else None).describe()
        self.details_extra.setText(text)
        self.details_extra.setVisible(bool(text))

    # ---- status and progress -------------------------------------------------------------------------------
    def _status_of(self, key: NodeKey) -> tuple[str, Any, str] | None:
        """Text, status and tooltip for the tree's Status column."""
        status = self._status_memo
        if status is None:
            # asked for every status cell painted: the snapshot is looked up once per pass of the event loop
            # (and again whenever the document says the statuses moved)
            status = self.status
            if status is not None:
                self._status_memo = status
                QTimer.singleShot(0, self, self._forget_status)
        if status is not self._status_cells_of:
            self._status_cells, self._status_cells_of = {}, status
        cells = self._status_cells
        if key in cells:
            return cells[key]
        cell = cells[key] = self._status_cell(status, key)
        return cell

    @staticmethod
    def _status_cell(status: PlanStatus | None, key: NodeKey) -> tuple[str, Any, str] | None:
        found = status.for_key(key) if status else None
        if found is None:
            return None
        rules = status.rules if status else None
        if isinstance(found, Rollup):
            if not found.total:
                return None
            tip = f"{found.badge()}\n{rules.rollup.describe() if rules else ''}"
            return f"{status_label(found.status)} · {found.badge()}", found.status, tip
        tip = f"{found.reason}\n{rules.thresholds.describe() if rules else ''}"
        return status_label(found.status), found.status, tip

    def _forget_status(self) -> None:
        self._status_memo = None

    def _heading(self, key: NodeKey) -> str:
        """"Strategy Ae 1.004", "WIG 2 · Ae 1.004", "Key lever 3 · WIG 1 · Ee 1.002"."""
        if key.kind is Kind.PLAN:
            return f"Plan: {self.plan.name}" if self.plan else "Plan"
        row = self.model.row_for(key)
        label = self.model.level_label(key.kind)
        code = row.code if row else ""
        if key.kind in (Kind.WIG, Kind.KEY_LEVER, Kind.MEASURE):
            number = code.split()[-1] if code else ""
            parts = [f"{label} {number}".strip()]
            parent = self.model.parent_key(key)
            while parent is not None and parent.kind in (Kind.WIG, Kind.STRATEGY, Kind.DEPARTMENT):
                parent_row = self.model.row_for(parent)
                if parent_row:
                    parts.append(parent_row.code or parent_row.title)
                parent = self.model.parent_key(parent) if parent.kind is Kind.WIG else None
            return " · ".join(parts)
        return f"{label} {code}".strip() if code else f"{label}: {row.title if row else ''}"

    def refresh(self, key: NodeKey | None, structural: bool) -> None:
        """After an edit, undo or redo: the tree and form again true to the file."""
        if structural or key is None or self.store is None:
            self.form.key = None
            self.reload(select=key)
            return
        values = plan_edit.node_values(self.store, key)
        if key.kind is Kind.PLAN:
            index = self.plan_combo.findData(key.id)
            if index >= 0:
                self.plans[index] = dataclasses.replace(self.plans[index], name=values["name"])
                archived = "  (archived)" if self.plans[index].archived else ""
                self.plan_combo.setItemText(index, values["name"] + archived)
            if self.form.key == key:
                self.form.accept_saved(values)
            return
        code = None
        if key.kind in CODE_FIELD:
            code = values.get(CODE_FIELD[key.kind]) or "(no code)"
        self.model.update_text(key, code, values.get(TITLE_FIELD[key.kind], ""))
        if self.form.key == key:
            self.form.accept_saved(values)
        self.select(key)
