"""`planner headroom`: peak demand from imported logs against every tier's limits (and live limits)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from planner.cli._common import add_format, day_arg, emit, load_catalog, open_store
from planner.errors import PlannerError

HELP = "peak RPM/ITPM/OTPM from imported logs, headroom in every tier, the recommended tier and spend forecast"
DESCRIPTION = """\
Compute demand from your imported history and hold it against the rate limits: per model group
the peak requests, input tokens (as the API counts them: uncached input and cache writes, plus
cache reads only for the groups where they count) and output tokens per minute, taken over true
rolling 60-second windows, with p99, p95 and the busiest hour; then, for every tier in force,
the headroom per dimension, the binding one and, with --growth, the months until each limit
binds. When a recent `planner probe` snapshot exists for a group, its live limits are compared too.
It ends with the month-end spend forecast and the lowest tier whose limits hold every group's
peak with the margin and whose monthly spend cap holds the projection.

  planner headroom
  planner headroom --since 2026-11-01 --growth 0.15      15% more traffic each month
  planner headroom --tier build --format json"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=day_arg, metavar="DATE", help="first day of history to use (UTC)")
    parser.add_argument("--until", type=day_arg, metavar="DATE", help="last day of history to use, whole day (UTC)")
    parser.add_argument(
        "--growth",
        type=float,
        default=0.0,
        metavar="G",
        help="monthly traffic growth as a fraction (0.15 = 15%%) for months-to-bind",
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=0.2,
        metavar="M",
        help="safety margin on peaks for the tier recommendation (default 0.2)",
    )
    parser.add_argument("--tier", metavar="TIER", help="only this tier in the headroom table")
    parser.add_argument(
        "--max-probe-age",
        type=float,
        default=3600,
        metavar="S",
        help="use live limits from probe snapshots up to S seconds old (default 3600)",
    )
    add_format(parser, ("table", "json", "csv", "md"))


def run(args: argparse.Namespace) -> int:
    from planner.views.headroom import headroom

    if args.growth < 0 or args.margin < 0:
        raise PlannerError("--growth and --margin must be >= 0")
    catalog = load_catalog(args)
    store = open_store(args)
    try:
        view = headroom(
            store,
            catalog,
            datetime.now(UTC).date(),
            since=args.since,
            until=args.until,
            growth=args.growth,
            margin=args.margin,
            tier=args.tier,
            max_probe_age_s=args.max_probe_age,
        )
    finally:
        store.close()
    emit(view, args.format)
    return 0
