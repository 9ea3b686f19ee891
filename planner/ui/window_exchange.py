"""The window's workbook flows: export a workbook (with its quality check and the offer to lock the quarter
that ended) and import workbooks (checked off the GUI thread, previewed, then written)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QProgressDialog,
)

from planner.errors import (
    PlannerError,
)
from planner.services import period_locks
from planner.services.charts import scope_choices
from planner.services.due import export_check
from planner.services.exchange_rows import ExportScope
from planner.services.output import check_output
from planner.services.plan_file import plan_summaries
from planner.services.report import active_plan_id
from planner.ui.document import EVERYTHING, Changed
from planner.ui.save_places import remember_folder, suggested_path
from planner.ui.tasks import run_in_background
from planner.ui.window_part import WindowPart

if TYPE_CHECKING:  # openpyxl is imported when a workbook is first written or read, not at start-up
    from planner.services.xlsx_export import ExportResult
    from planner.services.xlsx_import import ImportPlan, ImportResult


class ExchangeFlows(WindowPart):
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
        from planner.services.xlsx_export import ExportCancelled, export_workbook
        from planner.ui.exchange_dialogs import ExportDialog

        if self.store is None:
            return
        store, today = self.store, self.doc.today()
        try:
            # the check is Due Now's list for the scope (one service function), then what is checked besides
            dialog = ExportDialog(self._export_scopes(), lambda scope: export_check(store, scope, today), self)
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
        from planner.services.xlsx_import import apply_import, plan_import
        from planner.ui.exchange_dialogs import ImportPreview

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
            self.doc.notify(EVERYTHING)  # the tree, the form and every tab read the file again
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
            year = self.doc.year
            # the last open quarter of a year closes it: the year bar and the pages must say so
            self.doc.notify(Changed(years=True, year_id=year.id if year else None))
            self.statusBar().showMessage(f"{ended.label} is locked", 8000)

