"""`planner dashboard` (and `planner` with no command): the Textual dashboard.

Textual is imported here, inside `run`, so no other command pays for it."""

from __future__ import annotations

import argparse
from datetime import date

from planner.errors import PlannerError

HELP = "open the dashboard (the default with no command)"
DESCRIPTION = """\
Open the Textual dashboard: Overview, Usage, Limits, Pricing and Plan screens (keys 1-5, ? for
help, ctrl+p for every action). On the first run, with an empty store, the bundled sample logs
are imported so the dashboard shows a full month without a key or network.

  planner
  planner dashboard --db /tmp/planner.db --scenario examples/launch.toml"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario", metavar="FILE", help="scenario TOML for the Plan screen (default examples/launch.toml)"
    )
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the day month-to-date is counted to (default: today)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from planner import paths
    from planner.cli._common import load_catalog

    catalog = load_catalog(args)  # warns about broken override files on stderr, before the screen opens
    today = None
    if getattr(args, "today", None):
        try:
            today = date.fromisoformat(args.today)
        except ValueError:
            raise PlannerError(f"--today: not a date: {args.today!r} (try 2026-11-20)") from None
    db = paths.db_path(args.db)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlannerError(f"{db.parent}: cannot create the database folder ({exc.strerror or exc})") from None
    from planner.tui.app import PlannerApp

    scenario = Path(args.scenario) if getattr(args, "scenario", None) else None
    app = PlannerApp(db, [Path(p) for p in args.pricing], today, catalog=catalog, scenario=scenario)
    app.run()
    return int(app.return_code or 0)
