"""Editing the plan through the services, without Qt: validation, add, delete with undo snapshot, move."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from planner.errors import ValidationError
from planner.model import (
    Department,
    KeyLever,
    Measurement,
    PerformanceMeasure,
    Pillar,
    Priority,
    Strategy,
    Wig,
    WigKind,
)
from planner.services import plan_edit
from planner.services.plan_nodes import Kind, NodeKey, allowed_parent
from planner.services.plan_outline import View, list_plans, outline
from planner.services.transaction import SaveError
from planner.store import PlanStore


def key_of(store: PlanStore, model: type, **where: object) -> NodeKey:
    kind = {Pillar: Kind.PILLAR, Priority: Kind.PRIORITY, Strategy: Kind.STRATEGY, Wig: Kind.WIG,
            KeyLever: Kind.KEY_LEVER, PerformanceMeasure: Kind.MEASURE, Department: Kind.DEPARTMENT}[model]
    with store.reader() as s:
        stmt = select(model.id)
        for name, value in where.items():
            column = getattr(model, name)
            stmt = stmt.where(column.like(value) if isinstance(value, str) and "%" in value else column == value)
        return NodeKey(kind, s.scalars(stmt).first())


def table_dump(store: PlanStore, *, with_updated_at: bool = True, with_history: bool = True) -> str:
    """Everything in the file as text, to prove an operation changed nothing (or undo put it all back;
    undo is itself a change, so it may leave a newer updated_at and adds to the change history)."""
    from sqlalchemy import inspect

    with store.engine.connect() as conn:
        lines = []
        found = inspect(conn)
        for name in sorted(found.get_table_names()):
            if name == "change_log" and not with_history:
                continue
            # row_version is a district server's count of each row's changes: bookkeeping, like the history
            columns = [c["name"] for c in found.get_columns(name) if c["name"] != "row_version"
                       and (with_updated_at or c["name"] != "updated_at")]
            select_list = ", ".join(f'"{c}"' for c in columns)
            # sorted whole: rows equal in their first column (a link table's) come in any order on a server
            lines += sorted(repr(r) for r in conn.exec_driver_sql(f'SELECT {select_list} FROM "{name}" ORDER BY 1'))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def count(store: PlanStore, model: type) -> int:
    with store.reader() as s:
        return int(s.scalar(select(func.count(model.id))))


# ---- field edits ----------------------------------------------------------------------------------------


def test_edit_returns_the_previous_values_and_writes(store: PlanStore) -> None:
    key = key_of(store, Strategy, code="Ae 1.004")
    before = plan_edit.update_node(store, key, {"statement": "  Guide instruction with data.  "})
    assert before["statement"].startswith("Guide instruction with appropriate data")
    assert plan_edit.node_values(store, key)["statement"] == "Guide instruction with data."


@pytest.mark.parametrize(
    ("kind_model", "where", "changes", "field", "words"),
    [
        (Strategy, {"code": "Ae 1.004"}, {"statement": "   "}, "statement", "cannot be empty"),
        (Pillar, {"code": "Pe"}, {"code": "ae"}, "code", "already used in this plan"),
        (Priority, {"code": "Ae2"}, {"code": "Ae1"}, "code", "already used under this pillar"),
        (Strategy, {"code": "Oe 4.002"}, {"code": "Oe 4.001"}, "code", "already used under this priority"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"target": "23.35"}, "target", "equals the baseline"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"deadline": "2024-01-31"}, "deadline", "before the start"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"baseline": "lots"}, "baseline", "must be a number"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"deadline": "June 2025"}, "deadline", "2026-09-01 or 9/1/2026"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"target": "140"}, "target", "between 0 and 100"),
        (Wig, {"sentence": "Decrease the chronic%"}, {"direction": "increase"}, "direction", "says increase"),
        (KeyLever, {"text": "Map district needs%"}, {"text": ""}, "text", "cannot be empty"),
        (Department, {"name": "ASEP"}, {"name": "athletics"}, "name", "already used"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(store: PlanStore, kind_model: type, where: dict,
                                                      changes: dict, field: str, words: str) -> None:
    key = key_of(store, kind_model, **where)
    before = table_dump(store)
    with pytest.raises(ValidationError) as caught:
        plan_edit.update_node(store, key, changes)
    assert caught.value.field == field and words in caught.value.message
    assert table_dump(store) == before


def test_a_new_sentence_rereads_the_structure_unless_corrected(store: PlanStore) -> None:
    key = key_of(store, Wig, sentence="Decrease the chronic%")
    plan_edit.update_node(store, key, {"sentence": "Decrease the chronic absenteeism rate from 25% to 18% by "
                                                   "May 2026."})
    values = plan_edit.node_values(store, key)
    assert (values["baseline"], values["target"], values["deadline"]) == (25, 18, date(2026, 5, 31))
    plan_edit.update_node(store, key, {"target": "19"})  # the planner corrects it
    plan_edit.update_node(store, key, {"sentence": "Decrease the chronic absenteeism rate from 25% to 10% by "
                                                   "May 2026."})
    assert plan_edit.node_values(store, key)["target"] == 19  # the correction stands


def test_collaborators_are_edited_as_a_set(store: PlanStore) -> None:
    key = key_of(store, Strategy, code="Ae 1.004")
    dept = key_of(store, Department, name="Athletics")
    before = plan_edit.update_node(store, key, {"collaborators": [dept.id]})
    assert plan_edit.node_values(store, key)["collaborators"] == [dept.id]
    plan_edit.update_node(store, key, before)
    with store.reader() as s:
        assert [d.name for d in s.get(Strategy, key.id).collaborators] == ["Learning and Teaching"]


def test_a_database_failure_is_one_message_and_a_full_rollback(store: PlanStore, monkeypatch) -> None:
    key = key_of(store, Pillar, code="Ae")
    before = table_dump(store)
    real = plan_edit._apply

    def failing(session, k, obj, changes):  # type: ignore[no-untyped-def]
        real(session, k, obj, changes)
        session.flush()
        raise OperationalError("UPDATE pillar", {}, Exception("disk I/O error"))

    monkeypatch.setattr(plan_edit, "_apply", failing)
    with pytest.raises(SaveError, match="the disk could not be read or written") as caught:
        plan_edit.update_node(store, key, {"name": "Changed"})
    assert "Nothing was changed" in str(caught.value) and "I/O" not in str(caught.value)  # words, not the driver's
    assert caught.value.detail == "disk I/O error"  # which the log keeps
    assert table_dump(store) == before


# ---- add, delete, restore -------------------------------------------------------------------------------


def test_add_a_key_lever_at_a_position(store: PlanStore) -> None:
    wig = key_of(store, Wig, sentence="Decrease the chronic%")
    new = plan_edit.add_node(store, wig, Kind.KEY_LEVER, {"text": "Call families on day one"}, index=1)
    with store.reader() as s:
        levers = s.scalars(select(KeyLever).where(KeyLever.wig_id == wig.id).order_by(KeyLever.position)).all()
        assert [lv.id for lv in levers][1] == new.id and [lv.position for lv in levers] == [0, 1, 2, 3]


def test_add_a_wig_parses_its_sentence(store: PlanStore) -> None:
    strategy = key_of(store, Strategy, code="Ae 1.004")
    new = plan_edit.add_node(store, strategy, Kind.WIG, {"sentence": "Raise attendance from 90% to 95% by May 2025."})
    values = plan_edit.node_values(store, new)
    assert (values["kind"], values["baseline"], values["target"], values["start_date"]) == (
        "percent", 90, 95, date(2024, 7, 1))


def test_add_refuses_a_child_the_plan_does_not_permit(store: PlanStore) -> None:
    pillar = key_of(store, Pillar, code="Ae")
    before = table_dump(store)
    with pytest.raises(ValidationError, match="cannot go under a pillar"):
        plan_edit.add_node(store, pillar, Kind.KEY_LEVER)
    assert table_dump(store) == before
    assert allowed_parent(Kind.KEY_LEVER, Kind.WIG) and not allowed_parent(Kind.KEY_LEVER, Kind.PILLAR)


def test_delete_a_subtree_lists_what_goes_and_restores_exactly(store: PlanStore) -> None:
    strategy = key_of(store, Strategy, code="Ae 1.004")
    wig = key_of(store, Wig, sentence="Increase offered relevant%")
    with store.session() as s:
        measure = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.wig_id == wig.id)).first()
        s.add(Measurement(measure_id=measure.id, period_start=date(2024, 9, 1), period_end=date(2024, 9, 30),
                          value=12))
    goes = plan_edit.describe_delete(store, strategy)
    assert goes == {"WIG": 2, "key lever": 4, "performance measure": 6, "logged measurement": 1}
    # the department goals tied to it (School Improvement and Data Integration's) stay, untied: their rows
    # are written twice, so only their updated_at moves
    before = table_dump(store, with_updated_at=False, with_history=False)
    snapshot = plan_edit.delete_node(store, strategy)
    with store.reader() as s:
        assert s.get(Strategy, strategy.id) is None and s.get(Wig, wig.id) is None
        assert s.scalar(select(func.count(Measurement.id))) == 0
        kept = s.scalars(select(Wig).where(Wig.sentence.like("100% of quarterly benchmark%"))).one()
        assert kept.strategy_id is None and kept.department.name == "School Improvement and Data Integration"
    plan_edit.restore_deleted(store, snapshot)
    # same rows, same keys, same UUIDs, same links; the history has the delete and the restore besides
    assert table_dump(store, with_updated_at=False, with_history=False) == before


def test_deleting_a_department_keeps_shared_goals(store: PlanStore) -> None:
    dept = key_of(store, Department, name="Strategy Management")
    shared = key_of(store, Wig, sentence="Increase the percentage of CMS Central Office Leaders%")
    before = table_dump(store, with_updated_at=False, with_history=False)
    snapshot = plan_edit.delete_node(store, dept)
    with store.reader() as s:
        wig = s.get(Wig, shared.id)
        assert wig is not None and wig.department_id is None and wig.strategy.code == "Oe 4.001"
    plan_edit.restore_deleted(store, snapshot)
    assert table_dump(store, with_updated_at=False, with_history=False) == before


def test_deleting_a_department_takes_its_own_goals(store: PlanStore) -> None:
    dept = key_of(store, Department, name="Athletics")
    assert plan_edit.describe_delete(store, dept) == {"WIG": 2, "performance measure": 3}
    wigs = count(store, Wig)
    plan_edit.delete_node(store, dept)
    assert count(store, Wig) == wigs - 2


# ---- move -----------------------------------------------------------------------------------------------


def test_move_a_key_lever_to_another_wig_and_back(store: PlanStore) -> None:
    source = key_of(store, Wig, sentence="Decrease the chronic%")
    target = key_of(store, Wig, sentence="Reduce behavior infractions%")
    lever = key_of(store, KeyLever, text="Create a districtwide mediation program%")
    before = table_dump(store, with_updated_at=False, with_history=False)
    place = plan_edit.placement(store, lever, source)
    links = plan_edit.link_values(store, lever)
    plan_edit.move_node(store, lever, target, 0, old_parent=source)
    with store.reader() as s:
        moved = s.get(KeyLever, lever.id)
        assert (moved.wig_id, moved.position) == (target.id, 0)
        assert [k.position for k in s.get(Wig, target.id).key_levers] == [0, 1, 2, 3]
    plan_edit.move_node(store, lever, place.parent, place.index, old_parent=target, restore=links)
    assert table_dump(store, with_updated_at=False, with_history=False) == before


def test_moves_a_plan_does_not_permit_are_refused(store: PlanStore) -> None:
    lever = key_of(store, KeyLever, text="Map district needs%")
    pillar = key_of(store, Pillar, code="Ae")
    archived_focus_area = NodeKey(Kind.PRIORITY, _archived_priority(store))
    strategy = key_of(store, Strategy, code="Ae 1.004")
    before = table_dump(store)
    with pytest.raises(ValidationError, match="cannot go under a pillar"):
        plan_edit.move_node(store, lever, pillar, 0)
    with pytest.raises(ValidationError, match="same plan"):
        plan_edit.move_node(store, strategy, archived_focus_area, 0)
    assert table_dump(store) == before


def _archived_priority(store: PlanStore) -> int:
    archived = next(p for p in list_plans(store) if p.archived)
    with store.reader() as s:
        return s.scalars(select(Priority.id).join(Pillar).where(Pillar.plan_id == archived.id)).first()


def test_reorder_pillars(store: PlanStore) -> None:
    plan = NodeKey(Kind.PLAN, next(p.id for p in list_plans(store) if not p.archived))
    ee = key_of(store, Pillar, code="Ee")
    plan_edit.move_node(store, ee, plan, 0, old_parent=plan)
    codes = [r.code for r in outline(store, plan.id, View.PILLARS) if r.parent is None]
    assert sorted(codes) == ["Ae", "Ee", "Oe", "Pe"]
    with store.reader() as s:
        assert [p.code for p in s.scalars(select(Pillar).where(Pillar.plan_id == plan.id)
                                          .order_by(Pillar.position))] == ["Ee", "Ae", "Pe", "Oe"]


# ---- outline ----------------------------------------------------------------------------------------------


def test_outline_views_hold_every_node(store: PlanStore) -> None:
    plan = next(p for p in list_plans(store) if not p.archived)
    by_pillar = outline(store, plan.id, View.PILLARS)
    kinds = [r.key.kind for r in by_pillar]
    assert kinds.count(Kind.PILLAR) == 4 and kinds.count(Kind.STRATEGY) == 27
    # the strategies' 27 goals and the 17 department goals tied to a strategy
    assert kinds.count(Kind.WIG) == 27 + 17 and kinds.count(Kind.KEY_LEVER) == 76
    by_department = outline(store, plan.id, View.DEPARTMENTS)
    wigs = {r.key for r in by_department if r.key.kind is Kind.WIG}
    assert len(wigs) == 42  # every index entry: 35 department goals and 7 shared with a strategy
    keys = [r.key for r in by_department]
    assert len(keys) == len(set(keys))
    by_division = outline(store, plan.id, View.DIVISIONS)
    assert {r.title for r in by_division if r.key.kind is Kind.DIVISION} == {
        "Chief of Staff and Community Engagement", "Strategy and Innovation", "Student Services",
        "Office of Technology"}
    archived = next(p for p in list_plans(store) if p.archived)
    assert archived.level_names == ("Goal", "Focus Area")
    assert len(outline(store, archived.id, View.PILLARS)) == 31


def test_outline_rows_carry_filter_attributes(store: PlanStore) -> None:
    plan = next(p for p in list_plans(store) if not p.archived)
    rows = {r.key: r for r in outline(store, plan.id, View.PILLARS)}
    lever = rows[key_of(store, KeyLever, text="Create a districtwide mediation program%")]
    assert lever.pillar == "Ae" and lever.owner == "Student Services"
    wig = rows[key_of(store, Wig, sentence="Increase the number of CMS Partners%")]
    assert wig.owner == "Strategic Partnerships" and wig.department_ids


def test_wig_kind_values_round_trip(store: PlanStore) -> None:
    key = key_of(store, Wig, sentence="Decrease the chronic%")
    plan_edit.update_node(store, key, {"kind": "milestone"})
    with store.reader() as s:
        assert s.get(Wig, key.id).kind is WigKind.MILESTONE


def test_edits_to_a_read_only_file_are_refused(plan_path: Path) -> None:
    from planner.errors import ReadOnlyError
    from planner.store import open_plan_file

    ro = open_plan_file(plan_path, read_only=True)
    try:
        key = key_of(ro, Pillar, code="Ae")
        with pytest.raises((ReadOnlyError, SaveError)):
            plan_edit.update_node(ro, key, {"name": "x"})
    finally:
        ro.close()


def test_large_plan_generator_scales_the_district_plan(tmp_path: Path) -> None:
    from planner.services.years import list_years
    from tests.benchmarks.generate import generate

    store = generate(tmp_path / "x2.planner", copies=2)
    try:
        plans = list_plans(store)
        assert len(plans) == 1
        rows = outline(store, plans[0].id, View.PILLARS)
        assert sum(1 for r in rows if r.key.kind is Kind.PILLAR) == 8
        assert count(store, Wig) == 200 and count(store, KeyLever) >= 800
        wigs_shown = sum(1 for r in rows if r.key.kind is Kind.WIG)  # every goal is in the plan's one year
        assert wigs_shown == 2 * (27 + 17) and len(list_years(store, plans[0].id)) == 1
    finally:
        store.close()
