"""Spend forecast from the ledger's daily spend [(date, Decimal)], plus what-ifs. All Decimal.

Method: month to date = the days of today's month up to and including today. Run rate = mean of
the `window` complete days before today (days without usage count as $0 — no usage is no spend).
Projection = month to date + run rate × the days left after today. Range = the p10 and p90 of
those trailing daily values (nearest rank) × the days left, added to month to date."""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import PriceEntry

Daily = Iterable[tuple[date, Decimal]]  # (day, spend) pairs, as ledger.daily_spend gives them


@dataclass(frozen=True)
class Forecast:
    month_to_date: Decimal
    projected: Decimal
    low: Decimal
    high: Decimal
    method: str
    run_rate: Decimal
    days_left: int

    def to_json(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in ("month_to_date", "projected", "low", "high", "method", "run_rate", "days_left")
        }


def _nearest(values: list[Decimal], q: int) -> Decimal:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered) / 100)) - 1]


def forecast(daily: Daily, today: date, *, window: int = 7) -> Forecast:
    by_day: dict[date, Decimal] = {}
    for day, amount in daily:
        by_day[day] = by_day.get(day, Decimal(0)) + amount
    mtd = sum(
        (v for d, v in by_day.items() if d.year == today.year and d.month == today.month and d <= today), Decimal(0)
    )
    trailing = [by_day.get(today - timedelta(days=i), Decimal(0)) for i in range(1, window + 1)]
    run_rate = sum(trailing, Decimal(0)) / window
    days_left = calendar.monthrange(today.year, today.month)[1] - today.day
    method = (
        f"month to date + mean of the {window} days before {today.isoformat()} × {days_left} days left; "
        f"range from the p10/p90 of those days"
    )
    return Forecast(
        mtd,
        mtd + run_rate * days_left,
        mtd + _nearest(trailing, 10) * days_left,
        mtd + _nearest(trailing, 90) * days_left,
        method,
        run_rate,
        days_left,
    )


def as_of_day(daily: Iterable[tuple[date, Decimal]], today: date) -> tuple[date, str | None]:
    """The day month-to-date and the projection are based on: today, unless the data ends
    before this month began (sample data), then the last day with data, said out loud."""
    days = [d for d, _ in daily]
    if not days:
        return today, None
    last = max(days)
    if last < today.replace(day=1):
        return last, f"as of {last.isoformat()}, the last day with data (today is {today.isoformat()})"
    return today, None


def month_series(daily: Daily, today: date) -> list[tuple[date, Decimal]]:
    """Every day of today's month up to today, $0 where there was no usage."""
    by_day = dict(daily)
    return [(d, by_day.get(d, Decimal(0))) for d in (today.replace(day=i) for i in range(1, today.day + 1))]


def what_if_batch(cost: Decimal, share: Decimal, discount: Decimal) -> Decimal:
    """The same traffic with `share` of it sent through the Batch API at `discount` (0.5 = half off)."""
    return cost - cost * share * discount


def what_if_cache(
    entry: PriceEntry,
    *,
    requests: int,
    input_tokens: int,
    prefix_tokens: int,
    output_tokens: int,
    hit_rate: Decimal,
    ttl: str = "5m",
) -> Decimal:
    """Cost of `requests` that each send `prefix_tokens` of cacheable prefix: a hit reads it, a
    miss writes it at the TTL's write price (the scenario model; see scenario.request_cost)."""
    from planner.projection.scenario import request_cost

    per, _ = request_cost(
        entry, Decimal(input_tokens), Decimal(prefix_tokens), Decimal(hit_rate), ttl, Decimal(output_tokens)
    )
    return per * requests


def check_budget(daily: Daily, today: date, budget: Decimal, *, window: int = 7) -> Forecast:
    """The forecast, or BudgetExceeded (exit 3) when the projected month-end spend is over
    `budget` — the `planner report --budget` gate."""
    from planner.errors import BudgetExceeded

    f = forecast(daily, today, window=window)
    if f.projected > budget:
        raise BudgetExceeded(
            f"projected month-end spend ${f.projected:.2f} > budget ${budget} "
            f"(month to date ${f.month_to_date:.2f}; {f.method})"
        )
    return f
