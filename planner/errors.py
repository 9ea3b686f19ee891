"""The problems a user can cause, as typed errors whose message a planner can read and act on.

Every layer raises these; the UI shows them in one dialog and the CLI prints them, so the wording is
written once, here and at the raise site, never re-invented by the caller.
"""

from __future__ import annotations

from pathlib import Path


class PlannerError(Exception):
    """An expected problem: bad input, a foreign or damaged file, a locked file."""

    title = "Planner could not do that"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class PlanFileError(PlannerError):
    """A plan file cannot be opened as it is. Carries the file's path."""

    title = "Cannot open the plan file"

    def __init__(self, path: Path | str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = Path(path)


class PlanFileNotFoundError(PlanFileError):
    """The file does not exist (and the caller did not ask to create it)."""


class NotAPlanFileError(PlanFileError):
    """The file exists but is not a Planner plan file (empty, another program's, another format)."""


class NotARegularFileError(NotAPlanFileError):
    """The path names a named pipe, a device or a socket: reading it could wait forever, so it is never opened."""


class BlockedPlanFileError(PlanFileError):
    """Something that is not a file (a folder, a pipe) sits where SQLite keeps the plan's journal or lock."""

    title = "Something is in the way of the plan file"


class DamagedPlanFileError(PlanFileError):
    """The file is a Planner file but SQLite reports damage."""


class NewerPlanFileError(PlanFileError):
    """The file was written by a newer Planner whose schema this version does not know."""


class PlanFileLockedError(PlanFileError):
    """Another Planner window or user has the file open for writing."""

    title = "The plan file is in use"


class ReadOnlyPlanFileError(PlanFileError):
    """The file (or its folder) cannot be written by this user: it can only be opened read-only."""

    title = "The plan file is read-only"


class CannotCreatePlanFileError(PlanFileError):
    """A new plan file cannot be made there: the folder is missing, is a file, or may not be written."""

    title = "Cannot create the plan file"


class PlanFileExistsError(PlanFileError):
    """Creating a file where one already exists, which would overwrite someone's plan."""


class ReadOnlyError(PlannerError):
    """A change was asked of a file opened read-only."""

    title = "The plan file is open read-only"


class ValidationError(PlannerError):
    """User input that breaks a rule. `field` names the form field, for the inline message."""

    title = "Please check what you entered"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class OutputPathError(PlannerError):
    """A workbook or PDF cannot be written where asked: a folder, a pipe, a missing or unwritable folder."""

    title = "Cannot write there"

    def __init__(self, path: Path | str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = Path(path)


class StoreError(PlannerError):
    """The database behind the plan file failed: raised by planner/store only, in a planner's words. The
    driver's own text goes to the log (`detail`), never into the message."""

    title = "The plan file could not do that"

    def __init__(self, message: str, *, hint: str | None = None, detail: str = "") -> None:
        super().__init__(message, hint=hint)
        self.detail = detail


class SaveError(StoreError):
    """The database refused a change; nothing of it was written."""

    title = "The change was not saved"


class RowChangedError(SaveError):
    """Someone else changed (or removed) a row while this change was being made: the change was not saved,
    and the message says who changed it and to what."""

    def __init__(self, message: str, *, actor: str, table: str, row_id: int | None,
                 changes: list[tuple[str, object, object]], hint: str | None = None, detail: str = "",
                 at: object = None, entry_id: int | None = None) -> None:
        super().__init__(message, hint=hint, detail=detail)
        self.actor = actor
        self.at = at  # when they changed it (a UTC datetime), when the server's history says
        self.entry_id = entry_id  # their change's entry in the server's history, when known
        self.table = table
        self.row_id = row_id
        self.changes = changes


class ReadError(StoreError):
    """The database could not be read for a look at the plan; nothing was changed."""

    title = "The plan file could not be read"


class BackupError(StoreError):
    """A backup could not be made, checked or put back; the plan file was left as it was."""

    title = "The backup did not work"
