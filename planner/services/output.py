"""Where a workbook or a PDF is written: checked before any work is done, so a folder, a pipe, a missing or
unwritable folder is one clear refusal rather than a failure after the pages are drawn."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from planner.errors import OutputPathError


def _shown(path: Path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else f"{text[:limit // 2]}…{text[-(limit // 2):]}"


def check_output(out: Path, suffix: str, what: str) -> Path:
    """`out` can be written as a `suffix` file (".xlsx", ".pdf"): raises OutputPathError saying why not.
    Writing is tried for real in the folder (and the try removed): root passes every permission check, yet
    cannot write in /proc, and a folder on a read-only disk says yes to os.access."""
    out = Path(out)
    name = _shown(out)
    if "\x00" in str(out):
        raise OutputPathError(out, f"“{name}” is not a file name (it holds a null character).")
    if str(out) in ("", "."):
        raise OutputPathError(out, f"No file name was given for the {what}; give one ending in {suffix}.")
    if out.suffix.lower() != suffix:
        raise OutputPathError(out, f"“{name}” does not end in {suffix}; the {what} is saved as a {suffix} file.")
    try:
        found = out.stat()
    except FileNotFoundError:
        found = None
    except NotADirectoryError:
        raise OutputPathError(out, f"The {what} cannot be written to “{name}”: part of that path is a file, "
                              "not a folder.") from None
    except OSError as exc:
        raise OutputPathError(out, f"The {what} cannot be written to “{name}”: {exc.strerror or exc}.") from None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise OutputPathError(out, f"“{name}” is a folder; give the {what} a file name of its own, such as "
                              f"“{out / (what + suffix)}”.")
    if found is not None and not stat.S_ISREG(found.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(found.st_mode) else "a device or socket"
        raise OutputPathError(out, f"“{name}” is {kind}, not an ordinary file; the {what} was not written.")
    folder = out.parent
    try:
        folder_stat = folder.stat()
    except OSError:
        folder_stat = None
    if folder_stat is None:
        raise OutputPathError(out, f"The folder “{_shown(folder)}” does not exist.")
    if not stat.S_ISDIR(folder_stat.st_mode):
        raise OutputPathError(out, f"“{_shown(folder)}” is a file, not a folder; the {what} cannot be written "
                              "inside it.")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{out.name[:40]}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise OutputPathError(out, f"The {what} cannot be written in “{_shown(folder)}”: "
                              f"{exc.strerror or exc}.", hint="Choose a folder of your own.") from None
    os.close(fd)
    os.unlink(probe)
    return out


def write_failed(out: Path, what: str, exc: OSError) -> OutputPathError:
    """The refusal for a write that failed after the checks (a disk that filled, a folder removed)."""
    return OutputPathError(out, f"The {what} could not be written to “{_shown(Path(out))}”: "
                           f"{exc.strerror or exc}.")
