"""Headroom per model group and tier: peak / limit per dimension, the binding dimension, and the
months until each limit binds at a monthly growth rate.

`demand` is {group: {"rpm"|"itpm"|"otpm": peak or None}} (GroupDemand.peak_values() or a
scenario's peaks). `live` is {group: {"rpm"|"itpm"|"otpm": limit or None}} from a probe snapshot;
when a group has one, its limits are compared instead of the catalog's ("live header")
(`planner.probe.history.live_dims` turns a probe's headers into that shape)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog

DIMENSIONS = ("rpm", "itpm", "otpm")


@dataclass(frozen=True)
class DimHeadroom:
    peak: float | None
    limit: int | None  # None = unknown (not 0, not infinite)
    ratio: float | None  # peak / limit, raw (may exceed 1)
    headroom: float | None  # 1 - ratio clamped to [0, 1]
    months_to_bind: float | str | None  # float, "already", "never"; None when unknown

    def to_json(self) -> dict[str, Any]:
        return {
            "peak": self.peak,
            "limit": self.limit,
            "ratio": _r(self.ratio),
            "headroom": _r(self.headroom),
            "months_to_bind": _r(self.months_to_bind)
            if isinstance(self.months_to_bind, float)
            else self.months_to_bind,
        }


def _r(x: float | str | None) -> float | str | None:
    return round(x, 4) if isinstance(x, float) else x


@dataclass
class GroupHeadroom:
    group: str
    tier: str
    source: str  # "live header" or "catalog"
    dims: dict[str, DimHeadroom]
    binding: str | None  # the dimension with the highest ratio
    fits: bool | None  # None: a needed limit is unknown
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "source": self.source,
            "binding": self.binding,
            "fits": self.fits,
            "headroom": {d: _r(self.dims[d].headroom) for d in DIMENSIONS},
            "dimensions": {d: self.dims[d].to_json() for d in DIMENSIONS},
            "notes": self.notes,
        }


def months_to_bind(peak: float, limit: int, growth: float) -> float | str:
    """log(limit/peak) / log(1+g): months of compound growth g until peak reaches limit."""
    if peak >= limit:
        return "already"
    if growth <= 0 or peak <= 0:
        return "never"
    return math.log(limit / peak) / math.log(1 + growth)


def dimension(peak: float | None, limit: int | None, growth: float = 0.0) -> DimHeadroom:
    if peak is None or limit is None:
        return DimHeadroom(peak, limit, None, None, None)
    if limit <= 0:
        return DimHeadroom(peak, limit, math.inf if peak > 0 else 0.0, 0.0, "already")
    ratio = peak / limit
    return DimHeadroom(peak, limit, ratio, min(1.0, max(0.0, 1 - ratio)), months_to_bind(peak, limit, growth))


Peaks = Mapping[str, Any]  # {"rpm"|"itpm"|"otpm": peak (float, int or Decimal) or None}
Limits = Mapping[str, int | None]  # {"rpm"|"itpm"|"otpm": limit or None (unknown)}


def for_limits(
    group: str, tier: str, peaks: Peaks, limits: Limits, source: str, growth: float = 0.0, margin: float = 0.0
) -> GroupHeadroom:
    """Headroom of `peaks` against `limits` ({dim: int|None}); fits when every used dimension's
    peak × (1 + margin) <= limit; None when a used dimension's limit is unknown."""
    dims = {d: dimension(_f(peaks.get(d)), limits.get(d), growth) for d in DIMENSIONS}
    known = [(dh.ratio, d) for d, dh in dims.items() if dh.ratio is not None]
    binding = max(known)[1] if known else None
    fits: bool | None = True
    notes = []
    for d, dh in dims.items():
        if dh.peak is None or dh.peak == 0:
            continue
        if dh.limit is None:
            fits = None if fits is not False else False
            notes.append(f"{d.upper()} limit unknown")
        elif dh.peak * (1 + margin) > dh.limit:
            fits = False
    return GroupHeadroom(group, tier, source, dims, binding, fits, notes)


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


def catalog_limits(catalog: Catalog, group: str, tier: str, at: date | datetime) -> dict[str, int | None]:
    limits = catalog.limits_at(group, tier, at)
    if limits is None:
        return {d: None for d in DIMENSIONS}
    return {"rpm": limits.rpm, "itpm": limits.itpm, "otpm": limits.otpm}


def headroom(
    demand: Mapping[str, Any],
    catalog: Catalog,
    at: date | datetime,
    *,
    live: Mapping[str, Limits] | None = None,
    growth: float = 0.0,
    tiers: list[str] | None = None,
) -> list[GroupHeadroom]:
    """For each group in `demand` and each tier in force at `at` (except "custom"), plus the live
    limits when `live` has the group."""
    live = live or {}
    tier_ids = tiers or [t.id for t in catalog.tiers_at(at) if t.id != "custom"]
    out = []
    for group, demand_of in demand.items():
        peaks = peak_values(demand_of)
        if group in live:
            out.append(for_limits(group, "live", peaks, live[group], "live header", growth))
        for tier in tier_ids:
            out.append(for_limits(group, tier, peaks, catalog_limits(catalog, group, tier, at), "catalog", growth))
    return out


def peak_values(demand: Any) -> Peaks:
    """A GroupDemand's peaks (its `.peak_values()`), or a plain {dim: peak} mapping as it is."""
    return demand.peak_values() if hasattr(demand, "peak_values") else demand
