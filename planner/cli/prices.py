"""`planner prices`: list the price catalog, or `prices set` a value in the override file."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from planner.cli._common import add_format, emit, load_catalog, parse_when

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
    from planner.views.prices import price_history, prices_at

    if getattr(args, "action", None) == "set":
        return _set(args)
    catalog = load_catalog(args)
    at = parse_when(args.at) or datetime.now(UTC)
    emit(price_history(catalog, args.model) if args.model else prices_at(catalog, at.date()), args.format)
    return 0


def _set(args: argparse.Namespace) -> int:
    from planner.catalog.overrides import set_price
    from planner.views.overrides import override_target, write_override
    from planner.views.prices import resolve_model

    catalog = load_catalog(args)
    model = resolve_model(catalog, args.model)
    path = override_target(getattr(args, "pricing", None) or [])
    write_override(path, lambda data: set_price(data, model.id, args.field, args.value))
    print(f"{model.id}: {args.field} = {args.value} written to {path} (applies to every price entry of the model)")
    return 0
