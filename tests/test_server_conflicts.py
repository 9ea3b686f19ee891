"""Working together on a district server: every row has a version the server counts, and when two people
change the same row the second is told, in words, who changed it and to what; nothing of theirs is lost."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from planner.errors import RowChangedError, SaveError
from planner.model import Wig
from planner.store import PlanStore, open_server

try:
    import psycopg
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)


@pytest.fixture
def two(server_url: str) -> Iterator[tuple[PlanStore, PlanStore]]:
    """Two people's Planners on one server: two stores, two connections."""
    ana, ben = open_server(server_url), open_server(server_url)
    ana.actor, ben.actor = "Ana Ruiz", "Ben Okafor"
    yield ana, ben
    ana.close()
    ben.close()


def _first_wig(store: PlanStore) -> int:
    with store.reader() as s:
        found = s.scalars(select(Wig.id).order_by(Wig.id)).first()
        assert found is not None
        return found


def _version(url: str, wig_id: int) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT row_version FROM wig WHERE id = %s", (wig_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_every_change_counts_the_rows_version_whoever_makes_it(two: tuple[PlanStore, PlanStore],
                                                               server_url: str) -> None:
    ana, _ben = two
    wig_id = _first_wig(ana)
    assert _version(server_url, wig_id) == 1
    with ana.session() as s:
        s.get(Wig, wig_id).unit = "students"  # type: ignore[union-attr]
    with psycopg.connect(server_url) as conn:
        conn.execute("UPDATE wig SET unit = 'pupils' WHERE id = %s", (wig_id,))
    assert _version(server_url, wig_id) == 3
    with psycopg.connect(server_url) as conn:  # the version is the server's count, not a value of the plan
        row = conn.execute("SELECT after FROM change_log WHERE table_name = 'wig' ORDER BY id DESC LIMIT 1").fetchone()
    assert row is not None and "row_version" not in row[0]


def test_the_second_of_two_people_changing_one_row_is_told_who_changed_it_and_to_what(
        two: tuple[PlanStore, PlanStore], server_url: str) -> None:
    ana, ben = two
    wig_id = _first_wig(ana)
    with pytest.raises(RowChangedError) as caught, ana.session() as mine:
        wig = mine.get(Wig, wig_id)  # Ana reads the goal…
        assert wig is not None
        with ben.session() as theirs:  # …Ben changes it and saves first…
            theirs.get(Wig, wig_id).sentence = "Raise attendance to 95% by June"  # type: ignore[union-attr]
        wig.sentence = "Raise attendance to 93% by May"  # …then Ana saves hers
    message = str(caught.value)
    assert "Ben Okafor (signed in as " in message and ") changed this wig" in message
    assert "→ “Raise attendance to 95% by June”" in message and "not saved" in message
    assert caught.value.actor == "Ben Okafor" and caught.value.row_id == wig_id
    assert [c[0] for c in caught.value.changes] == ["sentence"]
    with ana.reader() as s:  # Ben's change stands; Ana's was not written over it
        assert s.get(Wig, wig_id).sentence == "Raise attendance to 95% by June"  # type: ignore[union-attr]
    assert _version(server_url, wig_id) == 2
    with ana.session() as s:  # made again, knowing, it saves
        s.get(Wig, wig_id).sentence = "Raise attendance to 93% by May"  # type: ignore[union-attr]


def test_a_row_removed_by_someone_else_is_named_too(two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    wig_id = _first_wig(ana)
    with pytest.raises(SaveError, match=r"Ben Okafor \(signed in as .*\) removed this wig"), ana.session() as mine:
        wig = mine.get(Wig, wig_id)
        assert wig is not None
        with ben.session() as theirs:
            theirs.delete(theirs.get(Wig, wig_id))
        wig.unit = "students"


def test_undo_refuses_in_words_to_overwrite_someone_elses_later_change(two: tuple[PlanStore, PlanStore]) -> None:
    from planner.services import plan_edit
    from planner.services.history import change_reason
    from planner.services.plan_nodes import Kind, NodeKey

    ana, ben = two
    key = NodeKey(Kind.WIG, _first_wig(ana))
    before = plan_edit.update_node(ana, key, {"unit": "students"})
    again = plan_edit.update_node(ana, key, {"unit": "pupils"})  # her own later change: undone freely
    with change_reason("Undo: Edit WIG"):
        plan_edit.update_node(ana, key, again)
    plan_edit.update_node(ben, key, {"unit": "learners"})  # then Ben changes the same goal
    with pytest.raises(RowChangedError, match="Undo would overwrite someone else's later change") as caught, \
            change_reason("Undo: Edit WIG"):
        plan_edit.update_node(ana, key, before)
    assert "Ben Okafor (signed in as " in str(caught.value) and "→ “learners”" in str(caught.value)
    assert plan_edit.node_values(ana, key)["unit"] == "learners"  # Ben's change stands
