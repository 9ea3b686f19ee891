"""Undo and redo: one QUndoCommand per user edit, each calling the edit services.

Each command is first carried out by the page (so a validation error reaches the form and nothing is
pushed); it is pushed already done, so its first redo() is skipped. A command holds the plan document and
tells it what its undo or redo changed (`PlanDocument.notify`); the pages redraw from that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from planner.errors import PlannerError
from planner.services import measurements, plan_edit, projects, years
from planner.services.history import change_reason
from planner.services.plan_edit import DeletedSubtree, Moved
from planner.services.plan_nodes import NodeKey
from planner.ui.document import Changed, PlanDocument


class ServiceCommand(QUndoCommand):
    """An edit already done by the page (so its first redo() is skipped); undo and redo call the services.
    A failure is reported and the view re-read from the file; the command is then dropped."""

    def __init__(self, text: str, doc: PlanDocument) -> None:
        super().__init__(text)
        assert doc.store is not None
        self.doc = doc
        self.store = doc.store  # the file it was done in; opening another clears the undo stack
        self._done = True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        with change_reason(f"Redo: {self.text()}"):
            self._run(self.do)

    def undo(self) -> None:
        with change_reason(f"Undo: {self.text()}"):  # the change history says why the values went back
            self._run(self.revert)

    def _run(self, action: Callable[[], Any]) -> None:
        try:
            result = action()
        except PlannerError as exc:
            self.doc.failed.emit(exc)
            self.setObsolete(True)
            self.doc.notify(self.changed(None, failed=True))
            return
        self.doc.notify(self.changed(result, failed=False))

    def do(self) -> Any:
        raise NotImplementedError

    def revert(self) -> Any:
        raise NotImplementedError

    def changed(self, result: Any, *, failed: bool) -> Changed:
        """What the undo or redo changed (when it failed: what to read again)."""
        raise NotImplementedError


class _Command(ServiceCommand):
    """Plan-node commands: select what the action returns, reload the tree when the structure changed."""

    structural = True

    def changed(self, result: Any, *, failed: bool) -> Changed:
        if failed or self.structural:
            return Changed(structure=True, focus=None if failed else result)
        return Changed(nodes=frozenset({result}), focus=result)


class EditCommand(_Command):
    structural = False

    def __init__(self, key: NodeKey, after: dict[str, Any], before: dict[str, Any], text: str, doc: PlanDocument,
                 *, structural: bool = False) -> None:
        super().__init__(text, doc)
        self.key, self.after, self.before = key, after, before
        self.structural = structural  # a department, division or collaborators changed: the tree regroups

    def do(self) -> NodeKey:
        plan_edit.update_node(self.store, self.key, self.after)
        return self.key

    def revert(self) -> NodeKey:
        plan_edit.update_node(self.store, self.key, self.before)
        return self.key


class AddCommand(_Command):
    def __init__(self, key: NodeKey, text: str, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.key = key
        self.snapshot: DeletedSubtree | None = None
        self.parent_key: NodeKey | None = None

    def do(self) -> NodeKey:
        assert self.snapshot is not None
        plan_edit.restore_deleted(self.store, self.snapshot)
        return self.key

    def revert(self) -> NodeKey | None:
        self.snapshot = plan_edit.delete_node(self.store, self.key)
        return self.parent_key


class DeleteCommand(_Command):
    def __init__(self, snapshot: DeletedSubtree, parent_key: NodeKey | None, text: str, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.snapshot = snapshot
        self.parent_key = parent_key

    def do(self) -> NodeKey | None:
        self.snapshot = plan_edit.delete_node(self.store, self.snapshot.key)
        return self.parent_key

    def revert(self) -> NodeKey:
        plan_edit.restore_deleted(self.store, self.snapshot)
        return self.snapshot.key


class MoveCommand(_Command):
    def __init__(self, moved: Moved, text: str, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.key, self.before, self.after, self.links = moved.key, moved.before, moved.after, moved.links

    def do(self) -> NodeKey:
        plan_edit.move_node(self.store, self.key, self.after.parent, self.after.index, old_parent=self.before.parent)
        return self.key

    def revert(self) -> NodeKey:
        plan_edit.move_node(self.store, self.key, self.before.parent, self.before.index,
                            old_parent=self.after.parent, restore=self.links)
        return self.key


# ---- measurements ----------------------------------------------------------------------------------------

class _ValueCommand(ServiceCommand):
    """Commands on logged values: the WIG or measure's values changed (its Progress tab, its statuses)."""

    def __init__(self, text: str, key: NodeKey, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.key = key

    def changed(self, result: Any, *, failed: bool) -> Changed:
        return Changed(nodes=frozenset({self.key}))


class LogValueCommand(_ValueCommand):
    def __init__(self, logged: Any, text: str, key: NodeKey, doc: PlanDocument) -> None:
        super().__init__(text, key, doc)
        self.logged = logged
        self.after: dict[str, Any] | None = None
        self.row: dict[str, Any] | None = None

    def do(self) -> None:
        if self.logged.replaced is not None:
            assert self.after is not None
            measurements.update_measurement_fields(self.store, self.logged.id, self.after)
        else:
            assert self.row is not None
            measurements.restore_measurement(self.store, self.row)

    def revert(self) -> None:
        if self.logged.replaced is not None:
            self.after = measurements.update_measurement_fields(self.store, self.logged.id, self.logged.replaced)
        else:
            self.row = measurements.delete_measurement(self.store, self.logged.id)


class EditValueCommand(_ValueCommand):
    def __init__(self, measurement_id: int, before: dict[str, Any], text: str, key: NodeKey,
                 doc: PlanDocument) -> None:
        super().__init__(text, key, doc)
        self.measurement_id, self.before = measurement_id, before
        self.after: dict[str, Any] | None = None

    def do(self) -> None:
        assert self.after is not None
        measurements.update_measurement_fields(self.store, self.measurement_id, self.after)

    def revert(self) -> None:
        self.after = measurements.update_measurement_fields(self.store, self.measurement_id, self.before)


class DeleteValueCommand(_ValueCommand):
    def __init__(self, row: dict[str, Any], text: str, key: NodeKey, doc: PlanDocument) -> None:
        super().__init__(text, key, doc)
        self.row = row

    def do(self) -> None:
        self.row = measurements.delete_measurement(self.store, self.row["id"])

    def revert(self) -> None:
        measurements.restore_measurement(self.store, self.row)


class TargetCommand(_ValueCommand):
    def __init__(self, period: Any, before: float | None, after: Any, text: str, key: NodeKey,
                 doc: PlanDocument) -> None:
        super().__init__(text, key, doc)
        self.period, self.before, self.after = period, before, after

    def do(self) -> None:
        measurements.set_interim_target(self.store, self.key, self.period, self.after)

    def revert(self) -> None:
        measurements.set_interim_target(self.store, self.key, self.period, self.before)


# ---- workbook records ------------------------------------------------------------------------------------

class _RecordCommand(ServiceCommand):
    """Commands on workbook records: the project workbook changed."""

    def changed(self, result: Any, *, failed: bool) -> Changed:
        return Changed(workbook=True)


class RecordEditCommand(_RecordCommand):
    def __init__(self, entity: Any, record_id: int, before: dict[str, Any], after: dict[str, Any], text: str,
                 doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.entity, self.record_id, self.before, self.after = entity, record_id, before, after

    def do(self) -> None:
        projects.update(self.store, self.entity, self.record_id, self.after)

    def revert(self) -> None:
        projects.update(self.store, self.entity, self.record_id, self.before)


class RecordAddCommand(_RecordCommand):
    def __init__(self, entity: Any, record_id: int, text: str, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.entity, self.record_id = entity, record_id
        self.removed: Any = None

    def do(self) -> None:
        projects.restore(self.store, self.removed)

    def revert(self) -> None:
        self.removed = projects.remove(self.store, self.entity, self.record_id)


class RecordRemoveCommand(_RecordCommand):
    def __init__(self, removed: Any, record_id: int, text: str, doc: PlanDocument) -> None:
        super().__init__(text, doc)
        self.removed, self.record_id = removed, record_id

    def do(self) -> None:
        self.removed = projects.remove(self.store, self.removed.entity, self.record_id)

    def revert(self) -> None:
        projects.restore(self.store, self.removed)


class CallCommand(ServiceCommand):
    """An edit whose undo and redo are two service calls (the WIG session's commitments)."""

    def __init__(self, text: str, doc: PlanDocument, do: Callable[[], Any], revert: Callable[[], Any],
                 change: Changed) -> None:
        super().__init__(text, doc)
        self._do, self._revert, self._change = do, revert, change

    def do(self) -> Any:
        return self._do()

    def revert(self) -> Any:
        return self._revert()

    def changed(self, result: Any, *, failed: bool) -> Changed:
        return self._change


class StartYearCommand(ServiceCommand):
    """Starting a plan year: undo removes the year and all carried into it; redo starts it again from the
    same preview (the new rows get new ids, which the command keeps)."""

    def __init__(self, preview: years.YearPreview, started: years.StartedYear, doc: PlanDocument) -> None:
        super().__init__(f"Start {preview.label}", doc)
        self.preview, self.started = preview, started

    def do(self) -> Any:
        self.started = years.start_year(self.store, self.preview)
        return self.started.year_id

    def revert(self) -> Any:
        years.undo_start_year(self.store, self.started)
        return None

    def changed(self, result: Any, *, failed: bool) -> Changed:
        return Changed(years=True, year_id=None if failed else result)
