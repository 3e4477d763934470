"""`planner report`: spend, tokens and cache savings from the imported logs."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from planner.cli._common import add_format, emit, load_catalog
from planner.errors import PlannerError

HELP = "spend, tokens and cache savings from imported logs, by day/week/month/model/project/session/tier"
DESCRIPTION = """\
Report what the imported usage cost. Each record is priced with the catalog in force at its
timestamp (long-context bands per request, 1h cache writes at their own price, batch, data
residency and fast mode). Requests of models the catalog does not know are counted and named,
never priced at $0. Cache savings are what the same tokens would have cost without caching.

  planner report                              by day, all history
  planner report --by model --since 2026-11-01
  planner report --by day --tz Europe/Berlin  days as they fall in Berlin
  planner report --format json                {"rows": [...], "totals": {...}, "unpriced_models": [...]}
  planner report --reconcile                  computed cost against imported Admin API cost reports
  planner report --budget 500                 exit 3 if the month-end projection is over $500
  planner report --what-if-batch 0.3          the same history with 30% of requests through Batch
  planner report --what-if-cache-hit 0.9      ... or with 90% of the cacheable prompt read from cache"""


def _day(text: str) -> date | datetime:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _share(text: str):
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    from planner.cli.plan import _usd

    BY = (
        "day",
        "week",
        "month",
        "model",
        "project",
        "session",
        "tier",
    )  # planner.ledger.BY (not imported: --help stays fast)

    parser.add_argument("--since", type=_day, metavar="DATE", help="first day to include (in --tz)")
    parser.add_argument("--until", type=_day, metavar="DATE", help="last day to include, whole day (in --tz)")
    parser.add_argument(
        "--tz", default="UTC", metavar="ZONE", help="time zone for days, weeks and months (default UTC)"
    )
    parser.add_argument("--by", choices=BY, default="day", help="how to group rows (default day)")
    parser.add_argument("--model", metavar="M", help="only this model (id or alias)")
    parser.add_argument(
        "--reconcile",
        action="store_true",
        help="compare computed cost with billed cost (imported Admin API cost reports) per day and model",
    )
    parser.add_argument(
        "--budget", type=_usd, metavar="USD", help="exit 3 when the month-end spend projection is over USD (a CI gate)"
    )
    parser.add_argument(
        "--what-if-batch",
        type=_share,
        metavar="SHARE",
        help="re-price the history with SHARE (0-1) of real-time requests sent through the Batch API",
    )
    parser.add_argument(
        "--what-if-cache-hit",
        type=_share,
        metavar="RATE",
        help="re-price the history as if RATE (0-1) of the cacheable prompt had been read from cache",
    )
    add_format(parser)


def _open_store(args):
    from planner import paths
    from planner.store import Store

    db = paths.db_path(getattr(args, "db", None))
    if not db.exists():
        raise PlannerError(f"no usage imported yet ({db} does not exist); run `planner import` first")
    return Store(db)


def run(args: argparse.Namespace) -> int:
    from planner import ledger

    catalog = load_catalog(args)
    store = _open_store(args)
    try:
        if args.reconcile:
            return _reconcile(store, catalog, args)
        if args.what_if_batch is not None or args.what_if_cache_hit is not None:
            return _what_if(store, catalog, args)
        led = ledger.summarize(
            store, catalog, since=args.since, until=args.until, tz=args.tz, by=args.by, model=args.model
        )
        _emit_ledger(led, args)
        if args.budget is not None:
            from planner.projection import spend

            daily = ledger.daily_spend(store, catalog, tz=args.tz)
            as_of, _ = spend.as_of_day(daily, datetime.now(ledger.zone(args.tz)).date())
            spend.check_budget(daily, as_of, args.budget)
    finally:
        store.close()
    return 0


def _emit_ledger(led, args) -> None:
    from planner.report import Column, Table

    columns = [
        Column("key", args.by.capitalize()),
        Column("requests", "Requests", "right"),
        Column("input_tokens", "Input", "right"),
        Column("cache_write_5m_tokens", "Write 5m", "right"),
        Column("cache_write_1h_tokens", "Write 1h", "right"),
        Column("cache_read_tokens", "Cache read", "right"),
        Column("output_tokens", "Output", "right"),
        Column("web_search_requests", "Web", "right"),
        Column("cost_usd", "Cost $", "right"),
        Column("cache_savings_usd", "Saved $", "right"),
    ]
    text = args.format in ("table", "md")

    def shown(row) -> dict:
        d = row.to_json()
        if text:
            for k in ("cost_usd", "cache_savings_usd"):
                d[k] = f"{d[k]:,.2f}"
            for k in (
                "requests",
                "input_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "cache_read_tokens",
                "output_tokens",
                "web_search_requests",
            ):
                d[k] = f"{d[k]:,}"
            if row.unpriced_requests:
                d["cost_usd"] += "*"
        return d

    rows = [shown(r) for r in led.rows]
    if args.format != "json":
        rows.append(shown(led.totals))
    notes = [f"source: {led.source}" + ("" if args.tz == "UTC" else f"; days in {args.tz}")]
    if text:
        notes.append("cost shown to the cent here; --format json gives it exact")
    notes += led.warnings
    if led.unpriced_models and text:
        notes.append("* part of this row's requests are unpriced (see above)")
    if not led.rows:
        notes.append("no imported usage in this range")
    payload = {
        "rows": [r.to_json() for r in led.rows],
        "totals": led.totals.to_json(),
        "unpriced_models": led.unpriced_models,
        "by": led.by,
        "tz": led.tz,
        "source": led.source,
        "warnings": led.warnings,
    }
    emit(Table(columns, rows, title=f"Usage by {args.by}", notes=notes), args.format, payload=payload)


def _reconcile(store, catalog, args) -> int:
    from planner import ledger
    from planner.report import Column, Table

    rows = ledger.reconcile(store, catalog, since=args.since, until=args.until)
    text = args.format in ("table", "md")

    def money(v):
        return "-" if v is None else (f"{v:,.4f}" if text else v)

    table_rows = [
        {
            "day": r.day,
            "model": r.model,
            "computed_usd": money(r.computed_usd),
            "billed_usd": money(r.billed_usd),
            "difference_usd": money(r.difference_usd),
            "status": r.status,
        }
        for r in rows
    ]
    differs = [r for r in rows if r.status != "match"]
    notes = [
        "computed: imported logs priced with the catalog; billed: imported Admin API cost reports",
        "match = equal within Anthropic's rounding of each line item to 1/100 cent",
        f"{len(rows) - len(differs)} of {len(rows)} day/model pairs match",
    ]
    columns = [
        Column("day", "Day"),
        Column("model", "Model"),
        Column("computed_usd", "Computed $", "right"),
        Column("billed_usd", "Billed $", "right"),
        Column("difference_usd", "Difference $", "right"),
        Column("status", "Status"),
    ]
    if text and len(rows) > 40:
        table_rows = [t for t, r in zip(table_rows, rows) if r.status != "match"]
        notes.append("only the pairs that do not match are listed (use --format csv or json for all)")
    emit(
        Table(columns, table_rows, title="Reconciliation", notes=notes),
        args.format,
        payload={"rows": [r.to_json() for r in rows], "matched": len(rows) - len(differs), "total": len(rows)},
    )
    return 0


def _what_if(store, catalog, args) -> int:
    from planner import ledger
    from planner.report import Column, Table

    rows = ledger.what_if(
        store,
        catalog,
        since=args.since,
        until=args.until,
        tz=args.tz,
        batch_share=args.what_if_batch,
        cache_hit_rate=args.what_if_cache_hit,
    )
    text = args.format in ("table", "md")
    total = ledger.WhatIfRow(
        "total", sum((r.actual_usd for r in rows), ledger._ZERO), sum((r.what_if_usd for r in rows), ledger._ZERO)
    )

    def shown(r) -> dict:
        d = r.to_json()
        if text:
            for k in ("actual_usd", "what_if_usd", "difference_usd"):
                d[k] = f"{d[k]:,.2f}"
        return d

    assumptions = []
    if args.what_if_batch is not None:
        assumptions.append(f"{args.what_if_batch:%} of real-time requests through the Batch API at its discount")
    if args.what_if_cache_hit is not None:
        assumptions.append(
            f"{args.what_if_cache_hit:%} of the cacheable prompt (tokens written to or read from "
            "the cache) read from cache, the rest written at the 5-minute price"
        )
    notes = ["what-if: " + "; ".join(assumptions) + " (estimate: imported log re-priced with the catalog)"]
    columns = [
        Column("model", "Model"),
        Column("actual_usd", "Actual $", "right"),
        Column("what_if_usd", "What-if $", "right"),
        Column("difference_usd", "Difference $", "right"),
    ]
    emit(
        Table(columns, [shown(r) for r in [*rows, total]], title="What-if", notes=notes),
        args.format,
        payload={
            "rows": [r.to_json() for r in rows],
            "totals": total.to_json(),
            "batch_share": args.what_if_batch,
            "cache_hit_rate": args.what_if_cache_hit,
            "source": "estimate",
        },
    )
    return 0
