"""The main window: the tabs, the year bar, the menus and the window's state. Its flows live beside it by
job: files and backups (window_files.py), workbooks (window_exchange.py), summaries (window_reports.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner import APP_NAME, __version__
from planner.errors import (
    PlannerError,
    ValidationError,
)
from planner.services import years
from planner.services.history import Item, item_of
from planner.services.history import locate as history_locate
from planner.services.plan_file import plan_summaries
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import View
from planner.services.report import active_plan_id
from planner.services.status import plan_rules, set_plan_rules
from planner.ui.commands import StartYearCommand
from planner.ui.document import Changed, FollowsDocument, PlanDocument, Store
from planner.ui.due_page import DuePage
from planner.ui.first_start import FirstStartDialog, needs_first_start
from planner.ui.help_browser import HelpWindow
from planner.ui.locks_dialog import PeriodLocksDialog
from planner.ui.overview import PlanOverview
from planner.ui.plan_page import PlanPage
from planner.ui.prompts import Prompter
from planner.ui.rules_dialog import StatusRulesDialog
from planner.ui.start_year_dialog import StartYearDialog
from planner.ui.window_exchange import ExchangeFlows
from planner.ui.window_files import BACKUP_INTERVAL, FileFlows
from planner.ui.window_reports import ReportFlows
from planner.ui.year_bar import YearBar

if TYPE_CHECKING:  # built (and imported) when first shown or first reached, not before the first paint
    from planner.ui.history_page import HistoryPage
    from planner.ui.project_workbook import WorkbookPage
    from planner.ui.scoreboard import ScoreboardPage
    from planner.ui.wig_session_page import WigSessionPage

MAX_RECENT = 8
RECENT_KEY = "files/recent"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


class MainWindow(FileFlows, ExchangeFlows, ReportFlows, QMainWindow):
    due_label: QLabel  # made below the tabs; the Due Now page's count is shown in it
    _progress = Signal(int, str)  # from work off the GUI thread to the progress dialog
    def __init__(self, *, data_dir: Path, settings: QSettings | None = None, prompter: Prompter | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.settings = settings or QSettings()
        self.prompter = prompter or Prompter(self)
        # The open file, its undo stack, the year shown and the statuses every tab shares.
        self.doc = PlanDocument(self.settings, self)
        self.doc.failed.connect(self.prompter.error)
        self.doc.changed.connect(self._document_changed)
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.overview = PlanOverview(self)
        self.page = PlanPage(self.doc, self.prompter, self.overview, self)
        self.page.status_message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.due = DuePage(self.doc, self)
        self.due.open_node.connect(self.show_node)
        self.due.open_project.connect(self.show_project)
        self.due.counted.connect(lambda n: self.due_label.setText(f"{n} due now" if n else ""))
        self.due.department_chosen.connect(self._remember_department)
        # What is due opens first: it is where a week's work starts. The scoreboard, the WIG session, the
        # workbook and the history are placeholders until first shown (or first reached by a menu, a link or
        # a shortcut): the first paint builds and imports only what it shows.
        self._builders: dict[str, Callable[[], QWidget]] = {
            "scoreboard": self._build_scoreboard, "session": self._build_session,
            "workbook": self._build_workbook, "changes": self._build_changes}
        self._built: dict[str, QWidget] = {}
        self._holders: dict[str, QWidget] = {}
        for name, title in (("due", "&Due Now"), ("page", "&Plan"), ("scoreboard", "&Scoreboard"),
                            ("session", "WIG Se&ssion"), ("workbook", "&Workbook"), ("changes", "&History")):
            if name in self._builders:
                holder = self._holders[name] = QWidget()
                holder.setObjectName(f"unbuilt-{name}")
                self.tabs.addTab(holder, title)
            else:
                self.tabs.addTab(getattr(self, name), title)
        self.tabs.setCurrentWidget(self.due)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.year_bar = YearBar(self)
        self.year_bar.year_changed.connect(self._year_changed)
        self.year_bar.start_requested.connect(self.start_next_year)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.year_bar)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.due_label = QLabel()
        self.due_label.setAccessibleName("Items due now")
        self.file_label = QLabel()
        self.file_label.setAccessibleName("Open plan file")
        self.statusBar().addPermanentWidget(self.due_label)
        self.statusBar().addPermanentWidget(self.file_label)
        self._build_menus()
        self._progress.connect(self._show_progress)
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(int(BACKUP_INTERVAL.total_seconds() * 1000))
        self.backup_timer.timeout.connect(self.back_up)
        self._restore_window_state()

    # ---- the tabs built when first shown ----------------------------------------------------------------------
    def _build_scoreboard(self) -> QWidget:
        from planner.ui.scoreboard import ScoreboardPage
        page = ScoreboardPage(self.doc, self)
        page.open_wig.connect(self.show_wig)  # it starts on my department once built (see _tab)
        return page

    def _build_session(self) -> QWidget:
        from planner.ui.wig_session_page import WigSessionPage
        page = WigSessionPage(self.doc, self)  # reads my department itself when it first loads
        page.department_chosen.connect(self._remember_department)
        return page

    def _build_workbook(self) -> QWidget:
        from planner.ui.project_workbook import WorkbookPage
        page = WorkbookPage(self.doc, self.prompter, self, plan_selection=self.page.current_key)
        page.status_message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        return page

    def _build_changes(self) -> QWidget:
        from planner.ui.history_page import HistoryPage
        page = HistoryPage(self.doc, self)
        page.open_item.connect(self.show_item)
        return page

    def is_built(self, name: str) -> bool:
        """Whether a tab built when first shown ("scoreboard", "session", "workbook", "changes") is built."""
        return name in self._built

    def _tab(self, name: str) -> QWidget:
        """The tab's page, built now if it was not yet: its placeholder gives way to it at the same place,
        still the current tab if the placeholder was."""
        page = self._built.get(name)
        if page is not None:
            return page
        page = self._built[name] = self._builders[name]()
        if self.store is not None and isinstance(page, FollowsDocument):
            page.opened()  # built after the file opened: what it would have done when the file was opened
            mine = self.my_department()
            if name == "scoreboard" and mine:  # the session reads my department itself in opened()
                cast("ScoreboardPage", page).select_scope(f"Department: {mine}")
        holder = self._holders.pop(name)
        index = self.tabs.indexOf(holder)
        title = self.tabs.tabText(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # the same tab stays current: no change for the pages to follow
        try:
            self.tabs.insertTab(index, page, title)
            self.tabs.removeTab(index + 1)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        holder.deleteLater()
        return page

    @property
    def scoreboard(self) -> ScoreboardPage:
        return cast("ScoreboardPage", self._tab("scoreboard"))

    @property
    def session(self) -> WigSessionPage:
        return cast("WigSessionPage", self._tab("session"))

    @property
    def workbook(self) -> WorkbookPage:
        return cast("WorkbookPage", self._tab("workbook"))

    @property
    def changes(self) -> HistoryPage:
        return cast("HistoryPage", self._tab("changes"))

    def show_tab(self, name: str) -> None:
        """Bring a tab to the front by name, building it first if it was not yet."""
        self.tabs.setCurrentWidget(getattr(self, name))

    # ---- menus -------------------------------------------------------------------------------------------
    def _action(self, text: str, slot: object, shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._action("&New Plan File…", self.new_file, QKeySequence.StandardKey.New,
                                       "Create a plan file, with the district plan or empty")
        self.open_action = self._action("&Open…", self.choose_and_open, QKeySequence.StandardKey.Open,
                                        "Open another plan file")
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.restore_action = self._action("&Restore from Backup…", self.restore_from_backup,
                                           tip="Put back an automatic backup of this plan file")
        self.save_copy_action = self._action("Save a &Copy As…", self.save_copy, QKeySequence.StandardKey.SaveAs,
                                             "Write a copy of the whole plan file somewhere else")
        self.export_action = self._action("&Export Workbook…", self.export_workbook, QKeySequence("Ctrl+E"),
                                          "Write an Excel workbook for central collection")
        self.import_action = self._action("&Import Workbooks…", self.import_workbooks, QKeySequence("Ctrl+I"),
                                          "Bring in workbooks from departments (or a corrected one)")
        self.print_action = self._action("&Print Status Summary…", self.print_summary, QKeySequence.StandardKey.Print,
                                         "Preview and print a status summary")
        self.pdf_action = self._action("Export Summary as P&DF…", self.export_summary_pdf,
                                       tip="Write a status summary as a PDF file")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self._action("Connect to District &Server…", lambda: self.connect_to_server(),
                                         tip="Open the district's plan on its PostgreSQL server"))
        file_menu.addSeparator()
        file_menu.addAction(self.save_copy_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(self.print_action)
        file_menu.addAction(self.pdf_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.page.undo_action)
        edit_menu.addAction(self.page.redo_action)
        edit_menu.addSeparator()
        for action in self.page.edit_actions:
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.page.find_action)
        self.edit_menu = edit_menu
        self.addActions([self.page.undo_action, self.page.redo_action, *self.page.edit_actions,
                         self.page.find_action, self.page.log_action])

        plan_menu = self.menuBar().addMenu("P&lan")
        self.show_actions = []
        for n, (text, name) in enumerate((("&Due Now", "due"), ("Plan &Tree", "page"),
                                          ("&Scoreboard", "scoreboard"), ("WIG Se&ssion", "session"),
                                          ("Project &Workbook", "workbook"), ("&History", "changes")), 1):
            action = self._action(text, lambda _c=False, t=name: self.show_tab(t), QKeySequence(f"Ctrl+{n}"))
            self.show_actions.append(action)
            plan_menu.addAction(action)
        self.item_history_action = self._action("History of Selected &Item", self.show_selected_history,
                                                QKeySequence("Ctrl+H"),
                                                "Every change to the selected part of the plan and its values")
        self.rules_action = self._action("Status &Rules…", self.edit_rules, tip="Thresholds and the roll-up rule")
        self.locks_action = self._action("Period &Locks…", self.edit_locks,
                                         tip="Lock a quarter's values once they are sent to the central office")
        plan_menu.addAction(self.item_history_action)
        plan_menu.addSeparator()
        plan_menu.addAction(self.page.log_action)
        plan_menu.addAction(self.page.plan_details_action)
        plan_menu.addAction(self.rules_action)
        plan_menu.addAction(self.locks_action)
        self.start_year_action = self._action("Start &Next Year…", self.start_next_year,
                                              tip="Carry the newest year's goals into the next school year")
        plan_menu.addSeparator()
        plan_menu.addAction(self.start_year_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.guide_action = self._action("&User Guide", self.show_user_guide, QKeySequence.StandardKey.HelpContents,
                                         tip="How to use Planner, what each status means, the keyboard shortcuts")
        help_menu.addAction(self.guide_action)
        self.who_action = self._action("Your &Name and Department…", lambda: self.ask_who_you_are(force=True),
                                       tip="Who you are: the name the history records, the department tabs start on")
        help_menu.addAction(self.who_action)
        help_menu.addSeparator()
        self.about_action = self._action("&About Planner", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(self.about_action)
        self._update_actions()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for i, path in enumerate(recent):
            action = self.recent_menu.addAction(f"&{i + 1} {path.name}  —  {path.parent}")
            action.setData(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent Files", self._clear_recent)

    def _update_actions(self) -> None:
        self.save_copy_action.setEnabled(self.store is not None)
        self.restore_action.setEnabled(self.store is not None and not self.store.read_only)
        self.print_action.setEnabled(self.store is not None)
        self.export_action.setEnabled(self.store is not None)
        self.import_action.setEnabled(self.store is not None and not self.store.read_only)
        self.pdf_action.setEnabled(self.store is not None)
        if hasattr(self, "rules_action"):
            self.rules_action.setEnabled(self.store is not None and not self.store.read_only)
            self.locks_action.setEnabled(self.store is not None)
            self.item_history_action.setEnabled(self.store is not None)
        if hasattr(self, "start_year_action"):
            self.start_year_action.setEnabled(self.store is not None and not self.store.read_only
                                              and bool(self.year_bar.years))

    def _tab_changed(self, _index: int) -> None:
        """Each page reads again, when shown, only what changed since it was last on screen (a placeholder
        gives way to its page, built now)."""
        shown = self.tabs.currentWidget()
        for name, holder in list(self._holders.items()):
            if holder is shown:
                self._tab(name)
        if self.tabs.currentWidget() is self.page:
            self.page.refresh_details()  # projects and utilization shown beside the plan

    def _document_changed(self, change: Changed) -> None:
        if change.years:
            self._load_years(keep=change.year_id if change.year_id is not None else (
                self.year_bar.year.id if self.year_bar.year else None))
            self._update_actions()

    def _remember_department(self, name: str) -> None:
        """The department chosen on Due Now or the WIG session: "my department", the next time too."""
        self.doc.set_my_department(name)

    def my_department(self) -> str:
        return self.doc.my_department()

    def show_item(self, item: Item) -> None:
        """From a line of the History to the item in the plan tree or the workbook."""
        if self.store is None:
            return
        key, project_id = history_locate(self.store, item)
        if key is not None:
            self.show_node(key)
        elif project_id is not None:
            self.show_project(project_id)

    def show_selected_history(self) -> None:
        key = self.page.current_key() if self.tabs.currentWidget() is self.page else None
        self.changes.show_item(item_of(key) if key is not None else None)
        self.tabs.setCurrentWidget(self.changes)

    def edit_locks(self) -> None:
        if self.store is None:
            return
        try:
            year = self.year_bar.year
            dialog = PeriodLocksDialog(self.store, active_plan_id(self.store), self._ask_unlock_reason,
                                       self.prompter.error, self, year.id if year else None)
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        self.prompter.run_dialog(dialog)
        year = self.year_bar.year
        self._load_years(keep=year.id if year else None)  # an unlocked quarter reopens a closed year

    # ---- plan years ----------------------------------------------------------------------------------------
    def _load_years(self, keep: int | None = None, store: Store | None = None) -> None:
        """The plan's years in the bar above the tabs; choosing one shows it on every tab."""
        store = store or self.store
        plan_id = self._active_plan(store)
        if store is None or plan_id is None:
            self.year_bar.load([], set(), self.doc.today())
            return
        self.year_bar.load(years.list_years(store, plan_id), years.closed_years(store, plan_id),
                           self.doc.today(), keep)

    def _active_plan(self, store: Store | None = None) -> int | None:
        store = store or self.store
        if store is None:
            return None
        try:
            return active_plan_id(store)
        except PlannerError:
            return None

    def _year_changed(self, year: years.YearInfo | None) -> None:
        self.doc.set_year(year, closed=self.year_bar.is_closed())  # every page follows the document's year
        if self.store is not None:
            self.overview.show_summaries(plan_summaries(self.store, {year.plan_id: year.id} if year else None),
                                         read_only=self.store.read_only)
        self._update_actions()

    def start_next_year(self, label: str = "") -> None:
        """Plan > Start Next Year (or the banner's button): the preview, then one transaction and one undo."""
        plan_id = self._active_plan()
        if self.store is None or plan_id is None or self.store.read_only:
            return
        try:
            preview = years.preview_next_year(self.store, plan_id, label or None)
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        store = self.store

        def start(chosen: years.YearPreview) -> PlannerError | None:
            try:
                started = years.start_year(store, chosen)
            except PlannerError as exc:
                return exc
            self.doc.push(StartYearCommand(chosen, started, self.doc))
            self.doc.notify(Changed(years=True, year_id=started.year_id))
            self.statusBar().showMessage(f"Started {started.label}: " + ", ".join(
                f"{n} {what}" for what, n in started.counts.items()) + " carried.", 8000)
            return None

        self.prompter.run_dialog(StartYearDialog(preview, start, self))

    def _ask_unlock_reason(self, label: str) -> str | None:
        return self.prompter.ask_text(f"Unlock {label}", f"Why must {label}'s values change? The reason is kept "
                                      "in the History, for the central office.")

    def show_wig(self, wig_id: int) -> None:
        """From a scoreboard card to the WIG in the plan tree."""
        self.show_node(NodeKey(Kind.WIG, wig_id))

    def show_node(self, key: NodeKey) -> None:
        """Open a WIG or measure in the plan tree: by pillar, or by department for a department's own."""
        self.tabs.setCurrentWidget(self.page)
        self.page.filter_edit.clear()
        self.page.apply_filter()
        if self.page.plan is not None:
            for view in (View.PILLARS, View.DEPARTMENTS):
                if self.page.view is not view:
                    self.page.select_plan(self.page.plan.id, view)
                if self.page.model.index_for(key).isValid():
                    break
        self.page.select(key)

    def show_project(self, project_id: int) -> None:
        self.tabs.setCurrentWidget(self.workbook)
        self.workbook.select_project(project_id)

    def edit_rules(self) -> None:
        plan = self.page.plan
        if self.store is None or plan is None or self.store.read_only:
            return
        dialog = StatusRulesDialog(plan_rules(self.store, plan.id), self)
        while self.prompter.edit_rules(dialog):
            try:
                set_plan_rules(self.store, plan.id, dialog.rules())
            except ValidationError as exc:
                dialog.show_error(exc)
                continue
            self.doc.notify(Changed(statuses=True))  # every page's statuses judged again by the new rules
            self.statusBar().showMessage("Status rules saved", 4000)
            return

    def _restore_window_state(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 760)
        state = self.settings.value(STATE_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(STATE_KEY, self.saveState())
        self.settings.sync()
        self._close_store()
        event.accept()

    # ---- who you are, help --------------------------------------------------------------------------------
    def ask_who_you_are(self, *, force: bool = False) -> bool:
        """The first start (or Help > Your Name and Department): your name and your department, kept in the
        window's settings; every tab then starts on that department."""
        if not force and not needs_first_start(self.settings):
            return False
        if self.store is None and not force:
            self._ask_when_open = True  # the file is still opening off the GUI thread: ask once it is shown
            return False
        self._ask_when_open = False
        dialog = FirstStartDialog(self.store, self.settings, self)
        if not self.prompter.run_dialog(dialog) or dialog.who is None:
            return False
        if self.store is not None:
            self.store.actor = self.doc.entered_by()  # the history records the name given from now on
        self.start_on_my_department()
        self.statusBar().showMessage(f"Welcome, {dialog.who.name}", 5000)
        return True

    def start_on_my_department(self) -> None:
        """Due Now, the WIG session and the scoreboard show my department (the whole district one click away)."""
        mine = self.my_department()
        pickers = [self.due.department]
        if self.is_built("session"):  # else it starts on my department when it is built
            pickers.append(self.session.department)
        for picker in pickers:
            row = picker.find_name(mine) if mine else 0
            if row >= 0 and row != picker.currentIndex():
                picker.setCurrentIndex(row)
        if mine:
            if self.is_built("scoreboard"):  # else when it is built
                self.scoreboard.select_scope(f"Department: {mine}")
            combo = self.page.department_combo  # the plan tree narrowed to the department, by department
            row = combo.findText(mine)
            if row >= 0:
                views = self.page.view_combo
                by_department = views.findText("By department")
                if by_department >= 0:
                    views.setCurrentIndex(by_department)
                combo.setCurrentIndex(row)

    def _on_my_department(self, combo: QComboBox) -> None:
        """A scope picker (export, summary) starts on my department when it offers it."""
        mine = self.my_department()
        if mine:
            row = combo.findText(f"Department: {mine}")
            if row >= 0:
                combo.setCurrentIndex(row)

    def show_user_guide(self, page: str = "") -> HelpWindow:
        guide = getattr(self, "guide", None)
        if guide is None:
            guide = self.guide = HelpWindow(self)
        if page:
            guide.guide.show_page(page)
        guide.show()
        guide.raise_()
        guide.activateWindow()
        return guide

    def _offer_to_open(self, path: Path, what: str, details: str = "") -> None:
        choice = self.prompter.after_writing(path, what, details)
        self.prompter.open_written(path, choice)

    def show_about(self) -> None:
        where = ""
        if self.store is not None:
            where = f"<p>Plan file: {self.store.path}<br>Schema version: {self.store.schema_revision()}</p>"
        QMessageBox.about(self, "About Planner",
                          f"<h3>Planner {__version__}</h3><p>The district's strategic plan, your measurements "
                          f"and your projects, in one file on your computer.</p>{where}")
