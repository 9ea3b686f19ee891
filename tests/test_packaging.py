"""What `pip install .` ships: the default plan and the migrations must be inside the wheel, or the
installed `planner` starts without its plan or cannot open a file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_resources_and_migrations(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("planner-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("planner/resources/default_plan/cms_2024_25.json", "planner/resources/default_plan/cms_2018.json",
                   "planner/store/migrations/env.py", "planner/store/migrations/versions/0001_plan_structure.py",
                   "planner/store/migrations/versions/0002_measurements.py", "planner/ui/main_window.py",
                   # Help > User Guide reads these offline: the pages and the screenshots they show
                   "planner/resources/help/index.html", "planner/resources/help/status.html",
                   "planner/resources/screenshots/main-window.png"):
        assert needed in names, f"{needed} is missing from the wheel"
    assert not any(n.startswith("tests/") for n in names)
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "planner").rglob("*.py")}
    assert modules <= names, f"source modules missing from the wheel: {sorted(modules - names)}"


def test_the_windows_bundle_carries_the_user_guide() -> None:
    """PyInstaller copies the whole resources folder, the guide's pages and pictures with it."""
    spec = (ROOT / "installer" / "planner.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "resources"), "resources")' in spec
    guide = ROOT / "resources" / "help"
    pages = sorted(p.name for p in guide.glob("*.html"))
    assert "index.html" in pages and len(pages) >= 10
