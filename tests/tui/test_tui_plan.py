"""Plan screen: the scenario's cost and headroom equal scenario.evaluate, and move as you type."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tui_support import ROOT, TODAY, make_app, settle, table_rows, text_of

from planner.catalog import load_catalog
from planner.projection import scenario
from planner.tui.format import pct, usd

LAUNCH = ROOT / "examples" / "launch.toml"
CHEAPER = ROOT / "examples" / "launch-cheaper.toml"


def evaluate(path, **changes):
    catalog = load_catalog()
    scen = scenario.load(path, catalog)
    if changes:
        scen = dataclasses.replace(scen, workloads=[dataclasses.replace(w, **changes) for w in scen.workloads])
    return scenario.evaluate(scen, catalog, TODAY)


async def open_plan(pilot):
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    return pilot.app.screen


async def test_plan_shows_the_scenario_evaluation(sample_db):
    want = evaluate(LAUNCH)
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_plan(pilot)
        assert type(screen).__name__ == "PlanScreen"
        assert f"Monthly cost {usd(want['monthly_cost_usd'])}" in text_of(screen.query_one("#plan-cost"))
        assert f"Recommended tier {want['recommended_tier']}" in text_of(screen.query_one("#plan-tier"))
        rows = table_rows(screen.query_one("#plan-tiers"))
        expected = [
            (g["name"], t["tier"], pct(t["headroom"]["rpm"]), pct(t["headroom"]["itpm"]), pct(t["headroom"]["otpm"]))
            for g in want["groups"]
            for t in g["tiers"]
        ]
        assert [tuple(r[:5]) for r in rows] == expected
        assert "estimate" in text_of(screen.query_one("#plan-cost"))


async def test_plan_updates_as_you_type_and_what_ifs(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_plan(pilot)
        field = screen.query_one("#w0-requests_per_day")
        field.focus()
        field.value = ""
        await pilot.press(*"100000")
        await pilot.pause()
        catalog = load_catalog()
        scen = scenario.load(LAUNCH, catalog)
        scen.workloads[0].requests_per_day = Decimal(100000)
        want = scenario.evaluate(scen, catalog, TODAY)
        assert screen.result["monthly_cost_usd"] == want["monthly_cost_usd"]
        assert f"Monthly cost {usd(want['monthly_cost_usd'])}" in text_of(screen.query_one("#plan-cost"))
        # a bad value is marked and ignored
        field.value = "lots"
        await pilot.pause()
        assert field.has_class("-invalid")
        assert screen.result["monthly_cost_usd"] == want["monthly_cost_usd"]
        field.value = "50000"
        await pilot.pause()
        # what-if: cache hit 0.95 and batch share 0.5 for every workload
        screen.query_one("#whatif-cache_hit_rate").value = "0.95"
        screen.query_one("#whatif-batch_share").value = "0.5"
        await pilot.pause()
        want = evaluate(LAUNCH, cache_hit_rate=Decimal("0.95"), batch_share=Decimal("0.5"))
        assert screen.result["monthly_cost_usd"] == want["monthly_cost_usd"]
        screen.query_one("#whatif-batch_share").value = "1.5"
        await pilot.pause()
        assert screen.query_one("#whatif-batch_share").has_class("-invalid")


async def test_compare_two_scenarios_side_by_side(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_plan(pilot)
        screen.load(CHEAPER, "compare")
        await settle(pilot)
        a, b = evaluate(LAUNCH), evaluate(CHEAPER)
        table = screen.query_one("#plan-compare")
        assert table.display
        rows = table_rows(table)
        assert rows[0] == ["monthly cost", usd(a["monthly_cost_usd"]), usd(b["monthly_cost_usd"])]
        assert rows[1] == ["recommended tier", a["recommended_tier"], b["recommended_tier"]]
        payload = screen.export_payload()
        assert [p["scenario"] for p in payload["scenarios"]] == ["launch", "launch-cheaper"]
