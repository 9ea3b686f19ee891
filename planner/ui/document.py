"""The open plan: one object the window owns for the file it shows.

It holds the store, the undo stack, the day and the year every page works in, and one status snapshot per
plan year, worked out off the GUI thread and shared by the tree, Due Now, the Scoreboard, the WIG session,
the export's check and the summary. Every edit tells it what it changed (`notify`), and it says so once, in
`changed`: a page redraws only what the change touched, and only when it is shown. A logged value re-judges
that WIG and the owners above it, not the whole plan.

Only the document (and the file flows in `files.py`) reach the store's module; pages use `doc.store` as the
handle they pass to the services.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from planner import clock
from planner.errors import PlannerError
from planner.services import status as status_service
from planner.services.plan_nodes import MODEL, Kind, NodeKey
from planner.services.status import PlanStatus
from planner.services.years import YearInfo
from planner.store import PlanStore
from planner.ui.tasks import run_in_background

Store = PlanStore  # the open file's handle, as the UI names it: pages pass it to the services, never open one
NAME_KEY = "user/name"
DEPARTMENT_KEY = "user/department"


@dataclass(frozen=True)
class Changed:
    """What one edit (or its undo) changed, for the pages to redraw just that."""

    nodes: frozenset[NodeKey] = frozenset()  # plan nodes whose own fields or values changed
    structure: bool = False  # nodes added, deleted or moved: the tree's shape
    projects: frozenset[int] = frozenset()  # project workbook records (by project)
    workbook: bool = False  # any project workbook record
    commitments: bool = False  # the WIG session's commitments
    years: bool = False  # a year started or undone, quarters locked or opened
    statuses: bool = False  # the status rules changed: every status is judged again
    everything: bool = False  # another file, an import, a restore: read it all again
    focus: NodeKey | None = None  # the node to select afterwards
    year_id: int | None = None  # with `years`: the year to show afterwards (a year just started)
    origin: object | None = field(default=None, compare=False)  # the page that made the edit and shows it already
    wigs: frozenset[int] = field(default=frozenset())  # WIGs whose status may have moved (worked out by notify)

    @property
    def moves_status(self) -> bool:
        return (self.everything or self.structure or self.years or self.statuses or bool(self.nodes)
                or bool(self.wigs))

    def touches(self, key: NodeKey | None) -> bool:
        """Whether a page showing `key` must read it again."""
        if self.everything or self.structure or key is None:
            return True
        return key in self.nodes or (key.kind is Kind.WIG and key.id in self.wigs)


EVERYTHING = Changed(everything=True)


class PlanDocument(QObject):
    """The open plan file, its undo stack, the open year and the shared statuses."""

    opened = Signal()  # another file, or none, is open: read everything again
    changed = Signal(object)  # a Changed: an edit, its undo or redo
    status_ready = Signal(int)  # a plan's status snapshot was (re)worked out
    year_changed = Signal(object)  # the open year (a YearInfo or None)
    failed = Signal(object)  # a PlannerError from work done off the GUI thread

    def __init__(self, settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.store: PlanStore | None = None
        self.undo_stack = QUndoStack(self)
        self.today: Callable[[], date] = clock.today
        self.year: YearInfo | None = None  # the open year of the active plan (None: the one containing today)
        self.year_closed = False  # a past year whose quarters are all locked: shown read-only
        self._status: dict[tuple[int, int | None], PlanStatus] = {}
        self._pending: dict[tuple[int, int | None], int] = {}  # snapshots being worked out, by generation
        self._dirty: dict[tuple[int, int | None], set[int]] = {}  # WIGs to re-judge in each snapshot
        self._running: set[tuple[int, int | None]] = set()  # snapshots being re-judged now
        self._generation = 0
        self.status_computations = 0  # how many whole-plan judgements ran (the benchmarks and tests read it)

    # ---- the file ----------------------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.store is None or self.store.read_only

    def open(self, store: PlanStore | None, year: YearInfo | None = None, *, closed: bool = False) -> None:
        """Show another file (or none), on `year` of its plan: the old one's undo history and statuses go."""
        self._forget()
        self.store = store
        self.year, self.year_closed = year, closed
        self.undo_stack.clear()
        if store is not None:
            store.actor = self.entered_by()  # the name the change history records
        self.opened.emit()

    def close(self) -> None:
        store = self.store
        self.open(None)
        if store is not None:
            store.close()

    def entered_by(self) -> str:
        """Who is typing: the name given at first start, else the computer's login name."""
        return str(self.settings.value(NAME_KEY, "") or getpass.getuser())

    def my_department(self) -> str:
        """The department every tab starts on (empty: the whole district)."""
        return str(self.settings.value(DEPARTMENT_KEY, "") or "")

    def set_my_department(self, name: str) -> None:
        self.settings.setValue(DEPARTMENT_KEY, name)

    # ---- the year ----------------------------------------------------------------------------------------
    def set_year(self, year: YearInfo | None, *, closed: bool = False) -> None:
        if year == self.year and closed == self.year_closed:
            return
        self.year, self.year_closed = year, closed
        self.year_changed.emit(year)

    def year_id_for(self, plan_id: int) -> int | None:
        """The open year when `plan_id` is the plan it belongs to; else that plan's year of today."""
        return self.year.id if self.year is not None and self.year.plan_id == plan_id else None

    # ---- edits -------------------------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def notify(self, change: Changed) -> None:
        """After an edit, its undo or redo: the statuses it moved are worked out again (just those WIGs when
        it changed values or a goal), and the pages are told."""
        if self.store is None:
            return
        if change.everything or change.structure or change.years or change.statuses:
            self._forget()
        elif change.nodes or change.wigs:
            wigs = set(change.wigs)
            try:
                wigs |= status_service.wigs_of(self.store, change.nodes)
            except PlannerError as exc:
                self.failed.emit(exc)
                self._forget()
            else:
                change = Changed(**{**change.__dict__, "wigs": frozenset(wigs)})
                self._refresh(wigs)
        self.changed.emit(change)

    # ---- a form's read of a node ----------------------------------------------------------------------------
    def read_mark(self, key: NodeKey) -> int | None:
        """Which read of the node's row the window last made (on a server; None for a plan file)."""
        if self.store is None or key.kind not in MODEL:
            return None
        return self.store.read_mark(MODEL[key.kind].__table__.name, key.id)

    def recall_read_mark(self, key: NodeKey, mark: int | None) -> None:
        """The node's next save checked against that earlier read (typing begun before a redraw)."""
        if self.store is not None and key.kind in MODEL:
            self.store.recall_read_mark(MODEL[key.kind].__table__.name, key.id, mark)

    # ---- statuses ----------------------------------------------------------------------------------------
    def _key(self, plan_id: int, year_id: int | None) -> tuple[int, int | None]:
        return plan_id, year_id if year_id is not None else self.year_id_for(plan_id)

    def _held(self, key: tuple[int, int | None]) -> PlanStatus | None:
        """The snapshot held for the plan year, if it was worked out for today."""
        found = self._status.get(key)
        return found if found is not None and found.today == self.today() else None

    def status(self, plan_id: int, year_id: int | None = None) -> PlanStatus | None:
        """The plan year's statuses if they are worked out for today; else None, and they are being worked
        out (`status_ready` says when). `year_id` None: the open year for that plan."""
        key = self._key(plan_id, year_id)
        if self._held(key) is None:
            self._compute(key)  # when background work runs inline (the tests), it is there at once
        return self._held(key)

    def status_now(self, plan_id: int, year_id: int | None = None) -> PlanStatus:
        """The same, worked out here and now when it is not ready (for work already off the GUI thread, and
        for the print and export flows that need it before they start)."""
        key = self._key(plan_id, year_id)
        found = self._held(key)
        if found is None:
            assert self.store is not None
            self.status_computations += 1
            found = self._status[key] = status_service.plan_status(self.store, key[0], self.today(), key[1])
        return found

    def _forget(self) -> None:
        self._generation += 1  # results still on their way belong to what was
        self._status.clear()
        self._pending.clear()
        self._dirty.clear()
        self._running.clear()

    def _compute(self, key: tuple[int, int | None]) -> None:
        store, today = self.store, self.today()
        if store is None or self._pending.get(key) == self._generation:
            return
        generation = self._pending[key] = self._generation
        self.status_computations += 1

        def done(result: PlanStatus) -> None:
            if generation == self._generation and self.store is store:
                self._pending.pop(key, None)
                self._status[key] = result
                self.status_ready.emit(key[0])
                if self._dirty.get(key):  # edited while it was worked out: re-judge what they touched
                    self._run_refresh(key)

        def failed(exc: BaseException) -> None:
            if generation == self._generation and self.store is store:
                self._pending.pop(key, None)
                if isinstance(exc, PlannerError):
                    self.failed.emit(exc)
                else:
                    raise exc

        run_in_background(lambda: status_service.plan_status(store, key[0], today, key[1]), done, failed)

    def _refresh(self, wigs: Iterable[int]) -> None:
        """Re-judge these WIGs in every snapshot held, off the GUI thread, and roll up the owners above them.
        One re-judgement runs per snapshot at a time; WIGs changed meanwhile are taken by the next one, so a
        quick second edit never loses the first one's result."""
        for key in list(self._pending):  # judged from the file as it was before this edit
            self._dirty.setdefault(key, set()).update(wigs)
        for key in list(self._status):
            self._dirty.setdefault(key, set()).update(wigs)
            if key not in self._running:
                self._run_refresh(key)

    def _run_refresh(self, key: tuple[int, int | None]) -> None:
        store, before, generation = self.store, self._status.get(key), self._generation
        wigs = self._dirty.pop(key, set())
        if store is None or before is None or not wigs:
            return
        self._running.add(key)

        def finish() -> bool:
            self._running.discard(key)
            return generation == self._generation and self.store is store

        def done(result: PlanStatus) -> None:
            if finish():
                self._status[key] = result
                self.status_ready.emit(key[0])
                self._run_refresh(key)

        def failed(exc: BaseException) -> None:
            if finish():
                self._status.pop(key, None)
                self._dirty.pop(key, None)
                if not isinstance(exc, PlannerError):
                    raise exc
                self.failed.emit(exc)

        run_in_background(lambda: status_service.refreshed(store, before, wigs), done, failed)


