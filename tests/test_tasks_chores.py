"""The file's long chores (a backup on open, the check of every page) run on a thread of their own: on two
cores they took both of the shared pool's threads for seconds at ten times the district, and the statuses
and Due Now a person waits for queued behind them. Real threads here, not the tests' inline running."""

from __future__ import annotations

import threading

import pytest

from planner.ui.tasks import run_in_background, wait_for_background


def test_work_a_page_waits_for_is_not_queued_behind_the_chores(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PLANNER_SYNC_TASKS", raising=False)
    release = threading.Event()
    chores_done: list[int] = []
    shown: list[str] = []
    try:
        for n in range(4):  # more chores than the machine has cores, each held until released
            run_in_background(lambda: release.wait(30), lambda _r, n=n: chores_done.append(n), pytest.fail,
                              chore=True)
        run_in_background(lambda: "Due Now counted", shown.append, pytest.fail)
        qtbot.waitUntil(lambda: shown == ["Due Now counted"], timeout=5000)
        assert chores_done == []  # still held: the page's work went past them
    finally:
        release.set()
    qtbot.waitUntil(lambda: sorted(chores_done) == [0, 1, 2, 3], timeout=10000)
    assert wait_for_background(5000)
