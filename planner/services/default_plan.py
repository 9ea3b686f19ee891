"""The embedded default plan: the district's 2024-25 annual plans and the archived 2018 plan.

The data files under resources/default_plan were cleaned by hand from the district's PDFs (see their
"repairs" lists); this module only turns them into rows.
"""

from __future__ import annotations

import json
import re
import uuid
import weakref
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from planner.model import (
    Department,
    Direction,
    DistrictGoal,
    Division,
    Frequency,
    Guardrail,
    KeyLever,
    PerformanceMeasure,
    Pillar,
    Plan,
    PlanYear,
    Priority,
    Strategy,
    Wig,
    WigKind,
)
from planner.paths import resource

DEFAULT_PLAN_FILES = ("cms_2024_25.json", "cms_2018.json")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
# A department's own index goal tied to a strategy keeps the UUID of its place in the department's index, so
# files seeded before and after the tie was found still merge into one row.
_FROM_INDEX: weakref.WeakSet[Wig] = weakref.WeakSet()

_FREQUENCY_WORDS = [
    (re.compile(r"\bdaily\b", re.I), Frequency.DAILY),
    (re.compile(r"\bweekly\b", re.I), Frequency.WEEKLY),
    (re.compile(r"\bmonthly\b", re.I), Frequency.MONTHLY),
    (re.compile(r"\bsemester", re.I), Frequency.SEMESTERLY),
    (re.compile(r"\bquarter", re.I), Frequency.QUARTERLY),
    (re.compile(r"\b(annual|yearly|end of year)\b", re.I), Frequency.ANNUALLY),
]


def infer_frequency(name: str) -> Frequency:
    """How often a measure is logged, as its name says; quarterly (the collection cycle) otherwise."""
    for pattern, frequency in _FREQUENCY_WORDS:
        if pattern.search(name):
            return frequency
    return Frequency.QUARTERLY


def infer_unit(name: str) -> str | None:
    if re.match(r"\s*(percent|percentage|%)", name, re.I) or name.rstrip().endswith("rate"):
        return "%"
    if re.match(r"\s*number of\b", name, re.I):
        return "count"
    return None


def load_plan_data(filename: str) -> dict[str, Any]:
    path: Path = resource("default_plan", filename)
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    if data.get("format") != "planner-default-plan/1":
        raise ValueError(f"{path} is not a Planner default-plan file")
    return data


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _measure(entry: str | dict[str, Any]) -> PerformanceMeasure:
    spec = {"name": entry} if isinstance(entry, str) else entry
    name = spec["name"]
    return PerformanceMeasure(
        name=name,
        unit=spec.get("unit", infer_unit(name)),
        frequency=Frequency(spec["frequency"]) if "frequency" in spec else infer_frequency(name),
        goal_baseline=spec.get("goal_baseline"),
        goal_target=spec.get("goal_target"),
    )


def _wig(spec: dict[str, Any]) -> Wig:
    return Wig(
        sentence=spec["sentence"],
        kind=WigKind(spec["kind"]),
        baseline=spec["baseline"],
        target=spec["target"],
        unit=spec["unit"],
        direction=Direction(spec["direction"]),
        start_date=_date(spec["start"]),
        deadline=_date(spec["deadline"]),
        relative_change=spec.get("relative_change"),
        key_levers=[KeyLever(text=text, position=i) for i, text in enumerate(spec.get("key_levers", []))],
    )


