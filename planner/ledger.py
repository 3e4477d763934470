"""Priced aggregates over the store: what `planner report` and the dashboard show.

The ledger runs no SQL and does not import the store: it prices the token sums a `SumsSource`
returns (the `Store` is one; tests may pass any object with these reads).

SQL sums the tokens per (time slot, model, service tier, geo, speed, long-context class) and each
group is priced with the catalog entry in force on its UTC day. Pricing is linear in the token
counts once the model, day, modifiers and band are fixed, so a group costs exactly what its
requests cost one by one. The long-context band is chosen per request (the whole-request rule):
the class is computed in SQL from each request's own prompt size, never from a group's sum.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.catalog import Catalog
from planner.catalog.cost import CATEGORIES
from planner.catalog.cost import tidy as _tidy
from planner.errors import PlannerError
from planner.usage.records import BilledCost

# One sum row: (time bucket, dim, band class, key, requests, input, cw5, cw1h, cread, output, web).
SumRow = tuple[int, int, int, str, int, int, int, int, int, int, int]
DimValues = tuple[str, str | None, str, str | None, str]  # (model_raw, model, tier, geo, speed)


class SumsSource(Protocol):
    """The reads the ledger prices (`planner.store.Store` provides them)."""

    @property
    def SLOT_MS(self) -> int:  # the finest time bucket the sums are kept in
        ...

    @property
    def SUM_KEYS(self) -> Collection[str]:  # keys `usage_sums` can split by besides time and dims
        ...

    def dims(self) -> Mapping[int, DimValues]: ...

    def usage_sums(
        self,
        thresholds: Sequence[int],
        slot_ms: int,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        key: str | None = None,
        dims: Iterable[int] | None = None,
    ) -> Iterable[SumRow]: ...

    def billed_costs(self, since_ms: int | None = None, until_ms: int | None = None) -> list[BilledCost]: ...


When = date | datetime | None  # a bound: a date in the report's zone, or an aware datetime
BY = ("day", "week", "month", "model", "project", "session", "tier")
DAY_MS = 86_400_000
MTOK = Decimal(1_000_000)
_ZERO = Decimal(0)
_CATS = CATEGORIES[:-1]  # the token categories (web searches are priced per search)


@dataclass
class LedgerRow:
    key: str
    requests: int = 0
    input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    web_search_requests: int = 0
    cost_usd: Decimal = _ZERO
    uncached_cost_usd: Decimal = _ZERO
    cache_savings_usd: Decimal = _ZERO
    unpriced_requests: int = 0
    unpriced_tokens: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "cache_write_5m_tokens": self.cache_write_5m_tokens,
            "cache_write_1h_tokens": self.cache_write_1h_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "output_tokens": self.output_tokens,
            "web_search_requests": self.web_search_requests,
            "cost_usd": self.cost_usd,
            "uncached_cost_usd": self.uncached_cost_usd,
            "cache_savings_usd": self.cache_savings_usd,
            "unpriced_requests": self.unpriced_requests,
            "unpriced_tokens": self.unpriced_tokens,
        }

    def add(self, other: LedgerRow) -> None:
        for f in fields(self):
            if f.name != "key":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Ledger:
    rows: list[LedgerRow]
    totals: LedgerRow
    unpriced_models: list[str]
    by: str = "day"
    tz: str = "UTC"
    warnings: list[str] = field(default_factory=list)
    source: str = "imported log, priced with the catalog in force at each record's time"

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "tz": self.tz,
            "rows": [r.to_json() for r in self.rows],
            "totals": self.totals.to_json(),
            "unpriced_models": self.unpriced_models,
            "warnings": self.warnings,
            "source": self.source,
        }


def zone(tz: str) -> ZoneInfo | timezone:
    if tz.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise PlannerError(
            f"unknown time zone {tz!r} (use an IANA name such as Europe/Berlin or America/New_York)"
        ) from None


def local_bounds(
    since: date | datetime | None, until: date | datetime | None, tz: str
) -> tuple[int | None, int | None]:
    """Epoch-ms [since, until) for dates in `tz` (`until` is inclusive of its whole day)."""
    z = zone(tz)

    def ms(value: date | datetime | None, end: bool) -> int | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            dt = value if value.tzinfo else value.replace(tzinfo=z)
            return int(dt.timestamp() * 1000) + (1 if end else 0)
        day = value + timedelta(days=1) if end else value
        return int(datetime(day.year, day.month, day.day, tzinfo=z).timestamp() * 1000)

    return ms(since, False), ms(until, True)


class _Rates:
    """Per-MTok rates of (model, UTC day, tier, geo, speed, band class), from the catalog, cached."""

    def __init__(self, catalog: Catalog, thresholds: list[int]) -> None:
        self.catalog = catalog
        self.thresholds = thresholds
        self.cache: dict[tuple, Rates | None] = {}
        self.reasons: dict[str, str] = {}

    def get(self, model: str, day: date, tier: str, geo: str | None, speed: str, klass: int) -> Rates | None:
        k = (model, day, tier, geo, speed, klass)
        try:
            return self.cache[k]
        except KeyError:
            pass
        from planner.catalog import Usage, price_usage

        prompt = self.thresholds[klass - 1] + 1 if klass else 0
        probe = Usage(
            input_tokens=1_000_000,
            cache_write_5m=1_000_000,
            cache_write_1h=1_000_000,
            cache_read=1_000_000,
            output_tokens=1_000_000,
            web_search_requests=1000,
            batch=tier == "batch",
            geo=geo,
            fast=speed == "fast",
        )
        res = price_usage(self.catalog, model, probe, day, prompt_tokens=prompt)
        if not res.priced:
            self.reasons.setdefault(model, res.reason or "unpriced")
            self.cache[k] = None
            return None
        b = res.breakdown
        ri, r5, r1, rr, ro = (b[c] for c in _CATS)
        rates: Rates = ((ri, r5, r1, rr, ro), b["web_search"] / 1000)
        self.cache[k] = rates
        return rates


Count = int | Decimal  # token counts; what-if splits them by a Decimal share
# Per-MTok rates of (input, cw5, cw1h, cread, output), and the price of one web search.
Rates = tuple[tuple[Decimal, Decimal, Decimal, Decimal, Decimal], Decimal]


def _cost(rates: Rates, inp: Count, cw5: Count, cw1h: Count, cread: Count, out: Count, web: Count) -> Decimal:
    """Exact USD of summed tokens at `_Rates.get` rates."""
    (ri, r5, r1, rr, ro), rweb = rates
    return (inp * ri + cw5 * r5 + cw1h * r1 + cread * rr + out * ro) / MTOK + web * rweb


def _uncached(rates: Rates, inp: Count, cw5: Count, cw1h: Count, cread: Count, out: Count, web: Count) -> Decimal:
    """The same tokens with caching off: every prompt token at the (band's, modified) input rate."""
    return _cost(rates, inp + cw5 + cw1h + cread, 0, 0, 0, out, web)


# One row per UTC/local day and key, labelled "YYYY-MM-DD|key": reconcile (model) and budgets
# scoped to a model, project or workspace (one pass instead of one query per day).
DAY_KEYS = ("day+model", "day+project", "day+workspace")


def summarize(
    store: SumsSource,
    catalog: Catalog,
    *,
    since: When = None,
    until: When = None,
    tz: str = "UTC",
    by: str = "day",
    model: str | None = None,
) -> Ledger:
    """Tokens, requests, cost and cache savings per `by` group, and the totals.

    since/until: dates (in `tz`; until inclusive) or aware datetimes. model: a model id or alias
    (filters by canonical id when the catalog knows it, else by the id as logged).
    """
    if by not in BY and by not in DAY_KEYS:
        raise PlannerError(f"--by must be one of {', '.join(BY)} (got {by!r})")
    z = zone(tz)
    since_ms, until_ms = local_bounds(since, until, tz)
    thresholds = catalog.band_thresholds()
    time_key = by in ("day", "week", "month", *DAY_KEYS)
    # every zone's offset is a multiple of 15 minutes: slots are summed in other zones' days
    slot = DAY_MS if not time_key or z is UTC else store.SLOT_MS
    wanted: list[int] | None = None
    dims = store.dims()
    if model:
        m = catalog.resolve(model)
        wanted = [i for i, d in dims.items() if (d[1] == m.id if m is not None else d[0] == model)]
        if not wanted:
            known = sorted({d[1] or d[0] for d in dims.values()})
            raise PlannerError(
                f"no imported usage of {model!r}" + (f" (imported models: {', '.join(known)})" if known else "")
            )
    key = by.removeprefix("day+")
    sums = store.usage_sums(
        thresholds, slot, since_ms, until_ms, key=key if key in store.SUM_KEYS else None, dims=wanted
    )
    rates = _Rates(catalog, thresholds)
    groups: dict[str, LedgerRow] = {}
    unpriced: dict[str, int] = {}
    label_cache: dict[int, str] = {}
    for s, dim, klass, k, req, inp, cw5, cw1h, cread, out, web in sums:
        raw, mid, tier, geo, speed = dims[dim]
        if by in ("model", "day+model"):
            k = mid or raw
        elif by == "tier":
            k = tier
        start_ms = s * slot
        day = date(1970, 1, 1) + timedelta(days=start_ms // DAY_MS)
        if time_key:
            label = label_cache.get(s)
            if label is None:
                label = label_cache[s] = _time_label(start_ms, z, by)
            if by in DAY_KEYS:
                label = f"{label}|{k}"
        else:
            label = k
        row = groups.get(label)
        if row is None:
            row = groups[label] = LedgerRow(label)
        row.requests += req
        row.input_tokens += inp
        row.cache_write_5m_tokens += cw5
        row.cache_write_1h_tokens += cw1h
        row.cache_read_tokens += cread
        row.output_tokens += out
        row.web_search_requests += web
        r = rates.get(mid, day, tier, geo, speed, klass) if mid is not None else None
        if r is None:
            name = raw if mid is None else mid
            unpriced[name] = unpriced.get(name, 0) + max(req, 0)
            row.unpriced_requests += req
            row.unpriced_tokens += inp + cw5 + cw1h + cread + out
            if mid is None:
                rates.reasons.setdefault(raw, f"unknown model {raw!r}")
            continue
        row.cost_usd += _cost(r, inp, cw5, cw1h, cread, out, web)
        row.uncached_cost_usd += _uncached(r, inp, cw5, cw1h, cread, out, web)
    rows = list(groups.values())
    for row in rows:
        row.cost_usd = _tidy(row.cost_usd)
        row.uncached_cost_usd = _tidy(row.uncached_cost_usd)
        row.cache_savings_usd = _tidy(row.uncached_cost_usd - row.cost_usd)
    if time_key:
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.cost_usd, r.key))
    totals = LedgerRow("total")
    for row in rows:
        totals.add(row)
    for name in ("cost_usd", "uncached_cost_usd", "cache_savings_usd"):
        setattr(totals, name, _tidy(getattr(totals, name)))
    warnings = [
        f"unpriced: {name}: {n:,} requests not counted in cost ({rates.reasons.get(name, 'no price')})"
        for name, n in sorted(unpriced.items())
    ]
    return Ledger(rows, totals, sorted(unpriced), by=by, tz=tz, warnings=warnings)


