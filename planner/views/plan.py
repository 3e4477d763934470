"""Launch scenarios as a view: each scenario's monthly cost, peaks, headroom per tier and the
recommended tier (`planner plan`, the dashboard's Plan screen); several side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog


@dataclass(frozen=True)
class PlanView:
    """Evaluated scenarios (`planner.projection.scenario.evaluate`, the JSON contract), the first
    being the main one."""

    plans: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return self.plans[0] if len(self.plans) == 1 else {"scenarios": self.plans}

    def to_table(self, *, text: bool = True) -> Table:
        return compare_table(self.plans) if len(self.plans) > 1 else plan_table(self.plans[0])

    def over_budget(self, budget: Decimal) -> list[dict[str, Any]]:
        """The scenarios whose monthly cost is over `budget`."""
        return [p for p in self.plans if p["monthly_cost_usd"] > budget]


def evaluate(paths: list[str | Path], catalog: Catalog, at: date | datetime) -> PlanView:
    """Load and evaluate each scenario file with the catalog in force at `at`."""
    from planner.projection import scenario

    return PlanView([scenario.evaluate(scenario.load(p, catalog), catalog, at) for p in paths])


def _pct(x: float | None) -> str:
    return "unknown" if x is None else f"{x:.0%}"


def _peaks(p: dict[str, Any]) -> str:
    return f"RPM {p['rpm']:.1f} ITPM {p['itpm']:.0f} OTPM {p['otpm']:.0f}"


def plan_table(plan: dict[str, Any]) -> Table:
    """One scenario: its workloads, total, and each group's headroom per tier."""
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


def compare_table(plans: list[dict[str, Any]]) -> Table:
    """Scenarios side by side: monthly cost, recommended tier, each group's peaks."""
    keys = [f"s{i}" for i in range(len(plans))]
    rows: list[dict[str, Any]] = [
        {"item": "monthly cost USD", **{k: f"{p['monthly_cost_usd']:,.2f}" for k, p in zip(keys, plans, strict=True)}},
        {"item": "recommended tier", **{k: p["recommended_tier"] for k, p in zip(keys, plans, strict=True)}},
    ]
    groups = sorted({g["group"] for p in plans for g in p["groups"]})
    for group in groups:
        for d in ("rpm", "itpm", "otpm"):
            row = {"item": f"{group} peak {d.upper()}"}
            for k, p in zip(keys, plans, strict=True):
                g = next((g for g in p["groups"] if g["group"] == group), None)
                row[k] = "" if g is None else f"{g['peak'][d]:.1f}"
            rows.append(row)
    cols = [Column("item", ""), *(Column(k, p["scenario"], "right") for k, p in zip(keys, plans, strict=True))]
    return Table(cols, rows, title="plan comparison", notes=[f"{p['scenario']}: {p['reason']}" for p in plans])
