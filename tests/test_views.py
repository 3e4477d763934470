"""The view layer: typed, frozen results built once for both front ends, and one rendering path
from a result to JSON, a text table, CSV and Markdown."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from planner.catalog import load_catalog
from planner.ledger import Ledger, LedgerRow
from planner.projection.demand import GroupDemand, Peak
from planner.views import headroom as vh
from planner.views import render
from planner.views.limits import limits_at
from planner.views.overview import overview
from planner.views.plan import PlanView, evaluate
from planner.views.prices import prices_at
from planner.views.probe import ProbeRound, ProbeWatch
from planner.views.usage import UsageReport, usage_report

D = Decimal
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(overrides=[])


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalog):
    from planner.ingest import import_samples
    from planner.store import Store

    s = Store(tmp_path_factory.mktemp("views") / "planner.db")
    import_samples(s, catalog)
    yield s
    s.close()


def _ledger() -> Ledger:
    a = LedgerRow("claude-sonnet-4-6", requests=1234, input_tokens=5_000_000, cost_usd=D("12.345678"))
    b = LedgerRow("mystery-model", requests=3, input_tokens=10, unpriced_requests=3)
    total = LedgerRow("total")
    total.add(a)
    total.add(b)
    return Ledger([a, b], total, ["mystery-model"], by="model", warnings=["unpriced: mystery-model: 3 requests"])


def test_one_result_renders_as_exact_json_csv_and_rounded_text():
    report = UsageReport(_ledger())
    data = json.loads(render(report, "json"), parse_float=Decimal)
    assert data["rows"][0]["cost_usd"] == D("12.345678")  # exact, a JSON number
    assert [r["key"] for r in data["rows"]] == ["claude-sonnet-4-6", "mystery-model"]  # no totals row
    assert data["totals"]["requests"] == 1237 and data["unpriced_models"] == ["mystery-model"]
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert [r["key"] for r in rows] == ["claude-sonnet-4-6", "mystery-model", "total"]
    assert rows[0]["cost_usd"] == "12.345678" and rows[0]["requests"] == "1234"  # exact, unformatted
    text = render(report, "table")
    assert "12.35" in text and "12.345678" not in text and "1,234" in text
    assert "0.00*" in text and "* part of this row's requests are unpriced" in text  # unknown is never $0
    md = render(report, "md")
    assert md.startswith("### Usage by model") and "| 12.35 |" in md


def test_render_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        render(UsageReport(_ledger()), "xml")


def test_results_are_frozen(catalog):
    with pytest.raises(dataclasses.FrozenInstanceError):
        UsageReport(_ledger()).ledger = _ledger()
    with pytest.raises(dataclasses.FrozenInstanceError):
        prices_at(catalog, TODAY).rows = []


def _demand(group: str, rpm: float, itpm: float, otpm: float) -> GroupDemand:
    def peak(x: float) -> Peak:
        return Peak(x, x, x, x / 60, 1_763_000_000_000, 1_763_000_000_000)

    return GroupDemand(group, peak(rpm), peak(itpm), peak(otpm), 10, False, ["request-level"])


def test_headroom_is_assembled_from_plain_data(catalog):
    peaks = {"sonnet-4x": _demand("sonnet-4x", 10, 20_000, 2_000)}
    daily = [(date(2026, 11, d), D("1.50")) for d in range(1, 23)]
    live = {"sonnet-4x": {"rpm": 50, "itpm": 40_000, "otpm": None}}
    view = vh.assemble(peaks, daily, live, catalog, TODAY, growth=0.1)
    assert view.at == TODAY and view.forecast is not None and view.forecast.month_to_date == D("33.00")
    data = view.to_json()
    tiers = data["groups"][0]["tiers"]
    assert tiers[0]["source"] == "live header" and tiers[0]["dimensions"]["itpm"]["limit"] == 40_000
    assert {t["tier"] for t in tiers[1:]} == {t.id for t in catalog.tiers_at(TODAY) if t.id != "custom"}
    assert data["groups"][0]["name"] == "Sonnet 4.x" and data["recommended_tier"] == view.recommendation.tier
    table = view.to_table()
    assert [c.key for c in table.columns][-1] == "binds_in"  # growth given: months until a limit binds
    assert table.rows[0]["source"] == "live header" and table.rows[0]["itpm"] == "20,000 / 40,000"
    only = vh.assemble(peaks, daily, {}, catalog, TODAY, tier="build")
    assert [r.tier for r in only.rows] == ["build"]
    with pytest.raises(Exception, match="unknown tier 'platinum'"):
        vh.assemble(peaks, daily, {}, catalog, TODAY, tier="platinum")


def test_the_overview_and_headroom_share_one_pipeline(store, catalog, tmp_path):
    from planner import ledger, paths
    from planner.views.demand import store_peaks

    calls = []

    def peaks():
        calls.append(1)
        return store_peaks(store, catalog)

    seen = []
    data, usage_day = overview(
        store, catalog, TODAY, samples=paths.sample_logs_dir(), live={}, peaks=peaks, on_spend=seen.append
    )
    view = vh.headroom(store, catalog, TODAY, now=datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert calls == [1] and len(seen) == 1 and seen[0].gauges == [] and seen[0].recommendation is None
    assert data.forecast == view.forecast and data.as_of == view.at
    assert data.recommendation == view.recommendation
    assert {g.group for g in data.gauges} == set(view.peaks)
    # each gauge is the headroom row of the tier it names
    for g in data.gauges:
        row = next(r for r in view.rows if r.group == g.group and r.tier == g.tier)
        assert g.dims == row.dims and g.binding == row.binding and g.fits == row.fits
    assert data.sample_only and usage_day.by == "day" and usage_day.sources
    payload = data.to_json()
    assert payload is not None and payload["recommendation"]["tier"] == view.recommendation.tier
    # peaks where the margin decides the tier (800 RPM × 1.2 fits Start's 1,000): both say the same
    near = {"sonnet-4x": _demand("sonnet-4x", 800, 1_000, 100)}
    data, _ = overview(store, catalog, TODAY, samples=paths.sample_logs_dir(), live={}, peaks=lambda: near)
    view = vh.assemble(near, ledger.daily_spend(store, catalog), {}, catalog, TODAY)
    assert view.recommendation.tier == "start" and data.recommendation == view.recommendation
    items = [r["item"] for r in data.to_table().rows]
    assert items[:2] == ["month to date", "month-end projection"]
    assert any(i.startswith("headroom ") for i in items)


def test_an_empty_store_gives_an_overview_without_peaks(tmp_path, catalog):
    from planner.store import Store

    store = Store(tmp_path / "empty.db")
    try:
        data, _ = overview(store, catalog, TODAY, samples=tmp_path, live={}, peaks=lambda: pytest.fail("no peaks"))
    finally:
        store.close()
    assert data.forecast is None and data.to_json() is None and data.to_table().rows == []


def test_usage_report_is_what_the_cli_prints(store, catalog, capsys, tmp_path, monkeypatch):
    from planner.cli import main

    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    report = usage_report(store, catalog, by="model")
    assert main(["--db", str(store.path), "report", "--by", "model", "--format", "csv"]) == 0
    assert capsys.readouterr().out == render(report, "csv") + "\n"
    assert report.sources == [] and usage_report(store, catalog, with_sources=True).sources == store.sources()


def test_the_dashboard_and_the_cli_share_the_catalog_rows(catalog):
    from planner.tui import data as tui_data

    assert tui_data.limit_rows(catalog, TODAY) == limits_at(catalog, TODAY).rows
    assert tui_data.price_rows(catalog, TODAY) == prices_at(catalog, TODAY).rows
    view = limits_at(catalog, TODAY, "build")
    assert {r["tier"] for r in view.rows} == {"build"}
    assert view.to_json()["tiers"][0]["id"] == "build"


def test_plan_view_one_or_several_scenarios(catalog):
    examples = Path(__file__).resolve().parents[1] / "examples"
    one = evaluate([examples / "launch.toml"], catalog, TODAY)
    assert one.to_json()["scenario"] == "launch" and one.to_table().title == "plan: launch"
    both = evaluate([examples / "launch.toml", examples / "launch-cheaper.toml"], catalog, TODAY)
    assert [p["scenario"] for p in both.to_json()["scenarios"]] == ["launch", "launch-cheaper"]
    assert both.to_table().title == "plan comparison"
    assert PlanView(both.plans).over_budget(D(0)) == both.plans


def test_probe_round_shows_the_trend_only_when_watching():
    from planner.probe.client import ProbeResult
    from planner.probe.headers import DimensionLimit, HeaderSnapshot

    def result(remaining: int) -> ProbeResult:
        snap = HeaderSnapshot(family="anthropic", limits={"requests": DimensionLimit(50, remaining)})
        at = datetime(2026, 11, 23, 12, tzinfo=UTC)
        return ProbeResult("m", "g", "ok", 200, "req_1", at, snap, None, "ok", D(0), "build", host="h")

    watch = ProbeWatch()
    watch.add([result(40)])
    watch.add([result(38)])
    first, second = result(40), result(38)
    plain = ProbeRound([second], "…abcd")
    assert "Trend" not in render(plain, "table") and "key …abcd" in render(plain, "table")
    watched = ProbeRound([second], "…abcd", round=2, trends=watch.trends([second]))
    assert "round 2" in render(watched, "table") and "Trend" in render(watched, "table")
    assert watched.to_table().rows[0]["trend"] == "-2"
    assert json.loads(render(ProbeRound([first, second], "…abcd"), "json"))[1]["limits"]["requests"]["remaining"] == 38
