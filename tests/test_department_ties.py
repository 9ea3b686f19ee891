"""A department's own goal tied to the district strategy its division's pages speak to it in (issue 18):
the Department Plans Indexes name no strategy codes, so each tie says where the strategy's page says the
same thing, and a goal no page speaks to stays untied."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from planner.model import Department, Wig
from planner.services.default_plan import load_plan_data
from planner.services.plan_file import new_plan_file
from planner.store import PlanStore

CMS = load_plan_data("cms_2024_25.json")
STRATEGIES = {s["id"]: s for s in CMS["strategies"]}


def _division_of(department: str) -> str:
    return next(d["name"] for d in CMS["divisions"] if department in d["departments"])


def _own_goals() -> list[tuple[str, dict]]:
    return [(p["department"], w) for p in CMS["department_plans"] for w in p["wigs"] if "sentence" in w]


def test_every_strategy_has_an_id_and_ties_name_one() -> None:
    assert len(STRATEGIES) == len(CMS["strategies"]) == 27
    tied = [(d, w) for d, w in _own_goals() if "strategy" in w]
    assert len(tied) == 17 and len(_own_goals()) - len(tied) == 18
    for department, wig in tied:
        strategy = STRATEGIES[wig["strategy"]]
        # a department ties to a strategy of its own division, and says why
        assert strategy["division"] == _division_of(department), wig["sentence"][:60]
        assert wig["tied_because"].strip()


def test_a_quoted_key_lever_is_the_strategys_own_words() -> None:
    for _department, wig in _own_goals():
        for quoted in re.findall(r"key lever \"([^\"]+)\"", wig.get("tied_because", "")):
            strategy = STRATEGIES[wig["strategy"]]
            levers = [k for w in strategy["wigs"] for k in w["key_levers"]]
            assert any(k.startswith(quoted) for k in levers), quoted


def test_the_loaded_plan_holds_the_ties(tmp_path: Path) -> None:
    with new_plan_file(tmp_path / "plan.planner") as store:
        _check(store)


def _check(store: PlanStore) -> None:
    with store.reader() as s:
        untied = s.scalars(select(Wig).where(Wig.strategy_id.is_(None))).all()
        assert len(untied) == 18 and all(w.department_id is not None for w in untied)
        edtech = s.scalars(select(Department).where(Department.name == "Educational Technology")).one()
        assert [w.strategy.code for w in edtech.wigs if w.strategy] == ["Oe 2.003"]
        mtss = s.scalars(select(Department).where(Department.name == "MTSS")).one()
        assert [w.strategy.statement[:21] for w in mtss.wigs if w.strategy] == ["Expand access to adva"] * 2
        # a tied goal comes after the strategy's own goals, numbered on from them
        ae1004 = next(w.strategy for w in s.scalars(select(Wig)) if w.strategy and w.strategy.code == "Ae 1.004")
        assert [w.position for w in ae1004.wigs] == [0, 1, 2, 3, 4]
        assert [w.department_id is None for w in ae1004.wigs] == [True, True, False, False, False]
