"""The price catalog as a view: every model's price in force at a date, or one model's history
(`planner prices`, the dashboard's Pricing screen). USD per million tokens, exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog, Model, PriceEntry

_FIVE = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
PRICE_NOTES = (
    "source: the bundled catalog (pricing/models.toml) and your overrides (Override = yes)",
    "bands: whole-request rule -- above the threshold, every token of the request is billed at the band",
    "— = no price in force at that date (unknown, not $0)",
)
PRICE_COLUMNS = (
    Column("model", "Model"), Column("status", "Status"), Column("effective", "Effective"),
    Column("input", "Input", "right"), Column("cache_write_5m", "5m write", "right"),
    Column("cache_write_1h", "1h write", "right"), Column("cache_read", "Read", "right"),
    Column("output", "Output", "right"), Column("batch", "Batch"), Column("bands_text", "Long context"),
    Column("residency_text", "Residency"), Column("fast_text", "Fast in/out"), Column("overridden", "Override"),
    Column("source", "Source"),
)  # fmt: skip


@dataclass(frozen=True)
class PriceList:
    """Price rows (one per model, or one per price entry of a model). `at` is the date they are in
    force at; None for a model's whole history."""

    title: str
    at: date | None
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=lambda: list(PRICE_NOTES))

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "models": self.rows, "notes": self.notes}

    def to_table(self, *, text: bool = True) -> Table:
        return Table(PRICE_COLUMNS, self.rows, title=self.title, notes=self.notes)


def price_row(model: Model, entry: PriceEntry | None, overridden: set[str]) -> dict[str, Any]:
    """A model's row for one price entry (None: no price in force, so no price fields)."""
    marked = f"model:{model.id}" in overridden
    row: dict[str, Any] = {
        "model": model.id,
        "name": model.name,
        "status": model.status,
        "group": model.group,
        "tokenizer": model.tokenizer,
        "overridden": marked,
        "effective": entry.effective if entry else None,
    }
    if entry is None:
        return row
    row.update({k: getattr(entry, k) for k in ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")})
    row.update(
        batch=f"{(entry.batch_discount * 100).normalize():f}% off",
        batch_discount=entry.batch_discount,
        bands=[{"name": b.name, "above": b.above, **{k: getattr(b, k) for k in _FIVE}} for b in entry.bands],
        bands_text="; ".join(f">{b.above:,}: {b.input}/{b.output}" for b in entry.bands),
        residency=dict(entry.residency),
        residency_text=", ".join(f"{g} ×{m}" for g, m in entry.residency.items()),
        fast_input=entry.fast_input,
        fast_output=entry.fast_output,
        fast_text=f"{entry.fast_input}/{entry.fast_output}" if entry.fast_input is not None else "",
        web_search_per_1k=entry.web_search_per_1k,
        source=entry.source,
        note=entry.note,
    )
    return row


def prices_at(catalog: Catalog, at: date) -> PriceList:
    """Every model with the price in force at `at`."""
    rows = [price_row(m, m.price_at(at), catalog.overridden) for m in catalog.models.values()]
    return PriceList(f"Prices in force at {at}, USD per million tokens", at, rows)


def price_history(catalog: Catalog, model_id: str) -> PriceList:
    """Every price entry of one model (any id, alias, Bedrock or Vertex form)."""
    model = resolve_model(catalog, model_id)
    rows = [price_row(model, e, catalog.overridden) for e in model.prices]
    return PriceList(f"{model.name} ({model.id}): price history, USD per million tokens", None, rows)


def resolve_model(catalog: Catalog, model_id: str) -> Model:
    """The catalog's model, or PlannerError with the closest names."""
    model = catalog.resolve(model_id)
    if model is None:
        hints = catalog.suggest(model_id)
        raise PlannerError(f"unknown model {model_id!r}" + (f"; did you mean {', '.join(hints)}?" if hints else ""))
    return model
