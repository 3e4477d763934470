"""One test per Textual internal the dashboard relies on for its speed (planner.tui.internals):
each fails when its trick stops working, and the public path they fall back to on another
Textual version shows the same screens."""

from __future__ import annotations

import textual
from textual.theme import Theme
from textual.widgets import DataTable
from tui_support import make_app, settle, visit, wait_until_painted

from planner.tui import internals
from planner.tui.screens.base import PlannerScreen


def test_the_tricks_were_written_for_the_installed_textual():
    assert internals.ACTIVE, (
        f"Textual {textual.__version__} is installed, planner/tui/internals.py was written for "
        f"{internals.WRITTEN_FOR}: every trick there is off. Check each test in this file with "
        "WRITTEN_FOR set to the new version and measure bench/bench_tui.py before changing it."
    )


async def test_screens_built_in_the_background_are_shown_without_rebuilding_the_stylesheet(sample_db):
    """build_mode: the other screens are composed after the first frame and shown as they are
    (a first visit composes nothing), styled ahead (restyle_hidden: a first visit does not
    re-parse the whole stylesheet)."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until_painted(app, pilot)
        hidden = {m: internals.mode_screen(app, m) for m in app.MODES if m != "overview"}
        assert all(isinstance(s, PlannerScreen) and s not in app.screen_stack for s in hidden.values())
        reparsed = []
        reparse = app.stylesheet.reparse
        app.stylesheet.reparse = lambda: (reparsed.append(app.screen), reparse())[1]
        for key, mode in zip("2345", hidden, strict=True):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is hidden[mode]
        assert reparsed == []
        assert [type(s).__name__ for s in hidden.values()] == [
            "UsageScreen",
            "LimitsScreen",
            "PricingScreen",
            "PlanScreen",
        ]


async def test_screens_painted_off_screen_render_no_table_line_on_a_first_visit(sample_db, monkeypatch):
    """restyle_hidden, layout_hidden, paint_hidden: a first visit shows lines already rendered
    (without them the tables render every visible line: ~60 on Usage)."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until_painted(app, pilot)
        rendered = []
        render_line = DataTable.render_line
        monkeypatch.setattr(
            DataTable, "render_line", lambda table, y: (rendered.append(table.id), render_line(table, y))[1]
        )
        for key in "2345":
            await pilot.press(key)
            await settle(pilot)
            assert rendered == [], f"screen {key}"


async def test_a_screen_shown_again_keeps_its_styles_until_the_theme_changes(sample_db, monkeypatch):
    """style_context: a screen shown again is not restyled when nothing its styles depend on
    changed (each restyle makes every DataTable drop its rendered cells); after a theme switch
    it is."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until_painted(app, pilot)
        await visit(app, pilot, "21")
        usage = internals.mode_screen(app, "usage")
        restyled = []
        update = PlannerScreen.update_node_styles
        monkeypatch.setattr(
            PlannerScreen, "update_node_styles", lambda s, animate=True: (restyled.append(s), update(s, animate))[1]
        )
        await visit(app, pilot, "21")
        assert usage not in restyled
        await pilot.press("t")
        await settle(pilot)
        await visit(app, pilot, "2")
        assert usage in restyled


async def test_the_public_path_shows_the_same_screens(sample_db, monkeypatch):
    """On another Textual version every trick is off: nothing is built or painted ahead, styles
    are re-applied on each display. The screens look the same."""
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await wait_until_painted(app, pilot)
        tricks = await visit(app, pilot, "23451")
    monkeypatch.setattr(internals, "ACTIVE", False)
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.3)
        assert [m for m in app.MODES if internals.mode_screen(app, m) is not None] == ["overview"]
        public = await visit(app, pilot, "23451")
    for key in public:
        assert public[key] == tricks[key], f"screen {key}"


def test_theme_lookups_follow_registered_themes(sample_db):
    """PlannerApp.get_theme remembers lookups (public API only): registering a theme again under
    the same name replaces what it returns."""
    app = make_app(sample_db)
    assert app.get_theme("textual-dark") is app.get_theme("textual-dark") is not None
    first = Theme("planner-test", primary="#004578")
    app.register_theme(first)
    assert app.get_theme("planner-test") is first
    second = Theme("planner-test", primary="#ff0000")
    app.register_theme(second)
    assert app.get_theme("planner-test") is second
    app.unregister_theme("planner-test")
    assert app.get_theme("planner-test") is None


def test_the_dashboard_starts_no_process_and_no_thread_of_its_own():
    """Blocking work runs in Textual's thread workers only: no fork, no process or thread pool,
    no thread started by hand (the names are looked up in the code of every dashboard module)."""
    import ast
    from pathlib import Path

    import planner.tui

    banned = {
        "fork", "forkserver", "multiprocessing", "Process", "ThreadPoolExecutor", "ProcessPoolExecutor",
        "to_thread", "run_in_executor", "Thread", "start_new_thread",
    }  # fmt: skip
    found = []
    for path in sorted(Path(planner.tui.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name.split(".")[-1] for a in node.names] + (
                    node.module.split(".") if isinstance(node, ast.ImportFrom) and node.module else []
                )
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, ast.Name):
                names = [node.id]
            found += [f"{path.name}:{node.lineno} {n}" for n in names if n in banned]
    assert found == [], found
