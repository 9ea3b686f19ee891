"""The `planner` command: with no subcommand it starts the window; subcommands work without one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from planner import __version__
from planner.errors import PlannerError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Planner: the district's strategic plan, your measurements and projects, in one file.",
    )
    parser.add_argument("--version", action="version", version=f"Planner {__version__}")
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="plan file to open (default: your own plan in the per-user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = sub.add_parser("new", help="create a plan file from the district's default plan (or empty)")
    new.add_argument("--db", type=Path, required=True, metavar="FILE", dest="file",
                     help="the file to create; an existing file is never overwritten")
    new.add_argument("--empty", action="store_true", help="create a file with no plan in it")

    check = sub.add_parser("check", help="print a plan file's schema version, integrity and row counts")
    check.add_argument("--db", type=Path, required=True, metavar="FILE", dest="file", help="the file to check")
    return parser


def _cmd_new(args: argparse.Namespace) -> int:
    from planner.services.plan_file import new_plan_file, plan_counts

    store = new_plan_file(args.file, empty=args.empty)
    try:
        counts = plan_counts(store)
    finally:
        store.close()
    what = "an empty plan file" if args.empty else "the district's default plan"
    print(f"Created {args.file} with {what}.")
    for plan in counts:
        print(f"  {plan.plan}: " + ", ".join(f"{n} {label}" for label, n in plan.labelled()))
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from planner.services.plan_file import check_plan_file

    result = check_plan_file(args.file)
    report = result.report
    print(f"Plan file:        {report.path}")
    state = "current" if not report.needs_upgrade else f"older; upgraded to {report.head_revision} on next open"
    print(f"Schema version:   {report.schema_revision or 'none'} ({state})")
    print(f"Integrity check:  {report.integrity}")
    print(f"Foreign keys:     {'ok' if not report.foreign_key_problems else report.foreign_key_problems}")
    print(f"Journal mode:     {report.journal_mode}")
    if result.plans:
        for plan in result.plans:
            print(f"\n{plan.plan}{' (archived)' if plan.archived else ''}")
            for label, count in plan.labelled():
                print(f"  {label + ':':24}{count:>6}")
    elif not report.needs_upgrade:
        print("\nThe file holds no plan.")
    for problem in result.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEM


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "new":
            return _cmd_new(args)
        if args.command == "check":
            return _cmd_check(args)
    except PlannerError as exc:
        print(f"planner: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    except BrokenPipeError:  # `planner check | head`: the reader left; not an error worth a traceback
        sys.stderr.close()
        return EXIT_OK
    from planner.ui.app import run_gui  # Qt is loaded only when a window is wanted

    return run_gui(args.db)
