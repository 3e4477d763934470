"""`planner prices`: list the price catalog, or `prices set` a value in the override file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli._common import add_format, emit, load_catalog, parse_when
from planner.errors import PlannerError

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Model, PriceEntry

HELP = "list model prices from the catalog (or `prices set` an override)"
DESCRIPTION = """\
List every model's prices (USD per million tokens) in force at a date: input, 5-minute and
1-hour cache writes, cache reads, output, the batch discount, long-context bands, the data
residency multiplier, fast mode, the entry's effective date and source. Rows changed by your
override file say so in the Override column. With --model, the model's whole price history is shown.

  planner prices --model claude-sonnet-4-6
  planner prices --at 2026-03-01 --format json
  planner prices set claude-sonnet-4-6 input 2.40     (write a negotiated price to your overrides)

`prices set` FIELD is one of input, output, cache_write_5m, cache_write_1h, cache_read,
batch_discount, web_search_per_1k, fast_input, fast_output, residency.<geo>. It patches every
price entry of the model in the overrides file (PLANNER_CONFIG_DIR/overrides.toml, or the
single --pricing FILE given)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="one model (any id, alias, Bedrock or Vertex form)")
    parser.add_argument("--at", help="date or time the prices are in force (default: now)")
    add_format(parser)
    add_set_parser(
        parser,
        "price",
        [
            ("model", "model id or alias"),
            ("field", "price field, e.g. input or cache_read or residency.us"),
            ("value", "USD per million tokens (exact decimal), or a fraction for batch_discount"),
        ],
    )


def add_set_parser(parser: argparse.ArgumentParser, what: str, positionals: list[tuple[str, str]]) -> None:
    """The `<command> set ...` action that writes the override file (shared by prices and limits)."""
    sub = parser.add_subparsers(
        dest="action", metavar="ACTION", title="actions", description="optional; without one, the catalog is listed"
    )
    setter = sub.add_parser("set", help=f"write a {what} override", description=f"Write a {what} override.")
    for name, text in positionals:
        setter.add_argument(name, help=text)
    setter.add_argument("--pricing", metavar="FILE", action="append", default=argparse.SUPPRESS, help="write this file")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "set":
        return _set(args)
    catalog = load_catalog(args)
    at = parse_when(args.at) or datetime.now(UTC)
    if args.model:
        model = resolve_or_fail(catalog, args.model)
        rows = [_row(model, e, catalog.overridden) for e in model.prices]
        title = f"{model.name} ({model.id}): price history, USD per million tokens"
    else:
        rows = []
        for model in catalog.models.values():
            entry = model.price_at(at.date())
            rows.append(_row(model, entry, catalog.overridden))
        title = f"Prices in force at {at.date()}, USD per million tokens"
    notes = [
        "source: the bundled catalog (pricing/models.toml) and your overrides (Override = yes)",
        "bands: whole-request rule -- above the threshold, every token of the request is billed at the band",
        "— = no price in force at that date (unknown, not $0)",
    ]
    from planner.report import Column, Table

    columns = [
        Column("model", "Model"), Column("status", "Status"), Column("effective", "Effective"),
        Column("input", "Input", "right"), Column("cache_write_5m", "5m write", "right"),
        Column("cache_write_1h", "1h write", "right"), Column("cache_read", "Read", "right"),
        Column("output", "Output", "right"), Column("batch", "Batch"), Column("bands_text", "Long context"),
        Column("residency_text", "Residency"), Column("fast_text", "Fast in/out"), Column("overridden", "Override"),
        Column("source", "Source"),
    ]  # fmt: skip
    payload = {"at": at.date() if not args.model else None, "models": rows, "notes": notes}
    emit(
        Table(columns, rows, title=title, notes=notes), args.format, payload=payload if args.format == "json" else None
    )
    return 0


def _row(model: Model, entry: PriceEntry | None, overridden: set[str]) -> dict[str, Any]:
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


_FIVE = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")


def resolve_or_fail(catalog: Any, model_id: str) -> Model:
    model = catalog.resolve(model_id)
    if model is None:
        hints = catalog.suggest(model_id)
        raise PlannerError(f"unknown model {model_id!r}" + (f"; did you mean {', '.join(hints)}?" if hints else ""))
    return model


def override_target(args: argparse.Namespace) -> Path:
    """The file a `set` writes: the single --pricing FILE, else the user's overrides file."""
    from planner import paths

    given = list(getattr(args, "pricing", None) or [])
    if len(given) > 1:
        raise PlannerError("give at most one --pricing FILE to write to")
    return Path(given[0]).expanduser() if given else paths.overrides_path()


def write_override(path: Path, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Read the override file, apply `edit`, check the result applies over the bundled
    catalog, and write it atomically. A malformed existing file is never overwritten."""
    import tomllib

    import tomli_w

    from planner.atomic import write_atomic
    from planner.catalog import CatalogError
    from planner.catalog.catalog import check_override
    from planner.catalog.schema import toml_error

    data: dict[str, Any] = {}
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, message = toml_error(exc)
            raise PlannerError(f"{path}:{line or '?'}: {message}; fix the file first (not overwritten)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PlannerError(f"{path}: cannot read: {exc}") from None
    try:
        new = edit(data)
        check_override(new, str(path))
    except CatalogError as exc:
        # No line number: the problem is in the edit (or in the file merged with it).
        raise PlannerError(f"{path}: {exc.located('').lstrip(': ')} (not written)") from None
    write_atomic(path, tomli_w.dumps(new).encode("utf-8"))


def _set(args: argparse.Namespace) -> int:
    from planner.catalog.overrides import set_price

    catalog = load_catalog(args)
    model = resolve_or_fail(catalog, args.model)
    path = override_target(args)
    write_override(path, lambda data: set_price(data, model.id, args.field, args.value))
    print(f"{model.id}: {args.field} = {args.value} written to {path} (applies to every price entry of the model)")
    return 0
