"""The window's first paint needs neither charts nor workbooks nor migrations: opening the main window on a
plan file (one at the newest schema) imports no pyqtgraph, numpy, openpyxl or alembic (they take most of a
second together), and neither builds nor imports the tabs it does not show (scoreboard, WIG session, workbook,
history); the first chart, the first export or the first look at a tab brings them in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What the first paint of the main window must not import.
NOT_AT_FIRST_PAINT = ("pyqtgraph", "numpy", "openpyxl", "alembic", "planner.ui.scoreboard",
                      "planner.ui.wig_session_page", "planner.ui.project_workbook", "planner.ui.history_page",
                      "planner.ui.wig_chart")

CODE = f"""
NOT_AT_FIRST_PAINT = {NOT_AT_FIRST_PAINT!r}
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from planner.ui.main_window import MainWindow
from tests.test_gui import ScriptedPrompter
w = MainWindow(data_dir=Path(sys.argv[2]), prompter=ScriptedPrompter())
assert w.open_path(Path(sys.argv[1]))
w.show()
app.processEvents()
print("LOADED", sorted(m for m in NOT_AT_FIRST_PAINT if m in sys.modules))
print("BUILT", [name for name in ("scoreboard", "session", "workbook", "changes") if w.is_built(name)])
from planner.services.plan_nodes import Kind
w.tabs.setCurrentWidget(w.page)
wig = next(key for key in w.page.model._by_key if key.kind is Kind.WIG)
w.page.select(wig)
w.page.tabs.setCurrentIndex(1)
app.processEvents()
print("AFTER", sorted(m for m in ("pyqtgraph", "numpy") if m in sys.modules))
w.show_tab("changes")
print("OPENED", [name for name in ("scoreboard", "session", "workbook", "changes") if w.is_built(name)],
      "planner.ui.history_page" in sys.modules)
w.close()
"""


def test_the_first_window_imports_no_chart_or_workbook_library(plan_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", CODE, str(plan_path), str(tmp_path / "data")], cwd=ROOT,
                            capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LOADED []" in result.stdout, result.stdout
    assert "BUILT []" in result.stdout, result.stdout
    assert "AFTER ['numpy', 'pyqtgraph']" in result.stdout, result.stdout  # a WIG's chart brings them in
    assert "OPENED ['changes'] True" in result.stdout, result.stdout  # the History, built when first shown
