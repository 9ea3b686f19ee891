"""The `planner` command: with no subcommand it starts the window; subcommands work without one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from planner import cli_years, clock
from planner.cli_years import open_store, plan_argument
from planner.errors import OutputPathError, PlanFileError, PlannerError

# Each subcommand imports the services it runs, inside its function: `planner log` loads neither Qt nor
# openpyxl nor the migration tools (tests/test_cli_imports.py holds it to that).

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


class _VersionAction(argparse.Action):
    """`--version`: the installed version is looked up only when it is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from planner import __version__

        print(f"Planner {__version__}")  # on standard output, as argparse's own version action prints it
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Planner: the district's strategic plan, your measurements and projects, in one file.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation end to end in a temporary folder, then exit")
    opened = parser.add_mutually_exclusive_group()
    opened.add_argument("--db", type=Path, metavar="PATH",
                        help="plan file to open (default: your own plan in the per-user data folder)")
    opened.add_argument("--server", metavar="URL",
                        help="open the plan on a district server: postgresql://host/dbname (libpq's settings "
                             "and password file are used; Planner stores no password)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    new = sub.add_parser("new", help="create a plan file from the district's default plan (or empty)")
    plan_argument(new, "the file to create; an existing file is never overwritten")
    new.add_argument("--empty", action="store_true", help="create a file with no plan in it")

    check = sub.add_parser("check", help="print a plan file's schema version, integrity and row counts")
    plan_argument(check, "the file to check")
    log = sub.add_parser("log", help="log a value of a performance measure (or WIG) for one period")
    plan_argument(log, "the plan file")
    log.add_argument("--measure", required=True, metavar="MEASURE",
                     help="the measure's exact name or UUID (a WIG's UUID logs the goal itself)")
    log.add_argument("--period", required=True, metavar="PERIOD",
                     help="2024-09 (monthly), Q1 2024-25 (quarterly), S1 2024-25, 2024-25, or a date")
    log.add_argument("--value", required=True, metavar="VALUE", help="a number, or done / not done")
    log.add_argument("--note", default="", metavar="TEXT")
    log.add_argument("--evidence", default="", metavar="LINK", help="a link or path to the evidence")
    log.add_argument("--by", default="", metavar="NAME", help="who is logging it (default: your user name)")
    log.add_argument("--replace", action="store_true", help="replace a value already logged for the period")
    log.add_argument("--outside-plan-year", action="store_true",
                     help="accept a period outside the plan year")
    export = sub.add_parser("export", help="export a workbook for central collection")
    plan_argument(export, "the plan file")
    export.add_argument("--out", type=Path, required=True, metavar="OUT.xlsx", help="the workbook to write")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--department", metavar="NAME", help="one department")
    which.add_argument("--division", metavar="NAME", help="one division")
    export.add_argument("--by", default="", metavar="NAME", help="who is exporting (default: your user name)")

    imp = sub.add_parser("import", help="import workbooks (matched by UUID; conflicts are reported, not applied)")
    plan_argument(imp, "the plan file")
    imp.add_argument("workbooks", type=Path, nargs="+", metavar="WORKBOOK.xlsx")
    imp.add_argument("--dry-run", action="store_true", help="report what would change and write nothing")

    report = sub.add_parser("report", help="write a status summary as a PDF (no window needed)")
    plan_argument(report, "the plan file")
    report.add_argument("--out", type=Path, required=True, metavar="OUT.pdf", help="the PDF to write")
    where = report.add_mutually_exclusive_group()
    where.add_argument("--department", metavar="NAME", help="one department's summary")
    where.add_argument("--division", metavar="NAME", help="one division's annual plan")
    where.add_argument("--pillar", metavar="CODE", help="one pillar, by its code (Ae, Pe, Oe, Ee)")
    report.add_argument("--paper", choices=["Letter", "A4"], default="Letter")
    report.add_argument("--landscape", action="store_true")
    report.add_argument("--scoreboards", action="store_true", help="add a one-page 4DX scoreboard per WIG")
    report.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date the summary speaks for (default: today)")
    cli_years.add_parsers(sub)
    server = sub.add_parser("server", help="set up a district server (PostgreSQL) for the district's plan")
    actions = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create (or upgrade) the plan's tables on the server and load the "
                                           "district's default plan when it holds none")
    init.add_argument("--server", required=True, metavar="URL", help="postgresql://host/dbname")
    init.add_argument("--from", type=Path, metavar="FILE", dest="from_file",
                      help="copy this plan file onto the (empty) server instead: every plan, value, project, the "
                           "change history and merge bases, with their ids (run as the central office's role "
                           "that owns the server's tables)")
    grant = actions.add_parser("grant", help="let a database role work on the plan as a department's lead, or as "
                                             "the central office (run by the central office)")
    grant.add_argument("--server", required=True, metavar="URL", help="postgresql://host/dbname")
    grant.add_argument("--role", required=True, metavar="ROLE", help="the person's own role on the server")
    scope = grant.add_mutually_exclusive_group(required=True)
    scope.add_argument("--department", metavar="NAME", help="the department whose rows the role may change")
    scope.add_argument("--central-office", action="store_true", help="the role may change everything")
    take = actions.add_parser("take", help="take a department from the server into a plan file, to work offline")
    send = actions.add_parser("send", help="send a department's offline plan file back to the server (the "
                                           "workbook import's three-way merge; conflicts are reported, not applied)")
    for action, what in ((take, "the plan file to create"), (send, "the plan file taken offline")):
        action.add_argument("--server", required=True, metavar="URL", help="postgresql://host/dbname")
        action.add_argument("--department", required=True, metavar="NAME", help="the department")
        action.add_argument("--db", type=Path, required=True, metavar="FILE", dest="file", help=what)
        action.add_argument("--by", default="", metavar="NAME", help="who (default: your user name)")
    return parser


