"""The three-way merge of one workbook row: what the workbook held when it was exported (its base sheet),
what it holds now, and what the plan file holds now, with the plan file's own record of its last exchange of
the row. Pure functions, so the rule can be read (and tested) apart from reading files and writing rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class BaseRow:
    """One row of a workbook's base sheet."""

    digest: str  # the row's exchanged values when the workbook was exported
    prior: str  # the exporting file's hash of the row at its exchange before this export ("" for none)
    derived: dict[str, Any] = field(default_factory=dict)  # worked-out values (and a logged value) as exported


@dataclass(frozen=True)
class FileState:
    """What the plan file recorded at its last exchange of a row."""

    digest: str
    sender: str = ""  # the department (or scope) of the workbook it was last taken from
    exported_at: datetime | None = None  # that workbook's export time (timezone-aware)
    file: str = ""  # that workbook's file name


def older_than_taken(state: FileState | None, sender: str, exported_at: datetime | None) -> bool:
    """The plan file already took this row from a later workbook of the same sender: this one is older."""
    return (state is not None and bool(sender) and state.sender == sender and exported_at is not None
            and state.exported_at is not None and state.exported_at > exported_at)


def took_this_export(state: FileState | None, sender: str, exported_at: datetime | None, file: str) -> bool:
    """The plan file's row was last taken from this very workbook (the same export, under the same name),
    imported before: a further edit in it is the workbook's alone."""
    return (state is not None and bool(sender) and state.sender == sender and exported_at is not None
            and state.exported_at == exported_at and state.file == file)


def decide(theirs: str, mine: str, base: BaseRow | None, state: FileState | None, *, untouched: bool = False,
           same_export: bool = False) -> str:
    """"same", "take" (the workbook's change goes in), "keep" (the plan file's change stands) or "conflict".

    `theirs` is the row in the workbook now, `mine` in the plan file now (hashes of the exchanged values). A row
    the workbook did not have when it was exported (base None) was added in the spreadsheet: where the plan file
    has it too, two people made it, and that is a conflict."""
    if theirs == mine:
        return "same"
    if same_export and state is not None and mine == state.digest:
        return "take"  # the plan file took this workbook before and has not changed since: a further edit
    if base is None:
        return "conflict"
    if theirs != base.digest:  # edited in the spreadsheet
        if mine == base.digest:
            return "take"
        if base.prior and mine == base.prior and (state is None or state.digest != base.digest):
            return "take"  # the plan file is where the exporting file last agreed with it
        return "conflict"
    # not edited in the spreadsheet: the row carries the exporting file's state when it was exported
    if state is not None and state.digest == theirs:
        return "keep"  # the plan file already had this version and changed it since
    if base.prior and base.prior == base.digest:
        return "keep"  # the exporting file had not changed it since its last exchange: the change is here
    if base.prior and mine == base.prior:
        return "take"  # changed in the exporting file since the exchange, not here
    if not base.prior and untouched:
        return "take"  # never edited here: nothing to lose
    return "conflict"


def legacy_decide(theirs: str, mine: str, state_digest: str | None, untouched: bool) -> str:
    """A workbook without a base sheet (exported by an earlier Planner): the plan file's last exchange is the
    only base there is."""
    if theirs == mine:
        return "same"
    if state_digest is not None and mine == state_digest:
        return "take"
    if state_digest is not None and theirs == state_digest:
        return "keep"
    if state_digest is None and untouched:
        return "take"
    return "conflict"
