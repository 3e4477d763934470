"""Helpers for the dashboard tests (the fixtures are in conftest.py): an app factory with a fixed
day and no key, a wait-until-loaded helper, and readers of what a widget shows."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)
FROZEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def build_sample_db(path: Path) -> Path:
    from planner.catalog import load_catalog
    from planner.ingest import import_samples
    from planner.store import Store

    store = Store(path)
    try:
        import_samples(store, load_catalog())
    finally:
        store.close()
    return path


def make_app(db: Path, *, today: date = TODAY, environ: dict | None = None, clock=None, **kw):
    from planner.tui.app import PlannerApp

    return PlannerApp(
        db,
        today=today,
        environ=environ or {},
        clock=clock or (lambda: FROZEN),
        scenario=kw.pop("scenario", ROOT / "examples" / "launch.toml"),
        cache_dir=kw.pop("cache_dir", None),
        **kw,
    )


def busy(app) -> bool:
    from textual.worker import WorkerState

    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return True
    return any(getattr(w, "loading", False) for w in app.screen.query("*"))


async def settle(pilot, timeout: float = 30.0) -> None:
    """Wait until no worker runs and nothing on the screen is loading (then one more refresh)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    await pilot.pause()
    while busy(pilot.app):
        if loop.time() > end:
            raise AssertionError(f"{type(pilot.app.screen).__name__} still loading after {timeout} s")
        await pilot.pause(0.02)
    await pilot.pause()


def text_of(widget) -> str:
    """The plain text a Static shows."""
    content = widget.render()
    return str(getattr(content, "plain", content))


def table_rows(table) -> list[list[str]]:
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def wait_until_painted(app, pilot, timeout: float = 5.0) -> None:
    """Wait until every screen besides the one shown is built and painted in the background."""
    from planner.tui import internals

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        others = [internals.mode_screen(app, m) for m in app.MODES if m != app.current_mode]
        if all(s is not None and s.prerendered for s in others):
            return
        if loop.time() > end:
            raise AssertionError("the other screens were not built and painted in the background")
        await pilot.pause(0.05)


def painted(screen) -> list[str]:
    """The lines a screen shows (from its widgets' line caches, as Textual writes them), each
    segment with its style."""
    return ["".join(f"{seg.text}|{seg.style}" for seg in strip) for strip in screen._compositor.render_strips()]


async def visit(app, pilot, keys: str) -> dict[str, list[str]]:
    """Press each key in turn, and what the screen shows once it has its data."""
    app.clear_notifications()
    seen = {}
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
        seen[key] = painted(app.screen)
    return seen
