"""`planner report`: spend, tokens and cache savings from the imported logs."""

from __future__ import annotations

import argparse
from datetime import datetime

from planner.cli._common import add_format, day_arg, emit, load_catalog, open_store, share_arg, usd_arg

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


BY = (
    "day",
    "week",
    "month",
    "model",
    "project",
    "session",
    "tier",
)  # planner.ledger.BY (not imported: --help stays fast)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=day_arg, metavar="DATE", help="first day to include (in --tz)")
    parser.add_argument("--until", type=day_arg, metavar="DATE", help="last day to include, whole day (in --tz)")
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
        "--budget",
        type=usd_arg,
        metavar="USD",
        help="exit 3 when the month-end spend projection is over USD (a CI gate)",
    )
    parser.add_argument(
        "--what-if-batch",
        type=share_arg,
        metavar="SHARE",
        help="re-price the history with SHARE (0-1) of real-time requests sent through the Batch API",
    )
    parser.add_argument(
        "--what-if-cache-hit",
        type=share_arg,
        metavar="RATE",
        help="re-price the history as if RATE (0-1) of the cacheable prompt had been read from cache",
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from planner import ledger
    from planner.views import usage

    catalog = load_catalog(args)
    store = open_store(args)
    try:
        if args.reconcile:
            emit(usage.reconciliation(store, catalog, since=args.since, until=args.until), args.format)
            return 0
        if args.what_if_batch is not None or args.what_if_cache_hit is not None:
            view = usage.what_if(
                store,
                catalog,
                since=args.since,
                until=args.until,
                tz=args.tz,
                batch_share=args.what_if_batch,
                cache_hit_rate=args.what_if_cache_hit,
            )
            emit(view, args.format)
            return 0
        report = usage.usage_report(
            store, catalog, since=args.since, until=args.until, tz=args.tz, by=args.by, model=args.model
        )
        emit(report, args.format)
        if args.budget is not None:
            today = datetime.now(ledger.zone(args.tz)).date()
            usage.check_budget(store, catalog, args.budget, today=today, tz=args.tz)
    finally:
        store.close()
    return 0
