"""`planner budget set|list|rm`: budgets stored in settings.toml, and where each one stands."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import Any

from planner.cli._common import add_format, emit, load_catalog
from planner.errors import PlannerError

HELP = "set, list and remove spend budgets (month or date range; org, workspace, model, group or project)"
DESCRIPTION = """\
Budgets live in settings.toml ([[budgets]]), so `planner watch` and the statusline see them too.
Each has an amount in USD, a period (the calendar month, or --from/--to for a launch), a scope,
warning levels (shares of the amount; default 50%, 80%, 100%) and forecast levels (warn when the
period-end projection crosses them; default 100%). Days are UTC.

`budget list` shows, per budget, the spend so far (imported usage priced with the catalog), the
period-end projection with its range (an estimate: spent + the mean of the 7 days before today ×
the days left), the day the amount is (or would be) crossed, and the levels already crossed.

  planner budget set team 500                              $500 a month, whole organisation
  planner budget set sonnet 200 --scope group:sonnet-4x --levels 0.8,1
  planner budget set launch 1500 --scope project:-home-maya-src-web-dashboard \\
      --from 2026-11-01 --to 2026-11-30
  planner budget set research 300 --scope workspace:wrkspc_01RSRCH2K --no-forecast
  planner budget list
  planner budget list --format json     {"budgets": [{"name", "amount_usd", "spent_usd",
                                          "projected_usd", "projected_range_usd", "over_on",
                                          "levels_crossed", ...}]}
  planner budget rm sonnet

