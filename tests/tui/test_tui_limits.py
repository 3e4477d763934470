"""Limits screen: the empty state without a key; live probe panels against the fake API; history;
auto-probe that never overlaps."""

from __future__ import annotations

from fakeapi import FakeAnthropic, FakeClock
from tui_support import TODAY, make_app, settle, table_rows, text_of

from planner.catalog import load_catalog
from planner.probe import history
from planner.store import Store
from planner.tui.screens.limits import ProbePanel, probe_models


async def test_no_key_shows_how_to_set_one(sample_db):
    app = make_app(sample_db, environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "LimitsScreen"
        empty = screen.query_one("#no-key")
        assert empty.display and "ANTHROPIC_API_KEY" in text_of(empty)
        assert not screen.query_one("#probe-bar").display
        await pilot.press("r")
        await pilot.pause()
        assert any(n.title == "no API key" for n in app._notifications)
        await pilot.press("a")  # auto-probe cannot be switched on without a key
        await pilot.pause()
        assert not screen.query_one("#auto-switch").value and screen.auto_timer is None
        assert not list(screen.query(ProbePanel))
        # the catalog's tier table is there without a key
        catalog = load_catalog()
        group = screen.selected_group()
        rows = table_rows(screen.query_one("#tier-table"))
        want = [t.id for t in catalog.tiers_at(TODAY) if catalog.limits_at(group, t.id, TODAY)]
        assert [r[0] for r in rows] == want


async def test_probe_now_fills_panels_from_live_headers_and_saves_history(sample_db):
    clock = FakeClock()
    catalog = load_catalog()
    groups = probe_models(catalog)
    with FakeAnthropic(rpm=50, itpm=50_000, otpm=10_000, clock=clock, api_key="sk-ant-test-1234") as api:
        app = make_app(
            sample_db,
            environ={"ANTHROPIC_API_KEY": "sk-ant-test-1234", "ANTHROPIC_BASE_URL": api.base_url},
            clock=clock.now,
        )
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            screen = app.screen
            assert not screen.query_one("#no-key").display
            await pilot.press("r")
            await settle(pilot)
            panels = list(screen.query(ProbePanel))
            assert sorted(p.group for p in panels) == sorted(groups)
            assert len(api.requests) == len(groups)
            for panel in panels:
                r = panel.result
                assert r.status == "ok"
                req = r.limits["requests"]
                assert req.limit == 50 and req.remaining is not None
                lines = panel.lines()
                assert any(line.startswith("RPM          50 limit · ") for line in lines), lines
                assert any(" used · reset " in line for line in lines)
                assert lines[-1].startswith("tier match: ")
                assert "sk-ant-test-1234" not in "\n".join(lines)
            assert "ok, 0 not" in text_of(screen.query_one("#probe-status"))
            store = Store(sample_db)
            try:
                saved = history.snapshots(store)
                assert len(saved) == len(groups)
                live = history.latest_live_limits(store, now=clock.now())
            finally:
                store.close()
            assert live and all(v["rpm"] == 50 for v in live.values())
            # the overview now compares against the live limits for probed groups with usage
            await pilot.press("1")
            await settle(pilot)
            gauges = {g.group: g for g in app.screen.data.gauges}
            for group in set(gauges) & set(live):
                assert gauges[group].source == "live header" and gauges[group].dims["rpm"].limit == 50


async def test_auto_probe_schedules_the_next_probe_after_the_last_finishes(sample_db):
    clock = FakeClock()
    with FakeAnthropic(clock=clock) as api:
        app = make_app(
            sample_db, environ={"ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_BASE_URL": api.base_url}, clock=clock.now
        )
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            screen = app.screen
            await pilot.press("a")  # auto on: probes now, then schedules
            await settle(pilot)
            assert screen.query_one("#auto-switch").value
            assert screen.auto_timer is not None and not screen.probing
            first = len(api.requests)
            screen.action_probe_now()
            screen.action_probe_now()  # a second press while one runs does not overlap
            await settle(pilot)
            assert len(api.requests) == 2 * first
            await pilot.press("a")
            await pilot.pause()
            assert screen.auto_timer is None


async def test_no_group_chosen_is_no_group(sample_db):
    """Issue 14: a cleared group select holds Select.NULL (not Select.BLANK): that is no group,
    not a group named "Select.NULL"; the tier table is then empty."""
    app = make_app(sample_db, environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert screen.selected_group() in probe_models(load_catalog())
        screen.query_one("#history-group").clear()
        await settle(pilot)
        assert screen.selected_group() is None
        assert table_rows(screen.query_one("#tier-table")) == []
