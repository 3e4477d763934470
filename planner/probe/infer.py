"""Name the usage tier from live limits by matching them against the catalog (limits.toml).

Only the dimensions the live source reported are compared (partial headers are normal); a tier
matches when every compared dimension equals its catalog value. No match means "custom" (negotiated
or workspace limits), and the nearest tier's differences are listed as mismatches. None means the
comparison is impossible (no live limits, or no published limits for the group)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.catalog import Catalog, Tier

# live header dimension -> catalog field
HEADER_TO_DIM = {"requests": "rpm", "input_tokens": "itpm", "output_tokens": "otpm"}
DIM_LABEL = {"rpm": "RPM", "itpm": "ITPM", "otpm": "OTPM"}


@dataclass(frozen=True)
class TierMatch:
    tier: str | None  # "tier2", "build", ..., "custom", or None (cannot tell)
    mismatches: list[str] = field(default_factory=list)
    reason: str = ""
    compared: tuple[str, ...] = ()  # the dimensions compared ("rpm", "itpm", "otpm")


def observed_limits(limits: Mapping[str, Any]) -> dict[str, int]:
    """{"rpm"|"itpm"|"otpm": int} from DimensionLimits keyed by header dimension, or plain ints
    keyed by header dimension or by rpm/itpm/otpm. Unknown values are left out."""
    out: dict[str, int] = {}
    for key, value in limits.items():
        dim = HEADER_TO_DIM.get(key, key if key in DIM_LABEL else None)
        if dim is None:
            continue
        v = getattr(value, "limit", value)
        if isinstance(v, int) and not isinstance(v, bool):
            out[dim] = v
    return out


def infer_tier(catalog: Catalog, group: str, limits: Mapping[str, Any], at: datetime | date) -> TierMatch:
    seen = observed_limits(limits)
    name = catalog.group_name(group) if group else str(group)
    if not seen:
        return TierMatch(None, [], "no live RPM/ITPM/OTPM limit to compare")
    dims: tuple[str, ...] = tuple(d for d in ("rpm", "itpm", "otpm") if d in seen)
    candidates: list[tuple[Tier, dict[str, int | None]]] = []  # (tier, {dim: catalog value or None})
    for t in catalog.tiers_at(at):
        if t.id == "custom":
            continue
        gl = catalog.limits_at(group, t.id, at)
        if gl is None:
            continue
        table: dict[str, int | None] = {d: getattr(gl, d) for d in dims}
        if any(v is not None for v in table.values()):
            candidates.append((t, table))
    if not candidates:
        return TierMatch(None, [], f"no published limits for {name} in the catalog to compare with", dims)
    exact = [t for t, table in candidates if all(table[d] == seen[d] for d in dims)]
    label = "/".join(DIM_LABEL[d] for d in dims)
    partial = "" if len(dims) == 3 else f" (compared {label} only; the other headers were missing)"
    if exact:
        tier = exact[0]
        also = f"; the same values in {', '.join(t.id for t in exact[1:])}" if len(exact) > 1 else ""
        return TierMatch(tier.id, [], f"live {label} equal {tier.name} ({tier.id}) for {name}{partial}{also}", dims)

    def closeness(item: tuple[Tier, dict[str, int | None]]) -> tuple[int, int, float, int]:
        tier, table = item
        equal = sum(table[d] == seen[d] for d in dims)
        known = {d: v for d in dims if (v := table[d]) is not None}
        distance = sum(abs(math.log(max(seen[d], 1) / max(v, 1))) for d, v in known.items())
        return (equal, len(known), -distance, -tier.order)

    nearest, table = max(candidates, key=closeness)
    mismatches = []
    for d in dims:
        if table[d] is None:
            mismatches.append(f"{DIM_LABEL[d]}: live {seen[d]:,}, {nearest.id} unknown in the catalog")
        elif table[d] != seen[d]:
            mismatches.append(f"{DIM_LABEL[d]}: live {seen[d]:,} vs {nearest.id} {table[d]:,} (catalog)")
    pairs = [(seen[d], table[d]) for d in dims]  # (live, catalog)
    over = all(lim is None or live >= lim for live, lim in pairs)
    under = all(lim is None or live <= lim for live, lim in pairs)
    why = (
        "above the catalog: negotiated (custom) limits?"
        if over
        else "below the catalog: a workspace limit, or the catalog is out of date?"
        if under
        else "matches no tier in the catalog"
    )
    return TierMatch("custom", mismatches, f"live {label} for {name} {why}; nearest tier {nearest.id}{partial}", dims)
