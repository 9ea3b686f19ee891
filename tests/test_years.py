"""Plan years, as services (no Qt): the year the app lives in, status judged at a year's end, carrying a year
forward with its lineage, Due Now on the new year, and a file of the previous schema migrated into years."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from planner.errors import ValidationError
from planner.model import Change, Department, KeyLever, Measurement, PerformanceMeasure, PlanYear, Project, Wig, WigKind
from planner.services import measurements as ms
from planner.services import projects as pj
from planner.services import years as yr
from planner.services.charts import wig_chart
from planner.services.due import due_now
from planner.services.plan_nodes import Kind, NodeKey
from planner.services.progress import Direction, Point, Status, wig_progress
from planner.services.status import plan_status
from planner.store import PlanStore
from tests.test_measurements import wig

TODAY = date(2026, 12, 1)


def _year(store: PlanStore, label: str) -> yr.YearInfo:
    return next(y for y in yr.list_years(store, 1) if y.label == label)


# ---- dates and words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "years", "moved"), [
    (date(2024, 9, 15), 1, date(2025, 9, 15)),
    (date(2024, 6, 30), 1, date(2025, 6, 30)),
    (date(2024, 2, 29), 1, date(2025, 2, 28)),  # a month's end stays its end
    (date(2025, 2, 28), 3, date(2028, 2, 29)),
    (date(2024, 2, 28), 1, date(2025, 2, 28)),  # not a month end in 2024: the same day
    (date(2024, 10, 31), 2, date(2026, 10, 31)),
])
def test_dates_move_by_whole_years(day: date, years: int, moved: date) -> None:
    assert yr.shift_years(day, years) == moved


def test_a_year_label_must_be_a_school_year() -> None:
    assert yr.parse_year_label(" 2025-26 ") == (2025, "2025-26")
    assert yr.parse_year_label("2025/2026") == (2025, "2025-26")
    for bad in ("2025", "2025-27", "Q1 2025-26", "9999-00", ""):
        with pytest.raises(ValidationError):
            yr.parse_year_label(bad)


def test_the_carried_sentence_moves_its_years_and_its_baseline() -> None:
    sentence = "Increase from 102 approved partners to 154 approved partners by June 2025 (2024-25)."
    assert yr.carried_sentence(sentence, 102, 131, 1) == (
        "Increase from 131 approved partners to 154 approved partners by June 2026 (2025-26).")
    assert yr.carried_sentence("Reach 80% by June 2025", None, None, 2) == "Reach 80% by June 2027"
    frame = "Develop a 2024-29 CMS Research Landscape aligned to the 2024-29 Strategic Plan by June 2025."
    assert yr.carried_sentence(frame, None, None, 1) == (
        "Develop a 2024-29 CMS Research Landscape aligned to the 2024-29 Strategic Plan by June 2026.")


def test_the_banner_says_when_the_newest_year_ended_and_offers_the_year_of_today(store: PlanStore) -> None:
    years = yr.list_years(store, 1)
    assert [y.label for y in years] == ["2024-25"]
    banner = yr.ended_banner(years, TODAY)
    assert banner is not None
    assert banner.text == "The 2024-25 plan year ended on 30 June 2025."
    assert banner.next_label == "2026-27"
    assert yr.ended_banner(years, date(2025, 6, 30)) is None  # the last day is still in the year
    assert yr.pick_year(years, TODAY) == years[0]  # the newest that has begun


# ---- status in time --------------------------------------------------------------------------------------


def test_a_finished_year_is_judged_as_of_its_last_day(store: PlanStore) -> None:
    later, at_end = plan_status(store, 1, TODAY), plan_status(store, 1, date(2025, 6, 30))
    assert later.as_of == date(2025, 6, 30)
    assert {k: p.status for k, p in later.wigs.items()} == {k: p.status for k, p in at_end.wigs.items()}
    # nothing logged: only a goal whose deadline passed inside the year itself can be off track
    off = [k for k, p in later.wigs.items() if p.status is Status.OFF_TRACK]
    with store.reader() as s:
        deadlines = [s.get(Wig, k).deadline for k in off]
    assert all(d is not None and d < date(2025, 6, 30) for d in deadlines), deadlines


def test_values_on_the_path_stay_on_track_after_the_year_ends(store: PlanStore) -> None:
    partners = wig(store, "Increase the number of CMS Partners%")
    for period, value in (("2024-09", "115"), ("2024-12", "128"), ("2025-03", "141")):  # on the straight line
        ms.log_value(store, partners, period, value)
    status = plan_status(store, 1, TODAY).wigs[partners.id]
    assert status.status is Status.ON_TRACK, status.reason
    assert "deadline passed" not in status.reason


def test_a_percent_forecast_stays_within_0_and_100() -> None:
    points = [Point(date(2024, 9, 30), 40.0), Point(date(2024, 12, 31), 70.0)]
    progress = wig_progress(WigKind.PERCENT, Direction.INCREASE, 10, 95, date(2024, 7, 1), date(2025, 6, 30),
                            points, date(2025, 1, 15))
    assert progress.forecast == 100.0


# ---- starting the next year ------------------------------------------------------------------------------


def test_the_preview_carries_the_latest_value_as_baseline_and_moves_the_dates(store: PlanStore) -> None:
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2025-03", "131")
    preview = yr.preview_next_year(store, 1)
    assert (preview.label, preview.start, preview.end, preview.shift) == (
        "2025-26", date(2025, 7, 1), date(2026, 6, 30), 1)
    carried = next(w for w in preview.wigs if w.id == partners.id)
    assert (carried.old_baseline, carried.baseline, carried.target) == (102, 131, 154)
    assert carried.deadline == date(2026, 6, 30) and carried.note == ""
    assert "131" in carried.sentence and "2026" in carried.sentence
    untouched = next(w for w in preview.wigs if w.id != partners.id and not w.milestone)
    assert untouched.note == "no value logged: baseline kept" and untouched.baseline == untouched.old_baseline
    milestone = next(w for w in preview.wigs if w.milestone)
    assert milestone.baseline is None and milestone.note == ""
    with store.reader() as s:
        assert s.scalar(select(func.count(PlanYear.id))) == 1  # a preview writes nothing


def test_a_decreasing_goal_carries_its_latest_value(store: PlanStore) -> None:
    rate = wig(store, "%chronic absenteeism%")
    with store.reader() as s:
        found = s.get(Wig, rate.id)
        assert found is not None and found.direction is Direction.DECREASE
    ms.log_value(store, rate, "2025-05", "21.5")
    carried = next(w for w in yr.preview_next_year(store, 1).wigs if w.id == rate.id)
    assert carried.baseline == 21.5 and carried.target == found.target


def test_starting_a_year_carries_wigs_levers_measures_and_open_projects_with_their_lineage(
        store: PlanStore) -> None:
    partners = wig(store, "Increase the number of CMS Partners%")
    with store.reader() as s:
        lever = s.scalars(select(KeyLever).where(KeyLever.wig_id == partners.id)).first()
        assert lever is not None
        old_wig = s.get(Wig, partners.id)
        assert old_wig is not None
        wig_uuid, lever_id = old_wig.uuid, lever.id
    active = pj.create(store, pj.Entity.PROJECT, {"name": "Partner fair", "status": "On track",
                                                  "link": NodeKey(Kind.KEY_LEVER, lever_id)}).id
    done = pj.create(store, pj.Entity.PROJECT, {"name": "Old survey", "status": "Complete",
                                                "link": NodeKey(Kind.KEY_LEVER, lever_id)}).id
    preview = yr.preview_next_year(store, 1)
    assert "Old survey (complete)" in preview.left_behind
    dropped = next(w for w in preview.wigs if w.id != partners.id)
    dropped.include = False
    started = yr.start_year(store, preview)
    with store.reader() as s:
        year = s.get(PlanYear, started.year_id)
        assert year is not None and (year.label, year.carried_from_id) == ("2025-26", 1)
        new_wigs = list(s.scalars(select(Wig).where(Wig.year_id == year.id)))
        assert len(new_wigs) == len(preview.wigs) - 1
        assert dropped.id not in {w.carried_from_id for w in new_wigs}
        copy = next(w for w in new_wigs if w.carried_from_id == partners.id)
        assert copy.lineage_uuid == wig_uuid and copy.uuid != wig_uuid
        new_lever = s.scalars(select(KeyLever).where(KeyLever.wig_id == copy.id, KeyLever.carried_from_id == lever_id)
                              ).one()
        assert s.get(Project, active).key_lever_id == new_lever.id  # the open project moved with its lever
        assert s.get(Project, done).key_lever_id == lever_id  # the finished one stayed behind
        measures = s.scalar(select(func.count(PerformanceMeasure.id)).where(PerformanceMeasure.year_id == year.id))
        assert measures == started.counts["measures"] > 0
        assert s.scalar(select(func.count(Measurement.id)).where(Measurement.wig_id == copy.id)) == 0
        batches = set(s.scalars(select(Change.batch).where(Change.reason == "Started the 2025-26 plan year")))
        assert len(batches) == 1  # one entry of the history: one transaction
    assert yr.closed_years(store, 1) == {1}  # the year carried from is locked: its values stay as reported
    with pytest.raises(ValidationError, match="locked"):
        ms.log_value(store, partners, "2025-03", "140")
    yr.undo_start_year(store, started)
    assert yr.closed_years(store, 1) == set()
    with store.reader() as s:
        assert [y.label for y in s.scalars(select(PlanYear))] == ["2024-25"]
        assert s.scalar(select(func.count(Wig.id))) == len(preview.wigs)
        assert s.get(Project, active).key_lever_id == lever_id


def test_years_start_in_a_row_and_keep_one_lineage(store: PlanStore) -> None:
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2025-06", "131")
    yr.start_year(store, yr.preview_next_year(store, 1))
    with store.reader() as s:
        second = s.scalars(select(Wig.id).where(Wig.carried_from_id == partners.id)).one()
    ms.log_value(store, NodeKey(Kind.WIG, second), "2026-05", "149")
    third_preview = yr.preview_next_year(store, 1)
    assert third_preview.label == "2026-27"
    assert next(w for w in third_preview.wigs if w.id == second).baseline == 149
    yr.start_year(store, third_preview)
    with store.reader() as s:
        third = s.scalars(select(Wig.id).where(Wig.carried_from_id == second)).one()
    chain = yr.lineage(store, third)
    assert [label for label, _ in chain] == ["2024-25", "2025-26", "2026-27"]
    assert len({w.lineage_uuid for _, w in chain}) == 1
    assert [w.baseline for _, w in chain] == [102, 131, 149]
    chart = wig_chart(store, third, TODAY)
    assert [(label, [p.value for p in points]) for label, points in chart.earlier] == [
        ("2024-25", [131]), ("2025-26", [149])]  # last years' lines, for the chart to draw beside this one's
    with pytest.raises(ValidationError, match="already a year"):
        yr.preview_next_year(store, 1, "2026-27")
    with pytest.raises(ValidationError, match="not after"):
        yr.preview_next_year(store, 1, "2023-24")


def test_starting_the_year_of_today_skips_a_year_and_due_now_asks_only_for_its_periods(store: PlanStore) -> None:
    before = due_now(store, 1, TODAY)
    assert before and all("2025" in i.reason or "2024-25" in i.reason for i in before if i.group == "Values to log")
    preview = yr.preview_next_year(store, 1, "2026-27")
    assert (preview.start, preview.end, preview.shift) == (date(2026, 7, 1), date(2027, 6, 30), 2)
    yr.start_year(store, preview)
    assert yr.pick_year(yr.list_years(store, 1), TODAY).label == "2026-27"
    asked = [i.reason for i in due_now(store, 1, TODAY) if i.group == "Values to log"]
    assert asked
    for reason in asked:
        assert "2024" not in reason and "2025" not in reason, reason
        assert "2026-27" in reason or "2026" in reason
    # the past year is still there to look at, judged at its end
    assert due_now(store, 1, TODAY, year_id=_year(store, "2024-25").id) == before


def test_log_value_defaults_to_a_period_of_the_goals_own_year(store: PlanStore) -> None:
    partners = wig(store, "Increase the number of CMS Partners%")
    subject = ms.subject_info(store, partners)
    assert subject.default_period(TODAY).label == "Jun 2025"  # the last period of a year that ended
    yr.start_year(store, yr.preview_next_year(store, 1, "2026-27"))
    with store.reader() as s:
        new = s.scalars(select(Wig.id).where(Wig.carried_from_id == partners.id)).one()
    assert ms.subject_info(store, NodeKey(Kind.WIG, new)).default_period(TODAY).label == "Dec 2026"
    ms.log_value(store, NodeKey(Kind.WIG, new), "Dec 2026", "140")  # inside its own year: no question asked


def test_a_preview_with_a_bad_number_writes_nothing(store: PlanStore) -> None:
    preview = yr.preview_next_year(store, 1)
    number = next(w for w in preview.wigs if not w.milestone and w.baseline is not None)
    number.target = number.baseline
    with pytest.raises(ValidationError, match="has already reached the target"):
        yr.start_year(store, preview)
    number.target = float("inf")
    with pytest.raises(ValidationError, match="must be a number"):
        yr.start_year(store, preview)
    with store.reader() as s:
        assert s.scalar(select(func.count(PlanYear.id))) == 1


# ---- a file of the previous schema ----------------------------------------------------------------------


def test_a_file_of_the_previous_schema_migrates_into_years_with_every_row(plan_path: Path) -> None:
    from planner.store import open_plan_file
    from planner.store.engine import make_engine
    from planner.store.migrate import downgrade

    store = open_plan_file(plan_path)
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2024-10", "110", note="fall count")
    pj.create(store, pj.Entity.PROJECT, {"name": "Partner fair", "status": "On track", "link": partners})
    tables = ("wig", "key_lever", "performance_measure", "measurement", "project", "change_log", "pillar")

    def counts(conn: object) -> dict[str, int]:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in tables}  # type: ignore[attr-defined]

    with store.engine.connect() as conn:
        before = counts(conn)
    store.close()
    engine = make_engine(plan_path)
    downgrade(engine, "0006")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT plan_year, year_start FROM plan WHERE archived = 0").one() == (
            "2024-25", "2024-07-01")
        assert counts(conn) == before
    engine.dispose()

    store = open_plan_file(plan_path)  # migrates again, after a backup
    try:
        with store.engine.connect() as conn:
            assert counts(conn) == before  # every row, value and history entry intact
            assert conn.exec_driver_sql("SELECT count(*) FROM wig WHERE year_id IS NULL").scalar() == 0
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM performance_measure WHERE year_id IS NULL").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM wig WHERE lineage_uuid <> uuid").scalar() == 0
        assert [y.label for y in yr.list_years(store, 1)] == ["2024-25"]
        assert yr.list_years(store, 2) == []  # the archived 2018 plan has no annual plan
        assert plan_status(store, 1, TODAY).wigs[partners.id].latest.value == 110
    finally:
        store.close()


def test_the_summary_prints_a_year_over_year_table(store: PlanStore) -> None:
    from planner.services.charts import Scope
    from planner.services.report import build_summary

    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2025-06", "131")
    yr.start_year(store, yr.preview_next_year(store, 1, "2026-27"))
    summary = build_summary(store, 1, Scope(), "Whole district", TODAY)
    assert summary.plan_year == "2026-27" and summary.today == TODAY
    found = [lines for _title, lines in summary.years if any("reached 131" in line for line in lines)]
    assert found == [[
        "2024-25: 102 → 154 approved partners by 30 Jun 2025, reached 131 (Off track)",
        "2026-27: 131 → 154 approved partners by 30 Jun 2027, nothing logged (No data)"]]
    past = build_summary(store, 1, Scope(), "Whole district", TODAY, year_id=_year(store, "2024-25").id)
    assert past.plan_year == "2024-25" and past.today == date(2025, 6, 30)  # as of the year's end


def test_a_goal_that_keeps_a_level_is_judged_by_the_tolerance() -> None:
    level, start, end = 100.0, date(2024, 7, 1), date(2025, 6, 30)

    def status(value: float, today: date = date(2025, 1, 15)) -> Status:
        return wig_progress(WigKind.PERCENT, Direction.MAINTAIN, None, level, start, end,
                            [Point(date(2024, 12, 31), value)], today).status

    assert status(100) is Status.ON_TRACK and status(96) is Status.ON_TRACK  # within 5% of the level
    assert status(90) is Status.AT_RISK and status(70) is Status.OFF_TRACK
    assert status(100, today=end) is Status.ACHIEVED  # kept to the deadline


def test_the_maintain_goal_of_the_district_reads_and_carries_as_a_level(store: PlanStore) -> None:
    kept = wig(store, "Maintain a 100% success rate%")
    with store.reader() as s:
        found = s.get(Wig, kept.id)
        assert found is not None and found.direction is Direction.MAINTAIN and found.baseline is None
    ms.log_value(store, kept, "2025-05", "98")
    assert plan_status(store, 1, TODAY).wigs[kept.id].status is Status.ON_TRACK
    carried = next(w for w in yr.preview_next_year(store, 1).wigs if w.id == kept.id)
    assert (carried.baseline, carried.target, carried.note) == (None, 100, "a level to keep: no baseline")


def test_reduce_by_half_reads_from_a_baseline_still_to_be_measured(store: PlanStore) -> None:
    requests = wig(store, "%reduces the number of data requests by 50%%")
    with store.reader() as s:
        found = s.get(Wig, requests.id)
        assert found is not None
        assert (found.baseline, found.target, found.relative_change, found.direction) == (
            None, None, -50.0, Direction.DECREASE)
    first = plan_status(store, 1, date(2024, 9, 1)).wigs[requests.id]
    assert first.status is Status.NO_DATA and "baseline still to be measured" in first.reason
    ms.log_value(store, requests, "2024-08", "400")  # the first value is the baseline: the target is 200
    measured = plan_status(store, 1, date(2024, 9, 1)).wigs[requests.id]
    assert measured.status is Status.ON_TRACK and (measured.baseline_used, measured.target_used) == (400, 200)
    ms.log_value(store, requests, "2025-06", "190")
    assert plan_status(store, 1, TODAY).wigs[requests.id].status is Status.ACHIEVED
    carried = next(w for w in yr.preview_next_year(store, 1).wigs if w.id == requests.id)
    assert (carried.baseline, carried.target) == (190, None)  # next year: half of where it got to


def test_a_goal_with_two_quantities_is_judged_by_each_and_carries_each(store: PlanStore) -> None:
    from tests.test_measurements import measure

    mtss = wig(store, "School MTSS Leadership Teams will increase%")
    fam_s, fam_d = measure(store, "FAM-S"), measure(store, "FAM-D")
    assert plan_status(store, 1, date(2024, 9, 1)).wigs[mtss.id].status is Status.NO_DATA
    ms.log_value(store, fam_s, "Q2 2024-25", "75")  # 6 of 11 points by December: on the path
    ms.log_value(store, fam_d, "Q2 2024-25", "69")  # no move at all: off track
    judged = plan_status(store, 1, date(2025, 1, 15)).wigs[mtss.id]
    assert judged.status is Status.OFF_TRACK
    assert judged.reason.startswith("FAM-S: on track (75); FAM-D: off track (69)")
    assert wig_chart(store, mtss.id, date(2025, 1, 15)).progress.status is Status.OFF_TRACK  # the form's too
    # each quantity is carried from where its own measure got to
    started = yr.start_year(store, yr.preview_next_year(store, 1))
    with store.reader() as s:
        carried = {m.name: (m.goal_baseline, m.goal_target) for m in s.scalars(select(PerformanceMeasure).where(
            PerformanceMeasure.year_id == started.year_id, PerformanceMeasure.name.in_(["FAM-S", "FAM-D"])))}
    assert carried == {"FAM-S": (75, 80), "FAM-D": (69, 75)}
    both = wig_progress(WigKind.PERCENT, Direction.INCREASE, 69, 80, date(2024, 7, 1), date(2025, 6, 30),
                        [Point(date(2025, 3, 31), 80.0)], date(2025, 4, 15))
    assert both.status is Status.ACHIEVED


# ---- workbooks name their year ----------------------------------------------------------------------------


def test_a_workbook_of_a_year_the_central_file_lacks_brings_that_year_with_its_lineage(
        store: PlanStore, tmp_path: Path) -> None:
    import shutil

    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.services.xlsx_import import apply_import, plan_import
    from planner.store import open_plan_file

    central_path = tmp_path / "central.planner"
    shutil.copyfile(store.path, central_path)  # the central office's copy, still on 2024-25 only
    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2025-06", "131")
    started = yr.start_year(store, yr.preview_next_year(store, 1, "2026-27"))
    with store.reader() as s:
        copy = s.scalars(select(Wig).where(Wig.carried_from_id == partners.id)).one()
        copy_uuid, lineage = copy.uuid, copy.lineage_uuid
    ms.log_value(store, NodeKey(Kind.WIG, copy.id), "Nov 2026", "140")
    book = tmp_path / "2026-27.xlsx"
    export_workbook(store, book, ExportScope(1, year_id=started.year_id), TODAY, "Dana")
    with open_plan_file(central_path) as central:
        plan = plan_import(central, [book], TODAY)
        assert not plan.files[0].problems, plan.files[0].problems[:3]
        apply_import(central, plan)
        assert [y.label for y in yr.list_years(central, 1)] == ["2024-25", "2026-27"]
        with central.reader() as s:
            arrived = s.scalars(select(Wig).where(Wig.uuid == copy_uuid)).one()
            old = s.scalars(select(Wig).where(Wig.uuid == lineage)).one()
            assert arrived.lineage_uuid == lineage and arrived.carried_from_id == old.id  # matched year over year
            assert s.scalar(select(func.count(Wig.id))) == 124  # not the plan twice: one year more
        assert plan_status(central, 1, TODAY).wigs[arrived.id].latest.value == 140


def test_a_workbook_cannot_put_one_years_goals_into_another(store: PlanStore, tmp_path: Path) -> None:
    import openpyxl

    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.services.xlsx_import import plan_import

    old_year = _year(store, "2024-25").id
    book = tmp_path / "2024-25.xlsx"
    export_workbook(store, book, ExportScope(1, year_id=old_year), TODAY, "Dana")
    yr.start_year(store, yr.preview_next_year(store, 1, "2026-27"))
    wb = openpyxl.load_workbook(book)
    plan_sheet = wb["Plan"]
    for row in plan_sheet.iter_rows(min_row=2):
        if row[0].value == "Plan":
            row[1].value = "2026-27"  # the cover and the plan row now say 2026-27, the goals are 2024-25's
    wb.save(book)
    problems = [str(p) for p in plan_import(store, [book], TODAY).files[0].problems]
    assert problems and any("belongs to the 2024-25 year in the plan file, but the workbook is for 2026-27" in p
                            for p in problems), problems[:3]


def test_a_goal_already_reached_is_named_in_the_preview_and_not_carried_blindly(store: PlanStore) -> None:
    from planner.cli import main

    partners = wig(store, "Increase the number of CMS Partners%")
    ms.log_value(store, partners, "2025-06", "160")  # past the target of 154
    preview = yr.preview_next_year(store, 1)
    carried = next(w for w in preview.wigs if w.id == partners.id)
    assert carried.note == "already reached: give a new target or untick it"
    with pytest.raises(ValidationError, match=r"has already reached the target \(154\)"):
        yr.start_year(store, preview)
    carried.target = 200  # a new target typed in the preview: the sentence follows the numbers
    started = yr.start_year(store, preview)
    with store.reader() as s:
        copy = s.scalars(select(Wig).where(Wig.carried_from_id == partners.id)).one()
        assert (copy.baseline, copy.target, copy.year_id) == (160, 200, started.year_id)
        assert "from 160 approved partners" in copy.sentence
    yr.undo_start_year(store, started)
    path = str(store.path)
    store.close()
    assert main(["year", "start", "--db", path, "--dry-run"]) == 0
    assert main(["year", "start", "--db", path]) == 1  # stopped, in words, by the goal already reached
    assert main(["year", "start", "--db", path, "--leave-reached"]) == 0


def test_an_ended_years_milestone_not_done_by_its_last_day_is_off_track() -> None:
    end = date(2025, 6, 30)
    progress = wig_progress(WigKind.MILESTONE, Direction.INCREASE, None, None, date(2024, 7, 1), end,
                            [Point(date(2025, 3, 31), None, False)], end, year_over=True)
    assert progress.status is Status.OFF_TRACK
    running = wig_progress(WigKind.MILESTONE, Direction.INCREASE, None, None, date(2024, 7, 1), end,
                           [Point(date(2025, 3, 31), None, False)], end)
    assert running.status is Status.ON_TRACK  # on the deadline day itself, while the year runs


def test_the_summary_index_utilization_and_locks_speak_for_one_year(store: PlanStore) -> None:
    from planner.services import period_locks
    from planner.services.charts import Scope
    from planner.services.projects import utilization
    from planner.services.report import build_summary

    with store.reader() as s:
        dept = s.scalars(select(Department).where(Department.name == "Data Strategy")).one()
    before = next(e for e in build_summary(store, 1, Scope("department", dept.id), "D", TODAY).index
                  if e[0] == "Data Strategy")
    levers_before = utilization(store, dept.id, TODAY).levers
    started = yr.start_year(store, yr.preview_next_year(store, 1, "2026-27"))
    after = next(e for e in build_summary(store, 1, Scope("department", dept.id), "D", TODAY).index
                 if e[0] == "Data Strategy")
    assert (len(after[1]), len(after[2])) == (len(before[1]), len(before[2]))  # not both years' goals
    assert utilization(store, dept.id, TODAY).levers == levers_before
    old = _year(store, "2024-25").id
    assert period_locks.quarters(store, 1, old)[0].period.label == "Q1 2024-25"
    assert all(q.locked_at for q in period_locks.quarters(store, 1, old))  # closed, and listed to unlock
    assert period_locks.quarters(store, 1, started.year_id)[0].period.label == "Q1 2026-27"


def test_a_measure_added_in_a_years_workbook_arrives_in_that_year(store: PlanStore, tmp_path: Path) -> None:
    import uuid as uuid_mod

    import openpyxl

    from planner.services.exchange_rows import ExportScope
    from planner.services.xlsx_export import export_workbook
    from planner.services.xlsx_import import apply_import, plan_import

    book = tmp_path / "dept.xlsx"
    export_workbook(store, book, ExportScope(1), TODAY, "Dana")
    wb = openpyxl.load_workbook(book)
    sheet = wb["Measures"]
    headers = [c.value for c in sheet[1]]
    template = [c.value for c in sheet[2]]
    new = dict(zip(headers, template, strict=True))
    new.update({"UUID": str(uuid_mod.uuid4()), "Measure": "Added in the workbook", "Lineage UUID": None})
    sheet.append([new[h] for h in headers])
    wb.save(book)
    plan = plan_import(store, [book], TODAY)
    assert not plan.files[0].problems, plan.files[0].problems[:3]
    apply_import(store, plan)
    with store.reader() as s:
        added = s.scalars(select(PerformanceMeasure).where(PerformanceMeasure.name == "Added in the workbook")).one()
        assert added.year_id == _year(store, "2024-25").id
