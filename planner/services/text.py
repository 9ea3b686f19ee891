"""Typed text that goes into the plan file: checked when it is typed for what a workbook cannot carry later.

A note or a name holding a control character (a stray BEL, ESC or NUL from a script) is stored without
complaint by the database, but a workbook cell refuses it, so the export would fail weeks later. It is
refused when it is typed instead; tabs and line breaks are ordinary text and are kept.
"""

from __future__ import annotations

import re

from planner.errors import ValidationError

# What a spreadsheet cell cannot hold: the C0 controls except tab, line feed and carriage return.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_text(text: str, label: str, *, field: str | None = None, one_line: bool = False) -> str:
    """`text` unchanged when a workbook can carry it; otherwise a ValidationError naming the character."""
    found = _UNWRITABLE.search(text) or (re.search(r"[\r\n]", text) if one_line else None)
    if found:
        char = f"\\x{ord(found[0]):02x}"
        what = "a line break" if found[0] in "\r\n" else f"a control character ({char})"
        raise ValidationError(f"{label} holds {what}, which Planner cannot keep in a plan or a workbook.",
                              field=field, hint="Type it again without it.")
    return text
