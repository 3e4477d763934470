"""`planner headroom`: peak demand from imported logs against every tier's limits (and live limits)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from planner.cli._common import add_format, load_catalog
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

DIMS = ("rpm", "itpm", "otpm")


def configure(parser: argparse.ArgumentParser) -> None:
    from planner.cli.report import _day

    parser.add_argument("--since", type=_day, metavar="DATE", help="first day of history to use (UTC)")
    parser.add_argument("--until", type=_day, metavar="DATE", help="last day of history to use, whole day (UTC)")
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
    from planner import ledger
    from planner.cli.report import _open_store
    from planner.projection import headroom, spend, tiers
    from planner.views.demand import store_peaks

    if args.growth < 0 or args.margin < 0:
        raise PlannerError("--growth and --margin must be >= 0")
    catalog = load_catalog(args)
    store = _open_store(args)
    try:
        since_ms, until_ms = ledger.local_bounds(args.since, args.until, "UTC")
        peaks = store_peaks(store, catalog, since_ms, until_ms)
        if not peaks:
            raise PlannerError("no imported usage in this range; run `planner import` first")
        daily = ledger.daily_spend(store, catalog)
        live = _live(store, args.max_probe_age)
    finally:
        store.close()
    as_of, note = spend.as_of_day(daily, datetime.now(UTC).date())
    fc = spend.forecast(daily, as_of) if daily else None
    at = as_of
    if args.tier and catalog.tier(args.tier, at) is None:
        raise PlannerError(f"unknown tier {args.tier!r} at {at} (planner limits lists them)")
    rows = headroom.headroom(
        peaks, catalog, at, live=live, growth=args.growth, tiers=[args.tier] if args.tier else None
    )
    rec = tiers.recommend(peaks, fc.projected if fc else None, catalog, at, margin=args.margin)
    _emit(args, catalog, peaks, rows, rec, fc, at, note)
    return 0


def _live(store, max_age: float) -> dict:
    from planner.probe import history

    return history.latest_live_limits(store, max_age_s=max_age) or {}


def _fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.1f}"


def _emit(args, catalog, peaks, rows, rec, fc, at: date, as_of_note: str | None) -> None:
    from planner.cli._common import emit
    from planner.report import Column, Table

    payload = {
        "at": at.isoformat(),
        "groups": [
            {
                "group": g,
                "name": g if g.startswith("unknown:") else catalog.group_name(g),
                "peaks": {
                    d: (
                        None
                        if (p := getattr(gd, d)) is None
                        else {
                            "max": p.max,
                            "p99": p.p99,
                            "p95": p.p95,
                            "busiest_hour_avg": round(p.busiest_hour_avg, 3),
                            "at": _iso(p.at_ms),
                            "busiest_hour": _iso(p.busiest_hour_ms),
                        }
                    )
                    for d in DIMS
                },
                "cache_reads_count": gd.cache_reads_count,
                "active_minutes": gd.active_minutes,
                "sources": [f"imported log: {s}" for s in gd.sources],
                "tiers": [r.to_json() for r in rows if r.group == g],
            }
            for g, gd in sorted(peaks.items())
        ],
        "recommended_tier": rec.tier,
        "reason": rec.reason,
        "rejected": rec.rejected,
        "forecast": fc.to_json() if fc else None,
        "growth_per_month": args.growth,
        "margin": args.margin,
        "sources": {
            "peaks": "imported log",
            "limits": "catalog, or live header where a probe snapshot exists",
            "forecast": "estimate",
            "recommendation": "estimate",
        },
    }
    table_rows = []
    for r in rows:
        name = r.group if r.group.startswith("unknown:") else catalog.group_name(r.group)
        row = {"group": name, "tier": r.tier, "source": r.source}
        for d in DIMS:
            dh = r.dims[d]
            row[d] = f"{_fmt(dh.peak)} / {_fmt(dh.limit)}"
            row[f"{d}_free"] = "—" if dh.headroom is None else f"{dh.headroom:.0%}"
        row["binding"] = r.binding or "—"
        row["fits"] = {True: "fits", False: "NO", None: "unknown"}[r.fits]
        if args.growth:
            b = r.dims[r.binding] if r.binding else None
            row["binds_in"] = (
                "—"
                if b is None or b.months_to_bind is None
                else (b.months_to_bind if isinstance(b.months_to_bind, str) else f"{b.months_to_bind:.1f} mo")
            )
        table_rows.append(row)
    columns = [Column("group", "Group"), Column("tier", "Tier"), Column("source", "Limits from")]
    for d in DIMS:
        columns += [Column(d, f"{d.upper()} peak / limit", "right"), Column(f"{d}_free", "free", "right")]
    columns += [Column("binding", "Binding"), Column("fits", "Fits")]
    if args.growth:
        columns.append(Column("binds_in", f"Binds at +{args.growth:.0%}/mo", "right"))
    notes = [
        "peaks: imported log, max over rolling 60 s windows (batch traffic excluded; report buckets give token rates only)"
    ]
    notes += [
        f"{catalog.group_name(g) if not g.startswith('unknown:') else g}: cache reads "
        f"{'count' if gd.cache_reads_count else 'do not count'} toward ITPM"
        for g, gd in sorted(peaks.items())
    ]
    if fc:
        notes.append(
            f"spend (estimate): month to date ${fc.month_to_date:,.2f}, month-end ${fc.projected:,.2f} "
            f"(range ${fc.low:,.2f}–${fc.high:,.2f}; {fc.method})" + (f"; {as_of_note}" if as_of_note else "")
        )
    notes.append(f"recommended tier (estimate): {rec.tier}: {rec.reason}")
    emit(Table(columns, table_rows, title=f"Headroom at {at}", notes=notes), args.format, payload=payload)


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
