"""Usage screen: history by day/week/month/model/project, sortable, sources with bad lines; import dialog."""

from __future__ import annotations

import shutil

from tui_support import ROOT, make_app, settle, table_rows, text_of

from planner import ledger
from planner.catalog import load_catalog
from planner.store import Store
from planner.tui.format import usd


def core_ledger(db, by):
    store = Store(db)
    try:
        return ledger.summarize(store, load_catalog(), by=by), store.sources()
    finally:
        store.close()


async def test_usage_by_day_and_model_equal_the_core(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "UsageScreen"
        want, sources = core_ledger(sample_db, "day")
        rows = table_rows(screen.query_one("#ledger"))
        assert [r[0] for r in rows] == [str(r.key) for r in want.rows]
        assert [r[7] for r in rows] == [usd(r.cost_usd) for r in want.rows]
        assert [r[1] for r in rows] == [f"{r.requests:,}" for r in want.rows]
        summary = text_of(screen.query_one("#usage-sources"))
        assert f"total {want.totals.requests:,} requests, {usd(want.totals.cost_usd)}" in summary
        assert f"{len(sources)} sources, 1 bad lines" in summary
        src = table_rows(screen.query_one("#sources-table"))
        assert len(src) == len(sources)
        assert sum(int(r[2]) for r in src) == 1  # the truncated line in app/requests.jsonl
        # group by model through the select
        for _ in range(3):
            await pilot.press("g")  # day -> week -> month -> model
        await settle(pilot)
        assert screen.by == "model"
        want, _ = core_ledger(sample_db, "model")
        rows = table_rows(screen.query_one("#ledger"))
        assert sorted(r[0] for r in rows) == sorted(str(r.key) for r in want.rows)
        # sort by cost: biggest first, then reversed
        screen.sort_by("cost_usd")
        rows = table_rows(screen.query_one("#ledger"))
        by_cost = sorted(want.rows, key=lambda r: r.cost_usd, reverse=True)
        assert [r[0] for r in rows] == [str(r.key) for r in by_cost]
        screen.sort_by("cost_usd")
        assert [r[0] for r in table_rows(screen.query_one("#ledger"))] == [str(r.key) for r in reversed(by_cost)]
        # export the current view: the exact Decimals, sorted as shown
        table = screen.export_table()
        assert [r["cost_usd"] for r in table.rows] == [r.cost_usd for r in reversed(by_cost)]


async def test_import_dialog_runs_in_a_worker_and_reports_counts(sample_db, tmp_path):
    copy = tmp_path / "logs" / "requests.jsonl"
    copy.parent.mkdir()
    shutil.copy(ROOT / "sample_logs" / "app" / "requests.jsonl", copy)
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        generation = app.generation
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert type(dialog).__name__ == "ImportDialog"
        dialog.query_one("#import-path").value = str(copy)
        await pilot.click("#import-go")
        await settle(pilot)
        assert type(app.screen).__name__ == "UsageScreen"
        note = [n for n in app._notifications if n.title == "import finished"]
        assert note, [n.title for n in app._notifications]
        # the same requests under another path: all duplicates, and the truncated line is bad again
        assert "0 new" in note[-1].message and "1 bad lines" in note[-1].message
        assert app.generation == generation + 1  # screens reload once
        _want, sources = core_ledger(sample_db, "day")
        assert len(table_rows(app.screen.query_one("#sources-table"))) == len(sources)


async def test_import_dialog_escape_closes_and_bad_path_is_explained(sample_db):
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#import-path").value = "/no/such/place"
        await pilot.click("#import-go")
        await pilot.pause()
        assert any("/no/such/place: no such file or folder" in n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "OverviewScreen"


async def test_escape_during_an_import_cancels_it(sample_db, tmp_path):
    copy = tmp_path / "logs" / "requests.jsonl"
    copy.parent.mkdir()
    shutil.copy(ROOT / "sample_logs" / "app" / "requests.jsonl", copy)
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#import-path").value = str(copy)
        dialog.running = True  # as if the worker had started: Escape now cancels instead of closing
        await pilot.press("escape")
        assert dialog.cancel_event.is_set() and type(app.screen).__name__ == "ImportDialog"
        dialog.running = False
        await pilot.click("#import-go")
        await settle(pilot)
        note = [n for n in app._notifications if n.title == "import cancelled"]
        assert note and "0 new" in note[-1].message


async def test_import_dialog_with_no_format_chosen_detects_it_and_stores_the_records(sample_db, tmp_path):
    """Issue 14: the dialog's blank format is Select.NULL in Textual 8, not Select.BLANK; it was
    passed on as the format "Select.NULL", and every file came back as one bad line."""
    lines = [line for line in (ROOT / "sample_logs" / "app" / "requests.jsonl").read_text().splitlines()[:40]]
    clean = tmp_path / "logs" / "new.jsonl"
    clean.parent.mkdir()
    clean.write_text("".join(line.replace('"id":"msg_', '"id":"msg_new') + "\n" for line in lines))
    before = sum(s.records for s in core_ledger(sample_db, "day")[1])
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#import-format").is_blank()  # nothing chosen: detect from content
        dialog.query_one("#import-path").value = str(clean)
        await pilot.click("#import-go")
        await settle(pilot)
        note = [n for n in app._notifications if n.title == "import finished"]
        assert note and note[-1].message.startswith(f"{len(lines)} new, 0 duplicate, 0 bad lines in 1 files")
    _, sources = core_ledger(sample_db, "day")
    assert sum(s.records for s in sources) == before + len(lines)
    assert next(s for s in sources if s.path == str(clean)).fmt == "messages"
