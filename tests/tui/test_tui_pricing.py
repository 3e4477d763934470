"""Pricing screen: the catalog as a table, filter, and override edits validated and saved."""

from __future__ import annotations

import tomllib
from decimal import Decimal

from tui_support import TODAY, make_app, settle, table_rows

from planner import paths
from planner.catalog import load_catalog


async def test_pricing_table_is_the_catalog_and_filters(sample_db):
    catalog = load_catalog()
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        rows = table_rows(screen.query_one("#prices"))
        assert [r[0] for r in rows] == list(catalog.models)
        sonnet = next(r for r in rows if r[0] == "claude-sonnet-4-6")
        entry = catalog.models["claude-sonnet-4-6"].price_at(TODAY)
        assert sonnet[3:8] == [
            str(entry.input),
            str(entry.cache_write_5m),
            str(entry.cache_write_1h),
            str(entry.cache_read),
            str(entry.output),
        ]
        assert entry.source.startswith(sonnet[-1].rstrip("…"))  # long sources are cut in the table
        assert (
            screen.export_payload()["models"][[r[0] for r in rows].index("claude-sonnet-4-6")]["source"] == entry.source
        )
        limits = table_rows(screen.query_one("#limit-table"))
        n = sum(1 for t in catalog.tiers_at(TODAY) for g in catalog.groups() if catalog.limits_at(g, t.id, TODAY))
        assert len(limits) == n
        await pilot.press("slash")
        await pilot.press(*"haiku")
        await pilot.pause()
        rows = table_rows(screen.query_one("#prices"))
        assert rows and all("haiku" in r[0] for r in rows)
        assert all("Haiku" in r[0] for r in table_rows(screen.query_one("#limit-table")))
        screen.query_one("#prices").focus()
        await pilot.press("v")
        assert screen.query_one("#limit-table").display and not screen.query_one("#prices").display
        await pilot.press("v")
        assert screen.query_one("#prices").display


async def test_edit_price_saves_an_override_and_marks_the_row(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        screen.action_edit()
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#edit-model").value = "claude-sonnet-4-6"
        dialog.query_one("#edit-value").value = "not-a-price"
        await pilot.click("#edit-save")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditOverrideDialog"  # a bad value is not saved
        assert not paths.overrides_path().exists()
        dialog.query_one("#edit-value").value = "2.40"
        dialog.query_one("#edit-value").focus()
        await pilot.press("enter")  # the error toast may cover the Save button
        await settle(pilot)
        assert type(app.screen).__name__ == "PricingScreen"
        saved = tomllib.loads(paths.overrides_path().read_text())
        assert "claude-sonnet-4-6" in str(saved)
        assert app.catalog.models["claude-sonnet-4-6"].price_at(TODAY).input == Decimal("2.40")
        row = next(r for r in table_rows(screen.query_one("#prices")) if r[0] == "claude-sonnet-4-6")
        assert row[3] == "2.40" and row[-2] == "overridden"


async def test_edit_limit_saves_an_override(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        app.screen.action_edit_limit()
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#edit-group").value = "sonnet-4x"
        dialog.query_one("#edit-tier").value = "custom"
        dialog.query_one("#edit-field").value = "itpm"
        dialog.query_one("#edit-value").value = "8000000"
        await pilot.click("#edit-save")
        await settle(pilot)
        assert app.catalog.limits_at("sonnet-4x", "custom", TODAY).itpm == 8_000_000
        assert "limit:sonnet-4x:custom" in app.catalog.overridden
