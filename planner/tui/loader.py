"""How the dashboard loads data: plain functions that its thread workers call, each on its own
store connection (SQLite connections belong to one thread; sqlite3 releases the GIL while a query
runs, so two workers' queries overlap), and one-shot results that pass from one worker to another.

Nothing here touches a widget or starts a thread: the app and the screens start Textual workers
(`@work(thread=True)`) that call these, and post the results to the message loop.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from planner.tui import data as D

if TYPE_CHECKING:
    from planner.catalog import Catalog
    from planner.projection.demand import GroupDemand

T = TypeVar("T")
Overview = tuple[D.OverviewData, D.UsageData]
Peaks = dict[str, "GroupDemand"]


def fulfil(into: Future[T], compute: Callable[[], T]) -> None:
    """Run `compute` (in the calling worker's thread) and hand its result, or its exception, to
    whoever waits on `into`. A Future here is only a one-shot result between two workers: no
    executor runs it."""
    if not into.set_running_or_notify_cancel():
        return
    try:
        into.set_result(compute())
    except BaseException as exc:  # the waiting worker re-raises it, and reports it
        into.set_exception(exc)


def done(value: T) -> Future[T]:
    """A result that is already there (an overview read from the cache between runs)."""
    future: Future[T] = Future()
    future.set_result(value)
    return future


def peaks(db: Path, catalog: Catalog) -> Peaks:
    """The demand peaks per model group: per group and minute in SQLite, then true rolling 60 s
    maxima (~0.9 s on the 1.4 GB benchmark store, most of it in SQLite)."""
    from planner.views.demand import store_peaks

    store = D.open_store(db)
    try:
        return store_peaks(store, catalog)
    finally:
        store.close()


def overview(
    db: Path,
    catalog: Catalog,
    today: date,
    samples: Path,
    *,
    now: datetime,
    cache_dir: Path | None,
    catalog_key: str,
    peaks: Future[Peaks] | None,
    on_spend: Callable[[D.OverviewData], None] | None = None,
) -> Overview | None:
    """The overview and the usage-by-day view it is computed from; None for an empty store
    (the app imports the samples first). With `peaks`, the demand peaks come from another
    worker, computed meanwhile on its own connection."""
    if D.store_is_empty(db):
        return None
    return D.overview(
        db,
        catalog,
        today,
        samples,
        now=now,
        cache_dir=cache_dir,
        catalog_key=catalog_key,
        on_spend=on_spend,
        peaks_future=peaks,
    )


def cached_overview(cache_dir: Path, db: Path, catalog_key: str, today: date, now: datetime) -> Overview | None:
    """This store's views from the cache between runs, if they are still current."""
    from planner.tui import cache

    hit = cache.lookup(cache_dir, db, catalog_key, today, now)
    return None if hit is None else (hit["overview"], hit["usage_day"])
