"""Damaged, foreign and strange plan files, from every command that opens one: one clear refusal, nothing hangs,
nothing written. Each case checks the exit code, that stderr is one line per problem naming the file (never a
traceback), and that the file and its -wal keep their bytes and rows, with no backup or stray file beside them.

The generated cases (hypothesis, derandomized so CI is reproducible) cross each kind of damage with each
command; the kept examples below them are the tracebacks and wrong answers the generated cases found."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.store import APPLICATION_ID, lock_path, open_plan_file

ROOT = Path(__file__).resolve().parents[1]
MEASURE = "Chronic absenteeism rate"
# No shrinking: each case is a whole command run on a fresh file, and shrinking one failure took minutes;
# the failing case is printed as generated, which names the command line in full.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, phases=NO_SHRINK,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _a_widgets_application(qapp: object) -> None:
    """`planner report` run in-process makes a QGuiApplication when none exists, and a later window test in the
    same run cannot make its widgets under one: the widgets' application is made first (pytest-qt's qapp)."""


# --- What a refusal must look like -------------------------------------------------------------------------


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # absent, a folder, a pipe (never read: reading a pipe waits for a writer)
        return None


def rows(path: Path) -> dict[str, int] | None:
    """Rows per table, read through SQLite's immutable mode so the look itself writes nothing."""
    if not path.is_file() or path.is_symlink():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def snapshot(path: Path) -> dict[str, object]:
    """The plan file's bytes and rows, its -wal's bytes, and the names in its folder."""
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    wal = real.with_name(real.name + "-wal")
    # An empty -wal is no -wal: SQLite's read-only connections leave an empty one (and a -shm) behind, with
    # nothing in them; any content in it is kept byte for byte.
    wal_bytes = digest(wal) if wal.is_file() and wal.stat().st_size else None
    folder = sorted(p.name for p in real.parent.iterdir()) if real.parent.is_dir() else []
    return {"bytes": digest(real) if real.is_file() else None, "rows": rows(real), "wal": wal_bytes,
            "folder": folder}


def unchanged(before: dict[str, object], after: dict[str, object], path: Path, *, folder: bool = True) -> None:
    assert after["bytes"] == before["bytes"], f"{path.name} changed"
    assert after["rows"] == before["rows"], f"{path.name}'s rows changed"
    assert after["wal"] == before["wal"], f"{path.name}-wal changed"
    if not folder:
        return
    real = Path(os.path.realpath(path))
    # SQLite's shared-memory index and the writer lock may be left; a backup, a copy or a journal may not.
    allowed = {real.name + "-shm", lock_path(real).name}
    if after["wal"] is None:
        allowed.add(real.name + "-wal")  # empty, as a read-only look leaves it
    new = set(after["folder"]) - set(before["folder"]) - allowed  # type: ignore[arg-type]
    assert not new, f"left beside {path.name}: {sorted(new)}"


def refused(code: int, err: str, *names: str) -> None:
    assert code == 1, f"exit {code}: {err}"
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "a refusal says why"
    for line in lines:
        assert line.startswith(("planner: ", "PROBLEM: ")), f"not a planner's message: {line!r}"
    if names:
        assert any(name in err for name in names), f"the message does not name the file: {err}"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def commands(path: Path, out_dir: Path) -> dict[str, list[str]]:
    db = str(path)
    return {
        "check": ["check", "--db", db],
        "log": ["log", "--db", db, "--measure", MEASURE, "--period", "Q1 2024-25", "--value", "21"],
        "export": ["export", "--db", db, "--out", str(out_dir / "out.xlsx")],
        "report": ["report", "--db", db, "--out", str(out_dir / "out.pdf")],
    }


# --- The damage --------------------------------------------------------------------------------------------


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _foreign(path: Path, tables: list[str], version: str | None) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for name in tables:
            conn.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, note TEXT)')
            conn.execute(f'INSERT INTO "{name}" (note) VALUES (\'theirs\')')
        if version is not None:
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
            conn.execute("INSERT INTO alembic_version VALUES (?)", (version,))
        conn.commit()
    finally:
        conn.close()


