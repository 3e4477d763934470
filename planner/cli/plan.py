"""`planner plan`: evaluate launch scenarios (cost, peaks, headroom per tier, recommended tier)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from planner.cli._common import add_format, emit, load_catalog, parse_when, usd_arg
from planner.errors import BudgetExceeded

HELP = "cost, peak demand and tier headroom of a launch scenario (TOML)"
DESCRIPTION = """\
Evaluate a scenario file (see examples/launch.toml) with the catalog in force at --at (default
today): monthly cost per workload with its breakdown, peak RPM/ITPM/OTPM per model group, the
headroom in every tier, and the lowest tier that fits with a 20% safety margin and its spend cap.
All figures are estimates from the scenario's traffic and catalog prices and limits.

  planner plan examples/launch.toml
  planner plan examples/launch.toml --compare examples/launch-cheaper.toml
  planner plan examples/launch.toml --format json --budget 5000   # exit 3 if over budget"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="scenario TOML file")
    parser.add_argument("--compare", nargs="+", default=[], metavar="FILE2", help="other scenarios, side by side")
    parser.add_argument("--at", help="date whose prices, limits and tiers apply (default: today)")
    parser.add_argument(
        "--budget", type=usd_arg, metavar="USD", help="exit 3 when a scenario's monthly cost exceeds USD"
    )
    add_format(parser, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    from planner.views.plan import evaluate

    catalog = load_catalog(args)
    at = (parse_when(args.at) or datetime.now(UTC)).date()
    view = evaluate([args.file, *args.compare], catalog, at)
    emit(view, args.format)
    over = view.over_budget(args.budget) if args.budget is not None else []
    if over:
        raise BudgetExceeded(
            "; ".join(
                f"{p['scenario']}: monthly cost ${p['monthly_cost_usd']:.2f} > budget ${args.budget}" for p in over
            )
        )
    return 0