class FollowsDocument:
    """A page that follows the document: it reads the file again when a change it shows arrives, at once
    when it is on screen, else the next time it is shown. Mixed in before QWidget."""

    doc: PlanDocument
    stale = True  # what it shows may be out of date

    def follow(self, doc: PlanDocument) -> None:
        self.doc = doc
        doc.opened.connect(self._document_opened)
        doc.changed.connect(self._document_changed)
        doc.year_changed.connect(lambda _year: self.mark_stale())

    @property
    def store(self) -> PlanStore | None:
        return self.doc.store

    def today(self) -> date:
        return self.doc.today()

    def opened(self) -> None:
        """Another file (or none) is open: forget what was shown of the old one."""

    def shows(self, change: Changed) -> bool:
        """Whether this page shows something the change touched."""
        return True

    def refresh(self) -> None:
        raise NotImplementedError

    def _document_opened(self) -> None:
        self.opened()
        self.mark_stale()

    def _document_changed(self, change: Changed) -> None:
        if change.origin is self:
            return
        if change.everything or change.years or self.shows(change):
            self.mark_stale()

    def mark_stale(self) -> None:
        self.stale = True
        if self.isVisible():  # type: ignore[attr-defined]
            self.stale = False
            self.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)  # type: ignore[misc]
        if self.stale:
            self.stale = False
            self.refresh()
