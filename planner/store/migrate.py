"""Alembic revisions shipped inside the package, run on open after a backup copy of the file."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


@functools.cache
def head_revision() -> str:
    """The newest revision shipped (read once: the scripts do not change while Planner runs)."""
    head = script_directory().get_current_head()
    assert head is not None
    return head


@functools.cache
def known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in script_directory().walk_revisions())


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` in one transaction: the file ends at the new revision or unchanged."""
    _run(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate back to `revision` (for tests and support), in one transaction like `upgrade`."""
    _run(engine, lambda cfg: command.downgrade(cfg, revision))


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """SQLite's own procedure for changing tables: foreign keys off while the migration runs (a table that
    batch mode copies and moves is dropped, and that drop must not cascade to the rows pointing at it),
    every reference checked before the commit, foreign keys back on after."""
    cfg = _config()
    if engine.dialect.name != "sqlite":  # a server changes tables in place, in one transaction, keys on
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg)
        return
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")  # outside a transaction, where SQLite honours it
        try:
            with connection.begin():
                cfg.attributes["connection"] = connection
                step(cfg)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left {len(broken)} broken references, first {broken[0]}")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
