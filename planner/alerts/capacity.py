"""Capacity readings for the alert rules, read through the probe history and the projections.

- live: each group's newest Messages probe (within `max_age_s`) that carried limits: the share
  of each limit in use when it ran (from its `remaining` header);
- per-minute: peak demand from the imported log over the last `lookback_s`, against the group's
  live limit when a recent probe has one, else the limits of your tier in the catalog; with a
  monthly growth rate, also the months until each limit binds.
No tier and no probe: no per-minute rule (a limit is never guessed); `tier_note` says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from planner.alerts.rules import LiveShare, PeakShare


def live_readings(store: Any, *, now: datetime, max_age_s: float = 3600) -> list[LiveShare]:
    from planner.probe import history

    out = []
    seen: set[str] = set()
    for row in history.snapshots(store, endpoint="messages", since=now - timedelta(seconds=max_age_s)):
        if row.group is None or row.group in seen or row.status not in ("ok", "rate_limited") or not row.limits:
            continue
        seen.add(row.group)
        for dim, lim in sorted(row.limits.items()):
            used = lim.used_fraction()
            if used is None or lim.limit is None or lim.remaining is None:
                continue
            out.append(LiveShare(row.group, dim, used, lim.limit, lim.remaining, row.observed_at))
    return out


def peak_readings(
    store: Any,
    catalog: Any,
    *,
    now: datetime,
    tier: str | None,
    lookback_s: float = 86400,
    growth: float = 0.0,
    max_probe_age_s: float = 3600,
) -> list[PeakShare]:
    from planner.probe import history
    from planner.projection import headroom
    from planner.views import demand

    since_ms = int((now.timestamp() - lookback_s) * 1000)
    live = history.latest_live_limits(store, max_age_s=max_probe_age_s, now=now)
    if tier is None and not live:
        return []
    peaks = demand.store_peaks(store, catalog, since_ms=since_ms)
    out = []
    for group, gd in sorted(peaks.items()):
        values = gd.peak_values()
        if group in live:
            row = headroom.for_limits(group, "live", values, live[group], "live header", growth)
        elif tier is not None:
            limits = headroom.catalog_limits(catalog, group, tier, now.date())
            row = headroom.for_limits(group, tier, values, limits, "catalog", growth)
        else:
            continue
        for dim, dh in row.dims.items():
            if dh.peak is None or dh.limit is None or dh.limit <= 0:
                continue
            out.append(PeakShare(group, dim, dh.peak, dh.limit, row.tier, dh.months_to_bind))
    return out


def tier_note(store: Any, tier: str | None, *, now: datetime, max_probe_age_s: float = 3600) -> str | None:
    """Why the per-minute rule cannot run, or None when it can."""
    from planner.probe import history

    if tier is not None or history.latest_live_limits(store, max_age_s=max_probe_age_s, now=now):
        return None
    return "per-minute capacity rule off: no --tier (or [alerts] tier) and no recent probe to compare peaks with"
