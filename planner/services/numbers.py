"""One reader for numbers a person types: the log forms, the command line and the plan forms read them here, so
"12,5" is refused everywhere rather than stored as 125 in one place and 12.5 in another."""

from __future__ import annotations

import math
import re
from typing import Any

from planner.errors import ValidationError

# A number as a planner types it: digits with a decimal point, commas only between groups of three digits
# (4,512.75), an optional sign, exponent and percent sign. ASCII digits only.
_NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+", re.ASCII)


def read_number(raw: Any, *, label: str = "The value", field: str = "value") -> float:
    """A typed number, read one way only. "12,5" is refused, not read as 125: a comma is a thousands
    separator here (4,512.75), and a decimal comma would silently store a value ten times too large.
    `label` names the field in the message ("Baseline must be a number ...")."""
    if isinstance(raw, bool):
        raise ValidationError(f"{label} must be a number (you entered “{raw}”).", field=field)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if text.endswith("%"):
            text = text[:-1].strip()
        shown = _shown(str(raw).strip())
        if _DECIMAL_COMMA.fullmatch(text) and not _NUMBER.fullmatch(text):
            raise ValidationError(f"{label} has a decimal comma (you entered “{shown}”), which Planner does not "
                                  "read: a comma only separates thousands.", field=field,
                                  hint=f"Write the decimal with a point: {text.replace(',', '.')}.")
        if not _NUMBER.fullmatch(text):
            raise ValidationError(f"“{shown}” is not a number: {label[:1].lower() + label[1:]} must be a number "
                                  "like 154, 23.5 or 4,512.75.", field=field)
        value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValidationError(f"{label} must be a number.", field=field)
    return value


def _shown(text: str, limit: int = 40) -> str:
    """A typed value as a message quotes it: control characters made visible, a long one cut."""
    visible = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return visible if len(visible) <= limit else visible[:limit] + "…"