def _cmd_report(args: argparse.Namespace) -> int:
    import os

    from planner.errors import ValidationError
    from planner.services.dates import DateError, parse_date
    from planner.services.output import check_output, write_failed
    from planner.services.report import SECTIONS, active_plan_id, build_summary, resolve_scope
    try:
        today = parse_date(args.as_of) if args.as_of is not None else clock.today()
    except DateError as exc:
        raise ValidationError(f"--as-of must be a date Planner works with: {exc}.") from None
    check_output(args.out, ".pdf", "summary")
    with open_store(args, read_only=True) as store:
        plan_id = active_plan_id(store)
        scope, label = resolve_scope(store, plan_id, department=args.department, division=args.division,
                                     pillar=args.pillar)
        summary = build_summary(store, plan_id, scope, label, today)
    # Painting pages needs Qt's GUI module, not a window: headless is fine.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from planner.render.summary import PageOptions, write_pdf

    app = QGuiApplication.instance() or QGuiApplication(["planner"])
    sections = set(SECTIONS) - (set() if args.scoreboards else {"scoreboards"})
    try:
        pages = write_pdf(summary, args.out, PageOptions(args.paper, args.landscape, 15.0, sections))
    except OSError as exc:
        raise write_failed(args.out, "summary", exc) from exc
    del app
    print(f"Wrote {args.out}: {label}, {len(summary.wigs)} WIGs, {pages} pages.")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    import getpass

    from planner.services.exchange_rows import ExportScope
    from planner.services.output import check_output, write_failed
    from planner.services.report import active_plan_id, resolve_scope
    from planner.services.text import check_text
    from planner.services.xlsx_export import export_workbook
    check_output(args.out, ".xlsx", "workbook")
    exported_by = check_text(args.by or getpass.getuser(), "--by", one_line=True)
    with open_store(args) as store:
        plan_id = active_plan_id(store)
        scope, label = resolve_scope(store, plan_id, department=args.department, division=args.division)
        export_scope = ExportScope(plan_id, scope.id if scope.kind == "department" else None,
                                   scope.id if scope.kind == "division" else None, label)
        try:
            result = export_workbook(store, args.out, export_scope, clock.today(), exported_by)
        except OSError as exc:
            raise write_failed(args.out, "workbook", exc) from exc
    counts = ", ".join(f"{n} {sheet.lower()}" for sheet, n in result.rows.items() if n)
    print(f"Wrote {args.out}: {label}; {counts}.")
    if result.quality:
        print(f"{len(result.quality)} things to check (also on the cover sheet):")
        for line in result.quality[:20]:
            print(f"  - {line}")
        if len(result.quality) > 20:
            print(f"  … and {len(result.quality) - 20} more.")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        return _run_import(args)
    except PlannerError:
        raise
    except Exception as exc:  # never a traceback: each file is its own transaction, so say what stands
        print(f"planner: the import stopped unexpectedly ({type(exc).__name__}: {str(exc)[:200]}). Files reported "
              "above as imported went in; nothing else was changed.", file=sys.stderr)
        return EXIT_PROBLEM


def _print_problems(name: str, problems: list, heading: str) -> None:  # type: ignore[type-arg]
    print(f"{name}: {heading} ({len(problems)} problem{'s' if len(problems) != 1 else ''}):", file=sys.stderr)
    for problem in problems[:50]:
        print(f"  - {problem}", file=sys.stderr)
    if len(problems) > 50:
        print(f"  … and {len(problems) - 50} more.", file=sys.stderr)


