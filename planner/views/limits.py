"""Rate limits as views: the catalog's tiers and per-group limits at a date (`planner limits`, the
dashboard's Pricing screen), and the limits the organisation configured, read from the Admin API
and matched to a catalog tier (`planner limits --live`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog, Tier

_TIER_KEYS = (
    "id", "name", "system", "order", "effective", "until", "monthly_spend_cap", "unlimited", "credit_threshold",
    "batch_rpm", "batch_queue", "batch_max_requests", "count_tokens_rpm", "source", "note",
)  # fmt: skip
LIMIT_COLUMNS = (
    Column("group_name", "Group"), Column("tier", "Tier"), Column("rpm", "RPM", "right"),
    Column("itpm", "ITPM", "right"), Column("otpm", "OTPM", "right"), Column("cache_reads_count", "Reads count"),
    Column("effective", "Effective"), Column("overridden", "Override"), Column("source", "Source"),
)  # fmt: skip


@dataclass(frozen=True)
class LimitTable:
    """The tiers in force at `at` and one row per model group and tier."""

    at: date
    tiers: list[Tier]
    rows: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "tiers": [{k: getattr(t, k) for k in _TIER_KEYS} for t in self.tiers],
            "limits": self.rows,
        }

    def to_table(self, *, text: bool = True) -> Table:
        notes = [
            f"{t.name} ({t.id}): monthly spend cap {_cap(t)}; batch {_n(t.batch_rpm)} RPM, queue {_n(t.batch_queue)}, "
            f"max {_n(t.batch_max_requests)} per batch; count_tokens {_n(t.count_tokens_rpm)} RPM"
            for t in self.tiers
        ]
        notes += [
            "source: the bundled catalog (pricing/limits.toml) and your overrides; — = not published (unknown, not 0)",
            "cache reads count toward ITPM only where 'Reads count' says yes",
        ]
        system = self.tiers[0].system if self.tiers else "no tier system"
        return Table(LIMIT_COLUMNS, self.rows, title=f"Rate limits in force at {self.at} ({system})", notes=notes)


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _cap(tier: Tier) -> str:
    if tier.unlimited:
        return "none"
    return "— (unknown)" if tier.monthly_spend_cap is None else f"${tier.monthly_spend_cap:,}"


def limits_at(catalog: Catalog, at: date | datetime, tier: str | None = None) -> LimitTable:
    """Every tier in force at `at` (or only `tier`; PlannerError when unknown or not in force)."""
    day = at.date() if isinstance(at, datetime) else at
    tiers = catalog.tiers_at(at)
    if tier:
        if catalog.tier(tier) is None:
            known = sorted({t.id for t in catalog.tiers_at(at)})
            raise PlannerError(f"unknown tier {tier!r}; tiers in force at {day}: {', '.join(known)}")
        tiers = [t for t in tiers if t.id == tier]
        if not tiers:
            raise PlannerError(f"tier {tier!r} is not in force at {day} (try --at)")
    rows = []
    for t in tiers:
        for group in catalog.groups():
            limits = catalog.limits_at(group, t.id, at)
            if limits is None:
                continue
            rows.append(
                {
                    "group": group,
                    "group_name": catalog.group_name(group),
                    "tier": t.id,
                    "rpm": limits.rpm,
                    "itpm": limits.itpm,
                    "otpm": limits.otpm,
                    "cache_reads_count": limits.cache_reads_count,
                    "effective": limits.effective,
                    "overridden": f"limit:{group}:{t.id}" in catalog.overridden,
                    "source": limits.source,
                    "note": limits.note,
                }
            )
    return LimitTable(day, tiers, rows)


# --- configured limits (Admin API) ------------------------------------------------------------


@dataclass(frozen=True)
class ConfiguredLimits:
    """The organisation's configured limits per group entry, each matched to a catalog tier."""

    rows: list[dict[str, Any]]
    host: str
    path: str
    key_mask: str
    at: date

    def to_json(self) -> dict[str, Any]:
        return {"source": "admin api", "host": self.host, "at": self.at, "groups": self.rows}

    def to_table(self, *, text: bool = True) -> Table:
        table_rows = [
            {
                **r,
                "models": ", ".join(r["models"]) or "—",
                "other": ", ".join(f"{k} {v:,}" for k, v in r["other"].items()),
                "group_name": r["group_name"] or r["group_type"],
            }
            for r in self.rows
        ]
        notes = [f"{r['group_name'] or r['group_type']}: {m}" for r in self.rows for m in r["mismatches"]]
        notes += [
            f"source: {self.host} {self.path} (configured limits, not live remaining) "
            f"with key {self.key_mask}; tiers from the catalog in force at {self.at}",
            "— = the API returned no value (unknown, not 0)",
        ]
        columns = [
            Column("group_name", "Group"),
            Column("models", "Models"),
            Column("rpm", "RPM", "right"),
            Column("itpm", "ITPM", "right"),
            Column("otpm", "OTPM", "right"),
            Column("other", "Other limits"),
            Column("tier", "Tier (catalog match)"),
        ]
        return Table(columns, table_rows, title="Configured rate limits (Admin API)", notes=notes)


def configured_rows(entries: list[dict[str, Any]], catalog: Catalog, at: date | datetime) -> list[dict[str, Any]]:
    """One row per Admin API group entry: its catalog group, RPM/ITPM/OTPM, other limiters, and the
    tier the values match in limits.toml ("custom" when none, with the differences)."""
    from planner.probe.admin import LIMIT_TYPES, limit_values
    from planner.probe.infer import infer_tier

    rows = []
    for e in entries:
        kind = e.get("group_type") or e.get("type") or "unknown"
        models = [m for m in (e.get("models") or []) if isinstance(m, str)]
        values = limit_values(e.get("limits"))
        groups = list(dict.fromkeys(g for g in (catalog.group_of(m) for m in models) if g))
        group = groups[0] if groups else None
        dims = {dim: values.get(t) for t, dim in LIMIT_TYPES.items()}
        mismatches: list[str] = []
        tier: str | None = None
        tier_reason = ""
        if len(groups) > 1:
            mismatches.append(f"models span catalog groups {', '.join(groups)}; compared with {group}")
        unknown = [m for m in models if catalog.resolve(m) is None]
        if unknown:
            mismatches.append(f"not in the catalog: {', '.join(unknown)}")
        if kind == "model_group" and group is not None:
            match = infer_tier(catalog, group, {k: v for k, v in dims.items() if v is not None}, at)
            tier, tier_reason = match.tier, match.reason
            mismatches.extend(match.mismatches)
        rows.append(
            {
                "group_type": kind,
                "group": group,
                "group_name": catalog.group_name(group) if group else None,
                "models": models,
                "rpm": dims["rpm"],
                "itpm": dims["itpm"],
                "otpm": dims["otpm"],
                "other": {k: v for k, v in values.items() if k not in LIMIT_TYPES},
                "tier": tier,
                "tier_reason": tier_reason,
                "mismatches": mismatches,
                "source": "Admin API (configured limits)",
            }
        )
    return rows


def configured_limits(
    entries: list[dict[str, Any]], catalog: Catalog, at: datetime, *, host: str, path: str, key_mask: str
) -> ConfiguredLimits:
    """`entries` (from `planner.probe.admin.fetch_rate_limits`) as a view; `host`, `path` and the
    masked key say where they came from."""
    return ConfiguredLimits(configured_rows(entries, catalog, at), host, path, key_mask, at.date())
