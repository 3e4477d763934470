"""SVG snapshots of whole screens: fixed day, frozen clock, fixed size and theme, no NO_COLOR or
TEXTUAL_THEME from the environment. Update with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the SVGs before committing them."""

from __future__ import annotations

import pytest
from fakeapi import FakeAnthropic, FakeClock
from tui_support import make_app, settle


@pytest.fixture(autouse=True)
def plain_env(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)


def test_overview(snap_compare, sample_db):
    assert snap_compare(make_app(sample_db), terminal_size=(140, 48), run_before=settle)


def test_overview_80x24(snap_compare, sample_db):
    assert snap_compare(make_app(sample_db), terminal_size=(80, 24), run_before=settle)


def test_plan(snap_compare, sample_db):
    async def open_plan(pilot):
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(make_app(sample_db), terminal_size=(140, 40), run_before=open_plan)


def test_limits_with_the_fake_api(snap_compare, sample_db):
    clock = FakeClock()

    async def probe(pilot):
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    with FakeAnthropic(rpm=50, itpm=50_000, otpm=10_000, clock=clock) as api:
        app = make_app(
            sample_db,
            environ={"ANTHROPIC_API_KEY": "sk-ant-snapshot", "ANTHROPIC_BASE_URL": api.base_url},
            clock=clock.now,
        )
        assert snap_compare(app, terminal_size=(140, 48), run_before=probe)
