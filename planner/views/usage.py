"""Usage views: the priced ledger (`planner report`, the dashboard's Usage screen), computed cost
against billed cost (`--reconcile`), re-priced what-ifs, and the month-end budget gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.ledger import Ledger, LedgerRow, ReconcileRow, WhatIfRow
    from planner.projection.spend import Forecast
    from planner.store import SourceInfo, Store

When = date | datetime | None

_COUNTS = (
    "requests",
    "input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "web_search_requests",
)
LEDGER_COLUMNS = (
    Column("requests", "Requests", "right"),
    Column("input_tokens", "Input", "right"),
    Column("cache_write_5m_tokens", "Write 5m", "right"),
    Column("cache_write_1h_tokens", "Write 1h", "right"),
    Column("cache_read_tokens", "Cache read", "right"),
    Column("output_tokens", "Output", "right"),
    Column("web_search_requests", "Web", "right"),
    Column("cost_usd", "Cost $", "right"),
    Column("cache_savings_usd", "Saved $", "right"),
)


@dataclass(frozen=True)
class UsageReport:
    """The ledger grouped by day, week, month, model, project, session or tier, with the imported
    sources it was read from (the dashboard lists them; the CLI does not read them)."""

    ledger: Ledger
    sources: list[SourceInfo] = field(default_factory=list)

    @property
    def by(self) -> str:
        return self.ledger.by

    @property
    def tz(self) -> str:
        return self.ledger.tz

    def to_json(self) -> dict[str, Any]:
        led = self.ledger
        return {
            "rows": [r.to_json() for r in led.rows],
            "totals": led.totals.to_json(),
            "unpriced_models": led.unpriced_models,
            "by": led.by,
            "tz": led.tz,
            "source": led.source,
            "warnings": led.warnings,
        }

    def to_table(self, *, text: bool = True) -> Table:
        """Rows and a totals row; as text, money to the cent (JSON keeps it exact) and a * on a row
        with unpriced requests."""
        led = self.ledger
        rows = [_ledger_row(r, text) for r in led.rows]
        rows.append(_ledger_row(led.totals, text))
        notes = [f"source: {led.source}" + ("" if led.tz == "UTC" else f"; days in {led.tz}")]
        if text:
            notes.append("cost shown to the cent here; --format json gives it exact")
        notes += led.warnings
        if led.unpriced_models and text:
            notes.append("* part of this row's requests are unpriced (see above)")
        if not led.rows:
            notes.append("no imported usage in this range")
        columns = [Column("key", led.by.capitalize()), *LEDGER_COLUMNS]
        return Table(columns, rows, title=f"Usage by {led.by}", notes=notes)


def _ledger_row(row: LedgerRow, text: bool) -> dict[str, Any]:
    d = row.to_json()
    if text:
        for k in ("cost_usd", "cache_savings_usd"):
            d[k] = f"{d[k]:,.2f}"
        for k in _COUNTS:
            d[k] = f"{d[k]:,}"
        if row.unpriced_requests:
            d["cost_usd"] += "*"
    return d


def usage_report(
    store: Store,
    catalog: Catalog,
    *,
    since: When = None,
    until: When = None,
    tz: str = "UTC",
    by: str = "day",
    model: str | None = None,
    with_sources: bool = False,
) -> UsageReport:
    """The imported usage priced with the catalog in force at each record's time."""
    from planner import ledger

    led = ledger.summarize(store, catalog, since=since, until=until, tz=tz, by=by, model=model)
    return UsageReport(led, store.sources() if with_sources else [])


