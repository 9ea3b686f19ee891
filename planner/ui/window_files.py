"""The window's file flows: open, create, save a copy, recent files, backups and restore. With the
document, the only part of the UI that reaches the store's module (it opens and backs up files)."""
from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QProgressDialog,
)

from planner import APP_NAME, clock
from planner.errors import (
    DamagedPlanFileError,
    PlanFileLockedError,
    PlannerError,
    ReadOnlyPlanFileError,
)
from planner.services.plan_file import new_plan_file, plan_summaries
from planner.store import (
    PlanStore,
    backup_file,
    backups,
    check_plan_pages,
    open_plan_file,
    open_server,
    risky_location,
)
from planner.store.server import shown_url
from planner.ui.document import EVERYTHING
from planner.ui.plan_page import collector_paused
from planner.ui.prompts import CreateChoice, LocationChoice
from planner.ui.restore_dialog import RestoreDialog
from planner.ui.save_places import remember_folder, start_folder
from planner.ui.tasks import run_in_background, wait_for_background
from planner.ui.window_part import WindowPart

MAX_RECENT = 8
RECENT_KEY = "files/recent"
SERVER_BACKUPS = ("This plan is on the district server, which keeps its own backups (its administrator makes "
                  "them, with pg_dump for example); Planner makes none of it and restores none.")
BACKUP_INTERVAL = backups.MIN_INTERVAL  # how often an open file is backed up while it is worked on


class ServerNews(QObject):
    """Carries the district server's notices from the store's listening thread to the GUI thread."""

    changed = Signal(str)  # who changed the plan
    status = Signal(str, bool)  # updates stopped (False) or resumed (True), in words


