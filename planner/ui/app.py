"""Starting the window: the application object, the per-user data folder, error hooks, the first file."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from planner import APP_NAME, ORG_NAME, __version__
from planner.paths import resource
from planner.ui.errors import install_excepthook
from planner.ui.main_window import MainWindow

DEFAULT_FILE_NAME = "My Plan.planner"


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    icon = resource("icons", "planner.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def data_folder() -> Path:
    """The local (not roaming) per-user data folder: %LOCALAPPDATA%\\Planner\\Planner on Windows."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    folder = Path(location)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_plan_path() -> Path:
    return data_folder() / DEFAULT_FILE_NAME


def create_main_window(db: Path | None, server: str | None = None) -> MainWindow | None:
    """The window on `db`, on a district `server`, or on the user's own plan file. None when the user cancels
    the first open."""
    folder = data_folder()
    window = MainWindow(data_dir=folder)
    if server is not None:
        opened = window.connect_to_server(server)
    else:
        opened = window.open_default(default_plan_path()) if db is None else window.open_path(db)
    if not opened:
        window.close()
        window.deleteLater()
        return None
    return window


def run_gui(db: Path | None, server: str | None = None) -> int:
    app = application()
    install_excepthook(data_folder() / "logs")
    window = create_main_window(db, server)
    if window is None:
        return 1
    window.show()
    window.ask_who_you_are()  # the first start: your name and your department, asked once
    # What start-up made (modules, the ORM's mappers, the tree's rows) lives as long as the window: moved out
    # of the collector's sight, a large plan's later loads no longer pay for walking it again and again.
    gc.freeze()
    return app.exec()