@dataclass(frozen=True)
class Reconciliation:
    """Computed cost (imported logs × catalog) against billed cost (Admin API cost reports) per
    UTC day and model."""

    rows: list[ReconcileRow]

    @property
    def matched(self) -> int:
        return sum(1 for r in self.rows if r.status == "match")

    def to_json(self) -> dict[str, Any]:
        return {"rows": [r.to_json() for r in self.rows], "matched": self.matched, "total": len(self.rows)}

    def to_table(self, *, text: bool = True) -> Table:
        """As text, amounts to 1/100 cent and, past 40 pairs, only those that do not match."""

        def money(v: Decimal | None) -> Decimal | str:
            return "-" if v is None else (f"{v:,.4f}" if text else v)

        shown = [r for r in self.rows if r.status != "match"] if text and len(self.rows) > 40 else self.rows
        table_rows = [
            {
                "day": r.day,
                "model": r.model,
                "computed_usd": money(r.computed_usd),
                "billed_usd": money(r.billed_usd),
                "difference_usd": money(r.difference_usd),
                "status": r.status,
            }
            for r in shown
        ]
        notes = [
            "computed: imported logs priced with the catalog; billed: imported Admin API cost reports",
            "match = equal within Anthropic's rounding of each line item to 1/100 cent",
            f"{self.matched} of {len(self.rows)} day/model pairs match",
        ]
        if shown is not self.rows:
            notes.append("only the pairs that do not match are listed (use --format csv or json for all)")
        columns = [
            Column("day", "Day"),
            Column("model", "Model"),
            Column("computed_usd", "Computed $", "right"),
            Column("billed_usd", "Billed $", "right"),
            Column("difference_usd", "Difference $", "right"),
            Column("status", "Status"),
        ]
        return Table(columns, table_rows, title="Reconciliation", notes=notes)


def reconciliation(store: Store, catalog: Catalog, *, since: When = None, until: When = None) -> Reconciliation:
    from planner import ledger

    return Reconciliation(ledger.reconcile(store, catalog, since=since, until=until))


@dataclass(frozen=True)
class WhatIf:
    """The imported history re-priced per model (an estimate) under the assumptions given."""

    rows: list[WhatIfRow]
    total: WhatIfRow
    batch_share: Decimal | None = None
    cache_hit_rate: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [r.to_json() for r in self.rows],
            "totals": self.total.to_json(),
            "batch_share": self.batch_share,
            "cache_hit_rate": self.cache_hit_rate,
            "source": "estimate",
        }

    def to_table(self, *, text: bool = True) -> Table:
        def shown(r: WhatIfRow) -> dict[str, Any]:
            d = r.to_json()
            if text:
                for k in ("actual_usd", "what_if_usd", "difference_usd"):
                    d[k] = f"{d[k]:,.2f}"
            return d

        assumptions = []
        if self.batch_share is not None:
            assumptions.append(f"{self.batch_share:%} of real-time requests through the Batch API at its discount")
        if self.cache_hit_rate is not None:
            assumptions.append(
                f"{self.cache_hit_rate:%} of the cacheable prompt (tokens written to or read from "
                "the cache) read from cache, the rest written at the 5-minute price"
            )
        notes = ["what-if: " + "; ".join(assumptions) + " (estimate: imported log re-priced with the catalog)"]
        columns = [
            Column("model", "Model"),
            Column("actual_usd", "Actual $", "right"),
            Column("what_if_usd", "What-if $", "right"),
            Column("difference_usd", "Difference $", "right"),
        ]
        return Table(columns, [shown(r) for r in [*self.rows, self.total]], title="What-if", notes=notes)


def what_if(
    store: Store,
    catalog: Catalog,
    *,
    since: When = None,
    until: When = None,
    tz: str = "UTC",
    batch_share: Decimal | None = None,
    cache_hit_rate: Decimal | None = None,
) -> WhatIf:
    from planner import ledger

    rows: Sequence[WhatIfRow] = ledger.what_if(
        store, catalog, since=since, until=until, tz=tz, batch_share=batch_share, cache_hit_rate=cache_hit_rate
    )
    zero = Decimal(0)
    total = ledger.WhatIfRow("total", sum((r.actual_usd for r in rows), zero), sum((r.what_if_usd for r in rows), zero))
    return WhatIf(list(rows), total, batch_share, cache_hit_rate)


def check_budget(store: Store, catalog: Catalog, budget: Decimal, *, today: date, tz: str = "UTC") -> Forecast:
    """The month-end forecast, or BudgetExceeded (exit 3) when it is over `budget`: the
    `planner report --budget` gate. `today` is the day in `tz`."""
    from planner import ledger
    from planner.projection import spend

    daily = ledger.daily_spend(store, catalog, tz=tz)
    as_of, _ = spend.as_of_day(daily, today)
    return spend.check_budget(daily, as_of, budget)
