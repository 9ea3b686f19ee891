"""The choice in the window when a save meets someone else's change on the district server: the dialog says
who changed what (theirs, mine, what both started from) and "Keep mine" saves over theirs, the history saying
so, while "Keep theirs" drops the edit and the form shows theirs. Checked on what the server holds after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from planner.model import Wig
from planner.services import history, plan_edit
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import open_server
from planner.ui.app import data_folder
from planner.ui.conflict_dialog import ConflictDialog
from planner.ui.main_window import MainWindow
from tests.test_gui import ScriptedPrompter

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

pytestmark = pytest.mark.usefixtures("pg_cluster")


def open_window_and_edit_behind_its_back(qtbot, server_url: str, answer: bool):  # type: ignore[no-untyped-def]
    seen: list[ConflictDialog] = []

    def choose(dialog: ConflictDialog) -> bool:
        seen.append(dialog)
        return answer

    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=choose))
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    assert w.store is not None
    w.store.actor = "Ana Ruiz"
    with w.store.reader() as s:
        wig = s.scalars(select(Wig).order_by(Wig.id)).first()
        assert wig is not None
        key, started = NodeKey(Kind.WIG, wig.id), wig.unit
    w.show_node(key)  # Ana's form shows the WIG
    with open_server(server_url) as ben:
        ben.actor = "Ben Okafor"
        plan_edit.update_node(ben, key, {"unit": "ben's unit"})  # Ben saves first
    editor = w.page.form.editors["unit"]
    editor.setText("ana's unit")
    editor.editingFinished.emit()
    return w, key, started, seen


def held(server_url: str, key: NodeKey) -> str:
    with open_server(server_url) as office:
        return str(plan_edit.node_values(office, key)["unit"])


def test_keep_mine_saves_over_their_change_and_the_history_says_so(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, key, started, seen = open_window_and_edit_behind_its_back(qtbot, server_url, answer=True)
    assert len(seen) == 1
    dialog = seen[0]
    assert "Ben Okafor changed this WIG" in dialog.words.text()
    row = [dialog.table.item(0, c).text() for c in range(4)]
    assert row == ["Unit", started or "(blank)", "ben's unit", "ana's unit"]
    assert held(server_url, key) == "ana's unit"
    with open_server(server_url) as office:
        entry = history.changes(office, item=history.item_of(key), limit=1)[0]
    assert entry.actor == "Ana Ruiz" and "over Ben Okafor's change" in entry.reason
    assert not w.prompter.errors


def test_keep_theirs_drops_my_edit_and_the_form_shows_theirs(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, key, _started, seen = open_window_and_edit_behind_its_back(qtbot, server_url, answer=False)
    assert len(seen) == 1
    assert held(server_url, key) == "ben's unit"
    qtbot.waitUntil(lambda: w.page.form.editors["unit"].text() == "ben's unit")
    assert not w.prompter.errors


def test_a_third_change_while_the_dialog_asks_is_not_overwritten_by_keep_mine(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter())
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    assert w.store is not None
    w.store.actor = "Ana Ruiz"
    with w.store.reader() as s:
        wig = s.scalars(select(Wig).order_by(Wig.id)).first()
        assert wig is not None
        key = NodeKey(Kind.WIG, wig.id)
    w.show_node(key)

    def ben_saves(unit: str) -> None:
        with open_server(server_url) as ben:
            ben.actor = "Ben Okafor"
            plan_edit.update_node(ben, key, {"unit": unit})

    def choose(_dialog: ConflictDialog) -> bool:
        ben_saves("ben's second unit")  # while Ana reads the dialog
        return True

    w.prompter.answers["dialog"] = choose
    ben_saves("ben's unit")
    editor = w.page.form.editors["unit"]
    editor.setText("ana's unit")
    editor.editingFinished.emit()
    assert held(server_url, key) == "ben's second unit"
    assert w.prompter.errors and "Ben Okafor" in str(w.prompter.errors[-1])
