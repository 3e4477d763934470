"""What each screen shows, computed from the core. Plain functions called from thread workers:
each opens its own Store (SQLite connections belong to one thread) and returns plain data.
Nothing here touches a widget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SOURCE_LOG = "imported log"
SOURCE_CATALOG = "catalog"
SOURCE_LIVE = "live header"
SOURCE_ESTIMATE = "estimate"


def open_store(db: Path):
    from planner.store import Store

    return Store(db)


def is_sample_only(sources: list, samples: Path) -> bool:
    """True when every imported source is a bundled sample file (the banner stays until the
    user imports their own)."""
    root = str(samples.resolve())
    return bool(sources) and all(str(Path(s.path).resolve()).startswith(root) for s in sources)


@dataclass
class GroupGauge:
    group: str
    name: str
    tier: str  # tier compared against, or "live"
    source: str  # "catalog" or "live header"
    dims: dict[str, Any]  # dim -> DimHeadroom
    binding: str | None
    fits: bool | None
    peak_source: str  # where the peaks came from ("imported log: request-level")


@dataclass
class OverviewData:
    today: date
    as_of: date
    as_of_note: str | None
    forecast: Any | None  # projection.spend.Forecast; None without data
    month: list[tuple[date, Decimal]]  # daily spend this month up to as_of
    by_model: Any | None  # ledger.Ledger (month to date, by model)
    gauges: list[GroupGauge]
    recommendation: Any | None  # tiers.Recommendation
    sample_only: bool
    unpriced: list[str] = field(default_factory=list)
    record_days: int = 0


def overview(
    db: Path,
    catalog,
    today: date,
    samples: Path,
    *,
    store=None,
    now: datetime | None = None,
    cache_dir: Path | None = None,
    catalog_key: str = "",
    on_spend: Callable[[OverviewData], None] | None = None,
    peaks_future=None,
) -> tuple[OverviewData, UsageData]:
    """The overview, and the usage-by-day view it is computed from (the Usage screen's first view).
    With `cache_dir`, an unchanged store's views are read from the cache instead of recomputed.
    `on_spend` gets the spend figures (no gauges, no tier yet) before the slower demand peaks."""
    from planner import ledger
    from planner.projection import demand, spend
    from planner.tui import cache

    own = store is None
    store = store or open_store(db)
    try:
        sources = store.sources()
        live = live_limits(store, now)
        key = cache.full_key(store, sources, catalog_key, today, live) if cache_dir is not None else None
        if key is not None and cache_dir is not None:
            hit = cache.load(cache_dir, db, key)
            if hit is not None:
                return hit["overview"], hit["usage_day"]
        # With peaks_future, the demand peaks run in SQLite (the GIL is released) on their own
        # connection in another worker (planner.tui.loader) while the spend is summed here.
        by_day = ledger.summarize(store, catalog, by="day")
        usage_day = UsageData("day", by_day, sources)
        daily = [(date.fromisoformat(r.key), r.cost_usd) for r in by_day.rows]  # = ledger.daily_spend
        as_of, note = spend.as_of_day(daily, today)
        if not daily:
            return OverviewData(
                today, as_of, note, None, [], None, [], None, is_sample_only(sources, samples)
            ), usage_day
        fc = spend.forecast(daily, as_of)
        month = spend.month_series(daily, as_of)
        by_model = ledger.summarize(store, catalog, since=as_of.replace(day=1), until=as_of, by="model")
        sample_only = is_sample_only(sources, samples)
        if on_spend is not None:
            on_spend(
                OverviewData(
                    today,
                    as_of,
                    note,
                    fc,
                    month,
                    by_model,
                    [],
                    None,
                    sample_only,
                    list(by_model.unpriced_models),
                    len(daily),
                )
            )
        peaks = peaks_future.result() if peaks_future is not None else demand.store_peaks(store, catalog)
        gauges, rec = _demand(peaks, catalog, as_of, fc.projected, live)
        result = OverviewData(
            today,
            as_of,
            note,
            fc,
            month,
            by_model,
            gauges,
            rec,
            sample_only,
            list(by_model.unpriced_models),
            len(daily),
        )
        if key is not None and cache_dir is not None:
            cache.save(cache_dir, db, key, {"overview": result, "usage_day": usage_day})
        return result, usage_day
    finally:
        if own:
            store.close()


def _demand(peaks: dict, catalog, as_of: date, projected, live: dict):
    from planner.projection import headroom, tiers

    rec = tiers.recommend(peaks, projected, catalog, as_of)
    return _gauges(peaks, catalog, as_of, rec.tier, live, headroom), rec


def _gauges(peaks: dict, catalog, at: date, tier: str, live: dict, headroom) -> list[GroupGauge]:
    in_force = [t.id for t in catalog.tiers_at(at) if t.id != "custom"]
    compare = tier if tier in in_force else (in_force[-1] if in_force else tier)
    out = []
    for group, gd in sorted(peaks.items()):
        rows = headroom.headroom(
            {group: gd}, catalog, at, live={group: live[group]} if group in live else None, tiers=[compare]
        )
        row = rows[0]  # the live row comes first when there is one
        name = group if group.startswith("unknown:") else catalog.group_name(group)
        out.append(
            GroupGauge(
                group,
                name,
                row.tier,
                row.source,
                row.dims,
                row.binding,
                row.fits,
                f"{SOURCE_LOG}: {', '.join(gd.sources) or 'no traffic'}",
            )
        )
    return out


def live_limits(store, now: datetime | None = None) -> dict:
    """{group: {"rpm","itpm","otpm": limit}} from the latest probe snapshots, or {} when there are
    none (or the history cannot be read: that must not take the overview down)."""
    from planner.probe import history

    try:
        return history.latest_live_limits(store, now=now) or {}
    except Exception:
        return {}


@dataclass
class UsageData:
    by: str
    ledger: Any
    sources: list


def usage(db: Path, catalog, by: str, *, store=None) -> UsageData:
    from planner import ledger

    own = store is None
    store = store or open_store(db)
    try:
        return UsageData(by, ledger.summarize(store, catalog, by=by), store.sources())
    finally:
        if own:
            store.close()


def import_paths(db: Path, catalog, paths: list[Path], fmt: str | None, progress: Callable, cancel) -> Any:
    store = open_store(db)
    try:
        return store.import_paths(paths, fmt=fmt, catalog=catalog, progress=progress, cancel=cancel)
    finally:
        store.close()


def import_samples(db: Path, catalog, progress: Callable | None = None, cancel=None) -> Any:
    from planner import store as store_mod

    store = open_store(db)
    try:
        return store_mod.import_samples(store, catalog, progress=progress, cancel=cancel)
    finally:
        store.close()


def store_is_empty(db: Path) -> bool:
    store = open_store(db)
    try:
        return store.is_empty()
    finally:
        store.close()


def price_rows(catalog, at: date) -> list[dict]:
    """One row per model with the price in force at `at` (the `planner prices` rows)."""
    from planner.cli.prices import _row

    return [_row(m, m.price_at(at), catalog.overridden) for m in catalog.models.values()]


def limit_rows(catalog, at: date) -> list[dict]:
    rows = []
    for tier in catalog.tiers_at(at):
        for group in catalog.groups():
            lim = catalog.limits_at(group, tier.id, at)
            if lim is None:
                continue
            rows.append(
                {
                    "group": group,
                    "group_name": catalog.group_name(group),
                    "tier": tier.id,
                    "rpm": lim.rpm,
                    "itpm": lim.itpm,
                    "otpm": lim.otpm,
                    "cache_reads_count": lim.cache_reads_count,
                    "effective": lim.effective,
                    "source": lim.source,
                    "overridden": f"limit:{group}:{tier.id}" in catalog.overridden,
                }
            )
    return rows


def next_day(d: date) -> date:
    return d + timedelta(days=1)
