"""Demand against the rate limits: `planner headroom`, and the outlook it shares with the overview.

The pipeline, once for both front ends: the store's daily spend gives the spend `Outlook` (the day
month-to-date is counted to, the month-end forecast); demand peaks against every tier's limits (or
a probe's live limits) give the headroom rows; both give the recommended tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.projection import headroom as hr
from planner.projection import spend, tiers
from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.projection.demand import GroupDemand
    from planner.projection.headroom import GroupHeadroom
    from planner.projection.spend import Forecast
    from planner.projection.tiers import Recommendation
    from planner.store import Store
    from planner.views.demand import LiveLimits

DIMS = ("rpm", "itpm", "otpm")
Peaks = dict[str, "GroupDemand"]


@dataclass(frozen=True)
class Outlook:
    """The spend side of every demand view: the day month-to-date is counted to (today, or the last
    day with data when it ends before this month, said in `as_of_note`) and the month-end forecast
    (None without data)."""

    as_of: date
    as_of_note: str | None
    forecast: Forecast | None


def outlook(daily: list[tuple[date, Decimal]], today: date) -> Outlook:
    as_of, note = spend.as_of_day(daily, today)
    return Outlook(as_of, note, spend.forecast(daily, as_of) if daily else None)


def recommend(peaks: Peaks, look: Outlook, catalog: Catalog, *, margin: float = 0.2) -> Recommendation:
    """The lowest tier whose limits hold every group's peak with `margin` and whose spend cap holds
    the month-end projection."""
    projected = look.forecast.projected if look.forecast else None
    return tiers.recommend(peaks, projected, catalog, look.as_of, margin=margin)


def group_name(catalog: Catalog, group: str) -> str:
    """The catalog's name of a group; a model without one keeps its "unknown:<model>" key."""
    return group if group.startswith("unknown:") else catalog.group_name(group)


@dataclass(frozen=True)
class HeadroomView:
    """Peaks per group, headroom per group and tier (live limits first where probed), the forecast
    and the recommended tier, at `at` (the outlook's day)."""

    at: date
    as_of_note: str | None
    peaks: Peaks
    names: dict[str, str]  # group -> name shown
    rows: list[GroupHeadroom]
    recommendation: Recommendation
    forecast: Forecast | None
    growth: float = 0.0
    margin: float = 0.2

    def to_json(self) -> dict[str, Any]:
        rec, fc = self.recommendation, self.forecast
        return {
            "at": self.at.isoformat(),
            "groups": [
                {
                    "group": g,
                    "name": self.names[g],
                    "peaks": {d: _peak_json(getattr(gd, d)) for d in DIMS},
                    "cache_reads_count": gd.cache_reads_count,
                    "active_minutes": gd.active_minutes,
                    "sources": [f"imported log: {s}" for s in gd.sources],
                    "tiers": [r.to_json() for r in self.rows if r.group == g],
                }
                for g, gd in sorted(self.peaks.items())
            ],
            "recommended_tier": rec.tier,
            "reason": rec.reason,
            "rejected": rec.rejected,
            "forecast": fc.to_json() if fc else None,
            "growth_per_month": self.growth,
            "margin": self.margin,
            "sources": {
                "peaks": "imported log",
                "limits": "catalog, or live header where a probe snapshot exists",
                "forecast": "estimate",
                "recommendation": "estimate",
            },
        }

    def to_table(self, *, text: bool = True) -> Table:
        table_rows = []
        for r in self.rows:
            row: dict[str, Any] = {"group": self.names[r.group], "tier": r.tier, "source": r.source}
            for d in DIMS:
                dh = r.dims[d]
                row[d] = f"{_fmt(dh.peak)} / {_fmt(dh.limit)}"
                row[f"{d}_free"] = "—" if dh.headroom is None else f"{dh.headroom:.0%}"
            row["binding"] = r.binding or "—"
            row["fits"] = {True: "fits", False: "NO", None: "unknown"}[r.fits]
            if self.growth:
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
        if self.growth:
            columns.append(Column("binds_in", f"Binds at +{self.growth:.0%}/mo", "right"))
        notes = [
            "peaks: imported log, max over rolling 60 s windows (batch traffic excluded; report buckets give token rates only)"
        ]
        notes += [
            f"{self.names[g]}: cache reads {'count' if gd.cache_reads_count else 'do not count'} toward ITPM"
            for g, gd in sorted(self.peaks.items())
        ]
        fc = self.forecast
        if fc:
            notes.append(
                f"spend (estimate): month to date ${fc.month_to_date:,.2f}, month-end ${fc.projected:,.2f} "
                f"(range ${fc.low:,.2f}–${fc.high:,.2f}; {fc.method})"
                + (f"; {self.as_of_note}" if self.as_of_note else "")
            )
        notes.append(f"recommended tier (estimate): {self.recommendation.tier}: {self.recommendation.reason}")
        return Table(columns, table_rows, title=f"Headroom at {self.at}", notes=notes)


def _peak_json(p: Any) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "max": p.max,
        "p99": p.p99,
        "p95": p.p95,
        "busiest_hour_avg": round(p.busiest_hour_avg, 3),
        "at": _iso(p.at_ms),
        "busiest_hour": _iso(p.busiest_hour_ms),
    }


def _fmt(x: float | int | str | None) -> str:
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.1f}"


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def assemble(
    peaks: Peaks,
    daily: list[tuple[date, Decimal]],
    live: LiveLimits,
    catalog: Catalog,
    today: date,
    *,
    growth: float = 0.0,
    margin: float = 0.2,
    tier: str | None = None,
) -> HeadroomView:
    """The headroom view from its inputs (pure): every tier in force, or only `tier`."""
    look = outlook(daily, today)
    at = look.as_of
    if tier and catalog.tier(tier, at) is None:
        raise PlannerError(f"unknown tier {tier!r} at {at} (planner limits lists them)")
    rows = hr.headroom(peaks, catalog, at, live=live, growth=growth, tiers=[tier] if tier else None)
    rec = recommend(peaks, look, catalog, margin=margin)
    names = {g: group_name(catalog, g) for g in peaks}
    return HeadroomView(at, look.as_of_note, peaks, names, rows, rec, look.forecast, growth, margin)


def headroom(
    store: Store,
    catalog: Catalog,
    today: date,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    growth: float = 0.0,
    margin: float = 0.2,
    tier: str | None = None,
    max_probe_age_s: float = 3600,
    now: datetime | None = None,
) -> HeadroomView:
    """`planner headroom`: peaks of the usage between `since` and `until` (UTC days) against every
    tier, with the live limits of probes up to `max_probe_age_s` old."""
    if growth < 0 or margin < 0:
        raise PlannerError("growth and margin must be >= 0")
    from planner import ledger
    from planner.views.demand import live_limits, store_peaks

    since_ms, until_ms = ledger.local_bounds(since, until, "UTC")
    peaks = store_peaks(store, catalog, since_ms, until_ms)
    if not peaks:
        raise PlannerError("no imported usage in this range; run `planner import` first")
    daily = ledger.daily_spend(store, catalog)
    live = live_limits(store, now=now, max_age_s=max_probe_age_s)
    return assemble(peaks, daily, live, catalog, today, growth=growth, margin=margin, tier=tier)
