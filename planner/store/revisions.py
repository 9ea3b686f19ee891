"""The schema revisions Planner ships, read from the migration scripts' own `revision =` and `down_revision =`
lines without loading alembic: opening a file that is already current (every `planner log`, nearly every
start) needs only the newest revision's name, and alembic costs a fifth of a second to import. alembic is
loaded when a file is created or migrated (migrate.py); tests/test_cli_imports.py holds the two readings equal.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"

_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["']([^"'\n]+)["']""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:None|["']([^"'\n]+)["'])""", re.MULTILINE)


@functools.cache
def _graph() -> dict[str, str | None]:
    """Each shipped revision and the one it follows (None for the first)."""
    graph: dict[str, str | None] = {}
    for script in sorted(VERSIONS_DIR.glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None:
            continue  # not a revision (the package's __init__)
        if down is None:
            raise RuntimeError(f"{script.name} names its revision but not the one it follows")
        graph[revision.group(1)] = down.group(1)
    return graph


def known_revisions() -> frozenset[str]:
    return frozenset(_graph())


@functools.cache
def head_revision() -> str:
    """The newest revision: the one no other revision follows."""
    graph = _graph()
    heads = set(graph) - {down for down in graph.values() if down is not None}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} newest revisions ({sorted(heads)}), not one")
    return heads.pop()
