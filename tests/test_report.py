"""Printed status summaries: the content service, the PDF (read back with poppler's pdftotext), the CLI and
the menu entries. No WIG block is split across pages; every page says which page of how many it is."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from planner.cli import main
from planner.errors import ValidationError
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.report import active_plan_id, build_summary, resolve_scope
from planner.store import PlanStore
from tests.conftest import require_tool
from tests.test_measurements import wig

TODAY = date(2025, 1, 15)


def seed_values(store: PlanStore) -> None:
    ms.log_value(store, wig(store, "Decrease the chronic%"), "2024-12", "21.6")
    ms.log_value(store, wig(store, "Increase the number of CMS Partners%"), "2024-12", "105")
    from sqlalchemy import select

    from planner.model import KeyLever

    with store.reader() as s:
        lever = s.scalars(select(KeyLever.id).where(KeyLever.text.like("Revise, implement and monitor the "
                                                                        "effectiveness of district%"))).first()
    pid = pj.create(store, pj.Entity.PROJECT, {"name": "Attendance street teams", "status": "At risk",
                                               "link": NodeKey(Kind.KEY_LEVER, lever)}).id
    pj.create(store, pj.Entity.RAID, {"type": "Issue", "description": "Address data out of date"}, project_id=pid,
              today=TODAY)
    pj.create(store, pj.Entity.MILESTONE, {"name": "Mid-year review", "due": "2025-01-10"}, project_id=pid)


def pdf_pages(path: Path) -> list[str]:
    require_tool("pdftotext")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_summary_content_for_a_department(store: PlanStore) -> None:
    seed_values(store)
    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id, department="Student Wellness")
    summary = build_summary(store, plan_id, scope, label, TODAY)
    assert label == "Department: Student Wellness" and len(summary.wigs) == 7
    assert sum(summary.counts.values()) == 7
    assert summary.utilization.startswith("0 of 4 key levers")


def test_summary_for_the_district_carries_projects_raid_and_measures(store: PlanStore) -> None:
    seed_values(store)
    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id)
    summary = build_summary(store, plan_id, scope, label, TODAY)
    absentee = next(w for w in summary.wigs if w.sentence.startswith("Decrease the chronic"))
    assert absentee.status.value == "On track" and absentee.latest == "21.6% (31 Dec 2024)"
    assert absentee.projects[0].open_issues == ["Address data out of date"]
    assert absentee.projects[0].overdue_milestones == ["Mid-year review (due 10 Jan 2025)"]
    assert ("Chronic absenteeism rate", "— ") not in absentee.measures
    assert [r.description for r in summary.raid] == ["Address data out of date"]
    assert len(summary.index) == 21


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"department": "Nope"}, "No department is named “Nope”"), ({"division": "X"}, "No division is named"),
    ({"pillar": "Zz"}, "No pillar has the code"),
])
def test_unknown_scopes_are_named(store: PlanStore, kwargs: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        resolve_scope(store, active_plan_id(store), **kwargs)


def test_district_pdf_has_every_wig_with_its_status_and_splits_none(store: PlanStore, tmp_path: Path,
                                                                    qapp) -> None:  # type: ignore[no-untyped-def]
    from planner.render.summary import PageOptions, write_pdf

    seed_values(store)
    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id)
    summary = build_summary(store, plan_id, scope, label, TODAY)
    out = tmp_path / "district.pdf"
    pages = write_pdf(summary, out, PageOptions(sections={"cover", "wigs", "projects", "raid", "index"}))
    texts = pdf_pages(out)
    assert len(texts) == pages and pages > 10
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
    for block in summary.wigs:
        heading = r"\s+".join(re.escape(word) for word in block.code.split())  # a long heading may wrap
        holding = [i for i, t in enumerate(texts) if re.search(heading + r"\b", t)]
        assert holding, f"{block.code} is missing from the PDF"
        # the block's heading, status, sentence and latest value sit on one page: the block is not split
        opening = r"\s+".join(re.escape(word) for word in block.sentence.split()[:5])
        latest = r"\s+".join(re.escape(word) for word in f"Latest: {block.latest}".split())
        assert any(block.status.value in texts[i] and re.search(opening, texts[i]) and re.search(latest, texts[i])
                   for i in holding), block.code
    assert "On track" in "".join(texts) and "Off track" in "".join(texts)
    assert not out.with_name("district.pdf.partial").exists()


def test_page_setup_a4_landscape_and_scoreboards(store: PlanStore, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    require_tool("pdfinfo")
    from planner.render.summary import PageOptions, write_pdf

    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id, department="Athletics")
    summary = build_summary(store, plan_id, scope, label, TODAY)
    out = tmp_path / "a4.pdf"
    pages = write_pdf(summary, out, PageOptions("A4", True, 10, {"cover", "scoreboards"}))
    assert pages == 3  # the cover and one wall scoreboard for each of the two WIGs
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert round(width) == 842 and round(height) == 595  # A4 landscape, in points


def test_cli_report(plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "wellness.pdf"
    assert main(["report", "--db", str(plan_path), "--out", str(out), "--department", "Student Wellness",
                 "--as-of", "2025-01-15"]) == 0
    assert "Department: Student Wellness, 7 WIGs" in capsys.readouterr().out
    text = "".join(pdf_pages(out))
    assert "Department: Student Wellness" in text and "Student Wellness · WIG 7" in text


@pytest.mark.parametrize(("args", "words"), [
    (["--department", "Nope"], "No department is named"), (["--pillar", "Qq"], "No pillar has the code"),
    (["--as-of", "soon"], "--as-of must be a date"),
])
def test_cli_report_bad_input(plan_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              args: list[str], words: str) -> None:
    out = tmp_path / "x.pdf"
    assert main(["report", "--db", str(plan_path), "--out", str(out), *args]) == 1
    assert words in capsys.readouterr().err and not out.exists()


def test_menu_export_pdf_and_print_preview(qtbot, qt_isolated: Path, plan_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    def choose(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.scope.setCurrentIndex(dialog.scope.findText("Department: Athletics"))
        dialog.paper.setCurrentText("A4")

    out, preview = tmp_path / "athletics.pdf", tmp_path / "preview.pdf"
    w = MainWindow(data_dir=data_folder(),
                   prompter=ScriptedPrompter(summary=choose, save_path=out, preview_pdf=preview))
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    w.pdf_action.trigger()
    assert "Department: Athletics" in "".join(pdf_pages(out))
    w.print_action.trigger()
    assert "print_preview" in w.prompter.asked
    assert "Athletics · WIG 2" in "".join(pdf_pages(preview))


LIGATURES = re.compile("[\ufb00-\ufb06]")


def test_a_one_wig_department_reads_as_a_briefing(store: PlanStore, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    """Short sections share a page: the cover, the WIG, projects, RAID and the index fit on one page, the
    wall scoreboard takes the second; the cover names the division; one WIG is "1 WIG"."""
    from planner.render.summary import PageOptions, write_pdf

    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id, department="Educational Technology")
    summary = build_summary(store, plan_id, scope, label, TODAY)
    assert summary.division == "Office of Technology"
    out = tmp_path / "edtech.pdf"
    assert write_pdf(summary, out, PageOptions()) == 2
    first, second = pdf_pages(out)
    assert "Division: Office of Technology" in first and "1 WIG in this scope" in first and "1 WIGs" not in first
    for heading in ("Wildly Important Goals (1)", "Projects (0)", "Open RAID items (0)", "Department Plans Index"):
        assert heading in first
    assert "Latest: nothing logged" in second and "Page 2 of 2" in second
    without_walls = PageOptions(sections={"cover", "wigs", "projects", "raid", "index"})
    assert write_pdf(summary, out, without_walls) == 1


def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(store: PlanStore, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from planner.render.summary import PageOptions, write_pdf

    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id)
    summary = build_summary(store, plan_id, scope, label, TODAY)
    out = tmp_path / "district.pdf"
    write_pdf(summary, out, PageOptions(sections={"cover", "wigs", "projects", "raid", "index"}))
    for text in pdf_pages(out):
        lines = [line for line in text.splitlines() if line.strip()]
        body = [line for line in lines if not re.match(r"(Status Summary —|CMS|\d+ \w+ \d{4}$)", line)]
        body = [line for line in body if "Page " not in line]
        assert not re.match(r"(Projects|Open RAID items) \(\d+\)$|Department Plans Index$", body[-1]), body[-3:]


def test_text_copied_out_of_the_pdf_has_no_ligatures(store: PlanStore, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    """DejaVu Sans draws "ff" as one glyph unless told not to: pdftotext would then read "sta\ufb00"."""
    from planner.render.summary import PageOptions, write_pdf

    seed_values(store)
    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id)
    summary = build_summary(store, plan_id, scope, label, TODAY)
    out = tmp_path / "district.pdf"
    write_pdf(summary, out, PageOptions())
    text = "".join(pdf_pages(out))
    assert "Off track" in text and "staff" in text.lower()
    assert not LIGATURES.findall(text)


@pytest.mark.parametrize(("options", "left"), [
    ({}, 54.0),  # US Letter: three quarters of an inch
    ({"margins_in": 1.0}, 72.0),
    ({"paper": "A4"}, 20 / 25.4 * 72),
    ({"paper": "A4", "margins_mm": 10}, 10 / 25.4 * 72),
])
def test_margins_are_measured_in_inches_on_letter(store: PlanStore, tmp_path: Path, qapp, options: dict,  # type: ignore[no-untyped-def]
                                                  left: float) -> None:
    """Where the text starts on the page (poppler's word boxes, in points) is the margin asked for."""
    require_tool("pdftotext")
    from planner.render.summary import PageOptions, write_pdf

    plan_id = active_plan_id(store)
    scope, label = resolve_scope(store, plan_id, department="Educational Technology")
    out = tmp_path / "margins.pdf"
    write_pdf(build_summary(store, plan_id, scope, label, TODAY), out, PageOptions(**options))
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(out), "-"], capture_output=True,
                           text=True, check=True).stdout
    xs = [float(x) for x in re.findall(r'<word xMin="([\d.]+)"', boxes)]
    assert min(xs) == pytest.approx(left, abs=2.5)


def test_the_summary_dialog_speaks_the_papers_unit(qtbot) -> None:  # type: ignore[no-untyped-def]
    from planner.services.charts import Scope
    from planner.ui.summary_dialog import SummaryDialog

    dialog = SummaryDialog([("Whole district", Scope())], action="Print")
    qtbot.addWidget(dialog)
    assert dialog.margins.suffix() == " in" and dialog.margins.value() == 0.75
    assert dialog.options().margin()[0] == 0.75
    dialog.margins.setValue(1.0)
    assert dialog.options().margins_in == 1.0
    dialog.paper.setCurrentText("A4")
    assert dialog.margins.suffix() == " mm" and dialog.margins.value() == 20
    options = dialog.options()
    assert options.paper == "A4" and options.margins_mm == 20 and options.margins_in is None
