"""Plan years' writes on a district server meet others' changes the way the measurement writes do: undoing
the start of a year (plain SQL deletes and updates, with the database's cascades) never removes or puts back a
row someone else changed since (a value logged in the new year, a carried goal edited, a project moved); the
refusal names who and what, and their rows stay. Two people signed in as different roles."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from planner.errors import RowChangedError
from planner.model import KeyLever, Measurement, PlanYear, Project, Wig, WigKind
from planner.services import measurements as ms
from planner.services import plan_edit
from planner.services import projects as pj
from planner.services import years as yr
from planner.services.history import change_reason
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_server

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)


@pytest.fixture
def two(server_url: str, server_roles: dict[str, str]) -> Iterator[tuple[PlanStore, PlanStore]]:
    """Ana, the central office's own role, and Ben, signed in as the server's owner."""
    ana, ben = open_server(server_roles["office"]), open_server(server_url)
    ana.actor, ben.actor = "Ana Ruiz", "Ben Okafor"
    yield ana, ben
    ana.close()
    ben.close()


def started_by(ana: PlanStore) -> yr.StartedYear:
    return yr.start_year(ana, yr.preview_next_year(ana, 1))


def new_wig(store: PlanStore, started: yr.StartedYear) -> NodeKey:
    with store.reader() as s:
        found = s.scalars(select(Wig.id).where(Wig.year_id == started.year_id, Wig.kind != WigKind.MILESTONE)
                          .order_by(Wig.id)).first()
    assert found is not None
    return NodeKey(Kind.WIG, found)


def years_held(store: PlanStore) -> list[str]:
    with store.reader() as s:
        return list(s.scalars(select(PlanYear.label).order_by(PlanYear.id)))


def test_undoing_a_started_year_after_someone_logged_a_value_in_it_is_refused_and_their_value_stays(
        two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    started = started_by(ana)
    goal = new_wig(ben, started)
    logged = ms.log_value(ben, goal, "2025-09", "42", outside_year_ok=True)  # Ben logs in the new year
    with pytest.raises(RowChangedError, match=r"Undo would overwrite .*Ben Okafor") as caught, \
            change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)
    assert caught.value.table == "measurement"
    assert years_held(ben) == ["2024-25", "2025-26"]  # the year, its goals and Ben's value stay
    with ben.reader() as s:
        assert s.get(Measurement, logged.id) is not None


def test_undoing_a_started_year_after_someone_edited_a_carried_goal_names_their_change(
        two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    started = started_by(ana)
    goal = new_wig(ben, started)
    plan_edit.update_node(ben, goal, {"unit": "ben's unit"})
    with pytest.raises(RowChangedError, match=r"Ben Okafor .*changed this wig.*ben's unit"), \
            change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)
    assert years_held(ben) == ["2024-25", "2025-26"]
    assert plan_edit.node_values(ben, goal)["unit"] == "ben's unit"


def test_undoing_a_started_year_over_a_project_moved_since_is_refused_and_the_project_stays(
        two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    with ana.reader() as s:
        lever = s.scalars(select(KeyLever.id).order_by(KeyLever.id)).first()
        other = s.scalars(select(KeyLever.id).order_by(KeyLever.id.desc())).first()
    assert lever is not None and other is not None and other != lever
    project = pj.create(ana, pj.Entity.PROJECT, {"name": "Partner fair", "status": "On track",
                                                 "link": NodeKey(Kind.KEY_LEVER, lever)}).id
    started = started_by(ana)
    with ben.reader() as s:
        carried = s.scalars(select(Project.key_lever_id).where(Project.id == project)).one()
    assert carried != lever  # the open project moved onto the new year's key lever
    pj.update(ben, pj.Entity.PROJECT, project, {"link": NodeKey(Kind.KEY_LEVER, other)})  # Ben moves it
    with pytest.raises(RowChangedError, match="Ben Okafor"), change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)
    with ben.reader() as s:
        assert s.scalars(select(Project.key_lever_id).where(Project.id == project)).one() == other


def test_undoing_a_started_year_nobody_else_touched_removes_it(two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    with ana.reader() as s:
        wigs = s.scalar(select(func.count(Wig.id)))
    started = started_by(ana)
    goal = new_wig(ana, started)
    ms.log_value(ana, goal, "2025-09", "42", outside_year_ok=True)  # Ana's own value goes with her year
    with change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)
    assert years_held(ben) == ["2024-25"]
    with ben.reader() as s:
        assert s.scalar(select(func.count(Wig.id))) == wigs
    assert yr.closed_years(ben, 1) == set()  # the locks starting it took are lifted


def test_an_undo_over_a_change_read_since_but_made_by_someone_else_is_still_refused(
        two: tuple[PlanStore, PlanStore]) -> None:
    """Ana's window read Ben's change (the tree redraws): the undo is still refused, since undoing would remove
    Ben's work, and it says so."""
    ana, ben = two
    started = started_by(ana)
    goal = new_wig(ben, started)
    plan_edit.update_node(ben, goal, {"unit": "ben's unit"})
    plan_edit.node_values(ana, goal)
    with pytest.raises(RowChangedError, match="Ben Okafor"), change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)