def _run_import(args: argparse.Namespace) -> int:
    from planner.services.xlsx_import import apply_import, plan_import
    with open_store(args, read_only=args.dry_run) as store:
        plan = plan_import(store, args.workbooks)
        for name in plan.repeated:
            print(f"{name}: named more than once; imported once.")
        for file in plan.files:
            if file.problems:
                _print_problems(file.path.name, file.problems, "refused, nothing from it was imported")
                continue
            print(f"{file.path.name}: {file.count('add')} to add, {file.count('update')} to update, "
                  f"{file.count('conflict')} in conflict, {file.unchanged} unchanged.")
            for change in (c for c in file.changes if c.action in ("conflict", "older")):
                what = "conflict" if change.action == "conflict" else "older than the workbook already taken"
                print(f"  {what}, left as it is here: {change.sheet} {change.uuid} ({change.detail or change.label})")
            for note in file.notes:
                print(f"  note: {note}")
            for change in (c for c in file.changes if c.action == "locked"):
                print(f"  locked period, left as it is here: {change.sheet} {change.uuid} ({change.label})")
        if not args.dry_run:
            result = apply_import(store, plan)
            for name, message in result.failed.items():
                print(f"{name}: refused, nothing from it was imported: {message}", file=sys.stderr)
            if result.files_in:
                print(f"Imported {', '.join(result.files_in)}: {result.added} added, {result.updated} updated.")
            if result.files_refused and result.files_in:
                print("The other files went in; fix the refused ones and import them again.")
    refused = any(f.problems for f in plan.files)
    conflicts = any(c.action in ("conflict", "locked") for f in plan.files for c in f.changes)
    return EXIT_PROBLEM if refused or conflicts else EXIT_OK


def _cmd_log(args: argparse.Namespace) -> int:
    import getpass

    from planner.services.measurements import NeedsConfirmation, find_measure, log_value, parse_value, subject_info
    with open_store(args) as store:
        if args.by:
            store.actor = args.by  # the change history names the person the value is logged by
        key = find_measure(store, args.measure)
        subject = subject_info(store, key)
        try:
            logged = log_value(store, key, args.period, args.value, note=args.note, evidence=args.evidence,
                               entered_by=args.by or getpass.getuser(), replace=args.replace,
                               outside_year_ok=args.outside_plan_year)
        except NeedsConfirmation as exc:
            flag = "--replace" if exc.reason == "replace" else "--outside-plan-year"
            print(f"planner: {one_line(f'{args.file.name}: {exc.message}')} Nothing was written; add {flag} to log "
                  "it anyway.", file=sys.stderr)
            return EXIT_PROBLEM
    what = "Replaced the value" if logged.replaced else "Logged"
    # What was stored, as the plan shows it (4,512.75 typed is 4,512.75 stored; never the typed text echoed).
    print(f"{what}: {subject.name} = {subject.format(*parse_value(subject, args.value))} for {args.period}.")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from planner.services.plan_file import init_district_server, new_plan_file, plan_counts

    if args.server:
        from planner.store import init_server

        store = init_server(args.server) if args.empty else init_district_server(args.server)
    else:
        store = new_plan_file(args.file, empty=args.empty)
    try:
        counts = plan_counts(store)
        name = store.path.name if store.on_server else args.file
    finally:
        store.close()
    what = "an empty plan file" if args.empty else "the district's default plan"
    print(f"{'Set up' if args.server else 'Created'} {name} with {what}.")
    for plan in counts:
        print(f"  {plan.plan}: " + ", ".join(f"{n} {label}" for label, n in plan.labelled()))
    return EXIT_OK


def _cmd_server(args: argparse.Namespace) -> int:
    """`planner server init`: the schema on the server (the same revisions a file gets) and the district plan;
    `planner server grant`: a role's department, in the table the central office keeps."""
    from planner.services.plan_file import init_district_server, plan_counts

    if args.server_command in ("take", "send"):
        return _take_or_send(args)
    if args.server_command == "grant":
        from planner.services.report import active_plan_id, resolve_scope
        from planner.services.text import check_text
        from planner.store import grant_role

        role = check_text(args.role, "--role", one_line=True)
        with open_store(args) as store:
            department = None
            if args.department:
                scope, _label = resolve_scope(store, active_plan_id(store), department=args.department)
                department = scope.id
            grant_role(store, role, department)
        what = f"the rows of {args.department}" if args.department else "everything, as the central office"
        print(f"{role} may now change {what} on {store.path.name}.")
        return EXIT_OK

    if args.from_file is not None:
        return _copy_to_server(args)
    store = init_district_server(args.server)
    try:
        revision = store.schema_revision()
        counts = plan_counts(store)
    finally:
        store.close()
    print(f"District server {store.path.name}: schema {revision} (current).")
    for plan in counts:
        print(f"  {plan.plan}: " + ", ".join(f"{n} {label}" for label, n in plan.labelled()))
    return EXIT_OK


