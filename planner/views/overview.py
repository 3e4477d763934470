"""The dashboard's overview: month-to-date spend, the month-end forecast, spend by model, a
headroom gauge per model group and the recommended tier, on the same pipeline as `planner
headroom` (`planner.views.headroom`: outlook, recommendation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.projection import headroom as hr
from planner.projection import spend
from planner.report import Column, Table
from planner.views.headroom import group_name, outlook, recommend
from planner.views.numbers import gauge_lines
from planner.views.provenance import SOURCE_CATALOG, SOURCE_ESTIMATE, SOURCE_LOG
from planner.views.usage import UsageReport

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.ledger import Ledger
    from planner.projection.demand import GroupDemand
    from planner.projection.headroom import DimHeadroom
    from planner.projection.spend import Forecast
    from planner.projection.tiers import Recommendation
    from planner.store import SourceInfo, Store
    from planner.views.demand import LiveLimits


@dataclass(frozen=True)
class GroupGauge:
    """One group's peaks against the limits it is compared with."""

    group: str
    name: str
    tier: str  # tier compared against, or "live"
    source: str  # "catalog" or "live header"
    dims: dict[str, DimHeadroom]
    binding: str | None
    fits: bool | None
    peak_source: str  # where the peaks came from ("imported log: request-level")


@dataclass(frozen=True)
class OverviewData:
    today: date
    as_of: date
    as_of_note: str | None
    forecast: Forecast | None  # None without data
    month: list[tuple[date, Decimal]]  # daily spend this month up to as_of
    by_model: Ledger | None  # month to date, by model
    gauges: list[GroupGauge]
    recommendation: Recommendation | None  # None until the demand peaks are in
    sample_only: bool
    unpriced: list[str] = field(default_factory=list)
    record_days: int = 0

    def to_json(self) -> dict[str, Any] | None:
        """The overview's figures; None before there is spend to show."""
        if self.forecast is None or self.by_model is None or self.recommendation is None:
            return None
        return {
            "as_of": self.as_of,
            "as_of_note": self.as_of_note,
            "forecast": self.forecast.to_json(),
            "cache_savings_usd": self.by_model.totals.cache_savings_usd,
            "by_model": [{"model": r.key, "requests": r.requests, "cost_usd": r.cost_usd} for r in self.by_model.rows],
            "recommendation": self.recommendation.to_json(),
            "headroom": [
                {
                    "group": g.group,
                    "tier": g.tier,
                    "source": g.source,
                    "binding": g.binding,
                    "fits": g.fits,
                    "dimensions": {k: v.to_json() for k, v in g.dims.items()},
                }
                for g in self.gauges
            ],
        }

    def to_table(self, *, text: bool = True) -> Table:
        """Item, value and source of every figure (empty before there is spend to show)."""
        columns = [Column("item", "Item"), Column("value", "Value", "right"), Column("source", "Source")]
        fc, by_model, rec = self.forecast, self.by_model, self.recommendation
        if fc is None or by_model is None or rec is None:
            return Table(columns, [], title=f"Overview {self.as_of:%Y-%m}")
        priced = f"{SOURCE_LOG} × {SOURCE_CATALOG}"
        rows: list[dict[str, Any]] = [
            {"item": "month to date", "value": fc.month_to_date, "source": priced},
            {"item": "month-end projection", "value": fc.projected, "source": SOURCE_ESTIMATE},
            {"item": "projection low (p10)", "value": fc.low, "source": SOURCE_ESTIMATE},
            {"item": "projection high (p90)", "value": fc.high, "source": SOURCE_ESTIMATE},
            {"item": "cache savings", "value": by_model.totals.cache_savings_usd, "source": SOURCE_LOG},
            {"item": "recommended tier", "value": rec.tier, "source": SOURCE_ESTIMATE},
        ]
        rows += [{"item": f"spend {r.key}", "value": r.cost_usd, "source": priced} for r in by_model.rows]
        for g in self.gauges:
            rows += [{"item": f"headroom {g.name}", "value": line, "source": g.source} for line in gauge_lines(g)]
        notes = [f"as of {self.as_of}" + (f" ({self.as_of_note})" if self.as_of_note else ""), fc.method, rec.reason]
        return Table(columns, rows, title=f"Overview {self.as_of:%Y-%m}", notes=notes)


def is_sample_only(sources: Sequence[SourceInfo], samples: Path) -> bool:
    """True when every imported source is a bundled sample file (the banner stays until the user
    imports their own)."""
    root = str(samples.resolve())
    return bool(sources) and all(str(Path(s.path).resolve()).startswith(root) for s in sources)


def gauges(peaks: dict[str, GroupDemand], catalog: Catalog, at: date, tier: str, live: LiveLimits) -> list[GroupGauge]:
    """A gauge per group: its live limits where probed, else the catalog's limits of `tier` (the
    recommended one; the highest tier in force when that is "custom")."""
    in_force = [t.id for t in catalog.tiers_at(at) if t.id != "custom"]
    compare = tier if tier in in_force else (in_force[-1] if in_force else tier)
    out = []
    for group, gd in sorted(peaks.items()):
        rows = hr.headroom(
            {group: gd}, catalog, at, live={group: live[group]} if group in live else None, tiers=[compare]
        )
        row = rows[0]  # the live row comes first when there is one
        out.append(
            GroupGauge(
                group,
                group_name(catalog, group),
                row.tier,
                row.source,
                row.dims,
                row.binding,
                row.fits,
                f"{SOURCE_LOG}: {', '.join(gd.sources) or 'no traffic'}",
            )
        )
    return out


def overview(
    store: Store,
    catalog: Catalog,
    today: date,
    *,
    samples: Path,
    live: LiveLimits,
    peaks: Callable[[], dict[str, GroupDemand]],
    sources: list[SourceInfo] | None = None,
    on_spend: Callable[[OverviewData], None] | None = None,
) -> tuple[OverviewData, UsageReport]:
    """The overview, and the usage by day it is computed from (the Usage screen's first view).
    `peaks()` gives the demand peaks (the caller may have started them early, elsewhere); it is
    called only when there is spend. `on_spend` gets the spend figures (no gauges, no tier yet)
    before the slower peaks."""
    from planner import ledger

    sources = store.sources() if sources is None else sources
    by_day = ledger.summarize(store, catalog, by="day")
    usage_day = UsageReport(by_day, sources)
    daily = [(date.fromisoformat(r.key), r.cost_usd) for r in by_day.rows]  # = ledger.daily_spend
    look = outlook(daily, today)
    sample_only = is_sample_only(sources, samples)
    if look.forecast is None:
        empty = OverviewData(today, look.as_of, look.as_of_note, None, [], None, [], None, sample_only)
        return empty, usage_day
    as_of = look.as_of
    month = spend.month_series(daily, as_of)
    by_model = ledger.summarize(store, catalog, since=as_of.replace(day=1), until=as_of, by="model")
    spent = OverviewData(
        today,
        as_of,
        look.as_of_note,
        look.forecast,
        month,
        by_model,
        [],
        None,
        sample_only,
        list(by_model.unpriced_models),
        len(daily),
    )
    if on_spend is not None:
        on_spend(spent)
    found = peaks()
    rec = recommend(found, look, catalog)
    return replace(spent, gauges=gauges(found, catalog, as_of, rec.tier, live), recommendation=rec), usage_day
