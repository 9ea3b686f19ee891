"""Where the shipped resources are: inside the installed package, beside the source tree, or in a frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir() -> Path:
    candidates = [
        _PACKAGE / "resources",  # installed: pyproject maps the top-level resources/ into the package
        _PACKAGE.parent / "resources",  # a source checkout
    ]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "resources")
    for candidate in candidates:
        if (candidate / "default_plan").is_dir():
            return candidate
    raise FileNotFoundError("Planner's resources folder is missing from this installation; reinstall Planner.")


def resource(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)
