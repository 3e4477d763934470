"""The dashboard's cache between runs: an unchanged store opens from it; an import, an override
or another day means recompute."""

from __future__ import annotations

import pytest
from tui_support import ROOT, make_app, settle

from planner import ledger
from planner.tui import cache


async def overview_of(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        return app.screen.data, app.screen.query_one("#mtd").value, dict(app.cache)


async def test_second_run_reads_the_cache_and_shows_the_same_figures(sample_db, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    first, mtd, _ = await overview_of(make_app(sample_db, cache_dir=folder))
    assert cache.cache_file(folder, sample_db).exists()

    def boom(*a, **k):
        raise AssertionError("recomputed despite an unchanged store")

    monkeypatch.setattr(ledger, "summarize", boom)
    second, mtd2, mem = await overview_of(make_app(sample_db, cache_dir=folder))
    assert mtd2 == mtd and second.forecast == first.forecast
    assert [g.dims["rpm"].peak for g in second.gauges] == [g.dims["rpm"].peak for g in first.gauges]
    assert "usage:day" in mem  # the Usage screen's first view comes with it


@pytest.mark.parametrize("change", ["import", "override", "day"])
async def test_a_change_means_recompute(sample_db, tmp_path, monkeypatch, change):
    from datetime import date

    from planner import paths
    from planner.ingest import import_paths
    from planner.store import Store

    folder = tmp_path / "cache"
    await overview_of(make_app(sample_db, cache_dir=folder))
    today = date(2026, 11, 23)
    if change == "import":
        from planner.catalog import load_catalog

        extra = tmp_path / "more.jsonl"
        extra.write_text(
            (ROOT / "sample_logs" / "app" / "requests.jsonl").read_text().splitlines()[0].replace('"id": "', '"id": "x')
            + "\n"
        )
        store = Store(sample_db)
        try:
            import_paths(store, [extra], catalog=load_catalog())
        finally:
            store.close()
    elif change == "override":
        paths.overrides_path().parent.mkdir(parents=True, exist_ok=True)
        paths.overrides_path().write_text('[models."claude-sonnet-4-6"]\ninput = "2.40"\n')
    else:
        today = date(2026, 11, 22)
    calls = []
    real = ledger.summarize
    monkeypatch.setattr(ledger, "summarize", lambda *a, **k: calls.append(1) or real(*a, **k))
    await overview_of(make_app(sample_db, cache_dir=folder, today=today))
    assert calls, f"{change}: served from a stale cache"


def test_an_unreadable_cache_file_is_ignored(tmp_path, sample_db):
    folder = tmp_path / "cache"
    folder.mkdir()
    cache.cache_file(folder, sample_db).write_bytes(b"not a pickle")
    assert cache.load(folder, sample_db, ("k",)) is None
