"""Shared fixtures. Qt runs headless; settings and data folders are per test, never the user's own."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One calendar for every test and every program a test starts: never the real date (planner/clock.py).
os.environ["PLANNER_TODAY"] = "2026-12-01"
os.environ.setdefault("PLANNER_SYNC_TASKS", "1")  # background work runs inline; one test checks the real thing

from planner.services.plan_file import new_plan_file
from planner.store import PlanStore, open_plan_file

# The district's documents, copied from the shared seeds so a clone with nothing beside it can check the
# default plan against them (tests/data/seeds/README.md says what each file is).
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"


def fetch_one(where_from: object, model: type, **where: object):  # type: ignore[no-untyped-def]
    """The first row of `model` matching `where` (a value with % is a LIKE pattern), read from a store or a
    window's store: what the GUI tests check after the clicks."""
    from sqlalchemy import select

    store = getattr(where_from, "store", where_from)
    with store.reader() as s:  # type: ignore[attr-defined]
        stmt = select(model)
        for name, value in where.items():
            column = getattr(model, name)
            stmt = stmt.where(column.like(value) if isinstance(value, str) and "%" in value else column == value)
        return s.scalars(stmt).first()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_tool(name): needs a Debian tool; a skip fails in CI")


def require_tool(name: str) -> None:
    """Skip when a system tool is missing, except in CI (PLANNER_REQUIRE_TOOLS=1), where that fails."""
    if shutil.which(name):
        return
    if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required in CI (PLANNER_REQUIRE_TOOLS=1) but is not installed")
    pytest.skip(f"{name} is not installed")


@pytest.fixture(scope="session")
def default_plan_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file with the default plan, built once; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "template.planner"
    new_plan_file(path).close()
    return path


@pytest.fixture
def plan_path(tmp_path: Path, default_plan_template: Path) -> Path:
    path = tmp_path / "plan.planner"
    shutil.copyfile(default_plan_template, path)
    return path


# The services' own tests, run on a plan file and on a district server (PostgreSQL): every test of these
# modules that reaches `store` (itself or through a fixture, such as test_exchange_merge's `seeded`) and not the
# file behind it runs once on each.
BOTH_BACKENDS = {"test_plan_edit", "test_measurements", "test_progress", "test_due", "test_history", "test_years",
                 "test_projects", "test_report", "test_exchange", "test_exchange_merge", "test_status_summaries",
                 "test_status_snapshot"}
# Modules run a third time signed in as a role the central office granted (planner server grant), not as the
# superuser, whose rights pass row-level security by: the policies, rights triggers and history triggers are
# then those a district's people meet. (A lead's role is refused the other departments' rows these tests
# seed; tests/test_server_*.py work as leads.)
AS_ROLE = {"test_measurements": "office", "test_due": "office"}

FILE_WORDS = ("sqlite3", "PRAGMA", "sqlite_", "store.path", '"--db"')
# SQLite's triggers name every column; the server's one trigger function reads the row whole
# (tests/test_server_store.py checks every audited table has it).
FILE_ONLY = {"test_every_audited_table_has_triggers_matching_its_columns"}


def _source_of_fixtures(metafunc: pytest.Metafunc) -> str:
    """The test's own source and that of the module's fixtures it reaches (a fixture may hand on the file)."""
    import contextlib
    import inspect

    sources = [inspect.getsource(metafunc.function)]
    for name in metafunc.fixturenames:
        for fixture in metafunc._arg2fixturedefs.get(name, ()):
            if getattr(fixture, "baseid", "").startswith("tests/conftest.py") or fixture.baseid == "":
                continue  # the shared fixtures (store, server_url, …) are the backends themselves
            with contextlib.suppress(OSError, TypeError):
                sources.append(inspect.getsource(fixture.func))
    return "\n".join(sources)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module not in BOTH_BACKENDS:
        return
    names = set(metafunc.fixturenames)
    # A test that reads the file with SQLite's own tools, or hands the file to the CLI, is a test of the file.
    source = _source_of_fixtures(metafunc)
    of_the_file = metafunc.function.__name__ in FILE_ONLY or any(word in source for word in FILE_WORDS)
    import inspect

    asked = inspect.signature(metafunc.function).parameters
    if "store" in names and "plan_path" not in names and "backend" not in asked and not of_the_file:
        backends = ["sqlite", "postgresql"] + ([f"postgresql-{AS_ROLE[module]}"] if module in AS_ROLE else [])
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


