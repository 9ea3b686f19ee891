"""A window on a district server hears others' changes through a connection of its own; when that connection
drops or cannot be made, it says so in words, keeps trying (waiting longer each time) and says when updates
resume, never going quiet for good nor ending in a traceback."""

from __future__ import annotations

import os
import threading
import time

import pytest

from planner.store import open_server
from planner.store.server import Listener

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)


class Heard:
    def __init__(self) -> None:
        self.changes: list[str] = []
        self.status: list[tuple[str, bool]] = []
        self.event = threading.Event()

    def change(self, who: str) -> None:
        self.changes.append(who)
        self.event.set()

    def told(self, words: str, listening: bool) -> None:
        self.status.append((words, listening))
        self.event.set()

    def wait_for(self, check: object, timeout: float = 15) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():  # type: ignore[operator]
                return True
            self.event.wait(0.1)
            self.event.clear()
        return False


def change_a_goal(url: str, unit: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('planner.actor', 'Ben Okafor', true)")
        conn.execute("UPDATE wig SET unit = %s WHERE id = (SELECT min(id) FROM wig)", (unit,))


def test_a_dropped_listening_connection_is_said_in_words_tried_again_and_resumes(server_url: str) -> None:
    store = open_server(server_url)
    heard = Heard()
    try:
        listener = Listener(server_url, heard.change, set(), store.role, heard.told, retry=(0.2, 1.0))
        store._listeners.append(listener)  # closed with the store
        assert heard.wait_for(lambda: listener._ready.is_set())
        change_a_goal(server_url, "a")
        assert heard.wait_for(lambda: heard.changes == ["Ben Okafor"])
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' "
                         "AND pid <> pg_backend_pid()")
        assert heard.wait_for(lambda: any(not up for _, up in heard.status))
        words = next(w for w, up in heard.status if not up)
        assert words.startswith("Updates from the district server stopped") and "Trying again" in words
        assert "(" not in words and len(words) < 100  # a sentence for the status bar; the driver's text is logged
        assert heard.wait_for(lambda: heard.status[-1] == ("Updates from the district server resumed.", True))
        change_a_goal(server_url, "b")
        assert heard.wait_for(lambda: heard.changes == ["Ben Okafor", "Ben Okafor"])
    finally:
        store.close()
    assert not listener._thread.is_alive()


def test_a_server_that_cannot_be_reached_for_listening_is_said_in_words_not_a_traceback(tmp_path: object) -> None:
    heard = Heard()
    url = f"postgresql://nobody:hunter2@/plan?host={tmp_path}"
    listener = Listener(url, heard.change, set(), "nobody", heard.told, retry=(0.2, 0.5))
    try:
        assert heard.wait_for(lambda: heard.status)
        words, up = heard.status[0]
        assert not up and "cannot be reached" in words and "hunter2" not in words
        time.sleep(1.0)
        assert len(heard.status) == 1  # said once, however often it is tried again
        assert listener._thread.is_alive()
    finally:
        listener.stop()
    assert not listener._thread.is_alive()


def test_the_window_says_when_updates_from_the_server_stop_and_resume(qtbot, qt_isolated: object,  # type: ignore[no-untyped-def]
                                                                       server_url: str) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    qtbot.waitUntil(lambda: all(listener._ready.is_set() for listener in w.store._listeners), timeout=5000)
    shown: list[str] = []
    w.statusBar().messageChanged.connect(shown.append)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' "
                     "AND pid <> pg_backend_pid()")
    qtbot.waitUntil(lambda: any("Updates from the district server stopped" in m for m in shown), timeout=5000)
    qtbot.waitUntil(lambda: "Updates from the district server resumed." in shown, timeout=10000)
    change_a_goal(server_url, "c")
    qtbot.waitUntil(lambda: "Ben Okafor changed the plan" in w.statusBar().currentMessage(), timeout=5000)
    w.close()
