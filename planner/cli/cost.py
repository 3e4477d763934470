"""`planner cost`: the exact price of one request's token usage, with a per-category breakdown."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from planner.cli._common import add_format, emit, load_catalog, parse_when

HELP = "price one request's tokens exactly (breakdown per category)"
DESCRIPTION = """\
Price the tokens of one request at the catalog prices in force at --at (default now). The
long-context band is chosen on the prompt (input + cache writes + cache reads): above it, every
token of the request is billed at the band. Numbers are exact decimals (USD).

  planner cost --model claude-sonnet-4-6 --input 12000 --cache-read 80000 --output 800
  planner cost --model claude-opus-4-6 --input 1000 --output 500 --geo us --format json"""


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", required=True, help="model id, alias, Bedrock or Vertex form")
    parser.add_argument("--input", type=_count, default=0, metavar="N", help="uncached input tokens")
    parser.add_argument("--output", type=_count, default=0, metavar="N", help="output tokens (thinking included)")
    parser.add_argument("--cache-write-5m", type=_count, default=0, metavar="N", help="5-minute cache write tokens")
    parser.add_argument("--cache-write-1h", type=_count, default=0, metavar="N", help="1-hour cache write tokens")
    parser.add_argument("--cache-read", type=_count, default=0, metavar="N", help="cache read tokens")
    parser.add_argument("--web-searches", type=_count, default=0, metavar="N", help="web search requests")
    parser.add_argument("--batch", action="store_true", help="Message Batches API (batch discount)")
    parser.add_argument("--geo", metavar="GEO", help="inference_geo, e.g. us (data residency multiplier)")
    parser.add_argument("--fast", action="store_true", help="fast mode (speed: fast)")
    parser.add_argument("--at", help="date or time of the request (default: now)")
    add_format(parser, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    from planner.catalog import Usage
    from planner.views.cost import request_cost

    catalog = load_catalog(args)
    at = parse_when(args.at) or datetime.now(UTC)
    usage = Usage(
        input_tokens=args.input,
        output_tokens=args.output,
        cache_write_5m=args.cache_write_5m,
        cache_write_1h=args.cache_write_1h,
        cache_read=args.cache_read,
        web_search_requests=args.web_searches,
        batch=args.batch,
        geo=args.geo,
        fast=args.fast,
    )
    view = request_cost(catalog, args.model, usage, at)
    for warning in view.result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    emit(view, args.format)
    return 0
