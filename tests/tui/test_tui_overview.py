"""Overview screen: the figures shown equal the core's numbers for the sample data."""

from __future__ import annotations

from datetime import date

from tui_support import TODAY, make_app, settle, table_rows, text_of

from planner import ledger
from planner.catalog import load_catalog
from planner.projection import headroom, spend, tiers
from planner.store import Store
from planner.tui import data as D
from planner.tui.format import usd
from planner.tui.widgets.gauge import GroupGaugePanel, gauge_lines
from planner.views.demand import store_peaks


def core(db, as_of: date):
    catalog = load_catalog()
    store = Store(db)
    try:
        daily = ledger.daily_spend(store, catalog)
        fc = spend.forecast(daily, as_of)
        by_model = ledger.summarize(store, catalog, since=as_of.replace(day=1), until=as_of, by="model")
        peaks = store_peaks(store, catalog)  # rolling 60 s maxima, as the limiter counts
    finally:
        store.close()
    rec = tiers.recommend(peaks, fc.projected, catalog, as_of)
    return catalog, fc, by_model, peaks, rec


async def test_overview_figures_equal_the_core(sample_db):
    catalog, fc, by_model, peaks, rec = core(sample_db, TODAY)
    app = make_app(sample_db)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "OverviewScreen"
        assert screen.query_one("#mtd").value == usd(fc.month_to_date)
        assert screen.query_one("#projection").value == usd(fc.projected)
        assert screen.query_one("#projection").source == f"estimate: ${fc.low:,.0f}–${fc.high:,.0f}"
        assert f"range {usd(fc.low)} – {usd(fc.high)}" in str(screen.query_one("#projection").tooltip)
        assert screen.query_one("#savings").value == usd(by_model.totals.cache_savings_usd)
        assert screen.query_one("#tier").value == rec.tier
        # every figure says where it came from
        assert screen.query_one("#mtd").source == "imported log × catalog"
        assert screen.query_one("#tier").source.startswith("estimate")
        # the samples use 5.5 models whose higher-tier limits are unpublished: "custom" says why
        assert rec.tier == "custom" and screen.query_one("#tier").source == "estimate: a group's limits are unknown"
        sources = text_of(screen.query_one("#sources"))
        assert "imported log" in sources and "catalog" in sources and "estimate" in sources
        # spend by model, most expensive first
        rows = table_rows(screen.query_one("#by-model"))
        expected = sorted(by_model.rows, key=lambda r: r.cost_usd, reverse=True)
        assert [r[0] for r in rows] == [str(r.key) for r in expected]
        assert [r[2] for r in rows] == [usd(r.cost_usd) for r in expected]
        # a gauge per group: peak against the compared tier's catalog limits
        panels = list(screen.query(GroupGaugePanel))
        assert sorted(p.gauge.group for p in panels) == sorted(peaks)
        for panel in panels:
            g = panel.gauge
            want = headroom.headroom({g.group: peaks[g.group]}, catalog, TODAY, tiers=[g.tier])[0]
            assert g.binding == want.binding and g.fits == want.fits
            for dim in ("rpm", "itpm", "otpm"):
                assert g.dims[dim].peak == want.dims[dim].peak
                assert g.dims[dim].limit == want.dims[dim].limit
            assert any(line.endswith("binding") for line in gauge_lines(g)) == (g.binding is not None)
        # sample data: the banner says so, and this month is not over yet so no "as of" note
        assert screen.query_one("#banner").display
        assert "press i to import your own" in text_of(screen.query_one("#banner"))
        assert screen.data.as_of == TODAY and screen.data.as_of_note is None


async def test_overview_when_the_data_ended_before_this_month(sample_db):
    today = date(2026, 12, 5)
    _catalog, fc, *_ = core(sample_db, date(2026, 11, 20))
    app = make_app(sample_db, today=today)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.data.as_of == date(2026, 11, 20)
        title = text_of(screen.query_one("#as-of"))
        assert "as of 2026-11-20, the last day with data (today is 2026-12-05)" in title
        assert screen.query_one("#mtd").value == usd(fc.month_to_date)
        assert screen.query_one("#projection").value == usd(fc.projected)


async def test_first_run_imports_the_samples_into_an_empty_store(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    db = tmp_path / "fresh.db"
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        s = app.imported_samples
        assert s is not None and s.new > 0 and s.bad == 1  # the truncated app line
        assert app.screen.query_one("#banner").display
        _catalog, fc, *_ = core(db, TODAY)
        assert app.screen.query_one("#mtd").value == usd(fc.month_to_date)
        assert any("imported the bundled sample data" in (n.title or "") for n in app._notifications)


async def test_screen_switch_uses_the_cache(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = app.screen.data
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert app.screen.data is first  # no re-query on a switch back


def test_spend_figures_come_before_the_demand_peaks(sample_db):
    from planner import paths

    seen = []
    full, usage_day = D.overview(sample_db, load_catalog(), TODAY, paths.sample_logs_dir(), on_spend=seen.append)
    assert len(seen) == 1
    first = seen[0]
    assert first.forecast == full.forecast and first.gauges == [] and first.recommendation is None
    assert full.gauges and full.recommendation is not None
    assert [r.key for r in usage_day.ledger.rows] == [
        d.isoformat() for d, _ in ledger.daily_spend(Store(sample_db), load_catalog())
    ]
