"""A district server: the same plan on PostgreSQL.

`open_server(url)` and `init_server(url)` hand back the same `PlanStore` a file gives. The URL goes to libpq
as it is (psycopg is a libpq client), so libpq's own settings work: PGHOST, PGUSER, a service file, the
password file (~/.pgpass). Planner stores no password.

Who and why reach the server's history triggers through the session: every transaction starts by setting
`planner.actor`, `planner.reason` and `planner.batch` with set_config(..., true), which lasts until the
transaction ends. A raw SQL client that sets nothing is recorded under its own role (session_user).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, Engine, create_engine, event, text

from planner.errors import PlanFileError
from planner.store.audit import context_value

SCHEMES = ("postgresql://", "postgres://")
# libpq's key=value form: "host=... dbname=..."; only the names libpq knows are taken for one
_KEY_VALUE = re.compile(r"^\s*(host|hostaddr|port|dbname|user|service|sslmode)\s*=", re.IGNORECASE)


class ServerError(PlanFileError):
    """The district server cannot be reached or does not hold a plan this Planner can open."""


def is_server_url(location: object) -> bool:
    """True for a PostgreSQL connection string (URL or libpq key=value), False for a file path."""
    if not isinstance(location, str):
        return False
    return location.startswith(SCHEMES) or bool(_KEY_VALUE.match(location))


def database_name(url: str) -> str:
    """The database the URL names (what a message calls the plan), or the whole URL when it names none.
    A password in the URL is never part of it."""
    if url.startswith(SCHEMES):
        parts = urlsplit(url)
        name = unquote(parts.path.lstrip("/"))
        return name or (parts.hostname or "the district server")
    found = re.search(r"dbname\s*=\s*(\S+)", url)
    return found.group(1) if found else "the district server"


def shown_url(url: str) -> str:
    """The URL with any password replaced, for messages and the log."""
    if url.startswith(SCHEMES):
        parts = urlsplit(url)
        if parts.password is not None:
            netloc = parts.netloc.replace(f":{parts.password}@", ":…@")
            return parts._replace(netloc=netloc).geturl()
        return url
    return re.sub(r"(password\s*=\s*)\S+", r"\1…", url)


def _driver() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ServerError(Path("server"), "This Planner cannot open a district server: the PostgreSQL driver "
                          "(psycopg) is not installed.",
                          hint="Install Planner with its server part: pip install 'planner[server]'.") from None
    return psycopg


def make_server_engine(url: str) -> Engine:
    """An engine on the server whose every transaction tells the history triggers who and why."""
    psycopg = _driver()

    def connect() -> Any:
        return psycopg.connect(url)

    engine = create_engine("postgresql+psycopg://", creator=connect, pool_size=2, max_overflow=4,
                           pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.execute(text("SELECT set_config('planner.actor', :actor, true), "
                          "set_config('planner.reason', :reason, true), set_config('planner.batch', :batch, true)"),
                     {"actor": context_value("actor"), "reason": context_value("reason"),
                      "batch": context_value("batch")})

    return engine


def reach(url: str, engine: Engine) -> None:
    """Connect once, turning the driver's refusal into words: which server, and what it said."""
    psycopg = _driver()
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect():
            pass
    except (psycopg.Error, DBAPIError) as exc:
        engine.dispose()
        orig = getattr(exc, "orig", None) or exc
        said = " ".join(str(orig).split())[:300]
        raise ServerError(Path(database_name(url)), f"The district server “{shown_url(url)}” cannot be reached: "
                          f"{said}.", hint="Check the address and that you may sign in there (libpq's settings "
                          "and password file are used), then try again.") from None
