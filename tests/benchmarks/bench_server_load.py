"""50 simulated department leads logging and editing at once against a local PostgreSQL server: nothing lost,
no deadlock; throughput and p95 latency printed, against one lead alone measured in the same run (the floor).

    python -m tests.benchmarks.bench_server_load [--leads 50] [--seconds 60]

Each lead has their own Planner (store, connection) and their own measures and goals; they also all edit one
shared row now and then, where the second of two at once is told who changed it (a conflict, counted, then
made again). At the end every value a lead was told was saved is read back from the server.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from planner.errors import RowChangedError
from planner.model import Frequency, PerformanceMeasure, Pillar, Wig
from planner.services import measurements as ms
from planner.services.plan_file import init_district_server
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server
from planner.store.server import ServerError
from tests.conftest import PgCluster, postgres_bindir

PERIODS = [f"Q{q} 2024-25" for q in (1, 2, 3, 4)]


@dataclass
class Lead:
    name: str
    measures: list[int]
    wigs: list[int]
    latencies: list[float] = field(default_factory=list)
    saved: dict[tuple[int, str], float] = field(default_factory=dict)
    conflicts: int = 0
    deadlocks: int = 0
    failures: list[str] = field(default_factory=list)


def _work(url: str, lead: Lead, hot_pillar: int, until: float, seed: int) -> None:
    rng = random.Random(seed)
    store = open_server(url)
    store.actor = lead.name
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            choice = rng.random()
            try:
                if choice < 0.7 or not lead.wigs:
                    measure, period = rng.choice(lead.measures), rng.choice(PERIODS)
                    value = float(rng.randint(1, 99))
                    ms.log_value(store, NodeKey(Kind.MEASURE, measure), period, str(value), replace=True,
                                 outside_year_ok=True)
                    lead.saved[(measure, period)] = value
                elif choice < 0.95:
                    with store.session() as s:
                        wig = s.get(Wig, rng.choice(lead.wigs))
                        assert wig is not None
                        wig.unit = f"unit {rng.randint(1, 99)}"
                else:
                    _edit_shared(store, hot_pillar, lead.name)
            except RowChangedError:
                lead.conflicts += 1
            except ServerError as exc:
                lead.failures.append(str(exc))
            except Exception as exc:
                text = str(exc)
                if "deadlock" in text:
                    lead.deadlocks += 1
                lead.failures.append(f"{type(exc).__name__}: {text[:200]}")
            lead.latencies.append(time.perf_counter() - started)
    finally:
        store.close()


def _edit_shared(store: PlanStore, pillar_id: int, name: str) -> None:
    with store.session() as s:
        pillar = s.get(Pillar, pillar_id)
        assert pillar is not None
        pillar.tagline = f"last touched by {name}"


def _run(url: str, leads: list[Lead], hot: int, seconds: float) -> float:
    until = time.perf_counter() + seconds
    threads = [threading.Thread(target=_work, args=(url, lead, hot, until, i)) for i, lead in enumerate(leads)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def _leads(store: PlanStore, count: int) -> tuple[list[Lead], int]:
    with store.reader() as s:
        measures = list(s.scalars(select(PerformanceMeasure.id).where(
            PerformanceMeasure.frequency == Frequency.QUARTERLY).order_by(PerformanceMeasure.id)))
        wigs = list(s.scalars(select(Wig.id).order_by(Wig.id)))
        hot = s.scalars(select(Pillar.id).order_by(Pillar.id)).first()
    assert hot is not None
    leads = [Lead(f"lead {i + 1}", measures[i::count], wigs[i::count]) for i in range(count)]
    return [lead for lead in leads if lead.measures], hot


def _lost(store: PlanStore, leads: list[Lead]) -> int:
    from planner.model import Measurement
    from planner.services.periods import parse_period

    lost = 0
    with store.reader() as s:
        for lead in leads:
            for (measure, period), value in lead.saved.items():
                start = parse_period(period, Frequency.QUARTERLY).start
                stored = s.scalars(select(Measurement.value).where(Measurement.measure_id == measure,
                                                                   Measurement.period_start == start)).first()
                lost += stored != value
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (initdb, pg_ctl)")
    cluster = PgCluster(bindir)
    try:
        floor_url = cluster.url(cluster.new_database())
        init_district_server(floor_url).close()
        load_url = cluster.url(cluster.new_database())
        init_district_server(load_url).close()
        with open_server(floor_url) as store:
            alone, hot = _leads(store, 1)
        floor_time = _run(floor_url, alone, hot, min(10.0, args.seconds))
        floor_rate = len(alone[0].latencies) / floor_time
        with open_server(load_url) as store:
            leads, hot = _leads(store, args.leads)
        elapsed = _run(load_url, leads, hot, args.seconds)
        latencies = sorted(x for lead in leads for x in lead.latencies)
        done = len(latencies)
        with open_server(load_url) as store:
            lost = _lost(store, leads)
        p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 20 else float("nan")
        floor_p95 = statistics.quantiles(sorted(alone[0].latencies), n=20)[-1] * 1000
        failures = [f for lead in leads for f in lead.failures]
        print(f"{len(leads)} leads for {elapsed:.0f} s: {done:,} actions, {done / elapsed:.1f}/s "
              f"({done / elapsed / floor_rate:.1f}x one lead alone, {floor_rate:.1f}/s); "
              f"p95 {p95:.0f} ms ({p95 / floor_p95:.1f}x alone, {floor_p95:.0f} ms); "
              f"conflicts named {sum(lead.conflicts for lead in leads)}, deadlocks {sum(x.deadlocks for x in leads)}, "
              f"other failures {len(failures)}; values lost {lost} of "
              f"{sum(len(lead.saved) for lead in leads):,} reported saved")
        for failure in failures[:5]:
            print(f"  failure: {failure}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