def build_plan(data: dict[str, Any], position: int = 0) -> Plan:
    """Rows for one data file, not yet added to a session."""
    meta = data["plan"]
    plan = Plan(
        name=meta["name"], period_label=meta["period_label"], archived=meta["archived"],
        level_names=list(meta["level_names"]), mission=meta["mission"], vision=meta["vision"],
        strategy_statement=meta["strategy_statement"], tagline=meta["tagline"],
        description=meta["description"], position=position,
    )
    plan.goals = [DistrictGoal(name=n, position=i) for i, n in enumerate(data["goals"])]
    plan.guardrails = [Guardrail(name=n, position=i) for i, n in enumerate(data["guardrails"])]

    pillars: dict[str, Pillar] = {}
    for i, spec in enumerate(data["pillars"]):
        pillar = Pillar(code=spec["code"], name=spec["name"], commitment=spec.get("commitment", ""),
                        tagline=spec.get("tagline", ""), description=spec.get("description", ""), position=i)
        pillar.priorities = [Priority(code=ROMAN[j], statement=text, position=j)
                             for j, text in enumerate(spec.get("focus_areas", []))]
        pillars[spec["code"]] = pillar
    plan.pillars = list(pillars.values())

    priorities: dict[str, Priority] = {}
    for spec in data.get("priorities", []):
        priority = Priority(code=spec["code"], statement=spec["statement"])
        pillar = pillars[spec["pillar"]]
        priority.position = len(pillar.priorities)
        pillar.priorities.append(priority)
        priorities[spec["code"]] = priority

    divisions: dict[str, Division] = {}
    departments: dict[str, Department] = {}

    def department(name: str) -> Department:
        if name not in departments:
            departments[name] = Department(name=name, position=len(departments))
        return departments[name]

    for i, spec in enumerate(data.get("divisions", [])):
        division = Division(name=spec["name"], annual_plan_title=spec["annual_plan_title"], position=i)
        divisions[spec["name"]] = division
        for name in spec["departments"]:
            department(name).division = division
    plan.divisions = list(divisions.values())

    wigs_by_id: dict[str, Wig] = {}
    strategies_by_id: dict[str, Strategy] = {}
    for spec in data.get("strategies", []):
        priority = priorities[spec["priority"]]
        strategy = Strategy(code=spec["code"], statement=spec["statement"], division=divisions[spec["division"]],
                            position=len(priority.strategies))
        for w, wig_spec in enumerate(spec["wigs"]):
            wig = _wig(wig_spec)
            wig.position = w
            wig.measures = [_measure(m) for m in wig_spec.get("measures", [])]
            for m, measure in enumerate(wig.measures):
                measure.position = m
            strategy.wigs.append(wig)
            wigs_by_id[wig_spec["id"]] = wig
        strategy.measures = [_measure(m) for m in spec.get("measures", [])]
        for m, measure in enumerate(strategy.measures):
            measure.position = m
        strategy.collaborators = [department(name) for name in spec["collaborators"]]
        priority.strategies.append(strategy)
        if "id" in spec:
            strategies_by_id[spec["id"]] = strategy

    for spec in data.get("department_plans", []):
        dept = departments[spec["department"]]
        dept_measures: list[PerformanceMeasure] = []
        for w, wig_spec in enumerate(spec["wigs"]):
            if "same_as" in wig_spec:
                wig = wigs_by_id[wig_spec["same_as"]]
                for name in wig_spec.get("measures", []):
                    existing = next((m for m in wig.measures if m.name == name), None)
                    dept_measures.append(existing or _measure(name))
                    if existing is None:
                        wig.measures.append(dept_measures[-1])
            else:
                wig = _wig(wig_spec)
                wig.measures = [_measure(m) for m in wig_spec.get("measures", [])]
                dept_measures.extend(wig.measures)
                if "strategy" in wig_spec:  # the strategy whose page speaks to it (see "tied_because")
                    tied = strategies_by_id[wig_spec["strategy"]]
                    wig.position = len(tied.wigs)
                    tied.wigs.append(wig)
                    _FROM_INDEX.add(wig)
            for m, measure in enumerate(wig.measures):
                measure.position = m
            wig.department = dept
            wig.department_position = w
        linked = [m for wig in dept.wigs for m in wig.measures]
        for entry in spec["measures"]:
            name = entry if isinstance(entry, str) else entry["name"]
            existing = next((m for m in linked if m.name == name), None)
            dept_measures.append(existing or _measure(entry))
        for m, measure in enumerate(dict.fromkeys(dept_measures)):
            measure.department = dept
            measure.department_position = m

    plan.departments = list(departments.values())
    start, end = _date(meta["year_start"]), _date(meta["year_end"])
    if start and end:
        # The documents are one annual plan: its WIGs and measures are that year's, the rest is the frame.
        year = PlanYear(label=meta["plan_year"], start_date=start, end_date=end)
        plan.years = [year]
        strategies = [s for p in plan.pillars for r in p.priorities for s in r.strategies]
        wigs = {w for s in strategies for w in s.wigs} | {w for d in plan.departments for w in d.wigs}
        measures = ({m for s in strategies for m in s.measures} | {m for w in wigs for m in w.measures}
                    | {m for d in plan.departments for m in d.measures})
        for wig in wigs:
            wig.year = year
        for measure in measures:
            measure.year = year
    return plan


def assign_stable_uuids(plan: Plan) -> None:
    """Every laptop's copy of the district plan gets the same UUIDs (derived from the plan's name and each
    row's place in it), so the central office can merge workbooks from many files without duplicates."""
    ns = uuid.uuid5(uuid.NAMESPACE_URL, f"planner:default-plan:{plan.name}")

    def stamp(obj: Any, path: str) -> str:
        obj.uuid = uuid.uuid5(ns, path)
        if hasattr(obj, "lineage_uuid"):
            obj.lineage_uuid = obj.uuid  # the first year of its lineage
        return path

    stamp(plan, "plan")
    for year in plan.years:
        stamp(year, f"year/{year.label}")
    for i, goal in enumerate(plan.goals):
        stamp(goal, f"goal/{i}")
    for i, guardrail in enumerate(plan.guardrails):
        stamp(guardrail, f"guardrail/{i}")
    for division in plan.divisions:
        stamp(division, f"division/{division.name}")
    for department in plan.departments:
        dept_path = stamp(department, f"department/{department.name}")
        for wig in department.wigs:
            if wig.strategy is None or wig in _FROM_INDEX:
                _stamp_wig(stamp, wig, f"{dept_path}/wig/{wig.department_position}")
        for measure in department.measures:
            if measure.wig is None and measure.strategy is None:
                stamp(measure, f"{dept_path}/measure/{measure.department_position}/{measure.name}")
    for pillar in plan.pillars:
        pillar_path = stamp(pillar, f"pillar/{pillar.code}")
        for priority in pillar.priorities:
            priority_path = stamp(priority, f"{pillar_path}/priority/{priority.code}")
            for strategy in priority.strategies:
                strategy_path = stamp(strategy, f"{priority_path}/strategy/{strategy.code or strategy.position}")
                for wig in strategy.wigs:
                    if wig not in _FROM_INDEX:
                        _stamp_wig(stamp, wig, f"{strategy_path}/wig/{wig.position}")
                for measure in strategy.measures:
                    if measure.wig is None:
                        stamp(measure, f"{strategy_path}/measure/{measure.position}/{measure.name}")


def _stamp_wig(stamp: Any, wig: Wig, path: str) -> None:
    stamp(wig, path)
    for lever in wig.key_levers:
        stamp(lever, f"{path}/lever/{lever.position}")
    for measure in wig.measures:
        stamp(measure, f"{path}/measure/{measure.position}/{measure.name}")


def add_default_plans(session: Session) -> list[Plan]:
    """Adds the district's plans to an open session (the caller's transaction)."""
    plans = [build_plan(load_plan_data(name), position=i) for i, name in enumerate(DEFAULT_PLAN_FILES)]
    for plan in plans:
        assign_stable_uuids(plan)
    session.add_all(plans)
    session.flush()
    return plans
