"""`python -m planner` does exactly what the `planner` command does."""

import sys

from planner.cli import main

sys.exit(main())
