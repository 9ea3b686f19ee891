"""The window's status-summary flows: choose a scope, preview and print, or write a PDF."""
from __future__ import annotations

from PySide6.QtPrintSupport import QPrinter

from planner.errors import (
    PlannerError,
)
from planner.render.summary import PageOptions, SummaryRenderer, write_pdf
from planner.services.charts import scope_choices
from planner.services.output import check_output
from planner.services.report import Summary, active_plan_id, build_summary
from planner.ui.save_places import remember_folder, suggested_path
from planner.ui.summary_dialog import SummaryDialog
from planner.ui.window_part import WindowPart


class ReportFlows(WindowPart):
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
            year_id = self.doc.year_id_for(plan_id)
            summary = build_summary(self.store, plan_id, scope, label, self.doc.today(), year_id,
                                    self.doc.status_now(plan_id, year_id))  # the statuses every tab shows
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

