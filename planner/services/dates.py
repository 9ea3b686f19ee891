"""One reader for dates a person types or a spreadsheet holds, and the range of dates Planner works with.

The forms, the command line and the workbook import all read dates here, so "9/1/2026" means the same
everywhere: ISO (2026-09-01), US month/day/year (9/1/2026, 09/01/26), a written month ("1 Sep 2026",
"Sep 1, 2026", "September 2026" is not a day and is refused). Dates outside 1900-2199 are refused when they
are typed: a plan cannot use them, and a period or a spreadsheet cell built from one would fail later.
"""

from __future__ import annotations

import re
from datetime import date, datetime

FIRST_YEAR = 1900
LAST_YEAR = 2199
EARLIEST = date(FIRST_YEAR, 1, 1)
LATEST = date(LAST_YEAR, 12, 31)
EXAMPLE = "2026-09-01 or 9/1/2026"

_MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")], start=1) for name in names}


class DateError(ValueError):
    """The text is not a date Planner can work with; the message says why in a planner's words."""


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def check_range(day: date) -> date:
    if not in_range(day):
        raise DateError(f"{day.isoformat()} is outside the dates Planner works with ({FIRST_YEAR} to {LAST_YEAR})")
    return day


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 26 is 2026, as a spreadsheet reads it (30 and over is 19xx)
        year += 2000 if year < 30 else 1900
    return year


def _make(year: int, month: int, day: int, raw: str) -> date:
    try:
        found = date(year, month, day)
    except ValueError:
        raise DateError(f"“{raw}” is not a day of the calendar") from None
    return check_range(found)


def parse_date(value: object) -> date:
    """A date from a typed text, a spreadsheet's datetime or a date. Raises DateError with the reason."""
    if isinstance(value, datetime):
        return check_range(value.date())
    if isinstance(value, date):
        return check_range(value)
    raw = " ".join(str(value).split())
    if not raw:
        raise DateError("the date is missing")
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", raw)
    if iso:
        return _make(int(iso[1]), int(iso[2]), int(iso[3]), raw)
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", raw)
    if us:
        return _make(_year(us[3]), int(us[1]), int(us[2]), raw)
    words = raw.lower().replace(",", " ").replace(".", " ").split()
    if len(words) == 3:
        day_first = re.fullmatch(r"\d{1,2}", words[0]) and words[1] in _MONTHS and re.fullmatch(r"\d{4}", words[2])
        month_first = words[0] in _MONTHS and re.fullmatch(r"\d{1,2}", words[1]) and re.fullmatch(r"\d{4}", words[2])
        if day_first:
            return _make(int(words[2]), _MONTHS[words[1]], int(words[0]), raw)
        if month_first:
            return _make(int(words[2]), _MONTHS[words[0]], int(words[1]), raw)
    raise DateError(f"“{raw}” is not a date Planner can read; write it as {EXAMPLE}")
