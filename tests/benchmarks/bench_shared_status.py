"""What the shared status snapshot saves: at ten times the district, Due Now and the Scoreboard on the
statuses the window already holds, against one whole-plan status computation (their floor); and logging one
value's re-judgement against judging the whole plan again.

    python -m tests.benchmarks.bench_shared_status [--copies 10] [--months 6] [--rounds 5]

Every figure is the median of `rounds` runs, printed as a ratio to the floor measured in the same run,
alternating floor and subject. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

TODAY = date(2025, 1, 15)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from planner.model import Wig
    from planner.services import measurements as ms
    from planner.services.charts import Scope, card_points, scoreboard
    from planner.services.due import due_now
    from planner.services.plan_nodes import Kind, NodeKey
    from planner.services.status import plan_status, refreshed
    from tests.benchmarks.generate import add_measurements, generate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.planner"
        store = generate(path, args.copies)
        values = add_measurements(store, args.months) if args.months else 0
        plan_id = 1
        with store.reader() as s:
            wigs = len(list(s.scalars(select(Wig.id))))
            wig_id = s.scalars(select(Wig.id).where(Wig.target.is_not(None))).first()
        print(f"x{args.copies} district: {wigs} WIGs, {values} values; {args.rounds} rounds, medians\n")
        shared = plan_status(store, plan_id, TODAY)
        rows: dict[str, list[float]] = {k: [] for k in (
            "floor", "due_alone", "due_shared", "board_alone", "board_shared", "board_window", "log_full",
        "log_refreshed")}

        def board_window() -> None:
            """As the window reads it: the cards from the shared statuses, then one screen's charts (24 cards)."""
            cards = scoreboard(store, plan_id, Scope(), TODAY, status=shared, points=False)
            card_points(store, [c.wig_id for c in cards[:24]])

        for n in range(args.rounds):
            rows["floor"].append(timed(lambda: plan_status(store, plan_id, TODAY)))
            rows["due_alone"].append(timed(lambda: due_now(store, plan_id, TODAY)))
            rows["due_shared"].append(timed(lambda: due_now(store, plan_id, TODAY, status=shared)))
            rows["board_alone"].append(timed(lambda: scoreboard(store, plan_id, Scope(), TODAY)))
            rows["board_shared"].append(timed(lambda: scoreboard(store, plan_id, Scope(), TODAY, status=shared)))
            rows["board_window"].append(timed(board_window))
            ms.log_value(store, NodeKey(Kind.WIG, wig_id), date(2024, 12, 15), str(10 + n), replace=True,
                         outside_year_ok=True)
            rows["log_full"].append(timed(lambda: plan_status(store, plan_id, TODAY)))
            rows["log_refreshed"].append(timed(lambda: refreshed(store, shared, [wig_id])))
        store.close()
    floor = statistics.median(rows["floor"])
    print(f"{'path':58} {'seconds':>8} {'x floor':>8}")
    for key, label in (("floor", "floor: one whole-plan status computation"),
                       ("due_alone", "Due Now working out its own statuses (before)"),
                       ("due_shared", "Due Now on the window's shared statuses"),
                       ("board_alone", "whole-district Scoreboard with its own statuses (before)"),
                       ("board_shared", "whole-district Scoreboard on the shared statuses, every point"),
                       ("board_window", "the same as the window shows it: 24 cards' points"),
                       ("log_full", "after logging one value: the whole plan judged again"),
                       ("log_refreshed", "after logging one value: that WIG and its owners")):
        median = statistics.median(rows[key])
        print(f"{label:58} {median:8.3f} {median / floor:8.2f}")


if __name__ == "__main__":
    main()
