"""`planner limits`: the rate-limit catalog (tiers and per-group limits), or `limits set`."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from planner.cli._common import add_format, emit, load_catalog, parse_when
from planner.errors import PlannerError

HELP = "list tiers and per-model-group rate limits from the catalog (or `limits set` an override)"
DESCRIPTION = """\
List the tier system in force at a date (monthly spend caps, batch and token-counting limits)
and each model group's RPM / ITPM / OTPM per tier, with the table's effective date and source.
A number that was never published shows as — (unknown), never 0.

  planner limits --tier build
  planner limits --at 2025-09-01 --format json
  planner limits set sonnet-4x custom itpm 8000000     (your negotiated limits, in your overrides)

`limits set` FIELD is rpm, itpm, otpm or cache_reads_count (true/false); the value applies to
the group in that tier at every date."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tier", "-t", help="one tier id (tier1..tier4, start, build, scale, custom, evaluation)")
    parser.add_argument("--at", help="date or time the limits are in force (default: now)")
    parser.add_argument(
        "--live", action="store_true", help="read your configured limits from the Admin API (ANTHROPIC_ADMIN_KEY)"
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL for --live (default ANTHROPIC_BASE_URL or https://api.anthropic.com)",
    )
    add_format(parser)
    from planner.cli.prices import add_set_parser

    add_set_parser(
        parser,
        "rate-limit",
        [
            ("group", "model group, e.g. sonnet-4x"),
            ("tier", "tier id, e.g. build or custom"),
            ("field", "rpm, itpm, otpm or cache_reads_count"),
            ("value", "a positive whole number (or true/false for cache_reads_count)"),
        ],
    )


def run(args: argparse.Namespace) -> int:
    from planner.views.limits import limits_at

    if getattr(args, "action", None) == "set":
        return _set(args)
    if getattr(args, "live", False):
        return _live(args)
    catalog = load_catalog(args)
    at = parse_when(args.at) or datetime.now(UTC)
    emit(limits_at(catalog, at, args.tier), args.format)
    return 0


def _live(args: argparse.Namespace) -> int:
    """`planner limits --live`: the configured limits per group from the Admin API, compared with
    the catalog in force at --at."""
    from planner.probe.admin import RATE_LIMITS_PATH, fetch_rate_limits
    from planner.probe.client import ADMIN_KEY_ENV, host_of, mask_key, resolve_base_url
    from planner.views.limits import configured_limits

    key = (os.environ.get(ADMIN_KEY_ENV) or "").strip()
    if not key:
        raise PlannerError(
            f"--live needs an Admin API key in {ADMIN_KEY_ENV} (sk-ant-admin...); "
            "without one, run `planner probe` for the live headers of one model group"
        )
    base_url = resolve_base_url(getattr(args, "base_url", None))
    catalog = load_catalog(args)
    at = parse_when(getattr(args, "at", None)) or datetime.now(UTC)
    entries = fetch_rate_limits(api_key=key, base_url=base_url)
    view = configured_limits(
        entries, catalog, at, host=host_of(base_url), path=RATE_LIMITS_PATH, key_mask=mask_key(key)
    )
    if getattr(args, "tier", None):
        print("note: --tier is ignored with --live (the Admin API returns your organisation's limits)", file=sys.stderr)
    emit(view, args.format)
    return 0


def _set(args: argparse.Namespace) -> int:
    from planner.catalog.overrides import set_limit
    from planner.views.overrides import override_target, write_override

    catalog = load_catalog(args)
    if args.group not in catalog.groups():
        raise PlannerError(f"unknown model group {args.group!r}; groups: {', '.join(catalog.groups())}")
    if catalog.tier(args.tier) is None:
        raise PlannerError(f"unknown tier {args.tier!r}")
    path = override_target(getattr(args, "pricing", None) or [])
    write_override(path, lambda data: set_limit(data, args.group, args.tier, args.field, args.value))
    print(f"{args.group} {args.tier}: {args.field} = {args.value} written to {path}")
    return 0
