"""`planner plan`: evaluate launch scenarios (cost, peaks, headroom per tier, recommended tier)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from planner.cli._common import add_format, emit, load_catalog, parse_when
from planner.errors import BudgetExceeded

HELP = "cost, peak demand and tier headroom of a launch scenario (TOML)"
DESCRIPTION = """\
Evaluate a scenario file (see examples/launch.toml) with the catalog in force at --at (default
today): monthly cost per workload with its breakdown, peak RPM/ITPM/OTPM per model group, the
headroom in every tier, and the lowest tier that fits with a 20% safety margin and its spend cap.
All figures are estimates from the scenario's traffic and catalog prices and limits.

  planner plan examples/launch.toml
  planner plan examples/launch.toml --compare examples/launch-cheaper.toml
  planner plan examples/launch.toml --format json --budget 5000   # exit 3 if over budget"""


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="scenario TOML file")
    parser.add_argument("--compare", nargs="+", default=[], metavar="FILE2", help="other scenarios, side by side")
    parser.add_argument("--at", help="date whose prices, limits and tiers apply (default: today)")
    parser.add_argument("--budget", type=_usd, metavar="USD", help="exit 3 when a scenario's monthly cost exceeds USD")
    add_format(parser, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    from planner.projection import scenario
    from planner.report import Column, Table

    catalog = load_catalog(args)
    at = (parse_when(args.at) or datetime.now(UTC)).date()
    plans = [scenario.evaluate(scenario.load(path, catalog), catalog, at) for path in [args.file, *args.compare]]
    payload = plans[0] if len(plans) == 1 else {"scenarios": plans}
    table = _compare_table(plans, Column, Table) if len(plans) > 1 else _table(plans[0], Column, Table)
    emit(table, args.format, payload=payload)
    over = [p for p in plans if args.budget is not None and p["monthly_cost_usd"] > args.budget]
    if over:
        raise BudgetExceeded(
            "; ".join(
                f"{p['scenario']}: monthly cost ${p['monthly_cost_usd']:.2f} > budget ${args.budget}" for p in over
            )
        )
    return 0


def _pct(x) -> str:
    return "unknown" if x is None else f"{x:.0%}"


def _table(plan: dict, Column, Table):
    rows = []
    for w in plan["workloads"]:
        b = w["breakdown_usd"]
        rows.append(
            {
                "item": f"workload {w['name']}",
                "detail": w["model"],
                "monthly_usd": f"{w['monthly_cost_usd']:,.2f}",
                "breakdown": ", ".join(f"{k} ${v:.2f}" for k, v in b.items()),
                "peaks": _peaks(w["peak"]),
            }
        )
    rows.append(
        {"item": "total", "detail": "", "monthly_usd": f"{plan['monthly_cost_usd']:,.2f}", "breakdown": "", "peaks": ""}
    )
    for g in plan["groups"]:
        rows.append(
            {"item": f"group {g['name']}", "detail": "", "monthly_usd": "", "breakdown": "", "peaks": _peaks(g["peak"])}
        )
        for t in g["tiers"]:
            h = t["headroom"]
            fits = {True: "fits", False: "does not fit", None: "unknown"}[t["fits"]]
            rows.append(
                {
                    "item": f"  tier {t['tier']}",
                    "detail": fits,
                    "monthly_usd": "",
                    "breakdown": f"headroom RPM {_pct(h['rpm'])} ITPM {_pct(h['itpm'])} OTPM {_pct(h['otpm'])}",
                    "peaks": f"binding {t['binding'] or 'unknown'}",
                }
            )
    cols = [
        Column("item", "Item"),
        Column("detail", "Model / fit"),
        Column("monthly_usd", "Monthly USD", "right"),
        Column("breakdown", "Breakdown / headroom"),
        Column("peaks", "Peaks"),
    ]
    notes = [
        f"recommended tier: {plan['recommended_tier']} — {plan['reason']}",
        f"estimate: scenario traffic × catalog prices and limits at {plan['at']}; fits = peak × 1.2 within limits",
    ]
    if "checked_tier" in plan:
        c = plan["checked_tier"]
        fits = {True: "limits hold", False: "limits do not hold", None: "limits unknown"}[c["fits"]]
        notes.append(
            f"scenario tier {c['tier']}: {fits} (with 20% margin); "
            f"{'within' if c['within_spend_cap'] else 'over'} its monthly spend cap"
        )
    for g in plan["groups"]:
        if g["batch_requests_per_day"]:
            notes.append(
                f"{g['name']}: {g['batch_requests_per_day']:.0f} batch requests/day need batch queue room "
                f"(they do not count against Messages limits)"
            )
    return Table(cols, rows, title=f"plan: {plan['scenario']}", notes=notes)


def _peaks(p: dict) -> str:
    return f"RPM {p['rpm']:.1f} ITPM {p['itpm']:.0f} OTPM {p['otpm']:.0f}"


def _compare_table(plans: list[dict], Column, Table):
    keys = [f"s{i}" for i in range(len(plans))]
    rows = [
        {"item": "monthly cost USD", **{k: f"{p['monthly_cost_usd']:,.2f}" for k, p in zip(keys, plans)}},
        {"item": "recommended tier", **{k: p["recommended_tier"] for k, p in zip(keys, plans)}},
    ]
    groups = sorted({g["group"] for p in plans for g in p["groups"]})
    for group in groups:
        for d in ("rpm", "itpm", "otpm"):
            row = {"item": f"{group} peak {d.upper()}"}
            for k, p in zip(keys, plans):
                g = next((g for g in p["groups"] if g["group"] == group), None)
                row[k] = "" if g is None else f"{g['peak'][d]:.1f}"
            rows.append(row)
    cols = [Column("item", "")] + [Column(k, p["scenario"], "right") for k, p in zip(keys, plans)]
    return Table(cols, rows, title="plan comparison", notes=[f"{p['scenario']}: {p['reason']}" for p in plans])
