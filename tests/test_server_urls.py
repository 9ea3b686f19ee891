"""A district server's address may carry a password in any of libpq's three places (user:password@,
?password=, password=... of the key=value form); none of them is ever shown, logged or put in a message."""

from __future__ import annotations

import logging

import pytest

from planner.cli import main
from planner.store.server import is_server_url, shown_url


@pytest.mark.parametrize(("url", "secret", "kept"), [
    ("postgresql://ana:hunter2@db.district.org/plan", "hunter2", "postgresql://ana:…@db.district.org/plan"),
    ("postgresql://ana:p%40ss%3Aw@db/plan", "p%40ss", "postgresql://ana:…@db/plan"),
    ("postgresql://ana@db/plan?sslmode=require&password=hunter2", "hunter2",
     "postgresql://ana@db/plan?sslmode=require&password=…"),
    ("postgres:///plan?password=hunter2&host=/tmp", "hunter2", "postgres:///plan?password=…&host=/tmp"),
    ("host=db dbname=plan password='hunter 2' user=ana", "hunter", "host=db dbname=plan password=… user=ana"),
    ("host=db password=hunter2 dbname=plan", "hunter2", "host=db password=… dbname=plan"),
    ("password = 'it\\'s secret' host=db", "secret", "password = … host=db"),
])
def test_no_password_is_ever_shown(url: str, secret: str, kept: str) -> None:
    assert is_server_url(url)
    shown = shown_url(url)
    assert secret not in shown
    assert shown == kept


def test_an_unreachable_server_with_a_password_anywhere_is_named_without_it(
        tmp_path: object, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("psycopg")
    caplog.set_level(logging.DEBUG)
    for url in (f"postgresql://ana@/plan?host={tmp_path}&password=hunter2",
                f"host={tmp_path} dbname=plan password=hunter2 user=ana",
                f"host={tmp_path} dbname=plan password=hunter 2 user=ana"):
        assert main(["due", "--server", url]) == 1
        err = capsys.readouterr().err
        assert "cannot be reached" in err and "Traceback" not in err
        assert "hunter" not in err, err
    assert "hunter" not in caplog.text
