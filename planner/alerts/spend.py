"""Each budget's spend per day, read through the ledger (never its SQL), then `projection.budgets`.

One ledger pass per kind of scope, shared by every budget of that kind: the organisation, models
and groups from `summarize(by="day+model")` (it reads the 15-minute slots),
projects and workspaces from `by="day+project"` / `by="day+workspace"` (these read the rows).
Requests of models the catalog cannot price are never counted as $0 silently: each status says
how many were left out, so `spent` is then a lower bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from planner.projection.budgets import WINDOW, Budget, BudgetStatus, Scope, status

# The organisation reads day+model too: the same SQL as by="day" (both group by day and price
# dimension), so org, model and group budgets share one pass.
_LEDGER_BY = {
    "org": "day+model",
    "model": "day+model",
    "group": "day+model",
    "project": "day+project",
    "workspace": "day+workspace",
}


class ScopeSpend:
    """Spend per (scope, day) from the ledger, one summarize call per kind of scope."""

    def __init__(self, store: Any, catalog: Any, since: date, until: date) -> None:
        self.store = store
        self.catalog = catalog
        self.since = since
        self.until = until
        self._rows: dict[str, list[tuple[date, str, Decimal, int]]] = {}

    def rows(self, by: str) -> list[tuple[date, str, Decimal, int]]:
        """(day, key, cost, unpriced requests) for one `by` of the ledger, cached."""
        rows = self._rows.get(by)
        if rows is None:
            from planner import ledger

            led = ledger.summarize(self.store, self.catalog, since=self.since, until=self.until, by=by)
            rows = []
            for r in led.rows:
                day, _, key = r.key.partition("|")
                rows.append((date.fromisoformat(day), key, r.cost_usd, r.unpriced_requests))
            self._rows[by] = rows
        return rows

    def _matches(self, scope: Scope) -> Any:
        if scope.kind == "model":
            m = self.catalog.resolve(scope.value)
            wanted = m.id if m is not None else scope.value
            return lambda key: key == wanted
        if scope.kind == "group":
            groups: dict[str, str | None] = {}

            def in_group(key: str) -> bool:
                if key not in groups:
                    groups[key] = self.catalog.group_of(key)
                return groups[key] == scope.value

            return in_group
        return lambda key: key == scope.value

    def daily(self, scope: Scope) -> tuple[list[tuple[date, Decimal]], list[str]]:
        """([(day, cost)], warnings) of one scope over [since, until]."""
        by = _LEDGER_BY[scope.kind]
        match = (lambda key: True) if scope.kind == "org" else self._matches(scope)
        per_day: dict[date, Decimal] = {}
        unpriced = 0
        seen = False
        for day, key, cost, unpriced_requests in self.rows(by):
            if match(key):
                seen = True
                per_day[day] = per_day.get(day, Decimal(0)) + cost
                unpriced += unpriced_requests
        warnings = []
        if unpriced:
            warnings.append(
                f"{unpriced:,} requests of unpriced models are not counted: spent is a lower bound "
                "(`planner report` names the models)"
            )
        if not seen:
            warnings.append(
                f"no imported usage for {scope.label} between {self.since.isoformat()} and {self.until.isoformat()}"
            )
        return sorted(per_day.items()), warnings


def statuses(
    store: Any, catalog: Any, budgets: Sequence[Budget], today: date, *, window: int = WINDOW
) -> list[BudgetStatus]:
    """Where each budget stands on `today` (UTC days)."""
    if not budgets:
        return []
    since = min([today - timedelta(days=window), *(b.period(today)[1] for b in budgets)])
    spend = ScopeSpend(store, catalog, since, today)
    out = []
    for budget in budgets:
        daily, warnings = spend.daily(budget.scope)
        out.append(status(budget, daily, today, window=window, warnings=warnings))
    return out
