"""The `planner year` and `planner due` subcommands: plan years and what is due, from a terminal, so the
central office can script the start of a school year and the weekly round of reminders."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from planner import clock
from planner.errors import ValidationError

EXIT_OK = 0


def plan_argument(parser: argparse.ArgumentParser, what: str = "the plan file") -> None:
    """`--db FILE` or `--server URL`, one of them: every subcommand works on a file or a district server."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, metavar="FILE", dest="file", help=what)
    where.add_argument("--server", metavar="URL", dest="server",
                       help="a district server instead: a PostgreSQL URL such as postgresql://host/dbname "
                            "(libpq's settings and password file are used)")


def open_store(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    """The plan the command names: the file of --db, or the district server of --server."""
    if getattr(args, "server", None):
        from planner.store import open_server

        return open_server(args.server, read_only=read_only)
    from planner.store import open_plan_file

    return open_plan_file(args.file, read_only=read_only)


def add_parsers(sub: Any) -> None:
    year = sub.add_parser("year", help="list a plan's school years, or start the next one")
    years = year.add_subparsers(dest="year_command", metavar="ACTION", required=True)
    listing = years.add_parser("list", help="the plan's years, the one Planner opens on marked")
    plan_argument(listing)
    start = years.add_parser("start", help="start a school year from the newest one (its goals carried forward)")
    plan_argument(start)
    start.add_argument("label", nargs="?", metavar="YEAR",
                       help="the school year to start, e.g. 2025-26 (default: the year after the newest)")
    start.add_argument("--dry-run", action="store_true", help="print what would be carried and write nothing")
    start.add_argument("--leave-reached", action="store_true",
                       help="leave behind the goals whose latest value already reached their target (else such "
                            "a goal stops the start: give it a new target in Plan > Start Next Year)")

    due = sub.add_parser("due", help="print what is due now, one line per item (as the Due Now tab)")
    plan_argument(due)
    due.add_argument("--department", metavar="NAME", help="one department (default: all)")
    due.add_argument("--year", metavar="YEAR", help="the school year (default: the one containing the date)")
    due.add_argument("--as-of", metavar="DATE", help="the date to ask for (default: today)")


def _as_of(text: str | None) -> Any:
    from planner.services.dates import DateError, parse_date

    if not text:
        return clock.today()
    try:
        return parse_date(text)
    except DateError as exc:
        raise ValidationError(f"--as-of: {exc}.") from None


def _year_id(store: Any, plan_id: int, label: str | None) -> int | None:
    from planner.services.years import list_years, parse_year_label

    if not label:
        return None
    _first, label = parse_year_label(label)
    years = list_years(store, plan_id)
    found = next((y for y in years if y.label == label), None)
    if found is None:
        have = ", ".join(y.label for y in years) or "none"
        raise ValidationError(f"The plan has no {label} year (it has: {have}).")
    return found.id


def run(args: argparse.Namespace) -> int:
    from planner.services.report import active_plan_id
    if args.command == "due":
        return _due(args)
    with open_store(args, read_only=args.year_command == "list" or bool(getattr(args, "dry_run", False))
                        ) as store:
        plan_id = active_plan_id(store)
        if args.year_command == "list":
            return _list(store, plan_id)
        return _start(store, plan_id, args)


def _list(store: Any, plan_id: int) -> int:
    from sqlalchemy import func, select

    from planner.model import Wig
    from planner.services.years import ended_banner, list_years, pick_year

    today = clock.today()
    years = list_years(store, plan_id)
    shown = pick_year(years, today)
    with store.reader() as s:
        wigs = dict(s.execute(select(Wig.year_id, func.count(Wig.id)).group_by(Wig.year_id)).tuples().all())
    for y in years:
        state = "ended" if y.end < today else ("current" if y.contains(today) else "to come")
        mark = "*" if shown and y.id == shown.id else " "
        print(f"{mark} {y.label}  {y.start:%d %b %Y} to {y.end:%d %b %Y}  {wigs.get(y.id, 0):>4} WIGs  {state}")
    banner = ended_banner(years, today)
    if banner:
        print(f"{banner.text} Start {banner.next_label} with: planner year start --db FILE {banner.next_label}")
    return EXIT_OK


def _start(store: Any, plan_id: int, args: argparse.Namespace) -> int:
    from planner.services.years import preview_next_year, start_year

    preview = preview_next_year(store, plan_id, args.label)
    if args.leave_reached:
        for w in preview.wigs:
            if w.note.startswith("already reached"):
                w.include = False
                preview.left_behind.append(f"{w.title} (already reached its target)")
    counts = preview.counts()
    print(f"{preview.label} ({preview.start:%d %b %Y} to {preview.end:%d %b %Y}), carried from "
          f"{preview.from_year.label}: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    for w in preview.wigs:
        if w.milestone:
            numbers = "milestone"
        else:
            numbers = f"{_number(w.old_baseline)} -> {_number(w.baseline)} (target {_number(w.target)})"
        note = f"; {w.note}" if w.note else ""
        if not w.include:
            continue
        deadline = f", by {w.deadline:%d %b %Y}" if w.deadline else ""
        print(f"  WIG {w.title}: {numbers}{deadline}{note}")
    for line in preview.left_behind:
        print(f"  left behind: {line}")
    if args.dry_run:
        print("Nothing was written (--dry-run).")
        return EXIT_OK
    started = start_year(store, preview)
    print(f"Started {started.label}.")
    return EXIT_OK


def _number(value: float | None) -> str:
    from planner.services.wig_parser import format_number

    return "none" if value is None else format_number(value)


def _due(args: argparse.Namespace) -> int:
    from planner.services.due import due_now
    from planner.services.report import active_plan_id, resolve_scope
    from planner.services.years import current_year
    today = _as_of(args.as_of)
    with open_store(args, read_only=True) as store:
        plan_id = active_plan_id(store)
        department = None
        if args.department:
            scope, _label = resolve_scope(store, plan_id, department=args.department)
            department = scope.id
        year_id = _year_id(store, plan_id, args.year)
        year = current_year(store, plan_id, today, year_id)
        items = due_now(store, plan_id, today, department, year.id if year else None)
    where = f" for {args.department}" if args.department else ""
    when = year.judged_on(today) if year else today
    print(f"{len(items)} due{where} in {year.label if year else 'the plan'} as of {when:%d %b %Y}.")
    for item in items:
        print(f"{item.group}: {item.title} | {item.reason}")
    return EXIT_OK
