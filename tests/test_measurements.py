"""Logging values through the services and the CLI: validation, one value per period, undo data, targets,
and the plan's statuses and roll-ups computed from them."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.cli import main
from planner.errors import ValidationError
from planner.model import InterimTarget, Measurement, PerformanceMeasure, Wig
from planner.services import measurements as ms
from planner.services.measurements import NeedsConfirmation
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import RollupRule, RollupSettings, Status, Thresholds
from planner.services.status import StatusRules, plan_rules, plan_status, set_plan_rules
from planner.store import PlanStore

TODAY = date(2025, 1, 15)


def measure(store: PlanStore, name: str) -> NodeKey:
    with store.reader() as s:
        return NodeKey(Kind.MEASURE, s.scalars(select(PerformanceMeasure.id).where(
            PerformanceMeasure.name == name)).first())


def wig(store: PlanStore, like: str) -> NodeKey:
    with store.reader() as s:
        return NodeKey(Kind.WIG, s.scalars(select(Wig.id).where(Wig.sentence.like(like))).first())


def rows(store: PlanStore) -> int:
    with store.reader() as s:
        return int(s.scalar(select(func.count(Measurement.id))))


def test_log_a_quarterly_value(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    logged = ms.log_value(store, key, "Q2 2024-25", "21.4%", note="after street teams", evidence="https://x/y",
                          entered_by="Ana")
    with store.reader() as s:
        m = s.get(Measurement, logged.id)
        assert (m.period_start, m.period_end, m.value, m.note, m.evidence, m.entered_by) == (
            date(2024, 10, 1), date(2024, 12, 31), 21.4, "after street teams", "https://x/y", "Ana")


@pytest.mark.parametrize(("value", "words"), [
    ("lots", "not a number"), ("101", "outside 0 to 100"), ("-3", "outside 0 to 100"), ("", "missing"),
    ("nan", "must be a number"),
])
def test_bad_values_write_nothing(store: PlanStore, value: str, words: str) -> None:
    key = measure(store, "Chronic absenteeism rate")
    with pytest.raises(ValidationError, match=words):
        ms.log_value(store, key, "Q2 2024-25", value)
    assert rows(store) == 0


def test_a_measure_may_allow_more_than_100_percent(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    with store.session() as s:
        s.get(PerformanceMeasure, key.id).allow_over_100 = True
    ms.log_value(store, key, "Q2 2024-25", "130")
    assert rows(store) == 1


def test_outside_the_plan_year_needs_confirmation(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    with pytest.raises(NeedsConfirmation) as caught:
        ms.log_value(store, key, "Q1 2023-24", "20")
    assert caught.value.reason == "outside_year" and rows(store) == 0
    ms.log_value(store, key, "Q1 2023-24", "20", outside_year_ok=True)
    assert rows(store) == 1


def test_a_second_value_for_a_period_offers_to_replace(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    first = ms.log_value(store, key, "Q2 2024-25", "22")
    with pytest.raises(NeedsConfirmation, match=r"already has a value \(22%\)") as caught:
        ms.log_value(store, key, "2024-11-03", "21")  # a date inside the same quarter
    assert caught.value.reason == "replace"
    replaced = ms.log_value(store, key, "Q2 2024-25", "21", replace=True)
    assert replaced.id == first.id and replaced.replaced["value"] == 22
    with store.reader() as s:
        assert s.get(Measurement, first.id).value == 21 and rows(store) == 1


def test_milestone_goals_take_done_or_not_done(store: PlanStore) -> None:
    key = wig(store, "Create a \"control tower\"%")
    with pytest.raises(ValidationError, match="done or not"):
        ms.log_value(store, key, "2024-10", "75")
    logged = ms.log_value(store, key, "2024-10", "not done")
    ms.log_value(store, key, "2024-11", "done")
    with store.reader() as s:
        assert s.get(Measurement, logged.id).done is False


def test_edit_delete_restore(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    logged = ms.log_value(store, key, "Q2 2024-25", "22", note="first")
    before = ms.update_measurement(store, logged.id, {"value": "21.5", "note": "corrected"})
    assert before == {"value": 22, "note": "first"}
    with pytest.raises(ValidationError):
        ms.update_measurement(store, logged.id, {"value": "200"})
    row = ms.delete_measurement(store, logged.id)
    assert rows(store) == 0
    ms.restore_measurement(store, row)
    with store.reader() as s:
        m = s.get(Measurement, logged.id)
        assert (m.value, m.note, m.uuid) == (21.5, "corrected", row["uuid"])


def test_interim_targets_and_history(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    assert ms.set_interim_target(store, key, "Q1 2024-25", "23") is None
    assert ms.set_interim_target(store, key, "Q1 2024-25", "22.5") == 23
    ms.log_value(store, key, "Q1 2024-25", "22.9")
    subject, history = ms.history(store, key)
    assert [r.period.label for r in history] == ["Q1 2024-25", "Q2 2024-25", "Q3 2024-25", "Q4 2024-25"]
    assert (history[0].value, history[0].target) == (22.9, 22.5) and history[1].value is None
    assert subject.format(22.9, None) == "22.9%"
    assert ms.set_interim_target(store, key, "Q1 2024-25", "") == 22.5
    with store.reader() as s:
        assert s.scalar(select(func.count(InterimTarget.id))) == 0


def test_find_measure_by_name_or_uuid(store: PlanStore) -> None:
    key = measure(store, "Chronic absenteeism rate")
    with store.reader() as s:
        uuid = s.get(PerformanceMeasure, key.id).uuid
    assert ms.find_measure(store, str(uuid)) == key
    assert ms.find_measure(store, "Chronic absenteeism rate") == key
    with pytest.raises(ValidationError, match="2 performance measures are named"):
        ms.find_measure(store, "Learner Profile reports")
    with pytest.raises(ValidationError, match="No performance measure is named"):
        ms.find_measure(store, "Chronic absenteeism")


def test_plan_status_and_roll_ups(store: PlanStore) -> None:
    absentee = wig(store, "Decrease the chronic%")
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, absentee, "2024-12", "21.6")  # on the line to 20% by June
    ms.log_value(store, partners, "2024-12", "105")  # far behind 154
    status = plan_status(store, 1, TODAY)
    assert status.wigs[absentee.id].status is Status.ON_TRACK
    assert status.wigs[partners.id].status is Status.OFF_TRACK
    with store.reader() as s:
        strategy = s.get(Wig, partners.id).strategy
        ee1 = NodeKey(Kind.PRIORITY, strategy.priority_id)
        pillar = NodeKey(Kind.PILLAR, strategy.priority.pillar_id)
        dept = NodeKey(Kind.DEPARTMENT, s.get(Wig, partners.id).department_id)
    assert status.rollups[ee1].status is Status.OFF_TRACK
    # partners, and Customer and Administrator Services' milestone (tied to Ee 3.003) past its Oct 2024 deadline
    assert status.rollups[pillar].counts[Status.OFF_TRACK] == 2
    assert status.rollups[dept].status is Status.OFF_TRACK
    assert status.rollups[dept].counts[Status.NO_DATA] == 1  # its other goal has no data yet


def test_status_rules_are_set_per_plan(store: PlanStore) -> None:
    rules = StatusRules(Thresholds(0.1, 0.3), RollupSettings(RollupRule.WEIGHTED, 0.7, 0.5))
    before = set_plan_rules(store, 1, rules)
    assert plan_rules(store, 1) == rules and before.rollup.rule is RollupRule.WORST
    with pytest.raises(ValidationError, match="at least the on-track"):
        set_plan_rules(store, 1, StatusRules(Thresholds(0.3, 0.1), rules.rollup))
    assert plan_rules(store, 1) == rules


# ---- the CLI -------------------------------------------------------------------------------------------


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_log(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["log", "--db", str(plan_path), "--measure", "Chronic absenteeism rate"]
    assert main([*args, "--period", "Q2 2024-25", "--value", "21.4", "--note", "from SIS", "--by", "Ana"]) == 0
    assert "Logged: Chronic absenteeism rate = 21.4% for Q2 2024-25." in capsys.readouterr().out  # as stored
    assert main([*args, "--period", "Q2 2024-25", "--value", "21"]) == 1
    assert "--replace" in capsys.readouterr().err
    assert main([*args, "--period", "Q2 2024-25", "--value", "21", "--replace"]) == 0
    from planner.services import history
    from planner.store import open_plan_file

    with open_plan_file(plan_path) as store:
        first, replaced = reversed(history.changes(store, tables=["measurement"]))
    assert (first.actor, first.action) == ("Ana", "add")
    assert replaced.action == "change" and ("Value", "21.4", "21") in [(f.field, f.before, f.after)
                                                                      for f in replaced.fields]


@pytest.mark.parametrize(("extra", "words"), [
    (["--period", "2024-10", "--value", "20"], "is a month"),
    (["--period", "Q2 2024-25", "--value", "twenty"], "not a number"),
    (["--period", "Q2 2024-25", "--value", "120"], "outside 0 to 100"),
    (["--period", "Q1 2023-24", "--value", "20"], "--outside-plan-year"),
])
def test_cli_log_refuses_bad_input_and_writes_nothing(plan_path: Path, capsys: pytest.CaptureFixture[str],
                                                       extra: list[str], words: str) -> None:
    before = sha(plan_path)
    assert main(["log", "--db", str(plan_path), "--measure", "Chronic absenteeism rate", *extra]) == 1
    assert words in capsys.readouterr().err
    assert sha(plan_path) == before


def test_cli_log_unknown_measure(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["log", "--db", str(plan_path), "--measure", "Nope", "--period", "Q1 2024-25", "--value", "1"]) == 1
    assert "No performance measure is named “Nope”" in capsys.readouterr().err


def test_a_value_logged_and_replaced_is_in_the_change_history_under_its_actor(store: PlanStore) -> None:
    import sqlite3

    key = measure(store, "Chronic absenteeism rate")
    store.actor = "Ana"
    first = ms.log_value(store, key, "Q2 2024-25", "22")
    ms.log_value(store, key, "Q2 2024-25", "21", replace=True)
    with sqlite3.connect(store.path) as conn:
        found = conn.execute("SELECT action, actor, json_extract(before, '$.value'), json_extract(after, '$.value') "
                             "FROM change_log WHERE table_name = 'measurement' AND row_id = ? ORDER BY id",
                             (first.id,)).fetchall()
    assert found == [("add", "Ana", None, 22.0), ("change", "Ana", 22.0, 21.0)]


def test_a_value_in_a_locked_quarter_is_refused_in_words_and_not_written(store: PlanStore) -> None:
    from planner.services import period_locks

    key = measure(store, "Chronic absenteeism rate")
    period_locks.lock(store, "Q1 2024-25")
    with pytest.raises(period_locks.LockedPeriodError, match="Q1 2024-25 cannot change: Q1 2024-25 was locked"):
        ms.log_value(store, key, "Q1 2024-25", "20")
    assert rows(store) == 0


def test_a_read_only_file_takes_no_value(plan_path: Path) -> None:
    from planner.errors import ReadOnlyError
    from planner.store import open_plan_file

    with open_plan_file(plan_path, read_only=True) as ro:
        key = measure(ro, "Chronic absenteeism rate")
        with pytest.raises(ReadOnlyError, match="open read-only"):
            ms.log_value(ro, key, "Q2 2024-25", "20")
        assert rows(ro) == 0