def _time_label(start_ms: int, z: ZoneInfo | timezone, by: str) -> str:
    local = datetime.fromtimestamp(start_ms / 1000, tz=z).date()
    if by == "day" or by in DAY_KEYS:
        return local.isoformat()
    if by == "week":
        y, w, _ = local.isocalendar()
        return f"{y}-W{w:02d}"
    return f"{local.year}-{local.month:02d}"


def daily_spend(
    store: SumsSource, catalog: Catalog, *, since: When = None, until: When = None, tz: str = "UTC"
) -> list[tuple[date, Decimal]]:
    """(local day, cost) for every day with priced usage, oldest first."""
    ledger = summarize(store, catalog, since=since, until=until, tz=tz, by="day")
    return [(date.fromisoformat(r.key), r.cost_usd) for r in ledger.rows]


@dataclass
class ReconcileRow:
    day: str
    model: str
    computed_usd: Decimal | None
    billed_usd: Decimal | None
    billed_items: int = 0  # cost-report line items summed (each rounded by Anthropic to 1/100 cent)

    @property
    def difference_usd(self) -> Decimal | None:
        if self.computed_usd is None or self.billed_usd is None:
            return None
        return self.computed_usd - self.billed_usd

    @property
    def status(self) -> str:
        if self.billed_usd is None:
            return "not in cost report"
        if self.computed_usd is None:
            return "not imported or unpriced"
        # Anthropic rounds each line item to 1/100 cent: within that, the two agree.
        difference = self.computed_usd - self.billed_usd
        return "match" if abs(difference) <= Decimal("0.00005") * max(self.billed_items, 1) else "differs"

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "model": self.model,
            "computed_usd": self.computed_usd,
            "billed_usd": self.billed_usd,
            "difference_usd": self.difference_usd,
            "billed_items": self.billed_items,
            "status": self.status,
        }


