"""One request's exact price as a view (`planner cost`): per-category breakdown, band, source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog, CostResult, Usage


@dataclass(frozen=True)
class RequestCost:
    result: CostResult
    usage: Usage
    at: date

    def to_json(self) -> dict[str, Any]:
        return self.result.to_json()

    def to_table(self, *, text: bool = True) -> Table:
        result = self.result
        counts = self.usage.quantities()
        rows: list[dict[str, Any]] = [
            {"category": k, "quantity": counts[k], "cost": v} for k, v in result.breakdown.items()
        ]
        rows.append({"category": "total", "quantity": None, "cost": result.total})
        entry = result.entry
        notes = [
            f"band: {result.band}; without caching: ${result.uncached_total}",
            f"source: catalog price effective {entry.effective} ({entry.source})" if entry else "",
            *(f"warning: {w}" for w in result.warnings),
        ]
        columns = [
            Column("category", "Category"),
            Column("quantity", "Tokens / searches", "right"),
            Column("cost", "USD", "right"),
        ]
        return Table(columns, rows, title=f"{result.model} at {self.at}", notes=[n for n in notes if n])


def request_cost(catalog: Catalog, model: str, usage: Usage, at: datetime) -> RequestCost:
    """The price of `usage` at `at`; PlannerError when the model cannot be priced."""
    from planner.catalog import price_usage

    result = price_usage(catalog, model, usage, at)
    if not result.priced:
        raise PlannerError(result.reason or f"cannot price {model!r}")
    return RequestCost(result, usage, at.date())
