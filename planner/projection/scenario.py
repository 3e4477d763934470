"""Launch scenarios: a TOML file of workloads -> monthly cost, peaks per group, headroom in every
tier and a recommended tier (see docs/CONTRACTS.md §5 and examples/).

Per real-time request: cache reads = hit × prefix; cache writes = (1 - hit) × prefix at the TTL's
write price; ITPM = input + writes (+ reads where the group counts them). Monthly cost =
requests_per_day × days_per_month × cost per request, the batch share at the batch discount.
Peak RPM = requests_per_day / 1440 × peak_to_average × (1 - batch_share); peak ITPM/OTPM = peak
RPM × per-request tokens. Batch traffic needs batch queue room, not Messages limits.
A group's growth is the highest growth among its workloads (the conservative choice)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.projection import headroom as hr
from planner.projection.demand import DIMENSIONS, reads_count
from planner.projection.tiers import recommend

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Band, Catalog, PriceEntry

MTOK = Decimal(1_000_000)
_FIELDS = {  # name: (type, default); None default = required
    "name": (str, None),
    "model": (str, None),
    "requests_per_day": (Decimal, None),
    "peak_to_average": (Decimal, Decimal(1)),
    "input_tokens": (Decimal, Decimal(0)),
    "cached_prefix_tokens": (Decimal, Decimal(0)),
    "cache_hit_rate": (Decimal, Decimal(0)),
    "cache_ttl": (str, "5m"),
    "output_tokens": (Decimal, Decimal(0)),
    "batch_share": (Decimal, Decimal(0)),
    "growth_per_month": (Decimal, Decimal(0)),
    "prompt_file": (str, ""),
}
_SHARES = ("cache_hit_rate", "batch_share")


@dataclass
class Workload:
    name: str
    model: str
    requests_per_day: Decimal
    peak_to_average: Decimal
    input_tokens: Decimal
    cached_prefix_tokens: Decimal
    cache_hit_rate: Decimal
    cache_ttl: str
    output_tokens: Decimal
    batch_share: Decimal
    growth_per_month: Decimal
    prompt_file: str
    prefix_source: str = "scenario"


@dataclass
class Scenario:
    name: str
    path: Path
    days_per_month: Decimal
    tier: str | None
    workloads: list[Workload] = field(default_factory=list)


def _num(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PlannerError(f"{where}: expected a number, got {value!r}")
    return Decimal(value)


def load(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Parse and validate a scenario file; errors name the file and field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise PlannerError(f"{path}: cannot read scenario ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlannerError(f"{path}: not valid TOML: {exc}") from None
    head = data.get("scenario", {})
    if not isinstance(head, dict):
        raise PlannerError(f"{path}: [scenario] must be a table")
    days = _num(head.get("days_per_month", 30), f"{path}: scenario.days_per_month")
    if days <= 0:
        raise PlannerError(f"{path}: scenario.days_per_month must be positive")
    scen = Scenario(str(head.get("name", path.stem)), path, days, head.get("tier"))
    raw = data.get("workload")
    if not isinstance(raw, list) or not raw:
        raise PlannerError(f"{path}: no [[workload]] entries")
    for i, item in enumerate(raw, 1):
        where = f"{path}: workload {i}"
        unknown = set(item) - set(_FIELDS)
        if unknown:
            raise PlannerError(f"{where}: unknown field {sorted(unknown)[0]!r} (known: {', '.join(_FIELDS)})")
        values: dict[str, Any] = {}
        for key, (kind, default) in _FIELDS.items():
            if key not in item:
                if default is None:
                    raise PlannerError(f"{where}: missing {key}")
                values[key] = default
            elif kind is Decimal:
                values[key] = _num(item[key], f"{where}.{key}")
                if values[key] < 0:
                    raise PlannerError(f"{where}.{key}: must not be negative")
            elif not isinstance(item[key], str):
                raise PlannerError(f"{where}.{key}: expected a string, got {item[key]!r}")
            else:
                values[key] = item[key]
        where = f"{path}: workload {values['name']!r}"
        for key in _SHARES:
            if values[key] > 1:
                raise PlannerError(f"{where}.{key}: must be between 0 and 1, got {values[key]}")
        if values["cache_ttl"] not in ("5m", "1h"):
            raise PlannerError(f'{where}.cache_ttl: must be "5m" or "1h", got {values["cache_ttl"]!r}')
        w = Workload(**values)
        if w.prompt_file:
            from planner import tokens

            prompt = path.parent / w.prompt_file
            try:
                text = prompt.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PlannerError(f"{where}.prompt_file: cannot read {prompt}: {exc}") from None
            est = tokens.estimate(text, w.model, catalog)
            w.cached_prefix_tokens = Decimal(est.claude_tokens)
            w.prefix_source = f"estimate from {w.prompt_file} ({est.method})"
        scen.workloads.append(w)
    return scen


def request_cost(
    entry: PriceEntry, input_tokens: Decimal, prefix: Decimal, hit: Decimal, ttl: str, output: Decimal
) -> tuple[Decimal, dict[str, Decimal]]:
    """Exact cost of one real-time request and its breakdown (USD)."""
    reads, writes = hit * prefix, (1 - hit) * prefix
    prices: PriceEntry | Band = entry
    band = entry.band_for(int(input_tokens + prefix)) if entry.bands else None
    if band is not None:
        prices = band
    write_price = prices.cache_write_5m if ttl == "5m" else prices.cache_write_1h
    parts = {
        "input": input_tokens * prices.input / MTOK,
        f"cache_write_{ttl}": writes * write_price / MTOK,
        "cache_read": reads * prices.cache_read / MTOK,
        "output": output * prices.output / MTOK,
    }
    return sum(parts.values(), Decimal(0)), parts


def _workload(w: Workload, scen: Scenario, catalog: Catalog, at: date | datetime) -> dict[str, Any]:
    model = catalog.resolve(w.model)
    if model is None:
        hint = ", ".join(catalog.suggest(w.model)) or "see planner prices"
        raise PlannerError(f"{scen.path}: workload {w.name!r}.model: unknown model {w.model!r} (did you mean: {hint})")
    entry = catalog.price_at(model.id, at)
    if entry is None:
        raise PlannerError(f"{scen.path}: workload {w.name!r}: {model.id} has no price in force at {at}")
    per, parts = request_cost(
        entry, w.input_tokens, w.cached_prefix_tokens, w.cache_hit_rate, w.cache_ttl, w.output_tokens
    )
    monthly_requests = w.requests_per_day * scen.days_per_month
    batch_factor = 1 - w.batch_share * entry.batch_discount
    breakdown = {k: v * monthly_requests * batch_factor for k, v in parts.items()}
    monthly = per * monthly_requests * batch_factor
    reads_in = reads_count(catalog, model.group, at)
    per_itpm = w.input_tokens + (1 - w.cache_hit_rate) * w.cached_prefix_tokens
    if reads_in:
        per_itpm += w.cache_hit_rate * w.cached_prefix_tokens
    # Divide last so round scenarios give round peaks; rates (not money) are kept to 0.001.
    per_minute = w.requests_per_day * w.peak_to_average * (1 - w.batch_share)
    q = Decimal("0.001")
    return {
        "name": w.name,
        "model": model.id,
        "group": model.group,
        "monthly_cost_usd": monthly,
        "cost_per_request_usd": per,
        "breakdown_usd": breakdown,
        "batch_savings_usd": per * monthly_requests - monthly,
        "peak": {
            "rpm": (per_minute / 1440).quantize(q),
            "itpm": (per_minute * per_itpm / 1440).quantize(q),
            "otpm": (per_minute * w.output_tokens / 1440).quantize(q),
        },
        "cache_reads_count_toward_itpm": reads_in,
        "batch_requests_per_day": w.requests_per_day * w.batch_share,
        "growth_per_month": w.growth_per_month,
        "cached_prefix_tokens": w.cached_prefix_tokens,
        "cached_prefix_source": w.prefix_source,
        "source": "estimate (scenario × catalog prices)",
    }


def evaluate(scen: Scenario, catalog: Catalog, at: date | datetime, *, margin: float = 0.2) -> dict[str, Any]:
    """The plan as the JSON contract (Decimals exact; headroom fractions as floats)."""
    workloads = [_workload(w, scen, catalog, at) for w in scen.workloads]
    total = sum((w["monthly_cost_usd"] for w in workloads), Decimal(0))
    groups: dict[str, dict[str, Any]] = {}
    for w in workloads:
        g = groups.setdefault(
            w["group"],
            {
                "group": w["group"],
                "name": catalog.group_name(w["group"]),
                "peak": {d: Decimal(0) for d in DIMENSIONS},
                "batch_requests_per_day": Decimal(0),
                "growth_per_month": Decimal(0),
            },
        )
        for d in DIMENSIONS:
            g["peak"][d] += w["peak"][d]
        g["batch_requests_per_day"] += w["batch_requests_per_day"]
        g["growth_per_month"] = max(g["growth_per_month"], w["growth_per_month"])
    tiers = [t for t in catalog.tiers_at(at) if t.id != "custom"]
    for g in groups.values():
        g["tiers"] = []
        for t in tiers:
            gh = hr.for_limits(
                g["group"],
                t.id,
                g["peak"],
                hr.catalog_limits(catalog, g["group"], t.id, at),
                "catalog",
                float(g["growth_per_month"]),
                margin=margin,
            )
            row = gh.to_json()
            row["batch_queue"] = t.batch_queue
            row["batch_queue_fits"] = None if t.batch_queue is None else g["batch_requests_per_day"] <= t.batch_queue
            row["monthly_spend_cap_usd"] = None if t.unlimited else t.monthly_spend_cap
            g["tiers"].append(row)
    rec = recommend({g: v["peak"] for g, v in groups.items()}, total, catalog, at, margin=margin)
    result: dict[str, Any] = {
        "scenario": scen.name,
        "file": str(scen.path),
        "at": str(at),
        "days_per_month": scen.days_per_month,
        "monthly_cost_usd": total,
        "workloads": workloads,
        "groups": list(groups.values()),
        "recommended_tier": rec.tier,
        "reason": rec.reason,
        "safety_margin": margin,
        "sources": {"prices": "catalog", "limits": "catalog", "traffic": "scenario (estimate)"},
    }
    if scen.tier:
        # The scenario's own tier: does every group fit there (None = a limit is unknown)?
        rows = [t for g in result["groups"] for t in g["tiers"] if t["tier"] == scen.tier]
        if not rows and catalog.tier(scen.tier, at) is None:
            raise PlannerError(f"{scen.path}: scenario.tier: unknown tier {scen.tier!r} at {at}")
        fits = [t["fits"] for t in rows]
        result["checked_tier"] = {
            "tier": scen.tier,
            "fits": False if False in fits else (None if None in fits else True),
            "within_spend_cap": scen.tier not in rec.rejected or "cap" not in rec.rejected[scen.tier],
        }
    return result
