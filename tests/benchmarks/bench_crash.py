"""Hundreds of SIGKILLs against a process writing through the services, on one plan file: after every kill
the file passes integrity_check, holds every reported write and opens normally. Prints a summary.

    python -m tests.benchmarks.bench_crash [--kills 200]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from planner.services.plan_file import new_plan_file
from tests.test_crash import kill_after, verify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crash.planner"
        new_plan_file(path).close()
        started = time.perf_counter()
        writes = 0
        for kill in range(args.kills):
            saved = kill_after(path, kill + 10, rng.randint(1, 40))
            verify(path, saved)
            writes += len(saved)
        elapsed = time.perf_counter() - started
    print(f"{args.kills} kills, {writes:,} reported writes: every one found, integrity ok after each, "
          f"file reopened each time ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
