"""The main window: menus, the open plan file, recent files and window state."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner import APP_NAME, __version__, clock
from planner.errors import (
    DamagedPlanFileError,
    PlanFileLockedError,
    PlannerError,
    ReadOnlyPlanFileError,
    ValidationError,
)
from planner.render.summary import PageOptions, SummaryRenderer, write_pdf
from planner.services import period_locks, years
from planner.services.charts import scope_choices
from planner.services.exchange_rows import ExportScope, collect
from planner.services.history import Item, item_of
from planner.services.history import locate as history_locate
from planner.services.output import check_output
from planner.services.plan_file import new_plan_file, plan_summaries
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.plan_outline import View
from planner.services.report import Summary, active_plan_id, build_summary
from planner.services.status import plan_rules, set_plan_rules
from planner.services.xlsx_export import ExportCancelled, ExportResult, data_quality, export_workbook
from planner.services.xlsx_import import ImportPlan, ImportResult, apply_import, plan_import
from planner.store import PlanStore, backup_file, backups, open_plan_file, risky_location
from planner.ui.commands import StartYearCommand
from planner.ui.document import EVERYTHING, Changed, PlanDocument
from planner.ui.due_page import DuePage
from planner.ui.exchange_dialogs import ExportDialog, ImportPreview
from planner.ui.first_start import FirstStartDialog, needs_first_start
from planner.ui.help_browser import HelpWindow
from planner.ui.history_page import HistoryPage
from planner.ui.locks_dialog import PeriodLocksDialog
from planner.ui.overview import PlanOverview
from planner.ui.plan_page import PlanPage
from planner.ui.prompts import CreateChoice, LocationChoice, Prompter
from planner.ui.restore_dialog import RestoreDialog
from planner.ui.rules_dialog import StatusRulesDialog
from planner.ui.save_places import remember_folder, start_folder, suggested_path
from planner.ui.scoreboard import ScoreboardPage
from planner.ui.start_year_dialog import StartYearDialog
from planner.ui.summary_dialog import SummaryDialog
from planner.ui.tasks import run_in_background, wait_for_background
from planner.ui.wig_session_page import WigSessionPage
from planner.ui.workbook import WorkbookPage
from planner.ui.year_bar import YearBar

MAX_RECENT = 8
RECENT_KEY = "files/recent"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


class MainWindow(QMainWindow):
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
        self.scoreboard = ScoreboardPage(self.doc, self)
        self.scoreboard.open_wig.connect(self.show_wig)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.workbook = WorkbookPage(self.doc, self.prompter, self, plan_selection=self.page.current_key)
        self.workbook.status_message.connect(lambda text: self.statusBar().showMessage(text, 3000))
        self.due = DuePage(self.doc, self)
        self.due.open_node.connect(self.show_node)
        self.due.open_project.connect(self.show_project)
        self.due.counted.connect(lambda n: self.due_label.setText(f"{n} due now" if n else ""))
        self.due.department_chosen.connect(self._remember_department)
        self.session = WigSessionPage(self.doc, self)
        self.session.department_chosen.connect(self._remember_department)
        self.changes = HistoryPage(self.doc, self)
        self.changes.open_item.connect(self.show_item)
        # What is due opens first: it is where a week's work starts.
        for widget, title in ((self.due, "&Due Now"), (self.page, "&Plan"), (self.scoreboard, "&Scoreboard"),
                              (self.session, "WIG Se&ssion"), (self.workbook, "&Workbook"),
                              (self.changes, "&History")):
            self.tabs.addTab(widget, title)
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
        self.backup_timer.setInterval(int(backups.MIN_INTERVAL.total_seconds() * 1000))
        self.backup_timer.timeout.connect(self.back_up)
        self._restore_window_state()

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
        for n, (text, widget) in enumerate((("&Due Now", self.due), ("Plan &Tree", self.page),
                                            ("&Scoreboard", self.scoreboard), ("WIG Se&ssion", self.session),
                                            ("Project &Workbook", self.workbook), ("&History", self.changes)), 1):
            action = self._action(text, lambda _c=False, w=widget: self.tabs.setCurrentWidget(w),
                                  QKeySequence(f"Ctrl+{n}"))
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

    @property
    def store(self) -> PlanStore | None:
        return self.doc.store

    def _tab_changed(self, _index: int) -> None:
        """Each page reads again, when shown, only what changed since it was last on screen."""
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
    def _load_years(self, keep: int | None = None, store: PlanStore | None = None) -> None:
        """The plan's years in the bar above the tabs; choosing one shows it on every tab."""
        store = store or self.store
        plan_id = self._active_plan(store)
        if store is None or plan_id is None:
            self.year_bar.load([], set(), self.doc.today())
            return
        self.year_bar.load(years.list_years(store, plan_id), years.closed_years(store, plan_id),
                           self.doc.today(), keep)

    def _active_plan(self, store: PlanStore | None = None) -> int | None:
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

    def _offer_lock(self, today: date) -> None:
        """After an export for central collection: lock the quarter that just ended, if it is still open."""
        if self.store is None or self.store.read_only:
            return
        try:
            ended = period_locks.quarter(self.store, period_locks.quarter(self.store, today).start - timedelta(days=1))
            state = next((q for q in period_locks.quarters(self.store, active_plan_id(self.store))
                          if q.period == ended), None)
        except PlannerError:
            return
        if state is None or state.locked or not state.values:
            return
        if self.prompter.confirm("Lock the quarter?", f"Lock the {state.values} values of {ended.label} now that "
                                 "they have been exported? Changing one later will need an unlock with a reason.",
                                 f"Lock {ended.label}"):
            try:
                period_locks.lock(self.store, ended, note="Locked after a workbook export")
            except PlannerError as exc:
                self.prompter.error(exc)
                return
            self.statusBar().showMessage(f"{ended.label} is locked", 8000)

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

    # ---- recent files and window state (UI state only: no plan data in settings) --------------------------
    def recent_files(self) -> list[Path]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list on some platforms
            value = [value]
        return [Path(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        path = path.resolve()
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, [str(p) for p in [path, *recent][:MAX_RECENT]])

    def _clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])

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

    # ---- files -------------------------------------------------------------------------------------------
    def _close_store(self) -> None:
        self.page.form.flush()
        store = self.doc.store
        self.doc.open(None)
        wait_for_background()  # nothing may still be reading the file when it is closed
        if store is not None:
            store.close()

    def _show_store(self, store: PlanStore) -> None:
        self._close_store()
        self._remember(store.path)
        marker = " [read-only]" if store.read_only else ""
        self.setWindowFilePath(str(store.path))
        self.setWindowTitle(f"{store.path.name}{marker} — {APP_NAME}")
        self.file_label.setText(f"{store.path}{marker}")
        self.statusBar().showMessage(f"Opened {store.path.name}", 5000)
        self.overview.show_summaries(plan_summaries(store), read_only=store.read_only)
        self.year_bar.blockSignals(True)  # the year is the document's from the start: each page reads once
        self._load_years(store=store)
        self.year_bar.blockSignals(False)
        self.doc.open(store, self.year_bar.year, closed=self.year_bar.is_closed())
        if self.my_department():
            self.start_on_my_department()  # every tab on my department; the whole district one click away
        self.back_up()
        self._tab_changed(self.tabs.currentIndex())
        self._update_actions()

    # ---- backups ---------------------------------------------------------------------------------------------
    def backup_folder(self, path: Path) -> Path:
        return backups.folder_for(self.data_dir / "Backups", path)

    def back_up(self) -> None:
        """An automatic backup: on open and every half hour while a file is open for changes. Copying a large
        file takes seconds, so it runs off the GUI thread (SQLite's backup API reads a consistent snapshot)."""
        if self.store is None or self.store.read_only:
            self.backup_timer.stop()
            return
        self.backup_timer.start()
        path, folder = self.store.path, self.backup_folder(self.store.path)

        def failed(exc: BaseException) -> None:  # a backup that cannot be made must not stop the work
            if not isinstance(exc, (OSError, sqlite3.Error)):
                raise exc
            self.statusBar().showMessage(f"Could not make a backup: {exc}", 10000)

        run_in_background(lambda: backups.make_backup(path, folder, clock.now()), lambda _made: None, failed)

    def restore_from_backup(self) -> None:
        if self.store is None or self.store.read_only:
            return
        path = self.store.path
        found = []
        for backup in backups.list_backups(self.backup_folder(path)):
            found.append((backup, _holds(backup.path)))
        dialog = RestoreDialog(path.name, found, self)
        if not self.prompter.run_dialog(dialog) or dialog.chosen() is None:
            return
        chosen = dialog.chosen()
        self._close_store()
        try:
            backups.restore(chosen, path, self.backup_folder(path), clock.now())
        except (OSError, sqlite3.Error) as exc:
            self.prompter.error(PlannerError(f"The backup could not be restored: {exc}.",
                                             hint="The plan file was left as it was."))
        self.open_path(path)
        self.statusBar().showMessage(f"Restored the backup of {chosen.name}", 8000)

    def _offer_backup(self, exc: DamagedPlanFileError) -> bool:
        """A damaged file: offer its newest good backup (the damaged file is kept aside)."""
        good = backups.newest_good(self.backup_folder(exc.path))
        if good is None:
            return False
        question = (f"{exc.message} Restore the newest good backup, taken {good.taken:%d %b %Y at %H:%M}? "
                    "The damaged file is kept beside the backups.")
        if not self.prompter.confirm("The plan file is damaged", question, "Restore Backup"):
            return False
        backups.restore(good.path, exc.path, self.backup_folder(exc.path), clock.now())
        return True

    def open_default(self, path: Path) -> bool:
        """The user's own plan: created from the district plan the first time, without asking."""
        try:
            if not path.exists():
                store = new_plan_file(path)
                self._show_store(store)
                self.statusBar().showMessage(f"Created your plan file {path} from the district plan", 8000)
                return True
        except PlannerError as exc:
            self.prompter.error(exc)
            return False
        return self.open_path(path)

    def open_path(self, path: Path) -> bool:
        """Open `path`, asking what to do when it is missing, in a risky folder, or open elsewhere. Returns
        False when the person cancels; otherwise the file is opened off the GUI thread (checking a large
        file reads all of it) and shown when ready. On any failure the file that was open stays open."""
        path = Path(path)
        try:
            if not path.exists():
                choice = self.prompter.create_choice(path, missing=True)
                if choice is CreateChoice.CANCEL:
                    return False
                self._show_store(new_plan_file(path, empty=choice is CreateChoice.EMPTY))
                return True
            reason = risky_location(path)
            if reason:
                choice = self.prompter.risky_location(path, reason)
                if choice is LocationChoice.CANCEL:
                    return False
                if choice is LocationChoice.LOCAL_COPY:
                    path = self._local_copy(path)
        except PlannerError as exc:
            self.prompter.error(exc)
            return False
        return self._open_in_background(path, read_only=False)

    def _open_in_background(self, path: Path, *, read_only: bool) -> bool:
        """Open on the thread pool and show the file when it is ready. Returns whether it opened when the work
        ran at once (tests run background work inline), and True while it is still opening."""
        outcome: dict[str, bool] = {}
        busy = QProgressDialog(f"Opening {path.name}…", "", 0, 0, self)
        busy.setWindowTitle(APP_NAME)
        busy.setCancelButton(None)
        busy.setMinimumDuration(400)
        busy.setWindowModality(Qt.WindowModality.WindowModal)

        def opened(store: PlanStore) -> None:
            busy.close()
            self._show_store(store)
            outcome["ok"] = True

        def failed(exc: BaseException) -> None:
            busy.close()
            outcome["ok"] = False
            if isinstance(exc, DamagedPlanFileError) and not read_only:
                try:
                    if self._offer_backup(exc):
                        outcome["ok"] = self._open_in_background(path, read_only=False)
                        return
                except (OSError, sqlite3.Error, PlannerError) as restore_exc:
                    self.prompter.error(PlannerError(f"The backup could not be restored: {restore_exc}.",
                                                     hint="The damaged file was left as it was."))
                    return
            if isinstance(exc, (PlanFileLockedError, ReadOnlyPlanFileError)) and not read_only:
                if self.prompter.open_read_only(exc):
                    outcome["ok"] = self._open_in_background(path, read_only=True)
                return
            if isinstance(exc, PlannerError):
                self.prompter.error(exc)
                return
            raise exc

        run_in_background(lambda: open_plan_file(path, read_only=read_only), opened, failed)
        return outcome.get("ok", True)

    def _local_copy(self, path: Path) -> Path:
        folder = self.data_dir / "Local copies"
        dest = folder / path.name
        n = 1
        while dest.exists():
            n += 1
            dest = folder / f"{path.stem} ({n}){path.suffix}"
        backup_file(path, dest)
        self.statusBar().showMessage(f"Working on a local copy: {dest}", 10000)
        return dest

    def choose_and_open(self) -> None:
        start = self.store.path.parent if self.store else self.data_dir
        path = self.prompter.open_path(start)
        if path is not None:
            self.open_path(path)

    def new_file(self) -> None:
        start = self.store.path.parent if self.store else self.data_dir
        path = self.prompter.save_path("New Plan File", start / "New plan.planner")
        if path is None:
            return
        choice = self.prompter.create_choice(path, missing=False)
        if choice is CreateChoice.CANCEL:
            return
        try:
            store = new_plan_file(path, empty=choice is CreateChoice.EMPTY)
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        self._show_store(store)

    def save_copy(self) -> None:
        if self.store is None:
            return
        suggestion = start_folder(self.settings) / (f"{self.store.path.stem} copy {self.doc.today():%Y-%m-%d}"
                                                    f"{self.store.path.suffix}")
        dest = self.prompter.save_path("Save a Copy As", suggestion)
        if dest is None:
            return
        remember_folder(self.settings, dest)
        try:
            self.store.save_copy(dest)
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        except OSError as exc:
            self.prompter.error(PlannerError(f"The copy could not be written to “{dest}”: {exc.strerror or exc}.",
                                             hint="Choose a folder you can write to, with free space."))
            return
        self.statusBar().showMessage(f"Saved a copy as {dest}", 8000)

    # ---- workbooks -------------------------------------------------------------------------------------------
    def _export_scopes(self) -> list[tuple[str, ExportScope]]:
        assert self.store is not None
        plan_id = active_plan_id(self.store)
        year = self.year_bar.year
        year_id = year.id if year is not None and year.plan_id == plan_id else None  # the year shown
        found = []
        for text, scope in scope_choices(self.store, plan_id):
            if scope.kind == "plan":
                found.append((text, ExportScope(plan_id, label=text, year_id=year_id)))
            elif scope.kind == "division":
                found.append((text, ExportScope(plan_id, division_id=scope.id, label=text, year_id=year_id)))
            elif scope.kind == "department":
                found.append((text, ExportScope(plan_id, department_id=scope.id, label=text, year_id=year_id)))
        return found

    def export_workbook(self) -> None:
        if self.store is None:
            return
        store, today = self.store, self.doc.today()
        try:
            dialog = ExportDialog(self._export_scopes(),
                                  lambda scope: data_quality(collect(store, scope, today), today), self)
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        self._on_my_department(dialog.scope)
        if not self.prompter.run_dialog(dialog):
            return
        scope, label = dialog.chosen()
        path = self.prompter.save_path("Export Workbook", suggested_path(self.settings, label, "workbook", today,
                                                                         ".xlsx"),
                                       "Excel workbooks (*.xlsx)", ".xlsx")
        if path is None:
            return
        remember_folder(self.settings, path)
        try:  # the same refusal as `planner export --out`: a folder, a pipe, a place that cannot be written
            check_output(path, ".xlsx", "workbook")
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        progress = QProgressDialog("Exporting the workbook…", "Cancel", 0, 100, self)
        progress.setWindowTitle("Export Workbook")
        progress.setMinimumDuration(600)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        cancelled = {"flag": False}
        progress.canceled.connect(lambda: cancelled.update(flag=True))
        by = self.doc.entered_by()

        def report(fraction: float, text: str) -> None:
            if cancelled["flag"]:
                raise ExportCancelled("The export was cancelled; no workbook was written.")
            self._progress.emit(int(fraction * 100), text)

        self._progress_target = progress

        def done(result: ExportResult) -> None:
            progress.close()
            self.statusBar().showMessage(f"Exported {result.path.name}", 8000)
            self._offer_to_open(result.path, "Workbook",
                                f"{len(result.quality)} data-quality notes are on its cover." if result.quality
                                else "The data-quality check found nothing to fix.")
            self._offer_lock(today)

        def failed(exc: BaseException) -> None:
            progress.close()
            if isinstance(exc, PlannerError):
                self.prompter.error(exc)
            elif isinstance(exc, OSError):
                self.prompter.error(PlannerError(f"The workbook could not be written to “{path}”: "
                                                 f"{exc.strerror or exc}.", hint="Choose a folder you can write to."))
            else:
                raise exc

        run_in_background(lambda: export_workbook(store, path, scope, today, by, report), done, failed)

    def _show_progress(self, value: int, text: str) -> None:
        target = getattr(self, "_progress_target", None)
        if target is not None:
            target.setValue(value)
            target.setLabelText(text)

    def import_workbooks(self) -> None:
        if self.store is None or self.store.read_only:
            return
        paths = self.prompter.open_paths("Import Workbooks", self.store.path.parent, "Excel workbooks (*.xlsx)")
        if not paths:
            return
        store, today = self.store, self.doc.today()
        busy = QProgressDialog("Reading and checking the workbooks…", "", 0, 0, self)
        busy.setWindowTitle("Import Workbooks")
        busy.setCancelButton(None)
        busy.setMinimumDuration(600)
        busy.setWindowModality(Qt.WindowModality.WindowModal)

        def failed(exc: BaseException) -> None:
            busy.close()
            if isinstance(exc, PlannerError):
                self.prompter.error(exc)
            else:
                raise exc

        def planned(plan: ImportPlan) -> None:
            busy.close()
            preview = ImportPreview(plan, self)
            if not self.prompter.run_dialog(preview):
                return
            busy.setLabelText("Writing the workbooks into the plan file…")
            busy.show()
            take = preview.take_theirs()
            run_in_background(lambda: apply_import(store, plan, take), lambda result: applied(result, plan), failed)

        def applied(result: ImportResult, plan: ImportPlan) -> None:
            busy.close()
            self.doc.undo_stack.clear()  # an import is not one edit to undo; the backup before it is the way back
            self.doc.notify(EVERYTHING)
            self.page.reload()
            self.overview.show_summaries(plan_summaries(store), read_only=store.read_only)
            lines = []
            if result.files_in:
                lines.append(f"Imported {', '.join(result.files_in)}: {result.added} added, "
                             f"{result.updated} updated.")
            if result.conflicts_left:
                lines.append(f"{result.conflicts_left} conflicts were left as they are here.")
            if result.locked_left:
                lines.append(f"{result.locked_left} values of locked periods were left as they are here "
                             "(Plan > Period Locks).")
            if result.files_refused:
                lines.append(f"Refused (nothing from them went in): {', '.join(result.files_refused)}.")
            lines += [f"{name} {message}" for name, message in result.failed.items()]
            if plan.repeated:
                lines.append(f"Named more than once, imported once: {', '.join(plan.repeated)}.")
            self.prompter.info("Import finished", "\n".join(lines) or "Nothing to import.")

        # Checking a district's workbooks reads hundreds of thousands of rows: never on the GUI thread.
        run_in_background(lambda: plan_import(store, paths, today), planned, failed)

    # ---- status summaries -----------------------------------------------------------------------------------
    def _summary_choice(self, action: str) -> tuple[Summary, PageOptions] | None:
        if self.store is None:
            return None
        try:
            plan_id = active_plan_id(self.store)
            dialog = SummaryDialog(scope_choices(self.store, plan_id), action=action, parent=self)
            self._on_my_department(dialog.scope)
            if not self.prompter.summary_options(dialog):
                return None
            scope, label = dialog.chosen_scope()
            year = self.year_bar.year
            summary = build_summary(self.store, plan_id, scope, label, self.doc.today(),
                                    year.id if year and year.plan_id == plan_id else None)
        except PlannerError as exc:
            self.prompter.error(exc)
            return None
        return summary, dialog.options()

    def print_summary(self) -> None:
        chosen = self._summary_choice("Preview")
        if chosen is None:
            return
        summary, options = chosen

        def paint(printer: QPrinter) -> None:
            SummaryRenderer(summary, options).render(printer)

        self.prompter.print_preview(paint)

    def export_summary_pdf(self) -> None:
        chosen = self._summary_choice("Export")
        if chosen is None or self.store is None:
            return
        summary, options = chosen
        start = suggested_path(self.settings, summary.scope_label, "status summary", self.doc.today(), ".pdf")
        path = self.prompter.save_path("Export Summary as PDF", start, "PDF files (*.pdf)", ".pdf")
        if path is None:
            return
        remember_folder(self.settings, path)
        try:
            check_output(path, ".pdf", "summary")
        except PlannerError as exc:
            self.prompter.error(exc)
            return
        try:
            pages = write_pdf(summary, path, options)
        except OSError as exc:
            self.prompter.error(PlannerError(f"The PDF could not be written to “{path}”: {exc.strerror or exc}.",
                                             hint="Choose a folder you can write to."))
            return
        self.statusBar().showMessage(f"Wrote {path.name} ({pages} pages)", 8000)
        self._offer_to_open(path, "Status summary", f"{pages} page{'s' if pages != 1 else ''}.")

    # ---- who you are, help --------------------------------------------------------------------------------
    def ask_who_you_are(self, *, force: bool = False) -> bool:
        """The first start (or Help > Your Name and Department): your name and your department, kept in the
        window's settings; every tab then starts on that department."""
        if not force and not needs_first_start(self.settings):
            return False
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
        for picker in (self.due.department, self.session.department):
            row = picker.find_name(mine) if mine else 0
            if row >= 0 and row != picker.currentIndex():
                picker.setCurrentIndex(row)
        if mine:
            self.scoreboard.select_scope(f"Department: {mine}")
            combo = self.page.department_combo  # the plan tree narrowed to the department, by department
            row = combo.findText(mine)
            if row >= 0:
                views = self.page.view_combo
                by_department = views.findText("By department")
                if by_department >= 0:
                    views.setCurrentIndex(by_department)
                combo.setCurrentIndex(row)

    def _on_my_department(self, combo: object) -> None:
        """A scope picker (export, summary) starts on my department when it offers it."""
        mine = self.my_department()
        find = getattr(combo, "findText", None)
        if mine and callable(find):
            row = find(f"Department: {mine}")
            if row >= 0:
                combo.setCurrentIndex(row)  # type: ignore[attr-defined]

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



def _holds(path: Path) -> str:
    """What a backup holds, in a few words, read without changing it."""
    try:
        with open_plan_file(path, read_only=True) as store:
            counts = plan_summaries(store)
        current = next((c.counts for c in counts if not c.counts.archived), None)
        if current is None:
            return "no current plan"
        return f"{current.counts['WIGs']} WIGs, {current.counts['key levers']} key levers"
    except PlannerError as exc:
        return exc.message
