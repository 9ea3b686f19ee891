"""Offline and back: a laptop takes its department from the district server into a plan file and later sends
it back through the workbook import's three-way merge: its own changes go in, a row changed on both sides is a
conflict left for a person, the server's own changes stay."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.model import Change, Department, Frequency, Measurement, PerformanceMeasure, Wig
from planner.services import measurements as ms
from planner.services import plan_edit
from planner.services.offline import send_back, take_offline
from planner.services.plan_nodes import Kind, NodeKey
from planner.store import PlanStore, open_plan_file, open_server

try:
    import psycopg  # noqa: F401
except ImportError:  # CI (PLANNER_REQUIRE_TOOLS=1) fails without it
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        raise
    pytest.skip("psycopg (the PostgreSQL driver) is not installed", allow_module_level=True)

TODAY = date(2026, 12, 1)
WELLNESS = "Student Wellness"


def _wigs(store: PlanStore, department: str) -> list[NodeKey]:
    with store.reader() as s:
        ids = s.scalars(select(Wig.id).join(Department, Wig.department_id == Department.id)
                        .where(Department.name == department).order_by(Wig.id)).all()
    return [NodeKey(Kind.WIG, i) for i in ids]


def test_a_department_taken_offline_and_sent_back_merges_three_ways(server_url: str, tmp_path: Path) -> None:
    with open_server(server_url) as server:
        server.actor = "Central Office"
        laptop_path = tmp_path / "wellness laptop.planner"
        laptop = take_offline(server, WELLNESS, laptop_path, TODAY, "Ana Ruiz")
        with laptop, laptop.reader() as s:  # the whole plan, with the server's history, in an ordinary file
            assert s.scalar(select(func.count(Wig.id))) > 0 and s.scalar(select(func.count(Change.id))) > 0
        only_laptop, both, only_server = _wigs(server, WELLNESS)[:3]
        with open_plan_file(laptop_path) as laptop:  # offline: the laptop works on its file
            laptop.actor = "Ana Ruiz"
            plan_edit.update_node(laptop, only_laptop, {"unit": "students on the laptop"})
            plan_edit.update_node(laptop, both, {"unit": "laptop's unit"})
            with laptop.reader() as s:  # one of the department's own quarterly measures
                measure_id = s.scalars(select(PerformanceMeasure.id).join(Department).where(
                    Department.name == WELLNESS, PerformanceMeasure.frequency == Frequency.QUARTERLY)
                    .order_by(PerformanceMeasure.id)).first()
            measure = NodeKey(Kind.MEASURE, measure_id)
            ms.log_value(laptop, measure, "Q2 2024-25", "19", outside_year_ok=True)
        plan_edit.update_node(server, both, {"unit": "server's unit"})  # meanwhile, on the server
        plan_edit.update_node(server, only_server, {"unit": "server only"})
        with open_plan_file(laptop_path) as laptop:  # back on the network
            sent = send_back(laptop, server, WELLNESS, TODAY, "Ana Ruiz")
        assert sent.file.count("conflict") == 1 and not sent.file.problems
        assert sent.result.updated >= 1
        values = {key: plan_edit.node_values(server, key)["unit"] for key in (only_laptop, both, only_server)}
        assert values == {only_laptop: "students on the laptop", both: "server's unit", only_server: "server only"}
        assert [c.action for c in sent.file.changes if c.action == "conflict"] == ["conflict"]
        with server.reader() as s:
            logged = s.scalars(select(Measurement.value).where(Measurement.measure_id == measure.id)).all()
        assert 19.0 in logged


def test_the_command_line_takes_a_department_offline_and_sends_it_back(server_url: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from planner.cli import main

    laptop = tmp_path / "laptop.planner"
    assert main(["server", "take", "--server", server_url, "--department", WELLNESS, "--db", str(laptop)]) == 0
    assert laptop.exists() and "Took Student Wellness" in capsys.readouterr().out
    with open_plan_file(laptop) as store:
        key = _wigs(store, WELLNESS)[0]
        plan_edit.update_node(store, key, {"unit": "from the laptop"})
    assert main(["server", "send", "--server", server_url, "--department", WELLNESS, "--db", str(laptop)]) == 0
    assert "0 in conflict" in capsys.readouterr().out
    with open_server(server_url) as server:
        assert plan_edit.node_values(server, key)["unit"] == "from the laptop"


def test_what_sending_back_cannot_carry_is_named_item_by_item_never_a_silent_success(
        server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from planner.cli import main
    from planner.services import wig_session

    with open_server(server_url) as server:
        server.actor = "Central Office"
        wig = _wigs(server, WELLNESS)[0]
        with server.reader() as s:
            measure_id = s.scalars(select(PerformanceMeasure.id).join(Department).where(
                Department.name == WELLNESS, PerformanceMeasure.frequency == Frequency.QUARTERLY)
                .order_by(PerformanceMeasure.id)).first()
        measure = NodeKey(Kind.MEASURE, measure_id)
        ms.log_value(server, measure, "Q1 2024-25", "40", replace=True, outside_year_ok=True)
        laptop_path = tmp_path / "laptop.planner"
        take_offline(server, WELLNESS, laptop_path, TODAY, "Ana Ruiz").close()
        with open_plan_file(laptop_path) as laptop:
            laptop.actor = "Ana Ruiz"
            wig_session.add_commitment(laptop, wig.id, wig_session.week_of(TODAY), "Ana", "Call every family")
            with laptop.reader() as s:
                row = s.scalars(select(Measurement.id).where(Measurement.measure_id == measure.id)).first()
            assert row is not None
            ms.delete_measurement(laptop, row)  # a wrong value removed offline
            plan_edit.update_node(laptop, wig, {"unit": "sent as it should be"})
        with open_plan_file(laptop_path) as laptop:
            sent = send_back(laptop, server, WELLNESS, TODAY, "Ana Ruiz")
        assert plan_edit.node_values(server, wig)["unit"] == "sent as it should be"
        said = "\n".join(sent.not_sent)
        assert "The commitment “Call every family” added offline was not sent" in said, said
        assert "A measurement was deleted offline but is still on the server" in said, said
        assert len(sent.not_sent) == 2 and "wig" not in said  # what was sent is not named
    capsys.readouterr()
    assert main(["server", "send", "--server", server_url, "--department", WELLNESS, "--db", str(laptop_path),
                 "--by", "Ana Ruiz"]) != 0
    err = capsys.readouterr().err
    assert "not sent: The commitment “Call every family”" in err and "Traceback" not in err