def old_wig(store: PlanStore) -> NodeKey:
    with store.reader() as s:
        found = s.scalars(select(Wig.id).where(Wig.year_id == 1, Wig.kind != WigKind.MILESTONE)
                          .order_by(Wig.id)).first()
    assert found is not None
    return NodeKey(Kind.WIG, found)


def test_starting_a_year_from_a_preview_someone_changed_a_goal_of_since_names_their_change(
        two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    preview = yr.preview_next_year(ana, 1)
    plan_edit.update_node(ben, old_wig(ben), {"unit": "ben's unit"})  # after Ana's preview was read
    with pytest.raises(RowChangedError, match=r"Ben Okafor .*ben's unit"):
        yr.start_year(ana, preview)
    assert years_held(ben) == ["2024-25"]  # nothing carried without Ben's change
    started = yr.start_year(ana, yr.preview_next_year(ana, 1))  # the preview read again: it carries
    with ben.reader() as s:
        carried = s.scalars(select(Wig.unit).where(Wig.year_id == started.year_id,
                                                   Wig.carried_from_id == old_wig(ben).id)).one()
    assert carried == "ben's unit"


def test_starting_a_year_over_a_project_someone_moved_since_the_preview_is_refused(
        two: tuple[PlanStore, PlanStore]) -> None:
    ana, ben = two
    with ana.reader() as s:
        lever = s.scalars(select(KeyLever.id).join(Wig, Wig.id == KeyLever.wig_id).where(Wig.year_id == 1)
                          .order_by(KeyLever.id)).first()
        other = s.scalars(select(KeyLever.id).order_by(KeyLever.id.desc())).first()
    assert lever is not None and other is not None and other != lever
    project = pj.create(ana, pj.Entity.PROJECT, {"name": "Partner fair", "status": "On track",
                                                 "link": NodeKey(Kind.KEY_LEVER, lever)}).id
    preview = yr.preview_next_year(ana, 1)
    pj.update(ben, pj.Entity.PROJECT, project, {"link": NodeKey(Kind.KEY_LEVER, other)})
    with pytest.raises(RowChangedError, match="Ben Okafor"):
        yr.start_year(ana, preview)
    assert years_held(ben) == ["2024-25"]
    with ben.reader() as s:
        assert s.scalars(select(Project.key_lever_id).where(Project.id == project)).one() == other


def test_undoing_a_started_year_after_someone_unlocked_and_locked_a_quarter_again_keeps_their_lock(
        two: tuple[PlanStore, PlanStore]) -> None:
    from planner.services import period_locks

    ana, ben = two
    started = started_by(ana)
    assert started.locked
    first = started.locked[0]
    period_locks.unlock(ben, first, "a late correction")
    period_locks.lock(ben, first, note="Ben's lock after the correction")
    with pytest.raises(RowChangedError, match=r"Ben Okafor .*period lock"), change_reason("Undo: Start 2025-26"):
        yr.undo_start_year(ana, started)
    assert yr.closed_years(ben, 1) == {1}  # every quarter still locked, Ben's lock among them