def reconcile(store: SumsSource, catalog: Catalog, *, since: When = None, until: When = None) -> list[ReconcileRow]:
    """Computed cost against billed cost (Admin API cost reports) per UTC day and model."""
    since_ms, until_ms = local_bounds(since, until, "UTC")
    billed: dict[tuple[str, str], Decimal] = {}
    items: dict[tuple[str, str], int] = {}
    for b in store.billed_costs(since_ms, until_ms):
        name = b.model or b.model_raw or "(no model: " + (b.cost_type or b.description or "other") + ")"
        billed[(b.day, name)] = billed.get((b.day, name), _ZERO) + Decimal(b.amount_usd)
        items[(b.day, name)] = items.get((b.day, name), 0) + 1
    if not billed:
        raise PlannerError("nothing to reconcile: no cost report imported (planner import cost_report.json)")
    days = sorted({d for d, _ in billed})
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    computed: dict[tuple[str, str], Decimal | None] = {}
    for r in summarize(store, catalog, since=first, until=last, by="day+model").rows:
        d, m = r.key.split("|", 1)
        computed[(d, m)] = None if r.unpriced_requests and not r.cost_usd else r.cost_usd
    keys = sorted(set(billed) | set(computed))
    return [ReconcileRow(d, m, computed.get((d, m)), billed.get((d, m)), items.get((d, m), 0)) for d, m in keys]