def _squat(path: Path, suffix: str, kind: str) -> None:
    side = Path(f"{path}{suffix}")
    if kind == "folder":
        side.mkdir()
        (side / "keep.txt").write_text("someone's notes")
    else:
        os.mkfifo(side)


def _truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * fraction))])


def _scribble(path: Path, offset: float, length: int, byte: int) -> None:
    data = bytearray(path.read_bytes())
    start = 100 + int((len(data) - 100) * offset)  # past SQLite's header: the pages themselves
    for i in range(start, min(len(data), start + length)):
        data[i] = byte
    path.write_bytes(bytes(data))


def _replace_with(path: Path, make: Callable[[Path], None]) -> None:
    path.unlink()
    make(path)


Damage = tuple[str, Callable[[Path], None], tuple[str, ...]]  # name, how, words the refusal should use

identifiers = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).filter(lambda n: not n.startswith("sqlite"))

damages: st.SearchStrategy[Damage] = st.one_of(
    st.just(("version row deleted", lambda p: _sql(p, "DELETE FROM alembic_version"), ("damaged", "missing"))),
    st.just(("version table dropped", lambda p: _sql(p, "DROP TABLE alembic_version"), ("damaged", "missing"))),
    st.just(("version blank", lambda p: _sql(p, "UPDATE alembic_version SET version_num = ''"),
             ("damaged", "blank"))),
    st.just(("two versions", lambda p: _sql(p, "INSERT INTO alembic_version VALUES ('0005')"),
             ("damaged", "schema versions"))),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=30).filter(
        lambda v: v.strip() and v not in {"0001", "0002", "0003", "0004", "0005", "0006"}).map(
        lambda v: (f"version {v!r}", lambda p: _sql(p, "UPDATE alembic_version SET version_num = "
                                                  + "'" + v.replace("'", "''") + "'"), ("newer",))),
    st.sampled_from(["performance_measure", "wig", "plan"]).map(
        lambda t: (f"table {t} dropped", lambda p: _sql(p, "PRAGMA foreign_keys = OFF", f"DROP TABLE {t}"),
                   ("damaged", t))),
    st.tuples(st.lists(identifiers, min_size=0, max_size=4, unique=True),
              st.sampled_from([None, "0001", "0006", "abc"])).filter(
        lambda tv: not set(tv[0]) & {"plan", "wig", "pillar", "division", "department", "priority", "strategy",
                                     "key_lever", "performance_measure", "strategy_collaborator",
                                     "alembic_version"}).map(
        lambda tv: (f"foreign db {tv}", lambda p: _foreign(p, *tv), ("not a Planner plan file",))),
    st.tuples(st.sampled_from(["-wal", "-shm", "-journal", ".lock"]), st.sampled_from(["folder", "fifo"])).map(
        lambda sk: (f"{sk[1]} at {sk[0]}", lambda p: _squat(p, *sk),
                    ("a folder" if sk[1] == "folder" else "a named pipe",))),
    st.floats(0.0, 0.95).map(lambda f: (f"truncated to {f:.2f}", lambda p: _truncate(p, f), ())),
    st.tuples(st.floats(0, 1), st.integers(1, 20_000), st.integers(0, 255)).map(
        lambda t: (f"scribbled {t}", lambda p: _scribble(p, *t), ())),
    st.just(("empty file", lambda p: p.write_bytes(b""), ("empty",))),
    st.binary(min_size=1, max_size=300).map(lambda b: ("random bytes", lambda p: p.write_bytes(b), ())),
    st.binary(max_size=200).map(lambda b: ("magic then garbage",
                                           lambda p: p.write_bytes(b"SQLite format 3\x00" + b), ())),
    st.just(("other application id", lambda p: _sql(p, "PRAGMA application_id = 1234"),
             ("not a Planner plan file",))),
    st.just(("a folder", lambda p: _replace_with(p, lambda q: q.mkdir()), ("is a folder",))),
    st.just(("a named pipe", lambda p: _replace_with(p, os.mkfifo), ("named pipe",))),
)


@pytest.fixture
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="planner-adv-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@SETTINGS
@given(damage=damages, command=st.sampled_from(["check", "log", "export", "report"]),
       through_link=st.booleans())
def test_a_damaged_file_gets_one_clear_refusal_and_is_not_changed(
        default_plan_template: Path, capsys: pytest.CaptureFixture[str], damage: Damage, command: str,
        through_link: bool) -> None:
    name, damage_it, words = damage
    with tempfile.TemporaryDirectory(prefix="planner-adv-") as tmp:
        folder = Path(tmp)
        path = folder / "plan.planner"
        shutil.copyfile(default_plan_template, path)
        damage_it(path)
        given_path = path
        if through_link:
            given_path = folder / "link.planner"
            given_path.symlink_to(path)
        before = snapshot(path)
        code, _out, err = run(commands(given_path, folder)[command], capsys)
        after = snapshot(path)
        event(f"{command} exit {code}")
        if code == 0:  # damage SQLite cannot see (a scribble on a free page): the command may work
            assert "Traceback" not in err and name.startswith(("scribbled", "truncated")), (name, err)
            return
        refused(code, err, given_path.name, path.name)
        for word in words:
            assert word in err, (name, err)
        unchanged(before, after, path)
        assert not list(folder.glob("*before-upgrade*")), "no backup of a file that was refused"


# --- Kept examples: each was a traceback, a hang or a wrong answer ------------------------------------------


def test_a_named_pipe_is_refused_without_waiting(workdir: Path) -> None:
    fifo = workdir / "plan.planner"
    os.mkfifo(fifo)
    for command in (["check"], ["log", "--measure", MEASURE, "--period", "Q1 2024-25", "--value", "1"]):
        result = subprocess.run([sys.executable, "-m", "planner", *command[:1], "--db", str(fifo), *command[1:]],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "is a named pipe, not a plan file" in result.stderr


def test_a_deleted_version_row_is_damage_for_check_and_log_alike(plan_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _sql(plan_path, "DELETE FROM alembic_version")
    before = snapshot(plan_path)
    for argv in (commands(plan_path, plan_path.parent)["check"], commands(plan_path, plan_path.parent)["log"]):
        code, _out, err = run(argv, capsys)
        refused(code, err, "plan.planner")
        assert "is damaged: its schema version record is missing" in err
    unchanged(before, snapshot(plan_path), plan_path)
    assert not list(plan_path.parent.glob("*before-upgrade*"))  # no stray backup of a migration never run


def test_a_blank_version_is_damage_not_a_newer_planner(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _sql(plan_path, "UPDATE alembic_version SET version_num = ''")
    code, _out, err = run(["check", "--db", str(plan_path)], capsys)
    refused(code, err, "plan.planner")
    assert "schema version record is blank" in err and "newer" not in err and "(schema )" not in err


def test_another_programs_database_with_planners_id_is_refused_before_migration(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workdir / "budget.db"
    path.write_bytes(b"x")
    _foreign(path, ["ledger", "accounts"], None)
    before = snapshot(path)
    for argv in (["log", "--db", str(path), "--measure", MEASURE, "--period", "Q1 2024-25", "--value", "1"],
                 ["check", "--db", str(path)]):
        code, _out, err = run(argv, capsys)
        refused(code, err, "budget.db")
        assert "carrying Planner's mark, but it holds none of a plan's tables" in err
    unchanged(before, snapshot(path), path)
    assert rows(path) == {"ledger": 1, "accounts": 1}  # no Planner table was added to it


def test_a_second_writer_through_a_symbolic_link_is_refused(store: object, plan_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    link = plan_path.with_name("shortcut.planner")
    link.symlink_to(plan_path)
    code, _out, err = run(commands(link, plan_path.parent)["log"], capsys)
    refused(code, err, "shortcut.planner")
    assert "already open in another Planner window" in err
    assert lock_path(link) == lock_path(plan_path)


def test_a_folder_on_the_wal_name_is_called_a_folder(plan_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (plan_path.parent / "plan.planner-wal").mkdir()
    before = snapshot(plan_path)
    code, _out, err = run(["check", "--db", str(plan_path)], capsys)
    refused(code, err, "plan.planner")
    assert "“plan.planner-wal” beside “plan.planner” is a folder" in err and "damaged" not in err
    unchanged(before, snapshot(plan_path), plan_path)


def test_a_folder_and_a_missing_file_are_named_for_what_they_are(workdir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "plans.planner").mkdir()
    code, _out, err = run(["check", "--db", str(workdir / "plans.planner")], capsys)
    refused(code, err, "plans.planner")
    assert "is a folder, not a plan file" in err
    (workdir / "gone.planner").symlink_to(workdir / "nowhere.planner")
    code, _out, err = run(["log", "--db", str(workdir / "gone.planner"), "--measure", MEASURE, "--period",
                           "Q1 2024-25", "--value", "1"], capsys)
    refused(code, err, "gone.planner")
    assert "is a link to" in err and "which does not exist" in err
    code, _out, err = run(["check", "--db", str(workdir / ("n" * 400 + ".planner"))], capsys)
    refused(code, err)
    assert "too long a name" in err


@pytest.mark.parametrize("where", ["/proc/plan.planner", "/proc/no-such/plan.planner", "FILE/plan.planner"])
def test_new_where_no_file_can_be_made_is_refused(workdir: Path, plan_path: Path, where: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = where.replace("FILE", str(plan_path))
    before = snapshot(plan_path)
    code, _out, err = run(["new", "--db", target], capsys)
    refused(code, err, "plan.planner")
    assert "cannot be created" in err
    unchanged(before, snapshot(plan_path), plan_path)


def test_new_in_a_folder_nobody_may_write_is_refused(default_plan_template: Path) -> None:
    """As root every folder is writable, so the child becomes `nobody` (as tests/test_hostile_files.py does)."""
    folder = Path(tempfile.mkdtemp(prefix="planner-ro-"))
    try:
        folder.chmod(0o555)
        child = (
            "import json, os, sys\n"
            "from planner.cli import main\n"
            "import planner.services.plan_file\n"
            "if os.geteuid() == 0:\n    os.setgid(65534); os.setuid(65534)\n"
            "code = main(['new', '--db', sys.argv[1]])\n"
            "print(json.dumps(code))\n")
        result = subprocess.run([sys.executable, "-c", child, str(folder / "plan.planner")], capture_output=True,
                                text=True, cwd=ROOT, timeout=120)
        assert json.loads(result.stdout.strip().splitlines()[-1]) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "may not create files in" in result.stderr and "Permission denied" in result.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_lock_file_that_is_a_folder_is_named(plan_path: Path) -> None:
    lock_path(plan_path).mkdir()
    from planner.errors import BlockedPlanFileError

    with pytest.raises(BlockedPlanFileError, match=r"plan\.planner\.lock"):
        open_plan_file(plan_path)


def test_a_stored_value_damaged_inside_its_page_is_named_as_damage(plan_path: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the generated cases: one byte of a date's text changed passes SQLite's page checks, and reading
    the plan then ended in 'Invalid isoformat string' from deep in the database reader."""
    conn = sqlite3.connect(plan_path)
    conn.create_function("planner_context", 1, lambda _key: "test")  # the change-history triggers ask for it
    conn.execute("UPDATE plan SET created_at = ?", ("2026-12-01 22:44\x0023.179428",))
    conn.commit()
    conn.close()
    before = snapshot(plan_path)
    for argv in (["check", "--db", str(plan_path)], ["export", "--db", str(plan_path), "--out",
                                                      str(tmp_path / "out.xlsx")]):
        code, _out, err = run(argv, capsys)
        refused(code, err, "plan.planner")
        assert "is damaged: a stored value cannot be read" in err
    unchanged(before, snapshot(plan_path), plan_path)