Scopes: org, workspace:NAME, model:ID, group:ID (`planner limits` lists groups), project:NAME
(`planner report --by project` lists projects; a row without a project counts under its
workspace there). The store records no person or machine yet, so those scopes are refused."""


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = sub.add_parser("set", help="add a budget or replace the one with this name")
    s.add_argument("name", metavar="NAME")
    s.add_argument("amount", metavar="AMOUNT_USD", help="the budget in USD, e.g. 500 or 1250.50")
    s.add_argument("--scope", default="org", help="org (default), workspace:NAME, model:ID, group:ID or project:NAME")
    s.add_argument("--levels", metavar="L,L,...", help="warning levels as shares (default 0.5,0.8,1; 80%% also works)")
    fc = s.add_mutually_exclusive_group()
    fc.add_argument("--forecast", metavar="L,L,...", help="levels at which the period-end projection warns (default 1)")
    fc.add_argument("--no-forecast", action="store_true", help="warn on spend so far only")
    s.add_argument("--from", dest="start", metavar="DATE", help="first day of a fixed period (with --to)")
    s.add_argument("--to", dest="end", metavar="DATE", help="last day of a fixed period, inclusive")
    add_format(s, ("table", "json"))
    ls = sub.add_parser("list", help="every budget: spent, projected, the day it is crossed, levels crossed")
    ls.add_argument("--today", metavar="DATE", help="evaluate as of DATE (UTC; default today), e.g. for a past month")
    add_format(ls, ("table", "json", "csv", "md"))
    rm = sub.add_parser("rm", help="remove a budget")
    rm.add_argument("name", metavar="NAME")
    add_format(rm, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    if args.action == "set":
        return _set(args)
    if args.action == "rm":
        return _rm(args)
    return _list(args)


def load_budgets() -> list:
    from planner import settings
    from planner.projection.budgets import from_toml

    return [from_toml(entry, str(_settings_path())) for entry in settings.budgets()]


def _settings_path() -> Any:
    from planner import paths

    return paths.settings_path()


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlannerError(f"{flag}: not a date: {text!r} (use YYYY-MM-DD)") from None


def _set(args: argparse.Namespace) -> int:
    from planner import settings
    from planner.projection.budgets import (
        DEFAULT_FORECAST_LEVELS,
        DEFAULT_LEVELS,
        Budget,
        check_name,
        parse_amount,
        parse_levels,
        parse_scope,
    )

    if (args.start is None) != (args.end is None):
        raise PlannerError("--from and --to go together (neither = the calendar month)")
    start = _day(args.start, "--from") if args.start else None
    end = _day(args.end, "--to") if args.end else None
    if start and end and end < start:
        raise PlannerError(f"--to {end} is before --from {start}")
    scope = parse_scope(args.scope)
    if scope.kind in ("model", "group"):
        _check_catalog_scope(args, scope)
    levels = parse_levels(args.levels) if args.levels else DEFAULT_LEVELS
    if not levels:
        raise PlannerError("--levels needs at least one level, e.g. 0.8,1")
    if args.no_forecast:
        forecast: tuple = ()
    else:
        forecast = parse_levels(args.forecast) if args.forecast else DEFAULT_FORECAST_LEVELS
    budget = Budget(check_name(args.name), parse_amount(args.amount), scope, levels, forecast, start, end)
    load_budgets()  # a malformed file is reported, never overwritten
    entries = settings.budgets()
    replaced = any(e.get("name") == budget.name for e in entries)
    entries = [e for e in entries if e.get("name") != budget.name] + [budget.to_toml()]
    path = settings.set_budgets(entries)
    if args.format == "json":
        from planner.report import to_json

        sys.stdout.write(to_json({"budget": budget.to_json(), "replaced": replaced, "settings": str(path)}) + "\n")
    else:
        print(f"{'replaced' if replaced else 'added'} budget {budget.name!r}: {describe(budget)} ({path})")
    return 0


def _check_catalog_scope(args: argparse.Namespace, scope: Any) -> None:
    catalog = load_catalog(args)
    if scope.kind == "model":
        if catalog.resolve(scope.value) is None:
            hint = catalog.suggest(scope.value)
            raise PlannerError(
                f"unknown model {scope.value!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
            )
    elif scope.value not in catalog.groups():
        raise PlannerError(f"unknown model group {scope.value!r} (groups: {', '.join(catalog.groups())})")


def describe(budget: Any) -> str:
    period = f"{budget.start}..{budget.end}" if budget.start else "a month"
    levels = ", ".join(f"{lv:.0%}" for lv in budget.levels)
    forecast = ", ".join(f"{lv:.0%}" for lv in budget.forecast_levels) or "off"
    return f"${budget.amount_usd:,} for {period} over {budget.scope.label}; levels {levels}; forecast {forecast}"


def _rm(args: argparse.Namespace) -> int:
    from planner import settings

    load_budgets()
    entries = settings.budgets()
    kept = [e for e in entries if e.get("name") != args.name]
    if len(kept) == len(entries):
        names = ", ".join(str(e.get("name")) for e in entries) or "none set"
        raise PlannerError(f"no budget named {args.name!r} (budgets: {names})")
    settings.set_budgets(kept)
    if args.format == "json":
        from planner.report import to_json

        sys.stdout.write(to_json({"removed": args.name}) + "\n")
    else:
        print(f"removed budget {args.name!r}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from planner import paths
    from planner.alerts.spend import statuses
    from planner.report import Column, Table
    from planner.store import Store
    from planner.views.output import TableView

    budgets = load_budgets()
    today = _day(args.today, "--today") if args.today else datetime.now(UTC).date()
    db = paths.db_path(getattr(args, "db", None))
    notes = ["days are UTC; spent: imported log priced with the catalog; projected: estimate"]
    if not budgets:
        shown: list = []
        payload: dict = {"budgets": [], "as_of": today}
        notes.append("no budgets set: planner budget set NAME AMOUNT_USD")
    elif not db.exists():
        payload = {
            "budgets": [{**b.to_json(), "spent_usd": None, "projected_usd": None, "over_on": None} for b in budgets],
            "as_of": today,
            "warnings": [f"no usage imported yet ({db} does not exist): spend unknown"],
        }
        shown = [(b, None) for b in budgets]
        notes.append(payload["warnings"][0])
    else:
        catalog = load_catalog(args)
        with Store(db, readonly=True) as store:
            found = statuses(store, catalog, budgets, today)
        payload = {"budgets": [s.to_json() for s in found], "as_of": today}
        shown = [(s.budget, s) for s in found]
        notes.append("projected: spent so far + the mean of the 7 days before today × the days left (range p10–p90)")
        notes += [f"{s.budget.name}: {w}" for s in found for w in s.warnings]
    columns = [
        Column("name", "Budget"),
        Column("scope", "Scope"),
        Column("period", "Period"),
        Column("amount", "Amount $", "right"),
        Column("spent", "Spent $", "right"),
        Column("share", "Used", "right"),
        Column("projected", "Projected $ (range)", "right"),
        Column("over_on", "Over on"),
        Column("crossed", "Crossed"),
    ]

    def table(text: bool) -> Table:
        rows = [_row(b, st, "table" if text else "csv") for b, st in shown]
        return Table(columns, rows, title=f"Budgets as of {today}", notes=notes)

    emit(TableView(payload, table), args.format)
    return 0


def _row(budget: Any, st: Any, fmt: str) -> dict:
    text = fmt in ("table", "md")

    def money(v: Any) -> Any:
        return "—" if v is None else (f"{v:,.2f}" if text else v)

    row = {
        "name": budget.name,
        "scope": budget.scope.label,
        "period": st.period
        if st is not None
        else ("month" if budget.start is None else f"{budget.start}..{budget.end}"),
        "amount": money(budget.amount_usd),
        "spent": money(None if st is None else st.spent),
        "share": "—" if st is None else f"{st.share:.0%}",
        "projected": "—" if st is None else f"{money(st.projected)} ({money(st.low)}–{money(st.high)})",
        "over_on": "—" if st is None or st.over_on is None else st.over_on.isoformat(),
        "crossed": "—"
        if st is None
        else (
            ", ".join(f"{c.level:.0%}" + (" projected" if c.kind == "forecast" else "") for c in st.crossed) or "none"
        ),
    }
    if not text and st is not None:
        row["projected"] = st.projected
    return row