def _copy_to_server(args: argparse.Namespace) -> int:
    """`planner server init --server URL --from FILE`: a district's plan file moved onto an empty server."""
    import time

    from planner.services.plan_file import plan_counts
    from planner.store import open_server
    from planner.store.copy_to_server import copy_file_to_server

    started = time.monotonic()
    shown_at = [0.0]

    def progress(table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - shown_at[0] >= 2:  # each table once, a large one every two seconds
            shown_at[0] = now
            print(f"  {table.replace('_', ' ')}: {done:,} of {total:,} rows", flush=True)

    print(f"Copying {args.from_file} onto {shown_url_of(args.server)} (one transaction: all or nothing)…",
          flush=True)
    copied = copy_file_to_server(args.from_file, args.server, progress)
    with open_server(args.server) as store:
        counts = plan_counts(store)
    print(f"Copied {copied.total:,} rows of {args.from_file.name} onto {copied.database} in "
          f"{time.monotonic() - started:.1f} s: schema {copied.revision} (current).")
    for plan in counts:
        print(f"  {plan.plan}: " + ", ".join(f"{n} {label}" for label, n in plan.labelled()))
    return EXIT_OK


def shown_url_of(url: str) -> str:
    from planner.store.server import shown_url

    return shown_url(url)


def _take_or_send(args: argparse.Namespace) -> int:
    import getpass

    from planner.services.offline import send_back, take_offline
    from planner.services.text import check_text
    from planner.store import open_plan_file, open_server

    by = check_text(args.by or getpass.getuser(), "--by", one_line=True)
    with open_server(args.server) as server:
        if args.server_command == "take":
            take_offline(server, args.department, args.file, clock.today(), by).close()
            print(f"Took {args.department} from {server.path.name} into {args.file}; send it back with "
                  f"planner server send.")
            return EXIT_OK
        with open_plan_file(args.file) as laptop:
            sent = send_back(laptop, server, args.department, clock.today(), by)
    file = sent.file
    for problem in file.problems:
        print(f"  refused: {problem}", file=sys.stderr)
    print(f"Sent {args.department} back to {server.path.name}: {sent.result.added} added, {sent.result.updated} "
          f"updated, {file.count('conflict')} in conflict (left as they are on the server), {file.unchanged} "
          "unchanged.")
    for change in (c for c in file.changes if c.action in ("conflict", "locked")):
        print(f"  {change.action}, left as it is on the server: {change.sheet} {change.uuid} "
              f"({change.detail or change.label})")
    for line in sent.not_sent:  # never a silent success while something done offline stayed behind
        print(f"  not sent: {line}", file=sys.stderr)
    return EXIT_PROBLEM if file.problems or file.count("conflict") or sent.not_sent else EXIT_OK


def _check_server(args: argparse.Namespace) -> int:
    from planner.services.plan_file import plan_counts

    with open_store(args, read_only=True) as store:
        revision = store.schema_revision()
        counts = plan_counts(store)
        name = store.path.name
    print(f"District server:  {name}")
    print(f"Schema version:   {revision} (current)")
    for plan in counts:
        print(f"\n{plan.plan}{' (archived)' if plan.archived else ''}")
        for label, count in plan.labelled():
            print(f"  {label + ':':24}{count:>6}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from planner.services.plan_file import check_plan_file

    if args.server:
        return _check_server(args)

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
        print(f"PROBLEM: {report.path.name}: {problem}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEM


def _about(args: argparse.Namespace, exc: PlannerError) -> str:
    """The file a refusal is about, when its message does not already name one: every line names its file."""
    if isinstance(exc, PlanFileError | OutputPathError) or getattr(args, "file", None) is None:
        return ""
    return f"{args.file.name or args.file}: "


def one_line(message: str) -> str:
    """A refusal as one line of the terminal: a typed value's line breaks and control characters are shown,
    not obeyed (a value holding a newline or an escape sequence cannot forge or hide a line)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in message)


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    # A refusal is printed in words; the driver's own text behind it is for a log, not for the terminal
    # (Python would print an unhandled warning there: "a change was refused: permission denied … (ProgrammingError)").
    planner_log = logging.getLogger("planner")
    if not planner_log.handlers:
        planner_log.addHandler(logging.NullHandler())
    parser = _parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from planner.selftest import run_self_test

        return run_self_test()
    try:
        if args.command == "new":
            return _cmd_new(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "log":
            return _cmd_log(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "import":
            return _cmd_import(args)
        if args.command in ("year", "due"):
            return cli_years.run(args)
        if args.command == "server":
            return _cmd_server(args)
    except PlannerError as exc:
        print(f"planner: {one_line(_about(args, exc) + str(exc))}", file=sys.stderr)
        return EXIT_PROBLEM
    except BrokenPipeError:  # `planner check | head`: the reader left; not an error worth a traceback
        sys.stderr.close()
        return EXIT_OK
    from planner.ui.app import run_gui  # Qt is loaded only when a window is wanted

    return run_gui(args.db, args.server)
