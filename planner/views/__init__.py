"""The view layer: what the CLI and the dashboard show, computed once.

Each module builds one kind of result from what it is given (a Store, a Catalog, the day, options)
and returns a frozen dataclass that knows how to become JSON (`to_json()`, the CLI's contract in
docs/CONTRACTS.md) and a `planner.report.Table` (`to_table(text=...)`). `render(view, fmt)` is the
one path from a result to JSON, a text table, CSV or Markdown; the CLI prints it and the
dashboard exports it.

    headroom   demand peaks against every tier, forecast, recommended tier (`planner headroom`);
               the spend outlook and recommendation the overview shares
    overview   the dashboard's first screen (spend, forecast, gauges), on the same pipeline
    usage      the priced ledger, reconciliation and what-ifs (`planner report`)
    prices     the price catalog (`planner prices`); limits: tiers and rate limits (`planner limits`,
               and `--live` from the Admin API); plan: scenarios (`planner plan`)
    probe      a round of live probes and the trend between rounds (`planner probe`)
    cost, tokens   one request's exact price; token estimates of files
    demand     the inputs read from the store: demand peaks and live limits
    overrides  the one edit both front ends make: writing the override file
    output     `View` (the protocol every result follows) and `render(view, fmt)`
    numbers    numbers for reading (money to the cent, k/M counts, gauges); provenance: source words

Nothing here imports Textual, Rich, `planner.cli` or `planner.tui` (import contracts in
pyproject.toml).
"""

from planner.views.output import View, render

__all__ = ["View", "render"]
