"""Tier recommendation: the LOWEST tier of the system in force whose limits hold every used
group's peak with a safety margin (peak × (1 + margin) <= limit) AND whose monthly spend cap holds
the projected monthly spend; else "custom". The reason always carries the numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from planner.projection.headroom import DIMENSIONS, catalog_limits, for_limits, peak_values

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog, Tier


@dataclass
class Recommendation:
    tier: str
    reason: str
    rejected: dict[str, str] = field(default_factory=dict)  # tier -> why not

    def to_json(self) -> dict[str, Any]:
        return {"tier": self.tier, "reason": self.reason, "rejected": self.rejected}


def fmt_count(x: float) -> str:
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.4g}"


def _why_not(
    catalog: Catalog,
    tier: Tier,
    demand: Mapping[str, Any],
    spend: Decimal | None,
    at: date | datetime,
    margin: float,
) -> str | None:
    for group, demand_of in demand.items():
        peaks = peak_values(demand_of)
        name = catalog.group_name(group) if not group.startswith("unknown:") else group
        gh = for_limits(group, tier.id, peaks, catalog_limits(catalog, group, tier.id, at), "catalog", margin=margin)
        for d in DIMENSIONS:
            dh = gh.dims[d]
            if not dh.peak:
                continue
            if dh.limit is None:
                return f"{tier.id}: {name} {d.upper()} limit unknown, cannot confirm"
            if dh.peak * (1 + margin) > dh.limit:
                return (
                    f"{tier.id}: {name} {d.upper()} peak {fmt_count(dh.peak)} × {1 + margin:g} > {fmt_count(dh.limit)}"
                )
    if spend is not None:
        if tier.unlimited:
            return None
        if tier.monthly_spend_cap is None:
            return f"{tier.id}: monthly spend cap unknown, cannot confirm ${spend:.2f}/month"
        if spend > tier.monthly_spend_cap:
            return f"{tier.id}: monthly spend ${spend:.2f} > cap ${tier.monthly_spend_cap}"
    return None


def recommend(
    demand: Mapping[str, Any],
    monthly_spend: Decimal | None,
    catalog: Catalog,
    at: date | datetime,
    *,
    margin: float = 0.2,
) -> Recommendation:
    """`demand`: {group: GroupDemand or {"rpm"|"itpm"|"otpm": peak}}."""
    rejected: dict[str, str] = {}
    for tier in catalog.tiers_at(at):
        if tier.id == "custom":
            continue
        why = _why_not(catalog, tier, demand, monthly_spend, at, margin)
        if why is None:
            cap = "no cap" if tier.unlimited else f"cap ${tier.monthly_spend_cap}"
            spend = "" if monthly_spend is None else f"; ${monthly_spend:.2f}/month within {cap}"
            reasons = "; ".join(rejected.values())
            return Recommendation(
                tier.id,
                f"{tier.id}: every group's peak × {1 + margin:g} within limits{spend}"
                + (f" (lower tiers: {reasons})" if reasons else ""),
                rejected,
            )
        rejected[tier.id] = why
    return Recommendation("custom", "no published tier fits: " + "; ".join(rejected.values()), rejected)
