"""Planner: a school-district department's strategic plan, measurements and project workbook in one file."""

from __future__ import annotations

import functools

APP_NAME = "Planner"
ORG_NAME = "Planner"


@functools.cache
def _version() -> str:
    # importlib.metadata costs tens of milliseconds to import and scan for distributions: read only when the
    # version is shown (the command line's --version, the window's About box, a workbook's cover sheet).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("planner")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
