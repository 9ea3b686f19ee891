"""The field rules every writer shares: the kinds of value a person can type into Planner, and how each is
read and checked. The plan's forms (plan_nodes.FIELDS), the project workbook's (projects.COLUMNS), the
command line and the workbook import all turn a typed value into a stored one here, so what one of them
refuses the others refuse too, in the same words. Dates are read by dates.py, numbers by numbers.py.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from planner.errors import ValidationError
from planner.services.dates import DateError, parse_date
from planner.services.numbers import read_number


class FieldKind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    CODE = "code"  # a code such as "Ae 1.004": spaces collapsed, empty is none
    NUMBER = "number"  # any number
    AMOUNT = "amount"  # money and counts: never negative
    PERCENT = "percent"  # 0 to 100
    SCORE = "score"  # a whole number from 1 to 5
    DATE = "date"
    CHOICE = "choice"  # one of a fixed list
    FLAG = "flag"
    DIVISION = "division"  # a reference to a division of the same plan
    DEPARTMENT = "department"
    DEPARTMENTS = "departments"  # several departments (collaborators)
    STRATEGY = "strategy"  # a reference to a strategy of the same plan (what a department's WIG serves)
    TASKS = "tasks"  # task numbers of the same project ("1, 3")
    LINK = "link"  # what a project carries: a key lever, WIG or strategy


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_text(raw: Any, *, label: str, name: str, required: bool = False, collapse: bool = False) -> str:
    text = "" if raw is None else str(raw).strip()
    if collapse:
        text = " ".join(text.split())
    if required and not text:
        raise ValidationError(f"{label} cannot be empty.", field=name)
    return text


def read_date(raw: Any, *, label: str, name: str, required: bool = False) -> date | None:
    """A date as people type it (2026-09-01, 9/1/2026, Sep 1 2026), or None when empty and not required."""
    if blank(raw):
        if required:
            raise ValidationError(f"{label} needs a date.", field=name)
        return None
    if isinstance(raw, date):
        return raw
    try:
        return parse_date(raw)
    except DateError as exc:
        raise ValidationError(f"{label}: {exc}.", field=name) from None


def read_quantity(raw: Any, kind: FieldKind, *, label: str, name: str) -> float | int | None:
    """A NUMBER, AMOUNT, PERCENT or SCORE, or None when empty."""
    if blank(raw):
        return None
    number = read_number(str(raw).replace("$", "") if isinstance(raw, str) and kind is FieldKind.AMOUNT else raw,
                         label=label, field=name)
    if kind is FieldKind.PERCENT and not 0 <= number <= 100:
        raise ValidationError(f"{label} must be between 0 and 100.", field=name)
    if kind is FieldKind.SCORE:
        if number not in (1, 2, 3, 4, 5):
            raise ValidationError(f"{label.split(' (')[0]} is scored 1 to 5.", field=name)
        return int(number)
    if kind is FieldKind.AMOUNT and number < 0:
        raise ValidationError(f"{label} cannot be negative.", field=name)
    return number


def read_choice(raw: Any, choices: tuple[str, ...], *, label: str, name: str) -> str:
    """One of `choices`, matched whatever its case, returned as the list spells it."""
    if blank(raw):
        raise ValidationError(f"Choose a {label.lower()}: {', '.join(choices)}.", field=name)
    text = str(raw).strip().lower()
    match = next((c for c in choices if c.lower() == text), None)
    if match is None:
        raise ValidationError(f"{label} must be one of: {', '.join(choices)}.", field=name)
    return match


def read_flag(raw: Any) -> bool:
    return bool(raw) and str(raw).strip().lower() not in ("0", "false", "no")


def read_row_id(raw: Any, *, label: str, name: str) -> int:
    """A division or department as a form's list gives it: the id of one of the plan's rows."""
    try:
        ident = int(raw)
    except (TypeError, ValueError):
        ident = 0
    if not 0 < ident < 2**63 or isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValidationError(f"{label}: choose one from the list (“{str(raw)[:40]}” is not one).", field=name)
    return ident


def read_task_numbers(raw: Any, *, name: str) -> list[int]:
    if isinstance(raw, (list, tuple)):
        return [int(v) for v in raw]
    numbers = []
    for part in str(raw or "").replace(";", ",").split(","):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit():
            raise ValidationError(f"Depends on lists task numbers, like 1, 3 (you entered “{raw}”).", field=name)
        numbers.append(int(part))
    return numbers
