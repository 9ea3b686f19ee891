"""Planner: a school-district department's strategic plan, measurements and project workbook in one file."""

from importlib.metadata import PackageNotFoundError, version

APP_NAME = "Planner"
ORG_NAME = "Planner"

try:
    __version__ = version("planner")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