class PgCluster:
    """A throwaway PostgreSQL cluster for the tests: its own data folder and socket, no TCP port, trust
    authentication (any role signs in by name; a district's server would ask for a password, which libpq
    reads from the person's password file)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="planner-pg-"))
        self.data, self.socket = self.root / "data", self.root / "sock"
        self.socket.mkdir()
        self._as_root = os.geteuid() == 0  # postgres refuses to run as root: run it as the postgres user
        self.superuser = "postgres" if self._as_root else os.environ.get("USER", "postgres")
        self._names = itertools.count()
        if self._as_root:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.superuser, "-E", "UTF8",
                  "--no-sync")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.root / "log"), "-o",
                  f"-k {self.socket} -c listen_addresses='' -F -c max_connections=200", "start")

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bindir / tool), *args]
        if self._as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, text=True)

    def url(self, database: str, user: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@/{database}?host={self.socket}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str | None = None) -> str:
        name = f"planner_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def postgres_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = postgres_bindir()
    if bindir is None:
        require_tool("pg_ctl")  # fails in CI (PLANNER_REQUIRE_TOOLS=1), skips elsewhere
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if os.environ.get("PLANNER_REQUIRE_TOOLS") == "1":
            pytest.fail("psycopg is required in CI (PLANNER_REQUIRE_TOOLS=1) but is not installed")
        pytest.skip("psycopg (the PostgreSQL driver) is not installed")
    assert bindir is not None
    cluster = PgCluster(bindir)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def server_template(pg_cluster: PgCluster) -> str:
    """A database set up by `planner server init` with the district plan, copied for each test."""
    from planner.services.plan_file import init_district_server

    name = pg_cluster.new_database()
    init_district_server(pg_cluster.url(name)).close()
    return name


@pytest.fixture
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh district server database holding the default plan (a copy of the template), dropped after."""
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    template: str = request.getfixturevalue("server_template")
    name = cluster.new_database(template)
    yield cluster.url(name)
    cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server_roles(pg_cluster: PgCluster, server_url: str) -> dict[str, str]:
    """Three people's own roles on `server_url` (made by the server's administrator, granted by the central
    office): "wellness" leads Student Wellness, "data" leads Data Strategy, "office" is the central office.
    Each maps to a URL signing in as that role."""
    import uuid

    from planner.cli import main

    suffix = uuid.uuid4().hex[:8]
    names = {"wellness": f"lead_wellness_{suffix}", "data": f"lead_data_{suffix}", "office": f"office_{suffix}"}
    for name in names.values():
        pg_cluster.admin(f"CREATE ROLE {name} LOGIN")
    for key, scope in (("wellness", ["--department", "Student Wellness"]), ("data", ["--department", "Data Strategy"]),
                       ("office", ["--central-office"])):
        assert main(["server", "grant", "--server", server_url, "--role", names[key], *scope]) == 0
    return {key: server_url.replace(f"{pg_cluster.superuser}@", f"{name}@") for key, name in names.items()}


@pytest.fixture
def store(request: pytest.FixtureRequest, backend: str) -> Iterator[PlanStore]:
    if backend.startswith("postgresql"):
        from planner.store import open_server

        url = request.getfixturevalue("server_url")
        if backend != "postgresql":  # signed in as a role the central office granted, not the superuser
            url = request.getfixturevalue("server_roles")["wellness" if backend.endswith("lead") else "office"]
        s = open_server(url)
    else:
        s = open_plan_file(request.getfixturevalue("plan_path"))
    yield s
    s.close()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"the district's seed documents are expected at {SEEDS}")
    return SEEDS


@pytest.fixture
def qt_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """QSettings and QStandardPaths pointed into tmp_path, so no test touches a real profile."""
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

    from planner import APP_NAME, ORG_NAME

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    QCoreApplication.setOrganizationName(ORG_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield home
    QStandardPaths.setTestModeEnabled(False)
