#!/usr/bin/env bash
# Build the one-folder bundle on this (Linux) machine and prove it starts: the frozen --self-test must pass.
# Run from any directory, inside the virtual environment Planner is installed in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
python -m pip install --quiet "pyinstaller>=6.10,<7"
python -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/work installer/planner.spec
bundle=build/dist/Planner
echo "bundle: $(du -sh "$bundle" | cut -f1) in $(find "$bundle" -type f | wc -l) files"
start=$(date +%s%N)
QT_QPA_PLATFORM=offscreen "$bundle/Planner" --self-test
echo "frozen self-test: $(( ($(date +%s%N) - start) / 1000000 )) ms"
