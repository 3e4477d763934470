"""`planner limits`: the rate-limit catalog (tiers and per-group limits), or `limits set`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

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
    # --live (configured limits from the Admin API) is built in planner.probe.admin.
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
    if getattr(args, "action", None) == "set":
        return _set(args)
    if getattr(args, "live", False):
        try:
            from planner.probe.admin import live_limits_command
        except ImportError:
            raise PlannerError("--live is not built yet (needs planner.probe.admin)") from None
        return int(live_limits_command(args) or 0)
    catalog = load_catalog(args)
    at = parse_when(args.at) or datetime.now(UTC)
    tiers = catalog.tiers_at(at)
    if args.tier:
        if catalog.tier(args.tier) is None:
            known = sorted({t.id for t in catalog.tiers_at(at)})
            raise PlannerError(f"unknown tier {args.tier!r}; tiers in force at {at.date()}: {', '.join(known)}")
        tiers = [t for t in tiers if t.id == args.tier]
        if not tiers:
            raise PlannerError(f"tier {args.tier!r} is not in force at {at.date()} (try --at)")
    rows = []
    for tier in tiers:
        for group in catalog.groups():
            limits = catalog.limits_at(group, tier.id, at)
            if limits is None:
                continue
            rows.append(
                {
                    "group": group,
                    "group_name": catalog.group_name(group),
                    "tier": tier.id,
                    "rpm": limits.rpm,
                    "itpm": limits.itpm,
                    "otpm": limits.otpm,
                    "cache_reads_count": limits.cache_reads_count,
                    "effective": limits.effective,
                    "overridden": f"limit:{group}:{tier.id}" in catalog.overridden,
                    "source": limits.source,
                    "note": limits.note,
                }
            )
    notes = [
        f"{t.name} ({t.id}): monthly spend cap {_cap(t)}; batch {_n(t.batch_rpm)} RPM, queue {_n(t.batch_queue)}, "
        f"max {_n(t.batch_max_requests)} per batch; count_tokens {_n(t.count_tokens_rpm)} RPM"
        for t in tiers
    ]
    notes += [
        "source: the bundled catalog (pricing/limits.toml) and your overrides; — = not published (unknown, not 0)",
        "cache reads count toward ITPM only where 'Reads count' says yes",
    ]
    from planner.report import Column, Table

    columns = [
        Column("group_name", "Group"), Column("tier", "Tier"), Column("rpm", "RPM", "right"),
        Column("itpm", "ITPM", "right"), Column("otpm", "OTPM", "right"), Column("cache_reads_count", "Reads count"),
        Column("effective", "Effective"), Column("overridden", "Override"), Column("source", "Source"),
    ]  # fmt: skip
    payload = {"at": at.date(), "tiers": [_tier_json(t) for t in tiers], "limits": rows}
    title = f"Rate limits in force at {at.date()} ({tiers[0].system if tiers else 'no tier system'})"
    emit(
        Table(columns, rows, title=title, notes=notes), args.format, payload=payload if args.format == "json" else None
    )
    return 0


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _cap(tier: Any) -> str:
    if tier.unlimited:
        return "none"
    return "— (unknown)" if tier.monthly_spend_cap is None else f"${tier.monthly_spend_cap:,}"


def _tier_json(t: Any) -> dict[str, Any]:
    keys = ("id", "name", "system", "order", "effective", "until", "monthly_spend_cap", "unlimited", "credit_threshold")
    more = ("batch_rpm", "batch_queue", "batch_max_requests", "count_tokens_rpm", "source", "note")
    return {k: getattr(t, k) for k in (*keys, *more)}


def _set(args: argparse.Namespace) -> int:
    from planner.catalog.overrides import set_limit
    from planner.cli.prices import override_target, write_override

    catalog = load_catalog(args)
    if args.group not in catalog.groups():
        raise PlannerError(f"unknown model group {args.group!r}; groups: {', '.join(catalog.groups())}")
    if catalog.tier(args.tier) is None:
        raise PlannerError(f"unknown tier {args.tier!r}")
    path = override_target(args)
    write_override(path, lambda data: set_limit(data, args.group, args.tier, args.field, args.value))
    print(f"{args.group} {args.tier}: {args.field} = {args.value} written to {path}")
    return 0
