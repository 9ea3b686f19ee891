"""How long the window cannot answer, at ten times the district: a 10 ms QTimer heartbeat on the GUI thread
while a plan file is opened, Due Now counts, the Scoreboard is shown, a value is logged on the Plan tab and
the tabs are switched one after another. The longest gap between two ticks in each phase is the longest the
window could not repaint or take a click. Real background threads, as a user has them. Prints figures;
asserts nothing.

    python -m tests.benchmarks.bench_freeze FILE   (a file made by bench_scale's --keep, or any plan file)
    python -m tests.benchmarks.bench_freeze --build FOLDER [--copies 10] [--measurements 2000000]

With --build the district is made in FOLDER first (as bench_scale makes it) and reused next time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("PLANNER_SYNC_TASKS", None)

TICK_MS = 10


class Heartbeat:
    """The longest gap between two ticks of a 10 ms timer since the last `phase` began."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = 0
        self.longest = 0
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)
        self.timer.start(TICK_MS)

    def tick(self) -> None:
        now = self.clock.elapsed()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def phase(self) -> None:
        self.last = self.clock.elapsed()
        self.longest = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--build", type=Path, help="make the x10 district in this folder (reused next time)")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--measurements", type=int, default=2_000_000)
    parser.add_argument("--projects", type=int, default=5000)
    args = parser.parse_args()
    path = args.file
    if args.build:
        from tests.benchmarks.bench_scale import build_large

        args.build.mkdir(parents=True, exist_ok=True)
        path, _built = build_large(args.build, args.copies, args.measurements, args.projects)
    if path is None:
        parser.error("a plan file, or --build FOLDER")

    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("PlannerBenchmark")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path.parent / "freeze-settings"))
    from planner.services.plan_nodes import Kind
    from planner.ui.main_window import MainWindow
    from planner.ui.tasks import wait_for_background

    def settle(condition: Callable[[], bool], timeout_s: float = 600) -> float:
        begun = time.perf_counter()
        while not condition():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - begun > timeout_s:
                raise TimeoutError
        return time.perf_counter() - begun

    def quiet(seconds: float = 0.3) -> None:
        """Every background job done, then the event loop run a moment longer."""
        settle(lambda: wait_for_background(1))
        end = time.perf_counter() + seconds
        settle(lambda: time.perf_counter() > end)

    from planner.ui.prompts import Prompter

    class Answering(Prompter):
        """Says yes (to replacing a value logged by the last run); no dialog waits for a click."""

        def confirm(self, title: str, text: str, action: str) -> bool:
            return True

    rows: list[tuple[str, float, int]] = []
    window = MainWindow(data_dir=path.parent / "freeze-data", prompter=Answering(None))
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    beat = Heartbeat()

    begun = time.perf_counter()
    window.open_path(path)
    tree = settle(lambda: window.store is not None and window.page.model.rowCount() > 0)
    rows.append(("file opened, tree shown", tree, beat.longest))
    due = settle(lambda: bool(window.due_label.text()) or window.due.summary.text().endswith(" due"))
    rows.append(("Due Now counted (from the open)", due + tree, beat.longest))
    quiet()

    beat.phase()
    begun = time.perf_counter()
    window.tabs.setCurrentWidget(window.scoreboard)
    board = settle(lambda: window.scoreboard.model.rowCount() > 0)
    rows.append(("whole-district Scoreboard shown", board, beat.longest))
    view, model = window.scoreboard.view, window.scoreboard.model

    def in_view_charted(rows_from: int) -> bool:
        """Every card in view has its chart (a card whose points are read once it is painted has `charted`)."""
        rect = view.viewport().rect()
        seen = [r for r in range(max(0, rows_from), min(model.rowCount(), rows_from + 80))
                if rect.intersects(view.visualRect(model.index(r)))]
        return bool(seen) and all(getattr(model.cards[r], "charted", True) for r in seen)

    charted = settle(lambda: in_view_charted(0))
    rows.append(("its cards in view charted", board + charted, beat.longest))
    quiet()
    beat.phase()
    begun = time.perf_counter()
    last = model.index(model.rowCount() - 1)

    def at_the_end_charted() -> bool:
        view.scrollTo(last)  # again while the batched layout is still placing the cards
        return in_view_charted(model.rowCount() - 80)

    scrolled = settle(at_the_end_charted)
    rows.append(("scrolled to its last cards, those charted", scrolled, beat.longest))
    quiet()

    page = window.page
    window.tabs.setCurrentWidget(page)
    quiet()
    wig = next(r.key for r in page.model.rows() if r.key.kind is Kind.WIG)
    beat.phase()
    begun = time.perf_counter()
    page.select(wig)
    app.processEvents()
    rows.append(("a WIG selected on the Plan tab (its form, history and chart)", time.perf_counter() - begun,
                 beat.longest))
    quiet()

    from planner.services import measurements

    subject = measurements.subject_info(window.store, wig)
    period = subject.periods()[0].label
    beat.phase()
    begun = time.perf_counter()
    page._save_value(wig, {"period": period, "value": "5", "note": "", "evidence": "", "entered_by": "bench"})
    app.processEvents()
    logged = time.perf_counter() - begun
    quiet()
    rows.append(("a value logged there (and its WIG judged again, the tree, Due Now and Scoreboard told)", logged,
                 beat.longest))

    for index in range(window.tabs.count()):
        beat.phase()
        begun = time.perf_counter()
        window.tabs.setCurrentIndex(index)
        app.processEvents()
        shown = time.perf_counter() - begun
        label = f"switched to the {window.tabs.tabText(index).replace('&', '')} tab"
        if window.tabs.widget(index) is window.workbook:  # its list is read off the GUI thread: until it is filled
            settle(lambda: window.workbook.projects.rowCount() > 0, timeout_s=120)
            shown, label = time.perf_counter() - begun, label + " (until its projects are listed)"
        quiet()
        rows.append((label, shown, beat.longest))

    beat.timer.stop()
    window.close()
    print(f"\n{path.name} ({path.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores\n")
    print("| step | time on the GUI thread or until shown | longest freeze |")
    print("| --- | ---: | ---: |")
    for label, seconds, gap in rows:
        print(f"| {label} | {seconds * 1000:.0f} ms | {gap} ms |")


if __name__ == "__main__":
    main()
