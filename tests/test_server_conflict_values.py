"""The choice when an edit of a logged value (in the Progress table, or a replacement logged in the Log Value
dialog) meets someone else's change to that value on the district server since the window read it: Keep Mine
saves over theirs and the History says whose change it overwrote; Keep Theirs drops the edit and the table
shows theirs. Checked on what the server holds after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from planner.model import Measurement, Wig, WigKind
from planner.services import history, measurements
from planner.services.history import Item
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import open_server
from planner.ui.app import data_folder
from planner.ui.conflict_dialog import ConflictDialog
from planner.ui.main_window import MainWindow
from planner.ui.progress_panel import HistoryModel
from tests.test_gui import ScriptedPrompter

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

pytestmark = pytest.mark.usefixtures("pg_cluster")

PERIOD = "2024-09-01"


def ben_logs(server_url: str, key: NodeKey, value: str, *, note: str = "") -> int:
    with open_server(server_url) as ben:
        ben.actor = "Ben Okafor"
        return measurements.log_value(ben, key, PERIOD, value, note=note, replace=True, outside_year_ok=True).id


def held(server_url: str, measurement_id: int) -> tuple[float | None, str]:
    with open_server(server_url) as office, office.reader() as s:
        row = s.get(Measurement, measurement_id)
        assert row is not None
        return row.value, row.note


def newest_entry(server_url: str, measurement_id: int) -> history.ChangeEntry:
    with open_server(server_url) as office:
        return history.changes(office, item=Item("measurement", measurement_id), limit=1)[0]


def window(qtbot, server_url: str, answer: bool, *, then=None):  # type: ignore[no-untyped-def]
    """Ana's window showing a WIG whose September value Ben logged (41), which Ben then replaces (57) behind
    the window's back. Returns the window, the WIG, the value's id and the dialogs it was asked in."""
    seen: list[ConflictDialog] = []

    def choose(dialog: ConflictDialog) -> bool:
        seen.append(dialog)
        if then is not None:
            then()
        return answer

    with open_server(server_url) as office, office.reader() as s:
        wig = s.scalars(select(Wig.id).where(Wig.kind != WigKind.MILESTONE).order_by(Wig.id)).first()
        assert wig is not None
        key = NodeKey(Kind.WIG, wig)
    measurement_id = ben_logs(server_url, key, "41")
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=choose))
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    assert w.store is not None
    w.store.actor = "Ana Ruiz"
    w.show_node(key)  # Ana's Progress table shows Ben's 41
    assert any(r.measurement_id == measurement_id and r.value == 41 for r in w.page.progress.model.rows)
    ben_logs(server_url, key, "57", note="ben's note")  # Ben replaces it; Ana's table still shows 41
    return w, key, measurement_id, seen


def type_in(w: MainWindow, measurement_id: int, column: int, text: str) -> None:
    proxy = w.page.progress.proxy
    for row in range(proxy.rowCount()):
        index = proxy.index(row, column)
        if w.page.progress.model.rows[proxy.mapToSource(index).row()].measurement_id == measurement_id:
            assert proxy.setData(index, text, Qt.ItemDataRole.EditRole)
            return
    raise AssertionError("the value is not in the table")


def test_keep_mine_replaces_their_value_and_the_history_says_whose_change_it_overwrote(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, _key, measurement_id, seen = window(qtbot, server_url, answer=True)
    type_in(w, measurement_id, HistoryModel.COL_ACTUAL, "63")
    assert len(seen) == 1
    assert "Ben Okafor changed this logged value" in seen[0].words.text()
    rows = {seen[0].table.item(r, 0).text(): [seen[0].table.item(r, c).text() for c in range(1, 4)]
            for r in range(seen[0].table.rowCount())}
    assert rows["Value"] == ["41", "57", "63"]
    assert held(server_url, measurement_id) == (63, "ben's note")  # only the value Ana edited is hers
    entry = newest_entry(server_url, measurement_id)
    assert entry.actor == "Ana Ruiz" and "Kept my change over Ben Okafor's change" in entry.reason
    assert not w.prompter.errors
    w.page.undo_action.trigger()  # the kept change is an edit Ana can undo: Ben's value back
    assert held(server_url, measurement_id) == (57, "ben's note")


def test_keep_theirs_drops_my_edit_of_the_note_and_the_table_shows_theirs(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, _key, measurement_id, seen = window(qtbot, server_url, answer=False)
    type_in(w, measurement_id, HistoryModel.COL_NOTE, "ana's note")
    assert len(seen) == 1
    assert held(server_url, measurement_id) == (57, "ben's note")
    shown = next(r for r in w.page.progress.model.rows if r.measurement_id == measurement_id)
    assert (shown.value, shown.note) == (57, "ben's note")
    assert not w.prompter.errors
    assert not w.page.undo_action.isEnabled()  # nothing of Ana's was saved, so nothing to undo


def test_a_third_change_while_the_dialog_asks_is_not_overwritten_and_is_named(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    holder: list[NodeKey] = []
    w, key, measurement_id, seen = window(qtbot, server_url, answer=True,
                                          then=lambda: ben_logs(server_url, holder[0], "71"))
    holder.append(key)
    type_in(w, measurement_id, HistoryModel.COL_ACTUAL, "63")
    assert len(seen) == 1
    assert held(server_url, measurement_id)[0] == 71
    assert w.prompter.errors and "Ben Okafor" in str(w.prompter.errors[-1])


def test_a_replacement_logged_in_the_log_value_dialog_offers_the_same_choice(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, _key, measurement_id, seen = window(qtbot, server_url, answer=True)
    w.prompter.answers["log"] = {"period": "Sep 2024", "value": "63", "note": "ana's note"}
    w.page.log_value()
    assert len(seen) == 1 and "Ben Okafor" in seen[0].words.text()
    assert held(server_url, measurement_id) == (63, "ana's note")
    entry = newest_entry(server_url, measurement_id)
    assert entry.actor == "Ana Ruiz" and "over Ben Okafor's change" in entry.reason
    assert not w.prompter.errors
