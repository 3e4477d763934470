"""App-wide behaviour: help lists every binding, the palette has an entry for every action,
export writes the current view, the theme switch, and the core still loads without Textual."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hygiene import BLOCK_TEXTUAL
from tui_support import make_app, settle, table_rows, visit

from planner.report import render
from planner.tui.palette import ACTIONS, PlannerCommands


async def test_help_lists_every_binding(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        rows = table_rows(app.screen.query_one("#help-table"))
        keys = {(r[0], r[1]) for r in rows}
        for key in "12345ietq":
            assert ("everywhere", key) in keys
        assert ("limits", "r") in keys and ("plan", "o") in keys and ("pricing", "m") in keys
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "OverviewScreen"


async def test_other_screens_are_built_in_the_background(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert set(app._screen_stacks) == set(app.MODES)  # composed, not shown
        assert type(app.screen).__name__ == "OverviewScreen"
        await pilot.press("5")
        assert app.screen.result is not None  # the plan was evaluated before the visit


@pytest.mark.parametrize("change", ["theme", "resize"])
async def test_screens_show_a_theme_switch_or_resize_made_while_they_were_hidden(sample_db, change):
    """Screens built in the background are painted off screen, and a screen shown before keeps
    its styles unless something they depend on changed: after a theme switch or a resize (to
    below 110 columns: the app's -narrow class) made on the overview, each screen shows exactly
    what it shows in an app started with that theme and size: Usage and Limits on a later
    visit, Pricing and Plan on their first."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(100):
            others = [app._screen_stacks.get(m) for m in app.MODES if m != "overview"]
            if all(stack and stack[-1].prerendered for stack in others):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError("the other screens were not painted in the background")
        await visit(app, pilot, "231")
        if change == "theme":
            await pilot.press("t")
        else:
            await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert app.has_class("-narrow") == (change == "resize")
        after = await visit(app, pilot, "2345")
    size = (100, 30) if change == "resize" else (120, 40)
    fresh = make_app(sample_db)
    async with fresh.run_test(size=size) as pilot:
        fresh.theme = app.theme
        await settle(pilot)
        expected = await visit(fresh, pilot, "2345")
    for key in expected:
        assert after[key] == expected[key], f"screen {key}"
        assert len(after[key]) == size[1]


def test_every_binding_and_screen_action_is_in_the_palette():
    from planner.tui.app import PlannerApp

    actions = {a for _, _, a in ACTIONS}
    for b in PlannerApp.BINDINGS:
        assert b.action in actions, b.action
        assert b.id and b.tooltip
    for screen in PlannerApp.MODES.values():
        for b in vars(screen).get("BINDINGS", []):
            assert b.id and b.tooltip, b
    assert {"probe_now", "toggle_auto_probe", "edit_price", "open_scenario", "export_as('csv')"} <= actions


async def test_palette_opens_and_runs_a_command(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert PlannerCommands in app.COMMANDS
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"
        await pilot.press(*"Show Pricing")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PricingScreen"


async def test_export_writes_the_current_view(sample_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.export_table()
        for fmt in ("md", "csv", "json"):
            await app.run_action(f"export_as('{fmt}')")
            out = tmp_path / f"planner-overview-2026-11-23.{fmt}"
            assert (
                out.read_text() == render(table, fmt, payload=screen.export_payload() if fmt == "json" else None) + "\n"
            )
        data = json.loads((tmp_path / "planner-overview-2026-11-23.json").read_text())
        assert str(data["forecast"]["month_to_date"]) == str(screen.data.forecast.month_to_date)
        # the dialog: choose CSV, path follows the format
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#export-format").value = "csv"
        await pilot.pause()
        assert dialog.query_one("#export-path").value.endswith(".csv")
        dialog.query_one("#export-path").value = str(tmp_path / "x.csv")
        dialog.query_one("#export-path").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "x.csv").read_text().startswith("item,value,source")


async def test_theme_switch(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = app.theme
        await pilot.press("t")
        assert app.theme != before


def test_dashboard_module_and_core_load_without_textual():
    # Textual and Rich cannot be imported in this process: building every command's parser
    # (which imports every command module) must not need them.
    code = (
        BLOCK_TEXTUAL
        + "import planner.cli, planner.cli.dashboard, planner.store, planner.ledger, planner.probe.history\n"
        "planner.cli.build_parser()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_a_failing_worker_becomes_a_notification_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "not-a-dir").write_text("x")
    app = make_app(tmp_path / "not-a-dir" / "planner.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = [n for n in app._notifications if (n.title or "").endswith("failed")]
        assert {n.title for n in failed} == {"open store failed", "overview failed"}  # app and screen workers
        assert all("not-a-dir" in n.message for n in failed)
        assert not app.screen.query_one("#cards").loading
        await pilot.press("4")  # the catalog screens still work
        await settle(pilot)
        assert type(app.screen).__name__ == "PricingScreen"


def test_dashboard_command_rejects_a_bad_day_before_opening(capsys, tmp_path, monkeypatch):
    from planner.cli import main

    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["--db", str(tmp_path / "x.db"), "dashboard", "--today", "someday"]) == 2
    assert "--today: not a date: 'someday'" in capsys.readouterr().err
