"""The Workbook tab: the projects table with its filters, and the project page (charter, milestones, tasks,
RAID log, weekly updates, timeline), each editable in place with undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.errors import PlannerError, ValidationError
from planner.model import ProjectStatus
from planner.services import projects as pj
from planner.services.plan_nodes import NodeKey
from planner.services.plan_outline import filter_choices, list_plans
from planner.services.projects import LABEL, CarryChoice, Entity
from planner.ui.commands import RecordAddCommand, RecordEditCommand, RecordRemoveCommand
from planner.ui.document import Changed, FollowsDocument, PlanDocument
from planner.ui.gantt import ZOOM_PX_PER_DAY, GanttView
from planner.ui.project_forms import CarriesDialog, CharterForm, RecordTable
from planner.ui.project_models import SORT_ROLE, ProjectFilter, ProjectsModel
from planner.ui.tasks import run_in_background


class WorkbookPage(FollowsDocument, QWidget):
    status_message = Signal(str)

    def __init__(self, doc: PlanDocument, prompter: Any, parent: QWidget | None = None, *,
                 plan_selection: Callable[[], NodeKey | None] | None = None) -> None:
        super().__init__(parent)
        doc.year_changed.connect(self._year_changed)  # before follow(): forget the year's choices, then read
        self.follow(doc)
        self.undo_stack = doc.undo_stack
        self.report = doc.failed.emit
        # Who asks the person (the window's Prompter; tests script it) and what is selected in the plan tree.
        self.prompter = prompter
        self.plan_selection = plan_selection or self._plan_tree_selection
        self.plan_id: int | None = None
        self.project_id: int | None = None
        self._loaded = False
        self._generation = 0  # which background read of the projects is the latest

        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Status filter")
        self.status_filter.addItem("All statuses", None)
        for status in ProjectStatus:
            self.status_filter.addItem(status.value, status.value)
        self.owner_filter = QLineEdit()
        self.owner_filter.setPlaceholderText("Lead")
        self.owner_filter.setAccessibleName("Lead filter")
        self.pillar_filter = QComboBox()
        self.pillar_filter.setAccessibleName("Pillar filter")
        self.lever_filter = QLineEdit()
        self.lever_filter.setPlaceholderText("Key lever, WIG or strategy contains…")
        self.lever_filter.setAccessibleName("Key lever filter")
        self.overdue_only = QComboBox()
        self.overdue_only.addItems(["All projects", "Overdue or with late items"])
        self.new_button = QPushButton("&New Project")
        self.new_button.setObjectName("new_project")
        self.delete_button = QPushButton("Delete Project")
        self.delete_button.setObjectName("delete_project")
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for widget in (self.status_filter, self.owner_filter, self.pillar_filter, self.lever_filter,
                       self.overdue_only, self.count_label):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.new_button)
        filters.addWidget(self.delete_button)

        self.projects = ProjectsModel(self)
        self.proxy = ProjectFilter(self)
        self.proxy.setSourceModel(self.projects)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("projects_table")
        self.table.setAccessibleName("Projects")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        # Columns sized from the rows in view and a sample, not all 5,000 at x10 (about 1 s).
        self.table.horizontalHeader().setResizeContentsPrecision(60)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)

        self.charter = CharterForm()
        charter_scroll = QScrollArea()
        charter_scroll.setWidgetResizable(True)
        charter_scroll.setWidget(self.charter)
        self.tables = {entity: RecordTable(entity) for entity in (Entity.MILESTONE, Entity.TASK, Entity.RAID,
                                                                   Entity.UPDATE)}
        self.gantt = GanttView()
        gantt_scroll = QScrollArea()
        gantt_scroll.setWidget(self.gantt)
        gantt_scroll.setWidgetResizable(False)
        self.zoom = QComboBox()
        self.zoom.setAccessibleName("Timeline zoom")
        self.zoom.addItems(list(ZOOM_PX_PER_DAY))
        self.timeline_scope = QComboBox()
        self.timeline_scope.addItems(["This project", "All projects in the table"])
        timeline = QWidget()
        timeline_box = QVBoxLayout(timeline)
        row = QHBoxLayout()
        row.addWidget(QLabel("Zoom:"))
        row.addWidget(self.zoom)
        row.addWidget(self.timeline_scope)
        row.addStretch(1)
        timeline_box.addLayout(row)
        timeline_box.addWidget(gantt_scroll)
        self.tabs = QTabWidget()
        self.tabs.addTab(charter_scroll, "Charter")
        self.tabs.addTab(self.tables[Entity.MILESTONE], "Milestones")
        self.tabs.addTab(self.tables[Entity.TASK], "Tasks")
        self.tabs.addTab(self.tables[Entity.RAID], "RAID Log")
        self.tabs.addTab(self.tables[Entity.UPDATE], "Weekly Updates")
        self.tabs.addTab(timeline, "Timeline")
        self.heading = QLabel()
        self.heading.setObjectName("project_heading")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.heading)
        right_box.addWidget(self.tabs)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setSizes([260, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter)

        for widget in (self.status_filter, self.pillar_filter, self.overdue_only):
            widget.currentIndexChanged.connect(self.apply_filter)
        for line in (self.owner_filter, self.lever_filter):
            line.textChanged.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._project_changed)
        self.new_button.clicked.connect(self.new_project)
        self.delete_button.clicked.connect(self.delete_project)
        self.charter.commit.connect(self.save_charter)
        for table in self.tables.values():
            table.model.edit_requested.connect(lambda rid, name, value, e=table.entity: self.save_record(e, rid,
                                                                                                         name, value))
            table.cells_edited.connect(self.save_cells)
            table.add_requested.connect(self.add_record)
            table.delete_requested.connect(self.delete_record)
        self.zoom.currentTextChanged.connect(self.gantt.set_zoom)
        self.timeline_scope.currentIndexChanged.connect(lambda _i: self._refresh_timeline())
        self._update_buttons()

    # ---- loading -----------------------------------------------------------------------------------------
    def opened(self) -> None:
        self.plan_id = None
        self.project_id = None
        self._loaded = False
        self._generation += 1  # a list still being read from the file before is dropped
        self.projects.set_rows([])

    @property
    def year_id(self) -> int | None:
        """The window's open year (None: the one containing today)."""
        return self.doc.year_id_for(self.plan_id) if self.plan_id is not None else None

    def _year_changed(self, _year: object) -> None:
        """Show the projects of another school year; what a project can carry is read again when shown."""
        self._loaded = False

    def shows(self, change: Changed) -> bool:
        return change.workbook or change.structure or bool(change.nodes)

    def refresh(self, select: int | None = None, *, wait: bool = False) -> None:
        """Read the projects again. Shown or told of a change, the list is read off the GUI thread (0.4 s at
        x10); after the page's own edits (a project to select, or `wait`) at once, so the next click sees it."""
        if self.store is None:
            return
        if not self._loaded:
            plans = [p for p in list_plans(self.store) if not p.archived]
            self.plan_id = plans[0].id if plans else None
            self.charter.set_targets(pj.carry_choices(self.store, self.plan_id, self.year_id) if self.plan_id else [])
            self.pillar_filter.blockSignals(True)
            self.pillar_filter.clear()
            self.pillar_filter.addItem("All pillars", None)
            if self.plan_id:
                for code, name in filter_choices(self.store, self.plan_id).pillars:
                    self.pillar_filter.addItem(f"{code} {name}", code)
            self.pillar_filter.blockSignals(False)
            self._loaded = True
        keep = select if select is not None else self.project_id
        store, plan_id, today, year_id = self.store, self.plan_id, self.today(), self.year_id
        self._generation += 1
        generation = self._generation

        def read() -> list[pj.ProjectRow]:
            return pj.project_rows(store, plan_id, today, year_id=year_id) if plan_id else []

        if select is not None or wait:
            self._show_rows(read(), keep)
            return

        def done(rows: list[pj.ProjectRow]) -> None:
            if generation == self._generation and self.store is store:
                self._show_rows(rows, self.project_id if self.project_id is not None else keep)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.count_label.setText(f"The projects could not be read: {exc}")

        self.count_label.setText("Reading the projects…")
        run_in_background(read, done, failed)

    def _show_rows(self, rows: list[pj.ProjectRow], keep: int | None) -> None:
        self.projects.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.apply_filter()
        if keep is not None and self.select_project(keep):
            return
        self._show_project(None)

    def apply_filter(self) -> None:
        self.proxy.set_filter(self.status_filter.currentData(), self.owner_filter.text(),
                              self.pillar_filter.currentData(), self.lever_filter.text(),
                              self.overdue_only.currentIndex() == 1)
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.projects.rowCount()} projects")

    def select_project(self, project_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.projects.rows[self.proxy.mapToSource(index).row()].id == project_id:
                self.table.setCurrentIndex(index)
                self._show_project(project_id)
                return True
        return False

    def _project_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_project(self.projects.rows[self.proxy.mapToSource(current).row()].id)

    def _show_project(self, project_id: int | None) -> None:
        self.project_id = project_id
        self._update_buttons()
        if self.store is None or project_id is None:
            self.heading.setText("Select a project, or press New Project.")
            self.charter.values = {}
            for table in self.tables.values():
                table.set_rows([])
            self.gantt.set_bars([], self.today())
            return
        values = pj.project(self.store, project_id, self.today())
        self.heading.setText(values["name"])
        self.charter.show_project(values)
        for entity, table in self.tables.items():
            table.set_rows(pj.records(self.store, entity, project_id, self.today()))
        self._refresh_timeline()

    def _refresh_timeline(self) -> None:
        if self.store is None:
            return
        if self.timeline_scope.currentIndex() == 1:
            ids = [self.projects.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()].id
                   for r in range(self.proxy.rowCount())]
        else:
            ids = [self.project_id] if self.project_id else []
        self.gantt.set_bars(pj.timeline(self.store, ids, self.today()), self.today())

    def _update_buttons(self) -> None:
        writable = self.store is not None and not self.store.read_only
        self.new_button.setEnabled(writable)
        self.delete_button.setEnabled(writable and self.project_id is not None)
        for table in self.tables.values():
            table.add_button.setEnabled(writable and self.project_id is not None)
            table.delete_button.setEnabled(writable and self.project_id is not None)

    def _reload_current(self) -> None:
        self.refresh(self.project_id)

    # ---- edits -------------------------------------------------------------------------------------------
    def _plan_tree_selection(self) -> NodeKey | None:
        page = getattr(self.window(), "page", None)
        current = getattr(page, "current_key", None)
        key = current() if callable(current) else None
        return key if isinstance(key, NodeKey) else None

    def _ask_carries(self, choices: list[CarryChoice]) -> NodeKey | None:
        dialog = CarriesDialog(choices, self)
        run = getattr(self.prompter, "run_dialog", None)
        accepted = run(dialog) if callable(run) else dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.key() if accepted else None

    def new_project(self) -> None:
        """A new project carrying the key lever (or WIG, strategy) selected in the plan; with nothing
        selected there, the person is asked what it carries: never a guess such as the plan's first line."""
        if self.store is None or self.plan_id is None:
            return
        choices = pj.carry_choices(self.store, self.plan_id, self.year_id)
        if not any(c.key for c in choices):
            self.report(ValidationError("This plan has nothing a project could carry yet."))
            return
        link = pj.default_carry(self.plan_selection(), choices) or self._ask_carries(choices)
        if link is None:
            self.status_message.emit("No project made: it needs a key lever, WIG or strategy to carry")
            return
        try:
            saved = pj.create(self.store, Entity.PROJECT, {"link": link}, today=self.today())
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordAddCommand(Entity.PROJECT, saved.id, "Add Project", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(saved.id)
        self.tabs.setCurrentIndex(0)
        self.charter.editors["name"].setFocus()

    def delete_project(self) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            removed = pj.remove(self.store, Entity.PROJECT, self.project_id)
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordRemoveCommand(removed, self.project_id, "Delete Project", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.project_id = None
        self.refresh(wait=True)

    def save_charter(self, name: str, value: Any) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            saved = pj.update(self.store, Entity.PROJECT, self.project_id, {name: value})
        except ValidationError as exc:
            self.charter.show_error(exc.field or name, exc.message)
            return
        except PlannerError as exc:
            self.report(exc)
            self._reload_current()
            return
        values = pj.project(self.store, self.project_id, self.today())
        after = {key: values.get(key) for key in saved.before}
        if name == "link":
            after = {"link": value}
        self.undo_stack.push(RecordEditCommand(Entity.PROJECT, self.project_id, saved.before, after,
                                               f"Edit Project {pj.column(Entity.PROJECT, name).label}", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.heading.setText(values["name"])
        self.charter.show_project(values, keep_focused=True)
        self._repaint_project_row()
        self._refresh_timeline()
        self.status_message.emit("Saved")

    def _repaint_project_row(self) -> None:
        """The current project's line of the projects table again true to the file, in place."""
        if self.store is None or self.plan_id is None or self.project_id is None:
            return
        for row in pj.project_rows(self.store, self.plan_id, self.today(), only=self.project_id):
            self.projects.replace_row(row)
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.projects.rowCount()} projects")

    def save_record(self, entity: Entity, record_id: int, name: str, value: Any) -> None:
        if self.store is None:
            return
        table = self.tables[entity]
        try:
            saved = pj.update(self.store, entity, record_id, {name: value})
        except ValidationError as exc:
            table.say(exc.message, problem=True)
            return
        except PlannerError as exc:
            self.report(exc)
            self._reload_current()
            return
        current = next(r for r in pj.records(self.store, entity, self.project_id or 0, self.today())
                       if r["id"] == record_id)
        after = {key: current[key] for key in saved.before}
        self.undo_stack.push(RecordEditCommand(entity, record_id, saved.before, after,
                                               f"Edit {LABEL[entity].capitalize()} {pj.column(entity, name).label}",
                                               self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        # This runs inside the view's commit of the cell editor: resetting the model here destroyed the editor
        # Tab had just opened on the next cell and lost the current cell. Repaint the one row instead.
        table.model.replace_row(current)
        self._repaint_project_row()
        self._refresh_timeline()
        table.say(" ".join(saved.warnings), problem=False)

    def save_cells(self, entity: Entity, cells: list[tuple[int, str, str]]) -> None:
        """A paste (or a clear) of several cells: one service call per record with all its fields, the lot
        ONE undo step; a cell refused takes the whole paste back, and the message names its row."""
        if self.store is None:
            return
        table = self.tables[entity]
        by_record: dict[int, dict[str, Any]] = {}
        for record_id, name, text in cells:
            by_record.setdefault(record_id, {})[name] = text
        numbers = {r["id"]: n for n, r in enumerate(table.model.rows, start=1)}
        self.undo_stack.beginMacro(f"Paste {len(cells)} Cells" if any(t.strip() for *_, t in cells)
                                   else f"Clear {len(cells)} Cells")
        refused: PlannerError | None = None
        where = ""
        try:
            for record_id, fields in by_record.items():
                try:
                    saved = pj.update(self.store, entity, record_id, fields)
                except PlannerError as exc:
                    refused, where = exc, f"row {numbers.get(record_id, '?')}"
                    break
                current = next(r for r in pj.records(self.store, entity, self.project_id or 0, self.today())
                               if r["id"] == record_id)
                after = {key: current[key] for key in saved.before}
                self.undo_stack.push(RecordEditCommand(entity, record_id, saved.before, after,
                                                       f"Edit {LABEL[entity].capitalize()}", self.doc))
        finally:
            self.undo_stack.endMacro()
        if refused is not None:
            self.undo_stack.undo()  # what went in before the refused cell comes out again
            verb = "pasted" if any(t.strip() for *_, t in cells) else "cleared"
            table.say(f"Nothing was {verb}: {where}: {refused.message}", problem=True)
        self.doc.notify(Changed(workbook=True, origin=self))
        self._reload_current()

    def add_record(self, entity: Entity) -> None:
        if self.store is None or self.project_id is None:
            return
        try:
            saved = pj.create(self.store, entity, None, project_id=self.project_id, today=self.today())
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordAddCommand(entity, saved.id, f"Add {LABEL[entity].capitalize()}", self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(self.project_id)
        table = self.tables[entity]
        row = next(i for i, r in enumerate(table.model.rows) if r["id"] == saved.id)
        index = table.proxy.mapFromSource(table.model.index(row, 1 if entity is Entity.TASK else 0))
        table.view.setCurrentIndex(index)
        table.view.setFocus()

    def delete_record(self, entity: Entity, record_id: int) -> None:
        if self.store is None:
            return
        try:
            removed = pj.remove(self.store, entity, record_id)
        except PlannerError as exc:
            self.report(exc)
            return
        self.undo_stack.push(RecordRemoveCommand(removed, record_id, f"Delete {LABEL[entity].capitalize()}",
                                                 self.doc))
        self.doc.notify(Changed(workbook=True, origin=self))
        self.refresh(self.project_id)
