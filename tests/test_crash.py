"""Kill a writing process with SIGKILL at random moments: the file stays whole, holds every write the
process reported as saved, and opens normally."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from planner.model import Frequency, KeyLever, Measurement, PerformanceMeasure
from planner.store import inspect_plan_file, open_plan_file

ROOT = Path(__file__).resolve().parents[1]


def kill_after(path: Path, seed: int, lines: int) -> list[str]:
    """Start a writer, let it report `lines` saved writes, kill it mid-stride; return what it reported."""
    process = subprocess.Popen([sys.executable, "-m", "tests.crash_writer", str(path), str(seed)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    saved: list[str] = []
    assert process.stdout is not None
    try:
        while len(saved) < lines:
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"the writer stopped: {process.stderr.read() if process.stderr else ''}")
            saved.append(line.strip())
    finally:
        os.kill(process.pid, signal.SIGKILL)  # mid-write, most likely: it never waits between writes
        process.wait(timeout=30)
    return saved


def verify(path: Path, saved: list[str]) -> None:
    report = inspect_plan_file(path)
    assert report.integrity == "ok" and report.foreign_key_problems == 0
    with open_plan_file(path) as store, store.reader() as s:  # opens normally: no stale lock, no damage
        daily = s.scalars(select(PerformanceMeasure.id).where(PerformanceMeasure.frequency == Frequency.DAILY)).first()
        values = {m.period_start.isoformat(): m.value for m in s.scalars(
            select(Measurement).where(Measurement.measure_id == daily))}
        texts = {lever.id: lever.text for lever in s.scalars(select(KeyLever))}
        latest_text: dict[int, str] = {}
        for line in saved:
            _, kind, key, rest = line.split(" ", 3)
            if kind == "value":
                assert values.get(key) == float(rest), f"value for {key} reported saved but missing"
            else:
                latest_text[int(key)] = rest
        for lever, text in latest_text.items():
            # the reported text, or a later one the writer committed before it could say so
            reported_step = int(text.rsplit(" ", 1)[1])
            assert texts[lever].startswith(text.rsplit(",", 1)[0]), (lever, texts[lever], text)
            assert int(texts[lever].rsplit(" ", 1)[1]) >= reported_step, (lever, texts[lever], text)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_loses_nothing_that_was_saved(plan_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    saved = kill_after(plan_path, seed, rng.randint(15, 60))
    verify(plan_path, saved)
