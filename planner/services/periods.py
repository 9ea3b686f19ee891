"""Reporting periods on a school year: days, weeks, months, quarters and semesters of a plan year that starts
in July (or the month a plan says). "Q2 2024-25" is October to December 2024."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from planner.errors import ValidationError
from planner.model import Frequency
from planner.services import dates

MONTH_NAMES = [calendar.month_abbr[m] for m in range(1, 13)]


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    frequency: Frequency
    year_start_month: int = 7

    @property
    def label(self) -> str:
        f = self.frequency
        if f is Frequency.DAILY:
            return self.start.isoformat()
        if f is Frequency.WEEKLY:
            return f"Week of {self.start.isoformat()}"
        if f is Frequency.MONTHLY:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        school = school_year_label(self.start, self.year_start_month)
        if f is Frequency.QUARTERLY:
            return f"Q{_index_in_year(self.start, self.year_start_month) // 3 + 1} {school}"
        if f is Frequency.SEMESTERLY:
            return f"S{_index_in_year(self.start, self.year_start_month) // 6 + 1} {school}"
        return school

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _index_in_year(day: date, year_start_month: int) -> int:
    """Months since the school year began (0-11)."""
    return (day.month - year_start_month) % 12


def school_year_start(day: date, year_start_month: int = 7) -> date:
    year = day.year if day.month >= year_start_month else day.year - 1
    return date(year, year_start_month, 1)


def school_year_label(day: date, year_start_month: int = 7) -> str:
    start = school_year_start(day, year_start_month)
    if year_start_month == 1:
        return str(start.year)
    return f"{start.year}-{str(start.year + 1)[-2:]}"


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def period_containing(day: date, frequency: Frequency, year_start_month: int = 7) -> Period:
    if frequency is Frequency.DAILY:
        return Period(day, day, frequency, year_start_month)
    if frequency is Frequency.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return Period(monday, monday + timedelta(days=6), frequency, year_start_month)
    if frequency is Frequency.MONTHLY:
        first = day.replace(day=1)
        return Period(first, _month_end(first), frequency, year_start_month)
    length = {Frequency.QUARTERLY: 3, Frequency.SEMESTERLY: 6, Frequency.ANNUALLY: 12}[frequency]
    year_start = school_year_start(day, year_start_month)
    offset = (_index_in_year(day, year_start_month) // length) * length
    first = _add_months(year_start, offset)
    return Period(first, _month_end(_add_months(first, length - 1)), frequency, year_start_month)


def periods_between(start: date, end: date, frequency: Frequency, year_start_month: int = 7) -> list[Period]:
    """Every period that overlaps start..end, in order."""
    found: list[Period] = []
    period = period_containing(start, frequency, year_start_month)
    while period.start <= end:
        found.append(period)
        period = period_containing(period.end + timedelta(days=1), frequency, year_start_month)
    return found


EXAMPLE = {
    Frequency.DAILY: "2024-09-16", Frequency.WEEKLY: "2024-09-16 (any day of the week)",
    Frequency.MONTHLY: "2024-09", Frequency.QUARTERLY: "Q1 2024-25", Frequency.SEMESTERLY: "S1 2024-25",
    Frequency.ANNUALLY: "2024-25",
}


def parse_period(text: str, frequency: Frequency, year_start_month: int = 7) -> Period:
    """A period typed by a person or a script. A date means the period (of the measure's frequency) that
    holds it; otherwise the form must match the frequency: 2024-09, Q1 2024-25, S2 2024-25, 2024-25."""
    raw = " ".join(text.split())
    hint = f"This measure is logged {frequency.value}; give a period such as {EXAMPLE[frequency]}."
    if not raw:
        raise ValidationError("The period is missing.", field="period", hint=hint)
    try:
        return check_period(period_containing(dates.parse_date(raw), frequency, year_start_month))
    except dates.DateError as exc:
        if _DATE_SHAPE.fullmatch(raw):  # meant as a date: say what is wrong with it
            raise ValidationError(f"{_sentence(str(exc))} {hint}", field="period") from None
    for run in re.findall(r"\d+", raw):
        if len(run) >= 4 and not dates.FIRST_YEAR <= int(run) <= dates.LAST_YEAR:
            raise ValidationError(f"“{raw}” names the year {run[:12]}, outside the years Planner works with "
                                  f"({dates.FIRST_YEAR} to {dates.LAST_YEAR}). {hint}", field="period")
    return check_period(_parse_named(raw, frequency, year_start_month, hint))


_DATE_SHAPE = re.compile(r"\d+\s*[-/]\s*\d+\s*[-/]\s*\d+.*")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def check_period(period: Period) -> Period:
    """A period Planner can work with: inside 1900-2199 (a value logged for a later one could never be
    exported, and the day after it is not a date)."""
    if period.start < dates.EARLIEST or period.end > dates.LATEST:
        raise ValidationError(f"{period.label} ({period.start.isoformat()} to {period.end.isoformat()}) is outside "
                              f"the dates Planner works with ({dates.FIRST_YEAR} to {dates.LAST_YEAR}).",
                              field="period")
    return period


def _parse_named(raw: str, frequency: Frequency, year_start_month: int, hint: str) -> Period:
    month = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
    if month and frequency is Frequency.MONTHLY and not 1 <= int(month[2]) <= 12:
        raise ValidationError(f"“{raw}” is not a month (months are 01 to 12). {hint}", field="period")
    if month and 1 <= int(month[2]) <= 12:
        if frequency is Frequency.MONTHLY:
            return period_containing(date(int(month[1]), int(month[2]), 1), frequency, year_start_month)
        raise ValidationError(f"“{raw}” is a month. {hint}", field="period")
    for period in _named_periods(frequency, year_start_month, raw):
        if period.label.lower() == raw.lower():
            return period
    named = re.fullmatch(r"([QS])(\d)\s+(\d{4})-(\d{2})", raw, re.IGNORECASE) or re.fullmatch(
        r"(\d{4})-(\d{2})\s+([QS])(\d)", raw, re.IGNORECASE)
    if named or re.fullmatch(r"\d{4}-\d{2}", raw):
        raise ValidationError(f"“{raw}” does not fit. {hint}", field="period")
    raise ValidationError(f"“{raw}” is not a period Planner can read. {hint}", field="period")


def _named_periods(frequency: Frequency, year_start_month: int, raw: str) -> list[Period]:
    years = re.findall(r"\d{4}", raw)
    if not years:
        return []
    year = int(years[0])
    found = []
    # "Jan 2025" is in the school year that began in 2024; "Q1 2024-25" and "Sep 2024" in the one beginning
    # in 2024: both school years a written year can belong to are searched.
    for first in (year - 1, year):
        start = date(first, year_start_month, 1)
        found += periods_between(start, _month_end(_add_months(start, 11)), frequency, year_start_month)
    return found
