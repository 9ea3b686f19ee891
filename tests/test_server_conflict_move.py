"""The choice when a move in the plan tree meets someone else's change on the district server, made after the
window read the item: the dialog names who changed what and says what the move was; Keep Mine moves it (their
other fields stay as they saved them) and the History says whose change the move went over; Keep Theirs
leaves the plan as the server holds it. Checked on what the server holds after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.errors import RowChangedError
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


def first_of_two(server_url: str) -> tuple[NodeKey, int]:
    """The first WIG of a strategy with more than one, and the strategy."""
    with open_server(server_url) as office, office.reader() as s:
        strategy = s.scalars(select(Wig.strategy_id).where(Wig.strategy_id.is_not(None)).group_by(Wig.strategy_id)
                             .having(func.count(Wig.id) > 1).order_by(Wig.strategy_id)).first()
        wig = s.scalars(select(Wig.id).where(Wig.strategy_id == strategy).order_by(Wig.position, Wig.id)).first()
    assert strategy is not None and wig is not None
    return NodeKey(Kind.WIG, wig), strategy


def order(server_url: str, strategy: int) -> list[int]:
    with open_server(server_url) as office, office.reader() as s:
        return list(s.scalars(select(Wig.id).where(Wig.strategy_id == strategy).order_by(Wig.position, Wig.id)))


def moved_behind_their_back(qtbot, server_url: str, answer: bool):  # type: ignore[no-untyped-def]
    seen: list[ConflictDialog] = []

    def choose(dialog: ConflictDialog) -> bool:
        seen.append(dialog)
        return answer

    key, strategy = first_of_two(server_url)
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=choose))
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    assert w.store is not None
    w.store.actor = "Ana Ruiz"
    w.show_node(key)  # Ana's form shows the WIG
    with open_server(server_url) as ben:
        ben.actor = "Ben Okafor"
        plan_edit.update_node(ben, key, {"unit": "ben's unit"})  # Ben saves first
    before = order(server_url, strategy)
    w.page.move_by(1)  # Ana moves it down one
    return w, key, strategy, before, seen


def test_keep_mine_moves_it_keeps_their_edit_and_the_history_says_whose_change_it_went_over(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, key, strategy, before, seen = moved_behind_their_back(qtbot, server_url, answer=True)
    assert len(seen) == 1
    words = seen[0].words.text()
    assert "Ben Okafor changed this WIG" in words and "You moved" in words and "to place 2" in words
    assert order(server_url, strategy) == [before[1], before[0], *before[2:]]
    with open_server(server_url) as office:
        assert plan_edit.node_values(office, key)["unit"] == "ben's unit"  # their edit stays
        entry = history.changes(office, item=history.item_of(key), limit=1)[0]
    assert entry.actor == "Ana Ruiz" and "Kept my change over Ben Okafor's change" in entry.reason
    assert not w.prompter.errors
    w.page.undo_action.trigger()  # the kept move is one Ana can undo
    assert order(server_url, strategy) == before


def test_keep_theirs_leaves_the_order_as_the_server_holds_it(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    w, _key, strategy, before, seen = moved_behind_their_back(qtbot, server_url, answer=False)
    assert len(seen) == 1
    assert order(server_url, strategy) == before
    assert not w.prompter.errors
    assert not w.page.undo_action.isEnabled()


def test_a_sibling_the_move_renumbers_changed_by_someone_else_is_named_as_such(  # type: ignore[no-untyped-def]
        qtbot, qt_isolated: Path, server_url: str) -> None:
    seen: list[ConflictDialog] = []
    key, strategy = first_of_two(server_url)
    before = order(server_url, strategy)
    sibling = NodeKey(Kind.WIG, before[1])
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(dialog=lambda d: seen.append(d) or True))
    qtbot.addWidget(w)
    assert w.connect_to_server(server_url)
    assert w.store is not None
    w.store.actor = "Ana Ruiz"
    w.show_node(sibling)  # Ana looked at the next WIG, then at the one she moves
    w.show_node(key)
    with open_server(server_url) as ben:
        ben.actor = "Ben Okafor"
        plan_edit.update_node(ben, sibling, {"unit": "ben's unit"})
    w.page.move_by(1)
    assert len(seen) == 1
    assert "Ben Okafor changed a WIG this move renumbers" in seen[0].words.text()
    assert order(server_url, strategy) == [before[1], before[0], *before[2:]]
    with open_server(server_url) as office:
        assert plan_edit.node_values(office, sibling)["unit"] == "ben's unit"


def test_keep_mine_of_a_move_refuses_a_change_made_after_the_one_it_went_over(server_url: str) -> None:
    key, strategy = first_of_two(server_url)
    before = order(server_url, strategy)
    with open_server(server_url) as ana, open_server(server_url) as ben:
        ana.actor, ben.actor = "Ana Ruiz", "Ben Okafor"
        parent = NodeKey(Kind.STRATEGY, strategy)
        plan_edit.node_values(ana, key)
        plan_edit.update_node(ben, key, {"unit": "ben's unit"})
        with pytest.raises(RowChangedError) as caught:
            plan_edit.move(ana, key, parent, 1, old_parent=parent)
        plan_edit.update_node(ben, key, {"unit": "ben's second unit"})  # while Ana reads the dialog
        with pytest.raises(RowChangedError, match="ben's second unit"):
            plan_edit.keep_mine_move(ana, key, parent, 1, old_parent=parent, conflict=caught.value)
    assert order(server_url, strategy) == before
