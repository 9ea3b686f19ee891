"""The plan page's structural edits: save a form's fields, add a child or sibling, add a measure, delete
with what goes with it, move up, down or by drag and drop; each one service call and one undo step."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import (
    QLineEdit,
)

from planner.errors import PlannerError, RowChangedError, ValidationError
from planner.services import history, plan_edit
from planner.services.plan_edit import Moved
from planner.services.plan_nodes import LINKS, Kind, NodeKey, child_kinds
from planner.services.plan_outline import View
from planner.ui.commands import (
    AddCommand,
    DeleteCommand,
    EditCommand,
    MoveCommand,
)
from planner.ui.conflict_dialog import ConflictDialog, settle
from planner.ui.document import Changed
from planner.ui.plan_page_part import PlanPagePart

TITLE_FIELD = {Kind.PLAN: "name", Kind.PILLAR: "name", Kind.PRIORITY: "statement", Kind.STRATEGY: "statement",
               Kind.WIG: "sentence", Kind.KEY_LEVER: "text", Kind.MEASURE: "name", Kind.DIVISION: "name",
               Kind.DEPARTMENT: "name"}
CODE_FIELD = {Kind.PILLAR: "code", Kind.PRIORITY: "code", Kind.STRATEGY: "code"}




class PlanEdits(PlanPagePart):
    """Mixed into the plan page; what it uses of the page is named in PlanPagePart."""

    # ---- edits -------------------------------------------------------------------------------------------
    def _report(self, exc: PlannerError) -> None:
        self.prompter.error(exc)

    def save_fields(self, key: NodeKey, changes: dict[str, Any]) -> None:
        if self.store is None:
            return
        chose_mine = False
        try:
            try:
                before = plan_edit.update_node(self.store, key, changes)
            except RowChangedError as conflict:
                if conflict.row_id != key.id or not self.prompter.run_dialog(ConflictDialog(conflict, changes,
                                                                                            self)):
                    raise
                chose_mine = True
                before = plan_edit.keep_mine(self.store, key, changes, conflict)
        except ValidationError as exc:
            self.form.show_error(exc.field, exc.message)
            return
        except RowChangedError as conflict:  # keep theirs (or a third change came while asking): theirs shown
            plan_edit.keep_theirs(self.store, key)
            if chose_mine:  # a third change while asking: said in words, nothing overwritten
                self._report(conflict)
            else:
                self.status_message.emit(f"Kept {conflict.actor}'s change; yours was not saved")
            self.form.key = None
            self.reload(select=key)
            return
        except PlannerError as exc:
            self._report(exc)
            self.form.key = None
            self.reload(select=key)
            return
        after: dict[str, Any] = plan_edit.node_values(self.store, key)
        after = {name: after[name] for name in before}
        label = ", ".join(name.replace("_", " ") for name in changes)
        structural = bool({"division_id", "department_id", "strategy_id", "collaborators"} & changes.keys())
        self.undo_stack.push(EditCommand(key, after, before, f"Edit {self.model.level_label(key.kind)} {label}",
                                         self.doc, structural=structural))
        self.doc.notify(Changed(structure=True, focus=key) if structural
                        else Changed(nodes=frozenset({key}), focus=key))
        self.status_message.emit("Saved")

    def _plan_key(self) -> NodeKey | None:
        return NodeKey(Kind.PLAN, self.plan.id) if self.plan else None

    def _parent_for_children(self, key: NodeKey | None) -> NodeKey | None:
        if key is None:
            return self._plan_key() if self.view is View.PILLARS else None
        return key if key.kind is not Kind.GROUP else None

    def _child_kind(self, parent: NodeKey) -> Kind | None:
        kinds = [k for k in child_kinds(parent.kind) if k is not Kind.MEASURE]
        if parent.kind is Kind.DIVISION:
            kinds = [Kind.DEPARTMENT] if self.view is View.DEPARTMENTS else []
        if parent.kind is Kind.PLAN:
            kinds = [Kind.PILLAR]
        if self.plan and self.plan.level_names and parent.kind is not Kind.PLAN:
            depth = {Kind.PILLAR: 0, Kind.PRIORITY: 1, Kind.STRATEGY: 2, Kind.WIG: 3}.get(parent.kind)
            if depth is not None and depth + 1 >= len(self.plan.level_names):
                return None  # the 2018 plan has two levels: nothing under a focus area
        return kinds[0] if kinds else None

    def _sibling_parent(self, key: NodeKey | None) -> NodeKey | None:
        if key is None:
            return None
        parent = self.model.parent_key(key)
        if parent is None:
            return self._plan_key() if key.kind is Kind.PILLAR else None
        return parent if parent.kind is not Kind.GROUP else None

    def _add(self, parent: NodeKey, kind: Kind, index: int | None = None) -> None:
        if self.store is None:
            return
        try:
            plan = self.plan
            key = plan_edit.add_node(self.store, parent, kind, index=index,
                                     year_id=self.year_id_for(plan.id) if plan else None)
        except PlannerError as exc:
            self._report(exc)
            return
        command = AddCommand(key, f"Add {self.model.level_label(kind)}", self.doc)
        command.parent_key = parent
        self.undo_stack.push(command)
        self.doc.notify(Changed(structure=True, focus=key))
        first = next(iter(self.form.editors.values()), None)
        if first is not None:
            first.setFocus()
            if isinstance(first, QLineEdit):
                first.selectAll()

    def add_child(self) -> None:
        parent = self._parent_for_children(self.current_key())
        kind = self._child_kind(parent) if parent else None
        if parent is not None and kind is not None:
            self._add(parent, kind)

    def add_sibling(self) -> None:
        key = self.current_key()
        parent = self._sibling_parent(key)
        if key is None or parent is None:
            return
        siblings = self.model.siblings(key)
        self._add(parent, key.kind, siblings.index(key) + 1 if key in siblings else None)

    def add_measure(self) -> None:
        key = self.current_key()
        if key is not None and key.kind in (Kind.WIG, Kind.STRATEGY, Kind.DEPARTMENT):
            self._add(key, Kind.MEASURE)

    def delete_selected(self) -> None:
        key = self.current_key()
        if self.store is None or key is None or key.kind not in plan_edit.DELETABLE:
            return
        row = self.model.row_for(key)
        label = self.model.level_label(key.kind)
        try:
            goes = plan_edit.describe_delete(self.store, key)
        except PlannerError as exc:
            self._report(exc)
            return
        title = f"Delete {label} {row.code if row else ''}?".replace("  ", " ")
        summary = (row.title[:200] if row else "") + "\n\n"
        if goes:
            summary += "With it go: " + ", ".join(f"{n} {_plural(k, n)}" for k, n in goes.items()) + "."
        else:
            summary += "Nothing else goes with it."
        if not self.prompter.confirm_delete(title, summary):
            return
        parent = self._sibling_parent(key) or self.model.parent_key(key)
        try:
            snapshot = plan_edit.delete_node(self.store, key)
        except PlannerError as exc:
            self._report(exc)
            self.reload()
            return
        self.undo_stack.push(DeleteCommand(snapshot, parent, f"Delete {label} {row.code if row else ''}".strip(),
                                           self.doc))
        self.doc.notify(Changed(structure=True, focus=parent if parent and parent.kind is not Kind.PLAN else None))

    def move_by(self, step: int) -> None:
        key = self.current_key()
        parent = self._sibling_parent(key)
        if key is None or parent is None:
            return
        siblings = self.model.siblings(key)
        index = siblings.index(key) + step
        if 0 <= index < len(siblings):
            self.move_to(key, parent, index)

    def move_to(self, key: NodeKey, parent: NodeKey, index: int) -> None:
        if self.store is None:
            return
        old_parent = self._sibling_parent(key)
        if old_parent is None:
            return
        try:
            try:
                moved: Moved | None = plan_edit.move(self.store, key, parent, index, old_parent=old_parent)
            except RowChangedError as conflict:  # the item, or a sibling it renumbers, changed by someone else
                moved = self._settle_move(conflict, key, parent, index, old_parent)
        except PlannerError as exc:
            self._report(exc)
            self.reload(select=key)
            return
        if moved is None:  # theirs kept: the tree shows the plan as the server holds it
            self.form.key = None
            self.reload(select=key)
            return
        self.undo_stack.push(MoveCommand(moved, f"Move {self.model.level_label(key.kind)}", self.doc))
        self.doc.notify(Changed(structure=True, focus=key))

    def _settle_move(self, conflict: RowChangedError, key: NodeKey, parent: NodeKey, index: int,
                     old_parent: NodeKey) -> Moved | None:
        """The choice for a move that met someone else's change: what they changed, and the move in words."""
        assert self.store is not None
        label = self.model.level_label(key.kind)
        row, under = self.model.row_for(key), self.model.row_for(parent)
        named = f"{label} {row.code}" if row and row.code else f"this {label}"
        yours = f"You moved {named} to place {index + 1}"
        if parent != old_parent and under is not None:
            yours += f" under {self.model.level_label(parent.kind)} {under.code or under.title[:60]}"
        item = history.item_of(key)
        same = item is not None and (item.table, item.row_id) == (conflict.table, conflict.row_id)
        kind = history.KIND_NAMES.get(conflict.table, conflict.table.replace("_", " "))
        changed = "" if same else f"a {kind if kind.isupper() else kind.lower()} this move renumbers"
        link = LINKS.get((key.kind, parent.kind))
        mine: dict[str, Any] = {}
        if same and link is not None:  # what the move sets of the fields they changed
            for column, _before, _after in conflict.changes:
                if column == link.position:
                    mine[column] = index
                elif column == link.fk:
                    mine[column] = parent.id
        return settle(self.prompter, self, conflict, mine,
                      partial(plan_edit.keep_mine_move, self.store, key, parent, index, old_parent=old_parent,
                              conflict=conflict), self.status_message.emit, changed=changed, yours=yours + ".")


def _plural(label: str, n: int) -> str:
    if n == 1 or label.endswith("s"):
        return label
    return label[:-1] + "ies" if label.endswith("y") else label + "s"
