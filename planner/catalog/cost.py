"""The exact cost of token usage: one request (or an aggregate of requests in one band class)
priced against the catalog entry in force at the time, with a breakdown per category.

Rules (reference 1.1-1.5): cache writes/reads have their own prices; the long-context band is
chosen on the prompt (input + cache writes + cache reads) and then prices EVERY token of the
request; batch takes its discount off every token category (stacking with the cache prices);
data residency multiplies every token category; fast mode replaces input/output prices and
derives cache prices from the fast input with the model's own cache ratios; web search is per
search and takes neither the batch discount nor the residency multiplier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from planner.catalog.schema import PriceEntry

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog.catalog import Catalog

MTOK = Decimal(1_000_000)
CATEGORIES = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search")


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    web_search_requests: int = 0
    batch: bool = False
    geo: str | None = None
    fast: bool = False

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cache_write_5m + self.cache_write_1h + self.cache_read

    def quantities(self) -> dict[str, int]:
        """Tokens per category (web_search: searches), in CATEGORIES order."""
        return {
            "input": self.input_tokens,
            "cache_write_5m": self.cache_write_5m,
            "cache_write_1h": self.cache_write_1h,
            "cache_read": self.cache_read,
            "output": self.output_tokens,
            "web_search": self.web_search_requests,
        }


@dataclass
class CostResult:
    model: str | None
    priced: bool
    total: Decimal | None
    breakdown: dict[str, Decimal] = field(default_factory=dict)
    band: str = "standard"
    uncached_total: Decimal | None = None
    entry: PriceEntry | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `planner cost --format json` shape (Decimals stay exact through report.to_json)."""
        entry = self.entry
        return {
            "model": self.model,
            "priced": self.priced,
            "cost_usd": self.total,
            "breakdown": self.breakdown,
            "band": self.band,
            "uncached_cost_usd": self.uncached_total,
            "source": entry.source if entry else None,
            "effective": entry.effective.isoformat() if entry else None,
            "reason": self.reason,
            "warnings": self.warnings,
        }


def _rates(
    entry: PriceEntry, usage: Usage, prompt: int, warnings: list[str], model_name: str
) -> tuple[dict[str, Decimal], str]:
    """(per-MTok rates by category, band name) for this usage."""
    base = {k: getattr(entry, k) for k in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")}
    if usage.fast:
        if entry.fast_input is None or entry.fast_output is None:
            warnings.append(
                f"fast mode has no published price for {model_name} at {entry.effective}; priced at standard rates"
            )
        else:
            # Fast mode covers the whole context with no long-context charge (reference 1.3/1.5).
            ratio = entry.fast_input / entry.input if entry.input else Decimal(0)
            return {
                "input": entry.fast_input,
                "output": entry.fast_output,
                "cache_write_5m": entry.cache_write_5m * ratio,
                "cache_write_1h": entry.cache_write_1h * ratio,
                "cache_read": entry.cache_read * ratio,
            }, "standard"
    band = entry.band_for(prompt)
    if band is None:
        return base, "standard"
    return {k: getattr(band, k) for k in base}, band.name


def price_usage(
    catalog: Catalog,
    model_id: str,
    usage: Usage,
    at: datetime | date,
    *,
    prompt_tokens: int | None = None,
) -> CostResult:
    model = catalog.resolve(model_id)
    if model is None:
        hints = catalog.suggest(model_id)
        reason = f"unknown model {model_id!r}" + (f" (did you mean {', '.join(hints)}?)" if hints else "")
        return CostResult(model=None, priced=False, total=None, reason=reason)
    day = at.date() if isinstance(at, datetime) else at
    entry = catalog.price_at(model.id, at)
    if entry is None:
        first = model.prices[0].effective
        reason = f"no price for {model.id} on {day} (the catalog's first price is effective {first})"
        return CostResult(model=model.id, priced=False, total=None, reason=reason)

    warnings: list[str] = []
    prompt = usage.prompt_tokens if prompt_tokens is None else prompt_tokens
    rates, band = _rates(entry, usage, prompt, warnings, model.id)
    with localcontext() as ctx:
        ctx.prec = 50  # exact for any realistic token count times a 4-decimal price
        multiplier = Decimal(1)
        if usage.batch and usage.fast:
            warnings.append("fast mode is not available through Batch; priced as fast without the batch discount")
        elif usage.batch:
            multiplier *= 1 - entry.batch_discount
        geo = (usage.geo or "").strip().lower()
        if geo and geo != "global":
            if geo in entry.residency:
                multiplier *= entry.residency[geo]
            else:
                warnings.append(
                    f"inference_geo {geo!r} is not offered for {model.id} (the API returns 400); priced at the global rate"
                )
        counts = usage.quantities()
        searches = counts.pop("web_search")
        breakdown = {k: Decimal(n) * rates[k] * multiplier / MTOK for k, n in counts.items()}
        breakdown["web_search"] = Decimal(searches) * entry.web_search_per_1k / 1000
        total = sum(breakdown.values(), Decimal(0))
        uncached = (
            Decimal(usage.prompt_tokens) * rates["input"] * multiplier / MTOK
            + breakdown["output"]
            + breakdown["web_search"]
        )
    breakdown = {k: tidy(v) for k, v in breakdown.items()}
    return CostResult(
        model=model.id,
        priced=True,
        total=tidy(total),
        breakdown={k: breakdown[k] for k in CATEGORIES},
        band=band,
        uncached_total=tidy(uncached),
        entry=entry,
        warnings=warnings,
    )


def tidy(value: Decimal) -> Decimal:
    """Same value, without trailing zeros or exponent noise (1.50000 -> 1.5, 0E-10 -> 0)."""
    if value == 0:
        return Decimal(0)
    with localcontext() as ctx:
        # As many digits as the value has: at the default 28, quantizing a whole number past 10^28
        # raised decimal.InvalidOperation (a huge --input count, or a price of 1e300 before the
        # catalog bounded prices).
        ctx.prec = max(ctx.prec, value.adjusted() + 2, len(value.as_tuple().digits))
        normal = value.normalize()
        return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal
