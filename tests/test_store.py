"""The usage store: idempotent, incremental, dedup across files, all-or-nothing per file, clear errors."""

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC
from pathlib import Path

import pytest

from planner import ledger
from planner.catalog import Usage, load_catalog, price_usage
from planner.errors import PlannerError
from planner.ingest import import_paths, import_samples
from planner.store import Store

CATALOG = load_catalog()


def cc_line(
    mid="msg_1", req="req_1", out=100, ts="2026-11-01T10:00:05.123Z", model="claude-sonnet-4-6", side=False, inp=10
):
    line = {
        "parentUuid": "p",
        "isSidechain": side,
        "sessionId": "sess-1",
        "message": {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "hi"}],
            "usage": {
                "input_tokens": inp,
                "output_tokens": out,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
        "requestId": req,
        "type": "assistant",
        "uuid": "u",
        "timestamp": ts,
    }
    if req is None:
        del line["requestId"]
    return json.dumps(line, separators=(",", ":"))


def app_line(i, model="claude-sonnet-4-6", inp=1000, out=100, ts=None):
    ts = ts or f"2026-11-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
    return json.dumps(
        {"ts": ts, "id": f"msg_{i:06d}", "model": model, "usage": {"input_tokens": inp, "output_tokens": out}}
    )


def write(path: Path, lines, end="\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + end)
    return path


def totals(store):
    return store.conn.execute("SELECT count(*), sum(requests), sum(input), sum(output) FROM usage").fetchone()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "p.db")
    yield s
    s.close()


def test_samples_import_and_reimport_changes_nothing(store):
    first = import_samples(store, CATALOG)
    assert first.bad == 1  # the truncated app line, reported
    (bad,) = [p for f in first.files for p in f.problems if p.kind == "bad"]
    assert bad.source.endswith("app/requests.jsonl") and bad.line == 2825
    before = totals(store)
    assert before[1] == 4431  # 151 + 4 Claude Code, 4,234 app lines, 45 batch (README of sample_logs)... minus none
    again = import_samples(store, CATALOG)
    assert again.new == 0 and again.replaced == 0
    assert {f.status for f in again.files if f.fmt} == {"unchanged"}
    assert totals(store) == before
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_incremental_append_reads_only_new_bytes_and_numbers_lines(tmp_path, store):
    log = write(tmp_path / "app.jsonl", [app_line(i) for i in range(100)])
    import_paths(store, [log], catalog=CATALOG)
    size = log.stat().st_size
    with open(log, "a") as f:
        f.write("\n".join([app_line(i) for i in range(100, 150)] + ['{"ts": "bad'] + [app_line(150)]) + "\n")
    res = import_paths(store, [log], catalog=CATALOG)
    (f,) = res.files
    assert f.status == "appended"
    assert f.bytes_read == log.stat().st_size - size
    assert f.new == 51 and f.bad == 1
    assert [p.line for p in f.problems] == [151]  # counted from the file's start, not the appended part
    assert totals(store)[1] == 151


def test_incomplete_last_line_waits_for_its_end(tmp_path, store):
    log = tmp_path / "app.jsonl"
    log.write_text(app_line(0) + "\n" + app_line(1)[:30])
    res = import_paths(store, [log], catalog=CATALOG)
    assert res.new == 1 and res.bad == 0
    assert any(p.kind == "skipped" for p in res.files[0].problems)
    log.write_text(app_line(0) + "\n" + app_line(1) + "\n")
    res = import_paths(store, [log], catalog=CATALOG)
    assert res.files[0].status == "appended" and res.new == 1
    assert totals(store)[1] == 2


def test_shrunk_or_replaced_file_is_read_again_whole(tmp_path, store):
    log = write(tmp_path / "app.jsonl", [app_line(i) for i in range(10)])
    import_paths(store, [log], catalog=CATALOG)
    write(log, [app_line(i, inp=5) for i in range(3)])  # shorter, different content
    res = import_paths(store, [log], catalog=CATALOG)
    assert res.files[0].status == "reread"
    count, req, inp, _ = totals(store)
    assert (count, req, inp) == (3, 3, 15)  # the old 10 rows are gone, nothing twice


def test_streaming_snapshot_then_final_line_keeps_the_largest(tmp_path, store):
    t = tmp_path / "projects/p/s.jsonl"
    write(t, [cc_line(out=3)])
    import_paths(store, [t], catalog=CATALOG)
    with open(t, "a") as f:
        f.write(cc_line(out=250) + "\n")
    res = import_paths(store, [t], catalog=CATALOG)
    assert res.replaced == 1 and res.new == 0
    assert totals(store)[3] == 250


def test_dedup_across_files_largest_and_main_thread_win(tmp_path, store):
    a = write(tmp_path / "projects/p/a.jsonl", [cc_line("m1", "r1", out=50), cc_line("m2", "r2", out=500, side=True)])
    b = write(tmp_path / "projects/p/b.jsonl", [cc_line("m1", "r1", out=80), cc_line("m2", "r2", out=40)])
    res = import_paths(store, [a, b], catalog=CATALOG)
    assert res.new == 2 and res.replaced == 2
    rows = dict(store.conn.execute("SELECT output, main FROM usage").fetchall())
    assert rows == {80: 1, 40: 1}  # m1: larger copy; m2: the main-thread copy beats a larger sidechain replay
    res = import_paths(store, [b, a], catalog=CATALOG)  # nothing changed: nothing read
    assert res.new == res.replaced == 0


def test_rows_with_and_without_workspace_in_one_file_keep_every_field(tmp_path, store):
    # Rows without workspace or API key are stored through the short insert, the others through
    # the full one; a file mixing both (in any order), and larger copies of each, must lose nothing.
    def line(i, out, **extra):
        return json.dumps(
            {
                "ts": f"2026-11-01T10:00:{i:02d}.000Z",
                "id": f"msg_{i}",
                "model": "claude-sonnet-4-6",
                "usage": {"input_tokens": 100, "output_tokens": out},
                **extra,
            }
        )

    a = write(
        tmp_path / "a.jsonl",
        [
            line(2, 20, workspace_id="wrk_a", api_key_id="key_a"),
            line(1, 10),
            line(3, 30),
            line(4, 40, workspace_id="wrk_b"),
        ],
    )
    res = import_paths(store, [a], fmt="messages", catalog=CATALOG)
    assert (res.new, res.replaced, res.duplicate) == (4, 0, 0)
    b = write(
        tmp_path / "b.jsonl",
        [
            line(2, 25, workspace_id="wrk_a", api_key_id="key_a"),
            line(3, 35),
            line(1, 5),
            line(4, 40, workspace_id="wrk_b"),
        ],
    )
    res = import_paths(store, [b], fmt="messages", catalog=CATALOG)
    assert (res.new, res.replaced, res.duplicate) == (0, 2, 2)
    rows = store.conn.execute(
        "SELECT output, workspace, api_key, requests, bucket_s, main FROM usage ORDER BY output"
    ).fetchall()
    assert rows == [
        (10, None, None, 1, 0, 1),
        (25, "wrk_a", "key_a", 1, 0, 1),
        (35, None, None, 1, 0, 1),
        (40, "wrk_b", None, 1, 0, 1),
    ]


def test_missing_request_id_dedups_on_message_id_across_files(tmp_path, store):
    a = write(tmp_path / "projects/p/a.jsonl", [cc_line("m9", None, out=10)])
    b = write(tmp_path / "projects/p/b.jsonl", [cc_line("m9", None, out=12)])
    import_paths(store, [a, b], catalog=CATALOG)
    assert totals(store)[:2] == (1, 1)
    assert totals(store)[3] == 12


def test_unrelated_binary_empty_files_are_reported_not_imported(tmp_path, store):
    d = tmp_path / "mixed"
    write(d / "notes.txt", ["just some notes", "nothing else"])
    (d / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    (d / "empty.jsonl").write_text("")
    (d / "image.png").write_bytes(b"\x89PNG")
    res = import_paths(store, [d], catalog=CATALOG)
    reasons = {Path(f.path).name: f.reason for f in res.files}
    assert "binary" in reasons["blob.bin"] and "empty" in reasons["empty.jsonl"]
    assert "not a recognised usage log" in reasons["notes.txt"] and ".png" in reasons["image.png"]
    assert store.is_empty()


def test_bad_values_keep_every_good_line(tmp_path, store):
    lines = [
        app_line(0),
        "{not json",
        json.dumps({"ts": "2026-11-01T10:00:00Z", "id": "x", "model": 5, "usage": {}}),
        json.dumps(
            {
                "ts": "2026-11-01T10:00:00Z",
                "id": "y",
                "model": "claude-sonnet-4-6",
                "usage": {"input_tokens": -5, "output_tokens": 1},
            }
        ),
        app_line(1),
    ]
    log = tmp_path / "app.jsonl"
    log.write_bytes(("\n".join(lines) + "\n").encode() + b'{"ts": "\xff\xfe"}\n' + (app_line(2) + "\n").encode())
    res = import_paths(store, [log], fmt="messages", catalog=CATALOG)
    f = res.files[0]
    assert f.new == 3
    assert sorted(p.line for p in f.problems if p.kind == "bad") == [2, 3, 4, 6]
    assert any("negative" in p.reason for p in f.problems)
    assert store.problems(str(log.resolve()))[0].line == 2


def test_file_vanishing_mid_import_is_reported_others_kept(tmp_path, store):
    files = [write(tmp_path / f"logs/{n}.jsonl", [app_line(i + 10 * k) for i in range(5)]) for k, n in enumerate("abc")]

    def progress(p):
        if p.files_done == 1 and files[1].exists():
            files[1].unlink()  # b.jsonl disappears after a.jsonl was read, before it is opened

    res = import_paths(store, [tmp_path / "logs"], catalog=CATALOG, progress=progress, workers=1)
    status = {Path(f.path).name: f.status for f in res.files}
    assert status == {"a.jsonl": "new", "b.jsonl": "vanished", "c.jsonl": "new"}
    assert totals(store)[1] == 10


def test_since_keeps_later_records_and_remembers_no_offset(tmp_path, store):
    from datetime import datetime

    log = write(
        tmp_path / "app.jsonl", [app_line(0, ts="2026-10-01T00:00:00Z"), app_line(1, ts="2026-11-02T00:00:00Z")]
    )
    res = import_paths(store, [log], catalog=CATALOG, since=datetime(2026, 11, 1, tzinfo=UTC))
    assert res.new == 1 and res.files[0].skipped == {"before --since": 1}
    res = import_paths(store, [log], catalog=CATALOG)  # a full import later still gets the October line
    assert totals(store)[1] == 2


def test_locked_database_is_a_clear_error(tmp_path):
    db = tmp_path / "p.db"
    Store(db).close()
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")
    log = write(tmp_path / "app.jsonl", [app_line(0)])
    store = Store(db, busy_timeout_s=0.05)
    with pytest.raises(PlannerError, match="locked"):
        import_paths(store, [log], catalog=CATALOG)
    holder.rollback()
    assert import_paths(store, [log], catalog=CATALOG).new == 1  # and nothing was lost or half-written


def test_read_only_database_is_a_clear_error(tmp_path):
    db = tmp_path / "p.db"
    Store(db).close()
    store = Store(db, readonly=True)
    with pytest.raises(PlannerError, match="read-only"):
        import_paths(store, [write(tmp_path / "app.jsonl", [app_line(0)])], catalog=CATALOG)


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "p.db"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(PlannerError, match="not a planner database"):
        Store(bad)


def test_minute_series_excludes_batch_and_keeps_buckets(store):
    import_samples(store, CATALOG)
    rows = store.minute_series()
    batch_minute = 1763517600000  # 2026-11-19T02:00Z: every batch result carries this time
    assert not [r for r in rows if r.minute_ms == batch_minute and r.bucket_seconds == 0]
    assert {r.bucket_seconds for r in rows} >= {0, 86400}
    assert sum(r.requests for r in rows if r.bucket_seconds == 0) == 4431 - 45


def test_kill_mid_import_leaves_whole_files_and_reimport_gives_right_totals(tmp_path):
    logs = tmp_path / "logs"
    for k in range(30):
        write(logs / f"f{k:02d}.jsonl", [app_line(i + 100 * k) for i in range(20)])
    db = tmp_path / "killed.db"
    script = textwrap.dedent(f"""
        import os, signal
        from planner.catalog import load_catalog
        import planner.ingest.pipeline as st
        from planner.store import Store
        st.TXN_FILES = 4   # commit every 4 files, so the kill lands after some commits
        s = Store({str(db)!r})
        def progress(p):
            if p.files_done == 11:
                os.kill(os.getpid(), signal.SIGKILL)
        st.import_paths(s, [{str(logs)!r}], catalog=load_catalog(), progress=progress, workers=1)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    store = Store(db)
    per_file = store.conn.execute("SELECT source_id, count(*) FROM usage GROUP BY source_id").fetchall()
    assert len(per_file) == 8 and all(n == 20 for _, n in per_file)  # 2 whole transactions, no partial file
    assert store.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 8
    res = import_paths(store, [logs], catalog=CATALOG)
    assert res.new == 22 * 20 and res.duplicate == 0
    assert totals(store)[1] == 600
    clean = Store(tmp_path / "clean.db")
    import_paths(clean, [logs], catalog=CATALOG)
    assert totals(clean) == totals(store)


def test_ledger_prices_each_request_in_its_own_band(tmp_path, store):
    # Sonnet 4.5 above 200K prompt tokens: the whole request at the long-context price.
    small = {"input_tokens": 150_000, "output_tokens": 1000}
    big = {"input_tokens": 250_000, "output_tokens": 1000}
    lines = [
        json.dumps({"ts": "2026-11-01T10:00:00Z", "id": f"m{i}", "model": "claude-sonnet-4-5-20250929", "usage": u})
        for i, u in enumerate([small, big])
    ]
    import_paths(store, [write(tmp_path / "app.jsonl", lines)], catalog=CATALOG)
    led = ledger.summarize(store, CATALOG, by="model")
    when = price_usage
    expected = sum(
        when(
            CATALOG,
            "claude-sonnet-4-5-20250929",
            Usage(input_tokens=u["input_tokens"], output_tokens=1000),
            ledger_date(),
        ).total
        for u in (small, big)
    )
    assert led.totals.cost_usd == expected
    # not the same as pricing the sum (400K prompt -> both at the band) nor both standard
    both_band = when(
        CATALOG, "claude-sonnet-4-5-20250929", Usage(input_tokens=400_000, output_tokens=2000), ledger_date()
    ).total
    assert led.totals.cost_usd != both_band


def ledger_date():
    from datetime import date

    return date(2026, 11, 1)


def test_unknown_model_is_counted_and_named_never_zero_cost(tmp_path, store):
    lines = [app_line(0, model="claude-imaginary-9"), app_line(1)]
    import_paths(store, [write(tmp_path / "app.jsonl", lines)], catalog=CATALOG)
    led = ledger.summarize(store, CATALOG, by="model")
    assert led.unpriced_models == ["claude-imaginary-9"]
    row = {r.key: r for r in led.rows}["claude-imaginary-9"]
    assert row.unpriced_requests == 1 and row.requests == 1 and row.cost_usd == 0
    assert led.totals.unpriced_requests == 1 and "claude-imaginary-9" in led.warnings[0]


@pytest.mark.parametrize(
    "tz,expected",
    [
        ("UTC", {"2026-11-01": 2, "2026-11-02": 1}),
        ("Europe/Berlin", {"2026-11-01": 1, "2026-11-02": 2}),  # UTC+1 in November
        ("Asia/Kolkata", {"2026-11-01": 1, "2026-11-02": 2}),  # UTC+5:30
        (
            "America/Los_Angeles",
            {"2026-10-31": 1, "2026-11-01": 1, "2026-11-02": 1},
        ),  # PDT until Nov 1 09:00Z, then PST
    ],
)
def test_days_fall_in_the_requested_time_zone(tmp_path, store, tz, expected):
    stamps = ["2026-11-01T06:00:00Z", "2026-11-01T23:30:00Z", "2026-11-02T10:00:00Z"]
    import_paths(
        store, [write(tmp_path / "a.jsonl", [app_line(i, ts=t) for i, t in enumerate(stamps)])], catalog=CATALOG
    )
    led = ledger.summarize(store, CATALOG, by="day", tz=tz)
    assert {r.key: r.requests for r in led.rows} == expected
    assert led.totals.cost_usd == ledger.summarize(store, CATALOG, by="model").totals.cost_usd


def test_since_until_are_local_days(tmp_path, store):
    from datetime import date

    stamps = ["2026-11-01T06:00:00Z", "2026-11-01T23:30:00Z", "2026-11-02T10:00:00Z"]
    import_paths(
        store, [write(tmp_path / "a.jsonl", [app_line(i, ts=t) for i, t in enumerate(stamps)])], catalog=CATALOG
    )
    d = date(2026, 11, 2)
    assert ledger.summarize(store, CATALOG, since=d, until=d, tz="UTC").totals.requests == 1
    assert ledger.summarize(store, CATALOG, since=d, until=d, tz="Europe/Berlin").totals.requests == 2


def test_reconcile_samples_against_the_cost_report(store):
    import_samples(store, CATALOG)
    rows = ledger.reconcile(store, CATALOG)
    off = [r for r in rows if r.status != "match"]
    # the one request lost in the truncated app line (sample_logs/README.md)
    assert [(r.day, r.model) for r in off] == [("2026-11-11", "claude-haiku-5-5")]
    assert off[0].billed_usd > off[0].computed_usd
    assert len(rows) == 146


def test_cli_format_names_match_the_parsers():
    import argparse

    from planner.cli import import_
    from planner.usage.detect import FORMATS

    parser = argparse.ArgumentParser()
    import_.configure(parser)
    action = next(a for a in parser._actions if a.dest == "input_format")
    assert sorted(action.choices) == sorted(FORMATS)


def test_store_peaks_equal_peaks_over_the_minute_series(store):
    from planner.projection import demand
    from planner.views.demand import store_peaks

    import_samples(store, CATALOG)
    fast = store_peaks(store, CATALOG, rolling=False)
    slow = demand.peaks(store.minute_series(), CATALOG)
    assert fast.keys() == slow.keys() and len(fast) >= 3
    for group in fast:
        a, b = fast[group], slow[group]
        assert (a.rpm, a.itpm, a.otpm, a.active_minutes, a.sources, a.cache_reads_count) == (
            b.rpm,
            b.itpm,
            b.otpm,
            b.active_minutes,
            b.sources,
            b.cache_reads_count,
        ), group
    assert any("bucket 86400s" in d.sources for d in fast.values())  # the usage report's daily buckets count too


def test_store_peaks_rolling_max_equals_a_brute_force_over_requests(store):
    from planner.projection import demand
    from planner.views.demand import store_peaks

    import_samples(store, CATALOG)
    rolled = store_peaks(store, CATALOG)
    minute = store_peaks(store, CATALOG, rolling=False)
    dims = store.dims()
    requests = [
        (ts, dims[d][1] or dims[d][0], i, c5, c1, cr, o)
        for ts, d, i, c5, c1, cr, o in store.conn.execute(
            "SELECT ts_ms, dim, input, cw5, cw1h, cread, output FROM usage WHERE bucket_s = 0"
        )
        if dims[d][2] != "batch"
    ]
    brute = demand.rolling_peaks(requests, CATALOG)
    beaten = 0
    for group, peaks in brute.items():
        for dim in ("rpm", "itpm", "otpm"):
            got = getattr(rolled[group], dim)
            if "bucket 86400s" not in rolled[group].sources:  # buckets add to minutes, not to request windows
                assert got.max == peaks[dim][0], (group, dim)
                if got.max > getattr(minute[group], dim).max:  # a rolling window won: its start is the time
                    assert got.at_ms == peaks[dim][1]
            assert got.max >= getattr(minute[group], dim).max
            beaten += got.max > getattr(minute[group], dim).max
    assert beaten  # a window across a minute boundary is busier than any clock minute somewhere


def test_a_reader_is_not_blocked_while_an_import_writes(tmp_path, monkeypatch):
    import planner.ingest.pipeline as st

    monkeypatch.setattr(st, "TXN_FILES", 3)
    logs = tmp_path / "logs"
    for k in range(10):
        write(logs / f"f{k}.jsonl", [app_line(i + 100 * k) for i in range(10)])
    db = tmp_path / "p.db"
    writer = Store(db)
    seen = []

    def progress(p):
        if p.files_done in (4, 7):  # mid-import, with a write transaction open
            reader = Store(db, busy_timeout_s=0.05)  # would fail at once if the writer blocked readers
            seen.append(ledger.summarize(reader, CATALOG, by="model").totals.requests)
            reader.close()

    import_paths(writer, [logs], catalog=CATALOG, progress=progress, workers=1)
    assert seen == [30, 60]  # readers see the committed transactions only, never a half-written file
    assert totals(writer)[1] == 100


def test_a_wrong_forced_format_keeps_the_files_earlier_records(tmp_path, store):
    log = write(tmp_path / "app.jsonl", [app_line(i) for i in range(5)])
    import_paths(store, [log], catalog=CATALOG)
    res = import_paths(store, [log], fmt="csv", catalog=CATALOG)  # a mistake: nothing usable as CSV
    assert res.files[0].status == "kept" and res.files[0].bad >= 1
    assert totals(store)[1] == 5
    assert import_paths(store, [log], catalog=CATALOG).files[0].status == "unchanged"
    assert totals(store)[1] == 5


def test_report_of_a_model_never_imported_says_so(tmp_path, store):
    import_paths(store, [write(tmp_path / "app.jsonl", [app_line(0)])], catalog=CATALOG)
    with pytest.raises(PlannerError, match=r"no imported usage of 'claude-opus-4-8'.*claude-sonnet-4-6"):
        ledger.summarize(store, CATALOG, model="claude-opus-4-8")


def test_what_if_batch_and_cache_hit_reprice_the_history(tmp_path, store):
    from decimal import Decimal as D

    line = json.dumps(
        {
            "ts": "2026-11-01T10:00:00Z",
            "id": "m1",
            "model": "claude-sonnet-4-6",
            "usage": {
                "input_tokens": 1000,
                "cache_creation_input_tokens": 10000,
                "cache_read_input_tokens": 0,
                "output_tokens": 100,
            },
        }
    )
    import_paths(store, [write(tmp_path / "app.jsonl", [line])], catalog=CATALOG)
    (row,) = ledger.what_if(store, CATALOG, batch_share=D(1))
    assert row.actual_usd == D("0.042")  # 1000 x $3 + 10000 x $3.75 + 100 x $15, per MTok
    assert row.what_if_usd == row.actual_usd / 2  # all of it through Batch at 50% off
    (row,) = ledger.what_if(store, CATALOG, cache_hit_rate=D(1))
    assert row.what_if_usd == (1000 * D(3) + 10000 * D("0.3") + 100 * D(15)) / 1_000_000
    (row,) = ledger.what_if(store, CATALOG, cache_hit_rate=D("0.5"), batch_share=D("0.5"))
    cached = (1000 * D(3) + 5000 * D("3.75") + 5000 * D("0.3") + 100 * D(15)) / 1_000_000
    assert row.what_if_usd == cached * D("0.75")
    with pytest.raises(PlannerError, match="between 0 and 1"):
        ledger.what_if(store, CATALOG, batch_share=D(2))
