"""The two error paths: a PlannerError is shown as one clear message; anything else is logged to a file and
shown with copyable details, and the app keeps running."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from planner import __version__
from planner.errors import PlannerError

log = logging.getLogger("planner")


def show_error(parent: QWidget | None, exc: PlannerError) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, exc.title, exc.message, QMessageBox.StandardButton.Ok, parent)
    if exc.hint:
        box.setInformativeText(exc.hint)
    box.setAccessibleName(exc.title)
    box.exec()


def show_crash(parent: QWidget | None, details: str, log_file: Path | None) -> None:
    where = f" The details were also written to {log_file}." if log_file else ""
    box = QMessageBox(QMessageBox.Icon.Critical, "Planner met an unexpected problem",
                      "Something went wrong inside Planner. Everything you had saved is safe: each change is "
                      "written to your plan file as you make it.", QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText("Please send the details below to whoever supports Planner for you." + where)
    box.setDetailedText(details)  # selectable, with a copy-friendly text box
    box.exec()


def setup_logging(log_dir: Path) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "planner.log"
    if not any(isinstance(h, RotatingFileHandler) and Path(h.baseFilename) == log_file for h in log.handlers):
        handler = RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log_file


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_excepthook(log_file: Path | None, *, crash_dialog: Callable[[str, Path | None], None] | None = None,
                    error_dialog: Callable[[PlannerError], None] | None = None) -> ExceptHook:
    crash_dialog = crash_dialog or (lambda details, path: show_crash(None, details, path))
    error_dialog = error_dialog or (lambda exc: show_error(None, exc))

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if isinstance(exc, PlannerError):  # an expected problem that escaped a handler: still one clear message
            log.warning("%s: %s", exc_type.__name__, exc)
            error_dialog(exc)
            return
        details = f"Planner {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n\n" + "".join(
            traceback.format_exception(exc_type, exc, tb))
        log.error("Unexpected error\n%s", details)
        try:
            crash_dialog(details, log_file)
        except Exception:  # the dialog itself failed: the log still has it
            log.exception("could not show the error dialog")

    return hook


def install_excepthook(log_dir: Path) -> Path:
    log_file = setup_logging(log_dir)
    sys.excepthook = make_excepthook(log_file)
    return log_file
