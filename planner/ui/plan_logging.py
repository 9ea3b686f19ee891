"""The plan page's values: log one (asking before a replacement or a period outside the year), edit and
delete them in the Progress table, set interim targets; each one undo step, each told to the document."""

from __future__ import annotations

from functools import partial
from typing import Any

from planner.errors import PlannerError, RowChangedError, ValidationError
from planner.services import measurements
from planner.services.charts import wig_chart
from planner.services.measurements import NeedsConfirmation
from planner.services.plan_nodes import Kind, NodeKey
from planner.ui.commands import (
    DeleteValueCommand,
    EditValueCommand,
    LogValueCommand,
    TargetCommand,
)
from planner.ui.conflict_dialog import settle
from planner.ui.document import Changed
from planner.ui.log_dialog import LogValueDialog
from planner.ui.plan_page_part import PlanPagePart


class ValueLogging(PlanPagePart):
    """Mixed into the plan page; what it uses of the page is named in PlanPagePart."""

    def _show_progress(self, key: NodeKey) -> None:
        if self.store is None:
            return
        subject, rows = measurements.history(self.store, key)
        chart = wig_chart(self.store, key.id, self.today()) if key.kind is Kind.WIG else None
        self.progress.show_history(subject, rows, chart, not self.writable)

    def refresh_progress(self, key: NodeKey) -> None:
        """After a value was logged, edited or deleted here: the document re-judges its WIG, and the tab and
        the tree's badges show it."""
        self.doc.notify(Changed(nodes=frozenset({key})))

    def entered_by(self) -> str:
        return self.doc.entered_by()

    def log_value(self) -> None:
        key = self.current_key()
        if self.store is None or key is None or key.kind not in (Kind.WIG, Kind.MEASURE) or not self.writable:
            return
        subject = measurements.subject_info(self.store, key)
        dialog = LogValueDialog(subject, self.entered_by(), lambda values: self._save_value(key, values),
                                today=self.today(), parent=self)
        self.prompter.log_value(dialog)

    def _save_value(self, key: NodeKey, values: dict[str, Any]) -> ValidationError | None:
        """Log from the dialog, asking to confirm a period outside the year or a replacement."""
        assert self.store is not None
        flags = {"replace": False, "outside_year_ok": False}
        while True:
            try:
                logged = measurements.log_value(self.store, key, values["period"], values["value"],
                                                note=values["note"], evidence=values["evidence"],
                                                entered_by=values["entered_by"], **flags)
            except NeedsConfirmation as exc:
                flag = "replace" if exc.reason == "replace" else "outside_year_ok"
                action = "Replace" if flag == "replace" else "Log Anyway"
                if flags[flag] or not self.prompter.confirm(exc.title, f"{exc.message} {exc.hint or ''}", action):
                    return ValidationError(exc.message, field="period")
                flags[flag] = True
                continue
            except ValidationError as exc:
                return exc
            except RowChangedError as conflict:  # someone else replaced the period's value since it was read
                mine = {name: values[name] for name in ("value", "note", "evidence")}
                options = {"note": values["note"], "evidence": values["evidence"],
                           "entered_by": values["entered_by"], "outside_year_ok": flags["outside_year_ok"]}
                kept = settle(self.prompter, self, conflict, mine, partial(
                    measurements.keep_mine_logged, self.store, key, values["period"], values["value"], conflict,
                    **options), self.status_message.emit)
                if kept is None:  # theirs stands: the table shows it
                    self.refresh_progress(key)
                    return ValidationError(f"{conflict.actor} changed this value while you were logging it; "
                                           "theirs was kept.", field="period")
                logged = kept
            except PlannerError as exc:
                self._report(exc)
                return ValidationError(exc.message)
            break
        if values["entered_by"].strip():
            self.doc.settings.setValue("user/name", values["entered_by"].strip())
        subject = measurements.subject_info(self.store, key)
        what = "Replace" if logged.replaced else "Log"
        self.undo_stack.push(LogValueCommand(logged, f"{what} Value {values['period']}", key, self.doc))
        self.refresh_progress(key)
        self.status_message.emit(f"Logged {values['value']} for {values['period']} ({subject.name[:40]})")
        return None

    def edit_history(self, row_index: int, field: str, value: Any,
                     with_value: dict[str, str] | None = None) -> None:
        """One cell of the history table saved. `with_value`: the note and evidence pasted beside a first value
        of an empty period, logged with it."""
        with_value = with_value or {}
        key = self.form.key
        if self.store is None or key is None:
            return
        row = self.progress.model.rows[row_index]
        try:
            if field == "target":
                old_target = measurements.set_interim_target(self.store, key, row.period, value)
                after = value if str(value).strip() else None
                self.undo_stack.push(TargetCommand(row.period, old_target, after, f"Set Target {row.period.label}", key,
                                                   self.doc))
            elif row.measurement_id is None:
                if field != "value":
                    if str(value).strip():
                        self._report(ValidationError(f"{row.period.label} has no value yet: a {field} belongs to a "
                                                     "logged value.", hint="Type the period's value first, or "
                                                     "paste the value with its note and evidence."))
                    return
                # the value was read before (the model's setData, the paste's check); what is left is a
                # confirmation the person declined
                self._save_value(key, {"period": row.period.label, "value": value,
                                       "note": str(with_value.get("note", "")),
                                       "evidence": str(with_value.get("evidence", "")),
                                       "entered_by": self.entered_by()})
                return
            else:
                try:
                    before = measurements.update_measurement(self.store, row.measurement_id, {field: value})
                except RowChangedError as conflict:  # someone else changed this value since it was read
                    kept = settle(self.prompter, self, conflict, {field: value},
                                  partial(measurements.keep_mine_value, self.store, row.measurement_id,
                                          {field: value}, conflict), self.status_message.emit)
                    if kept is None:  # theirs stands: the table shows it
                        self.refresh_progress(key)
                        return
                    before = kept
                self.undo_stack.push(EditValueCommand(row.measurement_id, before, f"Edit Value {row.period.label}",
                                                      key, self.doc))
        except PlannerError as exc:
            self._report(exc)
        self.refresh_progress(key)

    def edit_history_cells(self, cells: list[tuple[int, str, str]]) -> None:
        """A paste (or a clear) of several cells of the history table: every value is read first, and a bad
        one refuses the whole paste naming its period; then all are saved as ONE undo step."""
        key = self.form.key
        if self.store is None or key is None:
            return
        subject = measurements.subject_info(self.store, key)
        rows = list(self.progress.model.rows)
        for row_index, field, text in cells:
            if field == "value" and str(text).strip():
                try:
                    measurements.parse_value(subject, text)
                except ValidationError as exc:
                    self._report(ValidationError(f"Nothing was pasted: {rows[row_index].period.label}: "
                                                 f"{exc.message}", hint=exc.hint))
                    return
        self.undo_stack.beginMacro(f"Paste {len(cells)} Cells" if any(str(t).strip() for *_, t in cells)
                                   else f"Clear {len(cells)} Cells")
        # A row of an empty period that is given its value in this paste takes the pasted note and evidence
        # with the value: one logged value, as typing them in the Log Value dialog would make.
        first_values = {r for r, f, t in cells if f == "value" and str(t).strip() and rows[r].measurement_id is None}
        beside = {r: {f: str(t) for rr, f, t in cells if rr == r and f in ("note", "evidence")} for r in first_values}
        try:
            for row_index, field, text in cells:
                if row_index in first_values and field in ("note", "evidence"):
                    continue  # logged with the value
                row = rows[row_index]
                current = next((r for r in self.progress.model.rows if r.period == row.period), row)
                if field == "value" and not str(text).strip():
                    if current.measurement_id is not None:
                        self.delete_value(current.measurement_id)
                    continue
                if field in ("note", "evidence") and current.measurement_id is None and not str(text).strip():
                    continue  # clearing the note of an empty period: nothing to do
                index = self.progress.model.rows.index(current)
                self.edit_history(index, field, text, beside.get(row_index))
        finally:
            self.undo_stack.endMacro()
        self.refresh_progress(key)

    def delete_value(self, measurement_id: int) -> None:
        key = self.form.key
        if self.store is None or key is None:
            return
        try:
            row = measurements.delete_measurement(self.store, measurement_id)
        except PlannerError as exc:
            self._report(exc)
            return
        self.undo_stack.push(DeleteValueCommand(row, "Delete Value", key, self.doc))
        self.refresh_progress(key)
