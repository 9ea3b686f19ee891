"""Hostile command lines: random subcommands with option values drawn from texts a person or a script could
hand the program (huge and odd years, decimal commas, control characters, empty, very long, paths that are
folders, pipes, unwritable places, links). Whatever the command line, the answer is a success or a refusal
that exits non-zero with one line per problem naming its file, never a traceback, and a refused command
leaves the plan file's bytes, rows and -wal as they were.

The generated cases run in-process (planner.cli.main) for speed; the kept examples below them, some as real
processes, are the tracebacks and wrong answers the generated cases found."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from planner.cli import main
from tests.test_adversarial_plan_files import snapshot, unchanged

ROOT = Path(__file__).resolve().parents[1]
MEASURE = "Chronic absenteeism rate"  # quarterly, in percent
# No shrinking: each case is a whole command run on a fresh file, and shrinking one failure took minutes;
# the failing case is printed as generated, which names the command line in full.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
SETTINGS = settings(max_examples=int(os.environ.get("PLANNER_ADVERSARIAL_EXAMPLES", "250")), deadline=None,
                    derandomize=True, phases=NO_SHRINK,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _a_widgets_application(qapp: object) -> None:
    """`planner report` run in-process makes a QGuiApplication when none exists, and a later window test in the
    same run cannot make its widgets under one: the widgets' application is made first (pytest-qt's qapp)."""

HOSTILE_TEXTS = [
    "", " ", "\t", "Q1 9999-00", "0001-01-01", "9999-12-31", "2199-12-31", "1899-12-31", "1900-01-01",
    "Q3 2199-00", "Q1 1899-00", "99999-01", "2024-13", "2024-02-30", "02/30/2024", "9/1/2024", "Q1 2024-25",
    "Q9 2024-25", "S1 2024-25", "2024-25", "2024-09", "Sep 2024", "12,5", "4,512.75", "1,234", "12,50",
    "1e400", "-1e400", "nan", "inf", "-0", "1_000", "١٢", "２０２４", "done", "not done", "45.5%", "100.0001",
    "\x00", "\x07bell", "a\nb", "\r", "\x1b[31mred\x1b[0m", "\u202ereversed", "💥", "x" * 5000,
    "9" * 40, "--value", "-h", "Q1\x002024-25",
]
hostile = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(max_size=30))
period = st.one_of(hostile, st.sampled_from(["Q1 2024-25", "Q2 2024-25", "2024-10-15", "10/15/2024"]))
value = st.one_of(hostile, st.sampled_from(["21", "21.5", "4,512.75", "0", "100"]))
measure = st.one_of(st.just(MEASURE), hostile, st.uuids().map(str))

# Where a path option points. "plan" is the good file; the others are each a door someone has opened.
PATH_KINDS = ["plan", "plan", "link-to-plan", "folder", "fifo", "missing", "missing-folder", "through-a-file",
              "proc", "dangling-link", "long", "empty", "text"]


def place(kind: str, folder: Path, plan: Path, suffix: str, text: str) -> str:
    if kind == "plan":
        return str(plan) if suffix == ".planner" else str(folder / f"out{suffix}")
    if kind == "link-to-plan":
        link = folder / f"link{suffix}"
        if not link.is_symlink():
            link.symlink_to(plan if suffix == ".planner" else folder / f"elsewhere{suffix}")
        return str(link)
    if kind == "folder":
        (folder / f"a-folder{suffix}").mkdir(exist_ok=True)
        return str(folder / f"a-folder{suffix}")
    if kind == "fifo":
        pipe = folder / f"a-pipe{suffix}"
        if not pipe.exists():
            os.mkfifo(pipe)
        return str(pipe)
    if kind == "missing":
        return str(folder / f"missing{suffix}")
    if kind == "missing-folder":
        return str(folder / "no-such-folder" / f"x{suffix}")
    if kind == "through-a-file":
        return str(plan / f"x{suffix}")
    if kind == "proc":
        return f"/proc/planner-test{suffix}"
    if kind == "dangling-link":
        link = folder / f"dangling{suffix}"
        if not link.is_symlink():
            link.symlink_to(folder / "nothing-here")
        return str(link)
    if kind == "long":
        return str(folder / ("n" * 300 + suffix))
    if kind == "empty":
        return ""
    # Typed text, kept inside the test's folder (an absolute or relative name could land anywhere).
    return str(folder / ("typed-" + text.replace("/", "_")))


paths = st.tuples(st.sampled_from(PATH_KINDS), st.text(max_size=20))


@st.composite
def command_lines(draw: st.DrawFn) -> tuple[str, list]:
    """A subcommand and its arguments; paths are (kind, text) pairs placed once the folder exists."""
    command = draw(st.sampled_from(["log", "log", "log", "check", "new", "export", "report"]))
    # Half the commands name the good plan file, so the values, not only the paths, are tried against it.
    args: list = [command, "--db", ("db", draw(st.one_of(st.just(("plan", "")), paths)))]
    if command == "log":
        if draw(st.booleans()):  # a well-formed value, so the hostile note, name or path meets the write path
            args += ["--measure", MEASURE, "--period", draw(st.sampled_from(["Q1 2024-25", "2024-10-15"])),
                     "--value", draw(st.sampled_from(["21", "4.5", "100%"]))]
        else:
            args += ["--measure", draw(measure), "--period", draw(period), "--value", draw(value)]
        for option in ("--note", "--evidence", "--by"):
            if draw(st.booleans()):
                args += [option, draw(hostile)]
        args += [flag for flag in ("--replace", "--outside-plan-year") if draw(st.booleans())]
    elif command == "new":
        args += ["--empty"] if draw(st.booleans()) else []
    elif command in ("export", "report"):
        suffix = ".xlsx" if command == "export" else ".pdf"
        args += ["--out", (suffix, draw(paths))]
        if draw(st.booleans()):
            args += [draw(st.sampled_from(["--department", "--division"])), draw(hostile)]
        if command == "report":
            if draw(st.booleans()):
                args += ["--as-of", draw(st.one_of(hostile, st.just("2025-01-15")))]
            if draw(st.booleans()):
                args += ["--pillar", draw(st.one_of(hostile, st.just("Ae")))]
        elif draw(st.booleans()):
            args += ["--by", draw(hostile)]
    if draw(st.integers(0, 9)) == 0:  # now and then a stray word or option
        args.insert(draw(st.integers(1, len(args))), draw(st.sampled_from(["--bogus", "extra", "-x", "--db"])))
    return command, args


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: a usage error is exit 2 with its usage line
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def check_answer(code: int, err: str, argv: list[str], named: list[str]) -> None:
    assert "Traceback" not in err, f"{argv!r}\n{err}"
    assert code in (0, 1, 2), f"exit {code} for {argv!r}\n{err}"
    if code == 2:
        assert "usage: planner" in err, err
        return
    if code == 1:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines, f"refused without a word: {argv!r}"
        for line in lines:
            assert line.startswith(("planner: ", "PROBLEM: ")), f"not a planner's message: {line!r}"
            assert any(name and name in line for name in named), f"the line names no file: {line!r}"


@SETTINGS
@given(case=command_lines())
def test_any_command_line_gets_a_success_or_one_clear_refusal(default_plan_template: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             case: tuple[str, list]) -> None:
    command, spec = case
    with tempfile.TemporaryDirectory(prefix="planner-cli-") as tmp:
        folder = Path(tmp)
        plan = folder / "plan.planner"
        shutil.copyfile(default_plan_template, plan)
        argv: list[str] = []
        for item in spec:
            if isinstance(item, tuple):
                suffix = ".planner" if item[0] == "db" else item[0]
                kind, text = item[1]
                if command == "new" and kind == "plan":
                    kind = "missing"  # `new` of the good name is its own case: the file exists
                argv.append(place(kind, folder, plan, suffix, text))
            else:
                argv.append(item)
        before = snapshot(plan)
        code, _out, err = run(argv, capsys)
        event(f"{command} exit {code}")
        named = [Path(a).name for a in argv if a] + [a for a in argv if a]
        named += [str(folder), "/proc", "“.”", "No file name was given"]  # a long name is shown cut
        check_answer(code, err, argv, named)
        if code != 0 or command == "check":
            unchanged(before, snapshot(plan), plan)
        elif command in ("new", "report"):  # a new file beside it, the plan itself untouched
            unchanged(before, snapshot(plan), plan, folder=False)


# --- Kept examples -------------------------------------------------------------------------------------------

LOG = ["log", "--measure", MEASURE]


@pytest.mark.parametrize(("period_text", "words"), [
    ("Q1 9999-00", "names the year 9999, outside the years Planner works with (1900 to 2199)"),
    ("0001-01-01", "0001-01-01 is outside the dates Planner works with"),
    ("99999-01", "names the year 99999"),
    ("Q3 2199-00", "(2200-01-01 to 2200-03-31) is outside the dates Planner works with"),
    ("2024-02-30", "is not a day of the calendar"),
])
def test_a_period_planner_cannot_work_with_is_refused_when_typed(plan_path: Path, period_text: str, words: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(plan_path)
    code, _out, err = run([*LOG, "--db", str(plan_path), "--period", period_text, "--value", "3",
                           "--outside-plan-year"], capsys)
    assert code == 1 and "Traceback" not in err and words in err and "plan.planner: " in err
    unchanged(before, snapshot(plan_path), plan_path)


def test_a_value_logged_at_the_edge_of_the_calendar_can_still_be_exported(plan_path: Path, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """9999-12-31 used to be accepted with --outside-plan-year, after which no export worked."""
    code, _out, err = run([*LOG, "--db", str(plan_path), "--period", "9999-12-31", "--value", "3",
                           "--outside-plan-year"], capsys)
    assert code == 1 and "outside the dates Planner works with" in err
    code, _out, err = run([*LOG, "--db", str(plan_path), "--period", "2199-12-31", "--value", "3",
                           "--outside-plan-year"], capsys)
    assert code == 0, err
    code, _out, err = run(["export", "--db", str(plan_path), "--out", str(tmp_path / "all.xlsx")], capsys)
    assert code == 0, err


@pytest.mark.parametrize(("typed", "answer"), [
    ("12,5", "decimal comma"), ("12,50", "decimal comma"), ("1_000", "is not a number"),
    ("١٢", "is not a number"), ("nan", "must be a number"), ("1e400", "must be a number")])
def test_an_ambiguous_or_foreign_number_is_refused_not_misread(plan_path: Path, typed: str, answer: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(plan_path)
    code, _out, err = run([*LOG, "--db", str(plan_path), "--period", "Q1 2024-25", "--value", typed], capsys)
    assert code == 1 and answer in err and "Traceback" not in err
    if answer == "decimal comma":
        assert f"Write the decimal with a point: {typed.replace(',', '.')}." in err
    unchanged(before, snapshot(plan_path), plan_path)


def test_a_thousands_separator_is_read_and_printed_as_stored(plan_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["log", "--db", str(plan_path), "--measure", MEASURE, "--period", "Q1 2024-25",
                          "--value", "4,5"], capsys)
    assert code == 1 and "decimal comma" in err
    code, out, err = run(["log", "--db", str(plan_path), "--measure", MEASURE, "--period", "Q1 2024-25",
                          "--value", "1,000.5"], capsys)
    assert code == 1 and "1,000.5% is outside 0 to 100" in err  # read as 1000.5, not 1.0005 or 10005
    code, out, err = run(["log", "--db", str(plan_path), "--measure", MEASURE, "--period", "Q1 2024-25",
                          "--value", "45.5%"], capsys)
    assert code == 0 and "= 45.5% for Q1 2024-25" in out


@pytest.mark.parametrize(("option", "text", "words"), [
    ("--note", "rang the \x07 bell", "The note holds a control character (\\x07)"),
    ("--by", "Ana\nBob", "holds a line break"),
    ("--evidence", "\x1b[31mred", "control character (\\x1b)"),
])
def test_text_a_workbook_cannot_carry_is_refused_when_typed(plan_path: Path, option: str, text: str, words: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(plan_path)
    code, _out, err = run([*LOG, "--db", str(plan_path), "--period", "Q1 2024-25", "--value", "21", option, text],
                          capsys)
    assert code == 1 and words in err and len(err.strip().splitlines()) == 1
    unchanged(before, snapshot(plan_path), plan_path)


def test_a_typed_newline_cannot_forge_a_second_line(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["log", "--db", str(plan_path), "--measure", "x\nplanner: all fine", "--period",
                           "Q1 2024-25", "--value", "1"], capsys)
    assert code == 1 and err.count("\n") == 1 and "“x\\nplanner: all fine”" in err


@pytest.mark.parametrize(("as_of", "words"), [("0001-01-01", "outside the dates Planner works with"),
                                              ("9999-12-31", "outside the dates"), ("", "the date is missing"),
                                              ("soon", "is not a date Planner can read")])
def test_report_as_of_is_read_by_the_date_reader(plan_path: Path, tmp_path: Path, as_of: str, words: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(["report", "--db", str(plan_path), "--out", str(tmp_path / "s.pdf"), "--as-of", as_of],
                          capsys)
    assert code == 1 and words in err and "--as-of must be a date" in err
    assert not (tmp_path / "s.pdf").exists()


@pytest.mark.parametrize("command", ["export", "report"])
@pytest.mark.parametrize(("where", "words"), [
    ("FOLDER", "is a folder; give the"), ("FIFO", "is a named pipe"), ("/proc/x", "cannot be written in “/proc”"),
    ("PLAN/x", "part of that path is a file"), ("TMP/none/x", "does not exist")])
def test_out_that_cannot_be_written_is_refused_before_the_work(plan_path: Path, tmp_path: Path, command: str,
                                                               where: str, words: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    suffix = ".xlsx" if command == "export" else ".pdf"
    out = {"FOLDER": tmp_path / f"dir{suffix}", "FIFO": tmp_path / f"pipe{suffix}"}.get(where)
    if where == "FOLDER":
        out.mkdir()
    elif where == "FIFO":
        os.mkfifo(out)
    else:
        out = Path(where.replace("PLAN", str(plan_path)).replace("TMP", str(tmp_path)) + suffix)
    before = snapshot(plan_path)
    code, _out, err = run([command, "--db", str(plan_path), "--out", str(out)], capsys)
    assert code == 1 and words in err and "Traceback" not in err, err
    unchanged(before, snapshot(plan_path), plan_path)


def test_export_into_a_folder_nobody_may_write_is_refused(default_plan_template: Path) -> None:
    """As root every folder is writable, so the child becomes `nobody` (as tests/test_hostile_files.py does)."""
    shared = Path(tempfile.mkdtemp(prefix="planner-cli-ro-"))
    try:
        shared.chmod(0o755)
        plan = shared / "plan.planner"
        shutil.copyfile(default_plan_template, plan)
        locked = shared / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        child = (
            "import json, os, sys\n"
            "from planner.cli import main\n"
            "import planner.services.output, planner.services.report, planner.services.xlsx_export\n"
            "import planner.services.exchange_rows, planner.services.text, planner.store\n"
            "if os.geteuid() == 0:\n    os.setgid(65534); os.setuid(65534)\n"
            "print(json.dumps(main(['export', '--db', sys.argv[1], '--out', sys.argv[2]])))\n")
        result = subprocess.run([sys.executable, "-c", child, str(plan), str(locked / "out.xlsx")],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert json.loads(result.stdout.strip().splitlines()[-1]) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "The workbook cannot be written in" in result.stderr and "Permission denied" in result.stderr
        assert list(locked.iterdir()) == []
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.parametrize("argv", [
    ["log", "--measure", MEASURE, "--period", "Q1 9999-00", "--value", "3"],
    ["log", "--measure", MEASURE, "--period", "Q1 2024-25", "--value", "12,5"],
    ["report", "--out", "/proc/x.pdf"],
    ["report", "--out", "OUT.pdf", "--as-of", "0001-01-01"],
])
def test_as_a_real_process(plan_path: Path, tmp_path: Path, argv: list[str]) -> None:
    argv = [a.replace("OUT", str(tmp_path / "s")) for a in argv]
    before = snapshot(plan_path)
    result = subprocess.run([sys.executable, "-m", "planner", argv[0], "--db", str(plan_path), *argv[1:]],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: "), result.stderr
    unchanged(before, snapshot(plan_path), plan_path)


def test_a_file_name_that_is_not_utf8_is_shown_not_a_crash(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/plan-\xff.planner"
    new = subprocess.run([sys.executable, "-m", "planner", "new", "--db", name], capture_output=True, cwd=ROOT,
                         timeout=120)
    assert new.returncode == 0 and b"Traceback" not in new.stderr
    bad = subprocess.run([sys.executable, "-m", "planner", "log", "--db", name, "--measure", MEASURE, "--period",
                          "Q1 2024-25", "--value", "12,5"], capture_output=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 1 and b"Traceback" not in bad.stderr and b"decimal comma" in bad.stderr


def test_the_window_refuses_the_same_places_with_the_same_words(qtbot, qt_isolated: Path,  # type: ignore[no-untyped-def]
                                                                plan_path: Path, tmp_path: Path) -> None:
    from planner.ui.app import data_folder
    from planner.ui.main_window import MainWindow
    from tests.test_gui import ScriptedPrompter

    folder = tmp_path / "summary.pdf"
    folder.mkdir()
    w = MainWindow(data_dir=data_folder(), prompter=ScriptedPrompter(save_path=folder))
    qtbot.addWidget(w)
    assert w.open_path(plan_path)
    before = snapshot(plan_path)
    w.export_summary_pdf()
    assert [str(e) for e in w.prompter.errors][-1].startswith(f"“{folder}” is a folder; give the summary a file")
    w.prompter.answers["save_path"] = Path("/proc/planner-test.xlsx")
    w.export_workbook()
    assert "The workbook cannot be written in “/proc”" in str(w.prompter.errors[-1])
    w.close()
    unchanged(before, snapshot(plan_path), plan_path, folder=False)