@dataclass
class WhatIfRow:
    model: str
    actual_usd: Decimal
    what_if_usd: Decimal

    @property
    def difference_usd(self) -> Decimal:
        return self.what_if_usd - self.actual_usd

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "actual_usd": self.actual_usd,
            "what_if_usd": self.what_if_usd,
            "difference_usd": self.difference_usd,
        }


def what_if(
    store: SumsSource,
    catalog: Catalog,
    *,
    since: When = None,
    until: When = None,
    tz: str = "UTC",
    batch_share: Decimal | None = None,
    cache_hit_rate: Decimal | None = None,
) -> list[WhatIfRow]:
    """The imported traffic re-priced (an estimate): with `batch_share` of the real-time requests
    sent through the Batch API, and/or with `cache_hit_rate` of the cacheable prompt (the tokens
    that were written to or read from the cache) read from the cache and the rest written at the
    5-minute price. Each group keeps its own model, day, band and modifiers; unpriced models are
    left out (they are named by summarize)."""
    for name, v in (("batch share", batch_share), ("cache hit rate", cache_hit_rate)):
        if v is not None and not (0 <= v <= 1):
            raise PlannerError(f"{name} must be between 0 and 1 (got {v})")
    since_ms, until_ms = local_bounds(since, until, tz)
    thresholds = catalog.band_thresholds()
    sums = store.usage_sums(thresholds, DAY_MS, since_ms, until_ms)
    dims = store.dims()
    rates = _Rates(catalog, thresholds)
    out: dict[str, list[Decimal]] = {}

    for s, dim, klass, _k, _req, inp, cw5, cw1h, cread, outp, web in sums:
        _raw, mid, tier, geo, speed = dims[dim]
        day = date(1970, 1, 1) + timedelta(days=s)
        if mid is None:
            continue  # an unknown model: named by summarize, left out here
        r = rates.get(mid, day, tier, geo, speed, klass)
        if r is None:
            continue
        actual = _cost(r, inp, cw5, cw1h, cread, outp, web)
        counts: tuple[Count, Count, Count, Count, Count, Count] = (inp, cw5, cw1h, cread, outp, web)
        if cache_hit_rate is not None:
            cacheable = cw5 + cw1h + cread
            reads = cacheable * cache_hit_rate
            counts = (inp, cacheable - reads, 0, reads, outp, web)
        new = _cost(r, *counts)
        if batch_share is not None and tier != "batch":
            rb = rates.get(mid, day, "batch", geo, speed, klass)
            if rb is not None:
                new = new * (1 - batch_share) + _cost(rb, *counts) * batch_share
        acc = out.setdefault(mid, [_ZERO, _ZERO])
        acc[0] += actual
        acc[1] += new
    rows = [WhatIfRow(m, _tidy(a), _tidy(w)) for m, (a, w) in out.items()]
    rows.sort(key=lambda r: (-r.actual_usd, r.model))
    return rows
