"""Engine creation: the only place that sets SQLite pragmas and transaction handling."""

from __future__ import annotations

import os
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from planner.store.audit import context_value

BUSY_TIMEOUT_MS = 5000
# What SQLite accepted as the journal mode, per engine, recorded by each new connection.
_journal_modes: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def journal_mode(engine: Engine) -> str | None:
    """The journal mode the engine's connections run in ("wal", or "delete" where WAL is refused); None
    before the first connection."""
    return _journal_modes.get(engine)


def sqlite_url(path: Path, *, read_only: bool = False) -> str:
    uri = Path(path).resolve().as_uri()  # file:///..., percent-encoded, safe for any name
    mode = "ro" if read_only else "rwc"
    return f"sqlite:///{uri}?mode={mode}{frozen_flag(path) if read_only else ''}&uri=true"


def frozen_flag(path: Path) -> str:
    """Reading a WAL file needs its -shm beside it. Where the folder lets nobody here create one, SQLite is
    told the file cannot change under it (immutable), which is what lets it be read at all: a view only."""
    path = Path(path)
    shm = path.with_name(path.name + "-shm")
    if shm.exists() or os.access(path.parent, os.W_OK | os.X_OK):
        return ""
    return "&immutable=1"


def make_engine(path: Path, *, read_only: bool = False) -> Engine:
    """An engine whose every connection has foreign keys on, WAL (or the rollback journal where WAL is
    refused), synchronous=FULL and a busy timeout, and whose transactions are real SQLite transactions.

    pysqlite's own transaction handling defers BEGIN and commits around DDL; it is switched off and
    SQLAlchemy emits BEGIN itself, so a migration or a user action is committed whole or not at all.
    """
    engine = create_engine(
        sqlite_url(path, read_only=read_only),
        connect_args={"isolation_level": None, "check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        # A small pool: opening SQLite and running the pragmas for every transaction costs more than the
        # transaction. Idle pooled connections hold no lock; PlanStore.close() disposes of them.
        pool_size=2,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        try:
            # Who and why, for the history triggers (audit.py); the same answer for the same arguments within
            # one statement, which is all SQLite's deterministic flag promises.
            dbapi_connection.create_function("planner_context", 1, context_value)
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            if cur.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
                raise RuntimeError("this SQLite build cannot enforce foreign keys")
            if read_only:
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            else:
                mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    # Some file systems (network shares) refuse WAL; the rollback journal is safe there.
                    mode = cur.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            cur.execute("PRAGMA synchronous = FULL")
            _journal_modes[engine] = str(mode).lower()
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine
