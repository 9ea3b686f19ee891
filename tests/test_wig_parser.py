"""The WIG sentence parser, table-driven: the forms the district writes goals in, and the traps."""

from __future__ import annotations

from datetime import date

import pytest

from planner.model import Direction, WigKind
from planner.services.wig_parser import parse_deadline, parse_wig

N, P, M = WigKind.NUMBER, WigKind.PERCENT, WigKind.MILESTONE
UP, DOWN = Direction.INCREASE, Direction.DECREASE

CASES = [
    # sentence, kind, baseline, target, unit, direction, deadline
    ("Increase the number of CMS Partners that have an active partnership agreement (MOU) from 102 approved "
     "partners to 154 approved partners by June 2025.", N, 102, 154, "approved partners", UP, date(2025, 6, 30)),
    ("Increase the number of active volunteers and parent leaders by 10% from 16K to 17.5K by June 2025.",
     N, 16000, 17500, None, UP, date(2025, 6, 30)),
    ("Decrease the chronic absenteeism rate from 23.35% to 20% by June 2025.", P, 23.35, 20, "%", DOWN,
     date(2025, 6, 30)),
    # the verb says "decline", the numbers say increase: the numbers win
    ("Increase the number of schools that have a decline in discipline referrals from 89 to 98 by June 2025.",
     N, 89, 98, None, UP, date(2025, 6, 30)),
    ("Migrate 0% to 100% Cherwell requests to ServiceNow by May 2025.", P, 0, 100, "%", UP, date(2025, 5, 31)),
    ("The technology support specialist team will complete 90% of their tickets and requests from 76% within a "
     "5 day period by June 2025.", P, 76, 90, "%", UP, date(2025, 6, 30)),
    ("Increase the utilization of tools, from 0 to 95% by June 2025.", P, 0, 95, "%", UP, date(2025, 6, 30)),
    ("Reduce the time spent on reporting from approximately 7 days to 4 days by June 2025.",
     N, 7, 4, "days", DOWN, date(2025, 6, 30)),
    # numbers that are not quantities: grades, years, product names, durations, tiers
    ("100% of student in grades 9th-12th will create a Learner Profile by June 2025.", P, None, 100, "%", UP,
     date(2025, 6, 30)),
    ("Maintain a 100% success rate for validating sensitive triggers through the use of Microsoft O365 by June "
     "2025.", P, None, 100, "%", Direction.MAINTAIN, date(2025, 6, 30)),
    ("Increase the efficiency of School Test Coordinators (STCs) with less than 2 years of experience from 7.7 "
     "to 9.7 by July 2025.", N, 7.7, 9.7, None, UP, date(2025, 7, 31)),
    ("Increase the School Social Workers facilitating tier 3 conferences from 41% to 95% by June 2025.",
     P, 41, 95, "%", UP, date(2025, 6, 30)),
    ("Increase the number of ASEP sites that participate in at least 1 community service project from 0 to 9 "
     "sites by June 2025.", N, 0, 9, "sites", UP, date(2025, 6, 30)),
    ("40% of students have a modern device that is less than 4 years old by June 2025.", P, None, 40, "%", UP,
     date(2025, 6, 30)),
    ("Develop and relaunch the CMS Family Academy to engage 2,500 families in the academy by June 2025",
     N, None, 2500, "families", UP, date(2025, 6, 30)),
    ("Increase aligned enrichment offerings from 0 to 125 or more experiences by June 2025.",
     N, 0, 125, "experiences", UP, date(2025, 6, 30)),
    # relative goals are measured as the change achieved
    # a change relative to a baseline still to be measured: the first value logged (relative_change -50)
    ("Create a Data Governance structure that reduces the number of data requests by 50% by June 2025.",
     N, None, None, None, DOWN, date(2025, 6, 30)),
    # a baseline date is not the deadline; a bare year is the end of that school year
    ("Teams will increase their rating from 69% in June 2024 to 80% by 2025.", P, 69, 80, "%", UP,
     date(2025, 6, 30)),
    # milestones: no quantity, even with years and ranges in the text
    ("Create a \"control tower\" for district leaders centered on the 2024-29 Goals and Guardrails in Power BI by "
     "July 2025.", M, None, None, None, UP, date(2025, 7, 31)),
    ("Increase cross-functional department meetings from quarterly to bi-monthly by June 2025.",
     M, None, None, None, UP, date(2025, 6, 30)),
    ("Implement the ERP (Finance) Oracle with zero critical errors by Sept 2025.", M, None, None, None, UP,
     date(2025, 9, 30)),
    ("Create a directory of best practices from organizations across the nation.", M, None, None, None, UP, None),
    # made-up sentences a planner might type
    ("Raise attendance from 1,200 students to 1,500 students by Dec 2026.", N, 1200, 1500, "students", UP,
     date(2026, 12, 31)),
    ("Lower bus late arrivals from 12.5% to 5% by March 2026.", P, 12.5, 5, "%", DOWN, date(2026, 3, 31)),
    ("Grow the volunteer pool from 2K to 3.5K by February 2028.", N, 2000, 3500, None, UP, date(2028, 2, 29)),
    ("", M, None, None, None, UP, None),
]


@pytest.mark.parametrize(("sentence", "kind", "baseline", "target", "unit", "direction", "deadline"), CASES)
def test_parse_wig(sentence: str, kind: WigKind, baseline: float | None, target: float | None, unit: str | None,
                   direction: Direction, deadline: date | None) -> None:
    parsed = parse_wig(sentence)
    assert (parsed.kind, parsed.baseline, parsed.target, parsed.unit, parsed.direction, parsed.deadline) == (
        kind, baseline, target, unit, direction, deadline)


def test_start_defaults_to_the_plan_year_and_reads_between() -> None:
    assert parse_wig("Finish the audit by June 2025.", default_start=date(2024, 7, 1)).start == date(2024, 7, 1)
    between = parse_wig("Offer office hours between July 2024 and July 2025.", default_start=date(2024, 7, 1))
    assert (between.start, between.deadline) == (date(2024, 7, 1), date(2025, 7, 31))
    assert parse_wig("Offer sessions between January 2025 and May 2025.").start == date(2025, 1, 1)


def test_deadline_takes_the_last_date_named() -> None:
    assert parse_deadline("from October 2024 until March 2025") == date(2025, 3, 31)
    assert parse_deadline("no date here") is None


def test_describe_reads_like_the_goal() -> None:
    parsed = parse_wig("Increase partners from 102 approved partners to 154 approved partners by June 2025.")
    assert parsed.describe() == "102 → 154 approved partners by 30 Jun 2025 (increase)"
    assert parse_wig("Launch the portal by June 2025.").describe() == "Milestone: done or not done by 30 Jun 2025"
    assert "23.35 → 20%" in parse_wig("Decrease absenteeism from 23.35% to 20% by June 2025.").describe()
