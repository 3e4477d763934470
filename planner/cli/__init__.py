"""The `planner` command line: `main` parses arguments and runs one command module.

Each command lives in `planner/cli/<name>.py` and exposes `HELP`, `configure(parser)` and
`run(args) -> int`; it calls the view layer and renders. The dashboard is never imported from here
except by the `dashboard` command itself.
"""

from planner.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
