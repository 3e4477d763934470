"""What each screen shows: the views (`planner.views`) called from thread workers, each on its own
Store (SQLite connections belong to one thread), with the dashboard's cache and its early start of
the demand peaks. Nothing here touches a widget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.views.overview import GroupGauge, OverviewData, is_sample_only
from planner.views.provenance import SOURCE_CATALOG, SOURCE_ESTIMATE, SOURCE_LIVE, SOURCE_LOG
from planner.views.usage import UsageReport as UsageData

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.store import Store
    from planner.views.demand import LiveLimits

__all__ = [
    "SOURCE_CATALOG",
    "SOURCE_ESTIMATE",
    "SOURCE_LIVE",
    "SOURCE_LOG",
    "GroupGauge",
    "OverviewData",
    "UsageData",
    "is_sample_only",
]


def open_store(db: Path) -> Store:
    from planner.store import Store

    return Store(db)


def overview(
    db: Path,
    catalog: Catalog,
    today: date,
    samples: Path,
    *,
    store: Store | None = None,
    now: datetime | None = None,
    cache_dir: Path | None = None,
    catalog_key: str = "",
    on_spend: Callable[[OverviewData], None] | None = None,
    peaks_future=None,
) -> tuple[OverviewData, UsageData]:
    """`planner.views.overview.overview` on this thread's own store, with the dashboard's cache: an
    unchanged store's views are read from `cache_dir` instead of recomputed. The demand peaks come
    from `peaks_future` (started early by the app), else from a thread started here."""
    from planner.tui import cache
    from planner.views.demand import store_peaks
    from planner.views.overview import overview as build

    own = store is None
    store = store or open_store(db)
    try:
        sources = store.sources()
        live = live_limits(store, now)
        key = cache.full_key(store, sources, catalog_key, today, live) if cache_dir is not None else None
        if cache_dir is not None and key is not None:
            hit = cache.load(cache_dir, db, key)
            if hit is not None:
                return hit["overview"], hit["usage_day"]
        # With peaks_future, the demand peaks run in SQLite (the GIL is released) on their own
        # connection in another worker (planner.tui.loader) while the spend is summed here.
        result, usage_day = build(
            store,
            catalog,
            today,
            samples=samples,
            live=live,
            peaks=peaks_future.result if peaks_future is not None else lambda: store_peaks(store, catalog),
            sources=sources,
            on_spend=on_spend,
        )
        if cache_dir is not None and key is not None and result.forecast is not None:
            cache.save(cache_dir, db, key, {"overview": result, "usage_day": usage_day})
        return result, usage_day
    finally:
        if own:
            store.close()


def live_limits(store: Store, now: datetime | None = None) -> LiveLimits:
    """{group: {"rpm","itpm","otpm": limit}} from the latest probe snapshots, or {} when there are
    none (or the history cannot be read: that must not take the overview down)."""
    from planner.views.demand import live_limits as latest

    try:
        return latest(store, now=now)
    except Exception:
        return {}


def usage(db: Path, catalog: Catalog, by: str, *, store: Store | None = None) -> UsageData:
    from planner.views.usage import usage_report

    own = store is None
    store = store or open_store(db)
    try:
        return usage_report(store, catalog, by=by, with_sources=True)
    finally:
        if own:
            store.close()


def import_paths(db: Path, catalog, paths: list[Path], fmt: str | None, progress: Callable, cancel) -> Any:
    store = open_store(db)
    try:
        from planner import ingest

        return ingest.import_paths(store, paths, fmt=fmt, catalog=catalog, progress=progress, cancel=cancel)
    finally:
        store.close()


def import_samples(db: Path, catalog, progress: Callable | None = None, cancel=None) -> Any:
    from planner import ingest

    store = open_store(db)
    try:
        return ingest.import_samples(store, catalog, progress=progress, cancel=cancel)
    finally:
        store.close()


def store_is_empty(db: Path) -> bool:
    store = open_store(db)
    try:
        return store.is_empty()
    finally:
        store.close()


def price_rows(catalog: Catalog, at: date) -> list[dict[str, Any]]:
    """One row per model with the price in force at `at` (the `planner prices` rows)."""
    from planner.views.prices import prices_at

    return prices_at(catalog, at).rows


def limit_rows(catalog: Catalog, at: date) -> list[dict[str, Any]]:
    """One row per model group and tier in force at `at` (the `planner limits` rows)."""
    from planner.views.limits import limits_at

    return limits_at(catalog, at).rows


def next_day(d: date) -> date:
    return d + timedelta(days=1)
