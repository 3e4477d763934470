"""Budgets as data, and where each one stands: pure functions over a daily spend series.

A budget is an amount in USD for a period (the calendar month, or a fixed range of days for a
launch) over a scope (the organisation, a workspace, a model, a model group or a project),
with warning levels (shares of the amount; default 50%, 80%, 100%) and forecast levels (the
levels at which the period-end projection warns before the spend itself gets there; default
100% only: "projected to exceed the budget").

The projection is `spend.forecast`'s method generalised to any period: spent so far (the days of
the period up to and including today) + the mean of the `window` days before today ($0 for days
without usage) × the days left after today; its range from the p10/p90 of those days. For a
calendar month it equals `spend.forecast` (a test holds them equal). All money is Decimal.

Days are UTC days (as `planner report` without --tz). The settings TOML form is in `from_toml`.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from planner.errors import PlannerError

SCOPE_KINDS = ("org", "workspace", "model", "group", "project")
# Dimensions the issue names that the store does not record (yet): said out loud, never guessed.
MISSING_SCOPES = ("person", "machine", "key", "api_key")
DEFAULT_LEVELS = (Decimal("0.5"), Decimal("0.8"), Decimal("1"))
DEFAULT_FORECAST_LEVELS = (Decimal("1"),)
WINDOW = 7
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    kind: str = "org"  # one of SCOPE_KINDS
    value: str | None = None  # None for org

    @property
    def label(self) -> str:
        return "org" if self.kind == "org" else f"{self.kind}:{self.value}"


ORG = Scope()


def parse_scope(text: str) -> Scope:
    """`org`, `model:ID`, `group:ID`, `project:NAME` or `workspace:NAME`."""
    text = text.strip()
    if text in ("", "org", "organisation", "organization"):
        return ORG
    kind, sep, value = text.partition(":")
    kind = kind.strip().lower()
    value = value.strip()
    if kind in MISSING_SCOPES:
        raise PlannerError(
            f"scope {kind!r}: the store does not record a {kind} for usage yet; "
            f"budgets can scope {', '.join(SCOPE_KINDS)}"
        )
    if kind not in SCOPE_KINDS or kind == "org" or not sep or not value:
        raise PlannerError(
            f"not a scope: {text!r} (use org, workspace:NAME, model:ID, group:ID or project:NAME; "
            "`planner report --by project` lists projects and workspaces)"
        )
    return Scope(kind, value)


def parse_level(text: str | float | int | Decimal) -> Decimal:
    """A share of the amount: 0.8, 80% or 1.2 (over budget). Floats from TOML go through their
    shortest text form, so 0.8 is exactly 0.8."""
    raw = repr(text) if isinstance(text, float) else str(text).strip()
    try:
        value = Decimal(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except InvalidOperation:
        raise PlannerError(f"not a level: {text!r} (a share of the amount such as 0.8 or 80%)") from None
    if not value.is_finite() or not 0 < value <= 10:
        raise PlannerError(f"not a level: {text!r} (a share of the amount above 0, such as 0.8 or 80%)")
    return Decimal(format(value.normalize(), "f"))  # one spelling per level: 0.80 and 80% are 0.8


def parse_levels(text: str | Iterable[Any]) -> tuple[Decimal, ...]:
    items = [t for t in text.split(",") if t.strip()] if isinstance(text, str) else list(text)
    return tuple(sorted({parse_level(t) for t in items}))


def parse_amount(value: Any) -> Decimal:
    raw = repr(value) if isinstance(value, float) else str(value).replace(",", "").strip().lstrip("$")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise PlannerError(f"not an amount in USD: {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise PlannerError(f"not an amount in USD above 0: {value!r}")
    return amount


@dataclass(frozen=True)
class Budget:
    name: str
    amount_usd: Decimal
    scope: Scope = ORG
    levels: tuple[Decimal, ...] = DEFAULT_LEVELS
    forecast_levels: tuple[Decimal, ...] = DEFAULT_FORECAST_LEVELS  # () = no forecast rule
    start: date | None = None  # a fixed range (both set), else the calendar month
    end: date | None = None

    def period(self, today: date) -> tuple[str, date, date]:
        """(key, first day, last day) of the period `today` falls in (or the fixed range)."""
        if self.start is not None and self.end is not None:
            return f"{self.start.isoformat()}..{self.end.isoformat()}", self.start, self.end
        last = calendar.monthrange(today.year, today.month)[1]
        return f"{today.year}-{today.month:02d}", today.replace(day=1), today.replace(day=last)

    def to_toml(self) -> dict[str, Any]:
        """The `[[budgets]]` table: amounts as strings (exact), levels as numbers."""
        out: dict[str, Any] = {
            "name": self.name,
            "amount_usd": str(self.amount_usd),
            "scope": self.scope.label,
            "levels": [float(x) for x in self.levels],
            "forecast_levels": [float(x) for x in self.forecast_levels],
        }
        if self.start is not None and self.end is not None:
            out["from"] = self.start
            out["to"] = self.end
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "amount_usd": self.amount_usd,
            "scope": self.scope.label,
            "period": "range" if self.start is not None else "month",
            "from": self.start,
            "to": self.end,
            "levels": list(self.levels),
            "forecast_levels": list(self.forecast_levels),
        }


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 60 or any(c in name for c in "\r\n\t"):
        raise PlannerError(f"not a budget name: {name!r} (1 to 60 characters on one line)")
    return name


def from_toml(entry: Mapping[str, Any], where: str = "settings") -> Budget:
    """One `[[budgets]]` table -> Budget; a PlannerError naming the budget and field otherwise."""
    name = entry.get("name")
    if not isinstance(name, str):
        raise PlannerError(f"{where}: a [[budgets]] entry has no name")
    try:
        start, end = entry.get("from"), entry.get("to")
        if (start is None) != (end is None):
            raise PlannerError("needs both from and to (or neither, for the calendar month)")
        if start is not None:
            start, end = _day(start), _day(end)
            if end < start:
                raise PlannerError(f"to ({end}) is before from ({start})")
        return Budget(
            name=check_name(name),
            amount_usd=parse_amount(entry.get("amount_usd")),
            scope=parse_scope(str(entry.get("scope", "org"))),
            levels=parse_levels(entry.get("levels", DEFAULT_LEVELS)) or DEFAULT_LEVELS,
            forecast_levels=parse_levels(entry.get("forecast_levels", DEFAULT_FORECAST_LEVELS)),
            start=start,
            end=end,
        )
    except PlannerError as exc:
        raise PlannerError(f"{where}: budget {name!r}: {exc}") from None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PlannerError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Crossing:
    kind: str  # "spent" or "forecast"
    level: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "level": self.level}


@dataclass
class BudgetStatus:
    budget: Budget
    period: str
    start: date
    end: date
    today: date
    spent: Decimal
    projected: Decimal
    low: Decimal
    high: Decimal
    run_rate: Decimal
    days_left: int
    over_on: date | None  # the day spend crossed (or the projection crosses) the amount; None = never
    crossed: list[Crossing]
    method: str
    warnings: list[str] = field(default_factory=list)

    @property
    def share(self) -> Decimal:
        return self.spent / self.budget.amount_usd

    @property
    def projected_share(self) -> Decimal:
        return self.projected / self.budget.amount_usd

    def to_json(self) -> dict[str, Any]:
        """One budget of `planner budget list --format json`."""
        return {
            **self.budget.to_json(),
            "period_key": self.period,
            "period_from": self.start,
            "period_to": self.end,
            "as_of": self.today,
            "spent_usd": self.spent,
            "projected_usd": _estimate(self.projected),
            "projected_range_usd": [_estimate(self.low), _estimate(self.high)],
            "run_rate_usd_per_day": _estimate(self.run_rate),
            "days_left": self.days_left,
            "over_on": self.over_on,
            "levels_crossed": [c.level for c in self.crossed if c.kind == "spent"],
            "forecast_levels_crossed": [c.level for c in self.crossed if c.kind == "forecast"],
            "method": self.method,
            "source": "imported log priced with the catalog (spent); estimate (projection)",
            "warnings": self.warnings,
        }


def _estimate(value: Decimal) -> Decimal:
    """Projections are estimates: to the micro-dollar, not the 28 digits of a division."""
    return value.quantize(Decimal("0.000001"))


def _nearest(values: Sequence[Decimal], q: int) -> Decimal:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered) / 100)) - 1]


def status(
    budget: Budget,
    daily: Iterable[tuple[date, Decimal]],
    today: date,
    *,
    window: int = WINDOW,
    warnings: Sequence[str] = (),
) -> BudgetStatus:
    """Where `budget` stands on `today`, from its scope's spend per day (any days; the rest are
    ignored). A period that has not begun has spent $0 and projects the run rate over all its
    days; one that has ended projects what was spent."""
    key, start, end = budget.period(today)
    by_day: dict[date, Decimal] = {}
    for day, amount in daily:
        by_day[day] = by_day.get(day, _ZERO) + amount
    upto = min(today, end)
    in_period = sorted((d, v) for d, v in by_day.items() if start <= d <= upto)
    spent = sum((v for _, v in in_period), _ZERO)
    trailing = [by_day.get(today - timedelta(days=i), _ZERO) for i in range(1, window + 1)]
    run_rate = sum(trailing, _ZERO) / window
    # a period not begun yet projects the run rate over all its days
    days_left = (end - start).days + 1 if today < start else max(0, (end - today).days)
    projected = spent + run_rate * days_left
    low = spent + _nearest(trailing, 10) * days_left
    high = spent + _nearest(trailing, 90) * days_left
    over_on = _over_on(budget.amount_usd, in_period, spent, run_rate, today, start, end)
    crossed = [Crossing("spent", lv) for lv in budget.levels if spent >= budget.amount_usd * lv]
    crossed += [Crossing("forecast", lv) for lv in budget.forecast_levels if projected >= budget.amount_usd * lv]
    method = (
        f"spent {start.isoformat()}..{upto.isoformat()} + mean of the {window} days before "
        f"{today.isoformat()} × {days_left} days left; range from the p10/p90 of those days"
    )
    return BudgetStatus(
        budget,
        key,
        start,
        end,
        today,
        spent,
        projected,
        low,
        high,
        run_rate,
        days_left,
        over_on,
        crossed,
        method,
        list(warnings),
    )


def _over_on(
    amount: Decimal,
    in_period: list[tuple[date, Decimal]],
    spent: Decimal,
    run_rate: Decimal,
    today: date,
    start: date,
    end: date,
) -> date | None:
    """The day the cumulative spend reached the amount, or the day the projection reaches it
    at the run rate (within the period), or None."""
    if spent >= amount:
        total = _ZERO
        for day, value in in_period:
            total += value
            if total >= amount:
                return day
    if run_rate <= 0 or today >= end:
        return None
    first = max(today, start - timedelta(days=1))  # days counted from here on
    days = math.ceil((amount - spent) / run_rate)
    day = first + timedelta(days=days)
    return day if day <= end else None
