"""What the demand views read from the store: peaks per model group and the live limits of the
latest probes. The store sums; `planner.projection.demand` computes the peaks from those sums."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from planner.projection import demand

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.projection.demand import GroupDemand
    from planner.store import Store

LiveLimits = dict[str, dict[str, int | None]]  # {group: {"rpm"|"itpm"|"otpm": limit or None}}


def store_peaks(
    store: Store, catalog: Catalog, since_ms: int | None = None, until_ms: int | None = None, *, rolling: bool = True
) -> dict[str, GroupDemand]:
    """Peaks per group of the store's usage in [since_ms, until_ms). The store sums per group and
    minute in SQL (its price dimensions mapped to the catalog's groups), so Python sees one row per
    group and minute. With rolling=False this equals `demand.peaks(store.minute_series())`; with
    rolling=True (what the dashboard and `planner headroom` use) each request-level max is the true
    rolling 60-second window max."""
    dims = store.dims()
    span = store.span()
    if not dims or span is None:
        return {}
    groups = demand.group_map(dims, catalog, datetime.fromtimestamp(span[1] / 1000, tz=UTC).date())
    request_rows, bucket_rows = store.group_minutes(groups.dim_group, groups.reads_dims, since_ms, until_ms)

    def requests_in(minutes: set[int]) -> Iterable[tuple[int, int, float, float, float]]:
        return store.group_requests(groups.dim_group, groups.reads_dims, minutes, since_ms, until_ms)

    return demand.minute_peaks(groups, request_rows, bucket_rows, requests_in if rolling else None)


def live_limits(store: Store, *, now: datetime | None = None, max_age_s: float = 3600) -> LiveLimits:
    """{group: {"rpm","itpm","otpm": limit}} from each group's latest Messages probe within
    `max_age_s` of `now`; {} when there is none."""
    from planner.probe import history

    return history.latest_live_limits(store, max_age_s=max_age_s, now=now) or {}
