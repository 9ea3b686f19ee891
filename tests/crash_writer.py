"""A process that writes through the services in a loop and says what it saved, for the crash tests:
they kill it with SIGKILL at random moments and check that everything it reported is in the file.

    python -m tests.crash_writer PLAN.planner SEED
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

from sqlalchemy import select

from planner.model import Frequency, KeyLever, PerformanceMeasure
from planner.services import measurements, plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import open_plan_file


def main() -> None:
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    store = open_plan_file(path)
    with store.reader() as s:
        daily = s.scalars(select(PerformanceMeasure.id).where(PerformanceMeasure.frequency == Frequency.DAILY)).first()
        levers = list(s.scalars(select(KeyLever.id)))
    day = date(2024, 7, 1) + timedelta(days=seed * 1000)
    i = 0
    while True:
        i += 1
        if i % 3 == 0:
            lever = rng.choice(levers)
            text = f"edited by writer {seed}, step {i}"
            plan_edit.update_node(store, NodeKey(Kind.KEY_LEVER, lever), {"text": text})
            print(f"SAVED lever {lever} {text}", flush=True)
        else:
            day += timedelta(days=1)
            value = rng.randint(0, 100)
            measurements.log_value(store, NodeKey(Kind.MEASURE, daily), day, str(value), note=f"{seed}-{i}",
                                   outside_year_ok=True)
            print(f"SAVED value {day.isoformat()} {value}", flush=True)


if __name__ == "__main__":
    main()
