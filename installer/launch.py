"""The frozen program's entry point: the same `planner` command."""

import os
import sys
import time

os.environ.setdefault("PLANNER_T0", repr(time.time()))  # for the self-test's start-up figure

from planner.cli import main

if __name__ == "__main__":
    sys.exit(main())
