"""Generates a large plan file: the district plan copied N times into one plan (department goals padded so
the x100 plan has about 10,000 WIGs and 40,000 key levers, the size the tree must handle).

    python -m tests.benchmarks.generate OUT.planner [--copies 100]
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

from planner.model import Frequency, KeyLever, PerformanceMeasure, Plan, Wig
from planner.services.default_plan import build_plan, load_plan_data
from planner.services.plan_file import new_plan_file, plan_counts
from planner.store import PlanStore

EXTRA_DEPARTMENT_WIGS = 38  # per copy: 62 + 38 = 100 WIGs a copy
LEVERS_PER_WIG = 4


def generate(path: Path, copies: int = 100) -> PlanStore:
    store = new_plan_file(path, empty=True)
    base = load_plan_data("cms_2024_25.json")
    with store.session() as session:
        main = build_plan({**base, "pillars": [], "priorities": [], "divisions": [], "strategies": [],
                           "department_plans": []})
        main.name = f"CMS plan x{copies}"
        session.add(main)
        for n in range(copies):
            data = copy.deepcopy(base)
            suffix = f" #{n + 1}"
            for pillar in data["pillars"]:
                pillar["code"] += f"{n + 1:03d}"
            for priority in data["priorities"]:
                priority["pillar"] += f"{n + 1:03d}"
            for division in data["divisions"]:
                division["name"] += suffix
                division["departments"] = [d + suffix for d in division["departments"]]
            for strategy in data["strategies"]:
                strategy["division"] += suffix
                strategy["collaborators"] = [d + suffix for d in strategy["collaborators"]]
            for plan in data["department_plans"]:
                plan["department"] += suffix
            part = build_plan(data)
            copy_year = part.years[0]
            for row in _year_rows(part):  # the copy's goals belong to the one plan's year
                if getattr(row, "year", None) is copy_year:
                    row.year = main.years[0]
            part.years = []
            pillars, divisions, departments = list(part.pillars), list(part.divisions), list(part.departments)
            for i, pillar in enumerate(pillars):
                pillar.position = n * 10 + i
            main.pillars.extend(pillars)  # moving them empties the copy's own lists
            main.divisions.extend(divisions)
            main.departments.extend(departments)
            session.add_all([*pillars, *divisions, *departments])
            if part in session:  # the emptied copy came in through a back-reference; it is not a plan
                session.expunge(part)
            first_department = departments[0]
            for extra in range(EXTRA_DEPARTMENT_WIGS):
                first_department.wigs.append(Wig(
                    sentence=f"Increase generated measure {extra + 1} from {extra}% to {extra + 50}% by June 2025.",
                    department_position=len(first_department.wigs), year=main.years[0]))
            for pillar in pillars:
                for priority in pillar.priorities:
                    for strategy in priority.strategies:
                        _pad_levers(strategy.wigs)
            _pad_levers(first_department.wigs)
            for dept in departments:
                _pad_levers(w for w in dept.wigs if w.strategy is None)
    return store


def _year_rows(plan: Plan) -> list[Wig | PerformanceMeasure]:
    """Every WIG and measure of a built (not yet added) plan: the rows that belong to a school year."""
    strategies = [s for p in plan.pillars for r in p.priorities for s in r.strategies]
    wigs = [w for s in strategies for w in s.wigs] + [w for d in plan.departments for w in d.wigs]
    measures = [m for s in strategies for m in s.measures] + [m for w in wigs for m in w.measures]
    return [*wigs, *measures, *(m for d in plan.departments for m in d.measures)]


def add_measurements(store: PlanStore, months: int, seed: int = 7) -> int:
    """Monthly values for every WIG with a target, wandering around its path (bulk insert; the benchmark of
    logging through the service is separate)."""
    import random
    import uuid
    from datetime import date

    from sqlalchemy import insert, select

    from planner.model import Measurement, utcnow
    from planner.services.periods import period_containing

    rng = random.Random(seed)
    rows = []
    with store.reader() as s:
        wigs = s.execute(select(Wig.id, Wig.baseline, Wig.target).where(Wig.target.is_not(None))).all()
    now = utcnow()
    for wig_id, baseline, target in wigs:
        base = baseline if baseline is not None else 0.0
        for month in range(months):
            period = period_containing(date(2024 + (6 + month) // 12, (6 + month) % 12 + 1, 1),
                                       Frequency.MONTHLY)
            share = (month + 1) / 12 * rng.uniform(0.6, 1.2)
            rows.append({"uuid": uuid.uuid4(), "created_at": now, "updated_at": now, "wig_id": wig_id,
                         "period_start": period.start, "period_end": period.end,
                         "value": base + (target - base) * share, "note": "", "evidence": "",
                         "entered_by": "generator", "entered_at": now})
    with store.session() as s:
        s.execute(insert(Measurement), rows)
    return len(rows)


def _pad_levers(wigs: object) -> None:
    for wig in wigs:  # type: ignore[attr-defined]
        while len(wig.key_levers) < LEVERS_PER_WIG:
            wig.key_levers.append(KeyLever(text=f"Generated key lever {len(wig.key_levers) + 1}",
                                           position=len(wig.key_levers)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--months", type=int, default=0, help="monthly values to add to every WIG with a target")
    args = parser.parse_args()
    started = time.perf_counter()
    store = generate(args.out, args.copies)
    counts = plan_counts(store)[0].counts
    if args.months:
        counts["measurements"] = add_measurements(store, args.months)
    store.close()
    print(f"{args.out}: {counts} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