class FileFlows(WindowPart):
    # ---- recent files and window state (UI state only: no plan data in settings) --------------------------
    def recent_files(self) -> list[Path]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list on some platforms
            value = [value]
        return [Path(str(v)) for v in (value if isinstance(value, list) else [])]

    def _remember(self, path: Path) -> None:
        path = path.resolve()
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, [str(p) for p in [path, *recent][:MAX_RECENT]])

    def _clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])

    # ---- files -------------------------------------------------------------------------------------------
    def _close_store(self) -> None:
        self.page.form.flush()
        store = self.doc.store
        self.doc.open(None)
        wait_for_background()  # nothing may still be reading the file when it is closed
        if store is not None:
            store.close()
            gc.unfreeze()  # what the old file's pages held goes back to the collector (frozen again once shown)

    def _show_store(self, store: PlanStore) -> None:
        with collector_paused():  # every page reads the file: many small objects, none in a cycle
            self._show_opened(store)
        # What the pages now hold lives as long as the file is open: moved out of the collector's sight, as
        # start-up's objects are (app.py). Otherwise each full collection walks all of it again, a pause of
        # a tenth of a second at a time on a large plan, in the middle of typing in the filter. (A full
        # collection here found nothing to free: the pages keep no cycles of garbage behind.)
        gc.freeze()

    def _show_opened(self, store: PlanStore) -> None:
        self._close_store()
        if not store.on_server:  # a server is no file to reopen from the recent list
            self._remember(store.path)
        marker = " [read-only]" if store.read_only else ""
        self.setWindowFilePath("" if store.on_server else str(store.path))
        # on a server, who this window is signed in as: two windows side by side tell themselves apart
        signed_in = f" (signed in as {store.role})" if store.on_server and store.role else ""
        self.setWindowTitle(f"{store.path.name}{signed_in}{marker} — {APP_NAME}")
        shown = f"District server: {shown_url(store.server_url)}" if store.server_url else str(store.path)
        self.file_label.setText(f"{shown}{marker}")
        self.statusBar().showMessage(f"Opened {store.path.name}", 5000)
        self.overview.show_summaries(plan_summaries(store), read_only=store.read_only)
        self.year_bar.blockSignals(True)  # the year is the document's from the start: each page reads once
        self._load_years(store=store)
        self.year_bar.blockSignals(False)
        self.doc.open(store, self.year_bar.year, closed=self.year_bar.is_closed())
        if self.my_department():
            self.start_on_my_department()  # every tab on my department; the whole district one click away
        if getattr(self, "_ask_when_open", False):
            self.ask_who_you_are()  # the first start, now that the plan's departments can be offered
        self.back_up()
        if store.on_server:
            self._follow_server(store)
        self._tab_changed(self.tabs.currentIndex())
        self._update_actions()

    # ---- backups ---------------------------------------------------------------------------------------------
    def backup_folder(self, path: Path) -> Path:
        return backups.folder_for(self.data_dir / "Backups", path)

    def back_up(self) -> None:
        """An automatic backup: on open and every half hour while a file is open for changes. Copying a large
        file takes seconds, so it runs off the GUI thread (SQLite's backup API reads a consistent snapshot)."""
        if self.store is None or self.store.read_only or self.store.on_server:  # a server keeps its own
            self.backup_timer.stop()
            return
        self.backup_timer.start()
        path, folder = self.store.path, self.backup_folder(self.store.path)

        def failed(exc: BaseException) -> None:  # a backup that cannot be made must not stop the work
            if not isinstance(exc, (OSError, PlannerError)):
                raise exc
            self.statusBar().showMessage(f"Could not make a backup: {exc}", 10000)

        run_in_background(lambda: backups.make_backup(path, folder, clock.now()), lambda _made: None, failed,
                          chore=True)

    def restore_from_backup(self) -> None:
        if self.store is None or self.store.read_only:
            return
        if self.store.on_server:
            self.prompter.info("Backups", SERVER_BACKUPS)
            return
        path = self.store.path
        found = []
        for backup in backups.list_backups(self.backup_folder(path)):
            found.append((backup, _holds(backup.path)))
        dialog = RestoreDialog(path.name, found, self)
        chosen = dialog.chosen() if self.prompter.run_dialog(dialog) else None
        if chosen is None:
            return
        self._close_store()
        try:
            backups.restore(chosen, path, self.backup_folder(path), clock.now())
        except (OSError, PlannerError) as exc:
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
                where = self.prompter.risky_location(path, reason)
                if where is LocationChoice.CANCEL:
                    return False
                if where is LocationChoice.LOCAL_COPY:
                    path = self._local_copy(path)
        except PlannerError as exc:
            self.prompter.error(exc)
            return False
        return self._open_in_background(path, read_only=False)

    def _open_in_background(self, path: Path, *, read_only: bool) -> bool:
        """Open on the thread pool and show the file when it is ready. Returns whether it opened when the work
        ran at once (tests run background work inline), and True while it is still opening.

        The check of every page (reading the whole file: seconds for a large one) is not waited for: the plan
        is shown first and the check runs behind it, off the GUI thread; should it find damage, the file is
        closed before anything is written to it, the person is told in words and offered the newest good
        backup, as when a damaged file is refused outright."""
        outcome: dict[str, bool] = {}
        busy = QProgressDialog(f"Opening {path.name}…", "", 0, 0, self)
        busy.setWindowTitle(APP_NAME)
        busy.setCancelButton(None)
        busy.setMinimumDuration(400)
        busy.setWindowModality(Qt.WindowModality.WindowModal)

        def opened(store: PlanStore) -> None:
            busy.close()
            try:
                self._show_store(store)
            except PlannerError as exc:  # a page could not read what it shows: is the file damaged?
                if self.doc.store is store:
                    self._close_store()
                else:
                    store.close()
                unreadable: PlannerError = exc
                run_in_background(lambda: check_plan_pages(path), lambda _ok: failed(unreadable), failed, chore=True)
                return
            outcome["ok"] = True
            self._check_pages_after_show(store, failed if not read_only else self.prompter.error)

        def failed(exc: BaseException) -> None:
            busy.close()
            outcome["ok"] = False
            if isinstance(exc, DamagedPlanFileError) and not read_only:
                try:
                    if self._offer_backup(exc):
                        outcome["ok"] = self._open_in_background(path, read_only=False)
                        return
                except (OSError, PlannerError) as restore_exc:
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

        run_in_background(lambda: open_plan_file(path, read_only=read_only, check_pages=False), opened, failed)
        return outcome.get("ok", True)

    def _check_pages_after_show(self, store: PlanStore, on_damage: Callable[[PlannerError], object]) -> None:
        """Every page of the shown file checked off the GUI thread; damage closes the file and `on_damage`
        says so (and offers a backup)."""
        path = store.path
        self.statusBar().showMessage(f"Opened {path.name}; checking the file…", 5000)

        def checked(_ok: object) -> None:
            if self.doc.store is store:
                self.statusBar().showMessage(f"Opened {path.name}; the file checked whole", 5000)

        def damaged(exc: BaseException) -> None:
            if self.doc.store is not store:
                return  # another file is open by now; this one is checked again when it is opened again
            if not isinstance(exc, PlannerError):
                raise exc
            self._close_store()  # nothing is written to a damaged file
            self.setWindowTitle(APP_NAME)
            self.file_label.setText("")
            on_damage(exc)

        run_in_background(lambda: check_plan_pages(path), checked, damaged, chore=True)

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

    def _follow_server(self, store: PlanStore) -> None:
        """Someone else's change on the district server (LISTEN/NOTIFY) redraws what the window shows, on the
        GUI thread, without a reload by hand."""
        news = ServerNews(self)

        def arrived(who: str) -> None:
            if self.doc.store is store:
                self.doc.notify(EVERYTHING)
                self.statusBar().showMessage(f"Updated: {who or 'someone'} changed the plan on the server", 8000)

        def told(words: str, listening: bool) -> None:
            if self.doc.store is store:
                if listening:  # others' changes while it was down were missed: read everything again
                    self.doc.notify(EVERYTHING)
                self.statusBar().showMessage(words, 0 if not listening else 8000)

        news.changed.connect(arrived)
        news.status.connect(told)
        store.listen(news.changed.emit, news.status.emit)

    def connect_to_server(self, url: str | None = None) -> bool:
        """File > Connect to District Server…: the same window on the district's PostgreSQL database. The
        sign-in is libpq's (its settings and password file); Planner keeps no password."""
        if url is None:
            url = self.prompter.ask_text("Connect to District Server",
                                         "The server's address, e.g. postgresql://server/district (your sign-in "
                                         "comes from your PostgreSQL settings and password file):")
            if not url or not url.strip():
                return False
        outcome: dict[str, bool] = {}

        def opened(store: PlanStore) -> None:
            self._show_store(store)
            outcome["ok"] = True

        def failed(exc: BaseException) -> None:
            outcome["ok"] = False
            if not isinstance(exc, PlannerError):
                raise exc
            self.prompter.error(exc)

        address = url.strip()
        run_in_background(lambda: open_server(address), opened, failed)
        return outcome.get("ok", True)

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

