"""The view layer: what the CLI and the dashboard show, computed once from the core (see the
modules). Nothing here imports Textual, Rich, `planner.cli` or `planner.tui`."""
