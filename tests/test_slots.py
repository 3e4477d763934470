"""The slots table (usage summed per 15 minutes) stays equal to the rows through every kind of
import, and reports read from it give what the rows give."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from planner import ledger
from planner.catalog import load_catalog
from planner.ingest import import_paths
from planner.store import SLOT_MS, Store, band_sql
from planner.store.writer import ImportWriter

CATALOG = load_catalog()
BANDS = CATALOG.band_thresholds()


def line(i: int, *, mid=None, out=100, inp=1000, read=0, model="claude-sonnet-4-5-20250929", ts=None, side=False):
    ts = ts or f"2026-11-0{1 + i % 3}T{i % 24:02d}:{(i * 7) % 60:02d}:{i % 60:02d}.000Z"
    return json.dumps(
        {
            "parentUuid": "p",
            "isSidechain": side,
            "sessionId": "s",
            "type": "assistant",
            "timestamp": ts,
            "requestId": f"req_{mid or i}",
            "message": {
                "id": f"msg_{mid or i}",
                "model": model,
                "role": "assistant",
                "content": [],
                "usage": {
                    "input_tokens": inp,
                    "output_tokens": out,
                    "cache_read_input_tokens": read,
                    "cache_creation_input_tokens": 0,
                },
            },
        }
    )


def write(path: Path, lines) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(x + "\n" for x in lines))
    return path


def slots_of_rows(store: Store) -> list[tuple]:
    return store.conn.execute(
        f"SELECT ts_ms / {SLOT_MS}, dim, {band_sql(BANDS)} AS b, sum(requests), sum(input), sum(cw5), sum(cw1h), "
        f"sum(cread), sum(output), sum(web) FROM usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ).fetchall()


def slots(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT * FROM slots ORDER BY slot, dim, band").fetchall()


def from_rows(store, monkeypatch, **kw):
    with monkeypatch.context() as m:
        m.setattr(Store, "slots_for", lambda self, thresholds: False)
        return ledger.summarize(store, CATALOG, **kw)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "p.db")
    yield s
    s.close()


def check(store: Store) -> None:
    assert store.slots_for(BANDS)
    assert slots(store) == slots_of_rows(store)
    assert slots(store)  # not trivially equal


def test_slots_follow_new_appended_replaced_and_reread_files(tmp_path, store):
    proj = tmp_path / "projects" / "p"
    # prompts over and under the 200K band, several slots and days
    a = write(proj / "a.jsonl", [line(i, read=250_000 if i % 4 == 0 else 0) for i in range(40)])
    import_paths(store, [a], catalog=CATALOG)
    check(store)
    with open(a, "a") as f:  # appended: only the new rows are added to their slots
        f.write("".join(line(i) + "\n" for i in range(40, 60)))
    assert import_paths(store, [a], catalog=CATALOG).new == 20
    check(store)
    b = write(proj / "b.jsonl", [line(5, mid=5, out=9_999, read=250_000)])  # a larger copy of a stored request
    assert import_paths(store, [b], catalog=CATALOG).replaced == 1
    check(store)
    write(a, [line(i) for i in range(10)])  # shrunk: read again whole, its old rows deleted
    assert import_paths(store, [a], catalog=CATALOG).files[0].status == "reread"
    check(store)
    assert import_paths(store, [a, b], catalog=CATALOG).new == 0  # nothing changed
    check(store)


def test_an_import_without_a_catalog_retires_the_slots_until_one_with_it(tmp_path, store):
    a = write(tmp_path / "projects/p/a.jsonl", [line(i) for i in range(10)])
    import_paths(store, [a], catalog=CATALOG)
    check(store)
    write(tmp_path / "projects/p/b.jsonl", [line(i) for i in range(10, 20)])
    import_paths(store, [tmp_path / "projects/p/b.jsonl"])  # no catalog: no bands to sum with
    assert not store.slots_for(BANDS)
    import_paths(store, [tmp_path / "projects"], catalog=CATALOG)  # nothing new, but the slots are rebuilt
    check(store)
    assert sum(s[3] for s in slots(store)) == 20


def test_slots_built_with_other_bands_are_not_used(tmp_path, store):
    a = write(tmp_path / "projects/p/a.jsonl", [line(i) for i in range(10)])
    import_paths(store, [a], catalog=CATALOG)
    assert not store.slots_for([*BANDS, 500_000])


@pytest.mark.parametrize(
    "kw",
    [
        {"by": "day"},
        {"by": "model"},
        {"by": "tier"},
        {"by": "week"},
        {"by": "month"},
        {"by": "day", "tz": "Asia/Kathmandu"},  # +05:45: still on the 15-minute grid
        {"by": "day", "tz": "America/St_Johns", "since": date(2026, 11, 2), "until": date(2026, 11, 2)},
        {"by": "project"},
        {"by": "session"},  # these read the rows (they need a row's key)
        {"by": "model", "model": "claude-sonnet-4-5"},
    ],
)
def test_reports_from_slots_equal_reports_from_rows(tmp_path, store, monkeypatch, kw):
    a = write(
        tmp_path / "projects/p/a.jsonl",
        [
            line(
                i,
                read=250_000 if i % 3 == 0 else 1000,
                model="claude-sonnet-4-5-20250929" if i % 2 else "claude-haiku-4-5-20251001",
            )
            for i in range(120)
        ],
    )
    import_paths(store, [a], catalog=CATALOG)
    on_rows = kw["by"] in ("project", "session")
    sql, _ = store.usage_sums_sql(BANDS, ledger.DAY_MS, key="session" if on_rows else None)
    assert ("FROM slots" in sql) is not on_rows
    fast, slow = ledger.summarize(store, CATALOG, **kw), from_rows(store, monkeypatch, **kw)
    assert [r.to_json() for r in fast.rows] == [r.to_json() for r in slow.rows]
    assert fast.totals.to_json() == slow.totals.to_json()
    assert fast.totals.requests > 0


def test_what_if_from_slots_equals_from_rows(tmp_path, store, monkeypatch):
    from decimal import Decimal

    a = write(tmp_path / "projects/p/a.jsonl", [line(i, read=250_000 if i % 3 == 0 else 5000) for i in range(50)])
    import_paths(store, [a], catalog=CATALOG)
    fast = ledger.what_if(store, CATALOG, batch_share=Decimal("0.5"), cache_hit_rate=Decimal("0.8"))
    with monkeypatch.context() as m:
        m.setattr(Store, "slots_for", lambda self, thresholds: False)
        slow = ledger.what_if(store, CATALOG, batch_share=Decimal("0.5"), cache_hit_rate=Decimal("0.8"))
    assert [r.to_json() for r in fast] == [r.to_json() for r in slow] and fast


@pytest.mark.parametrize("workers", [1, 2])
def test_one_import_of_many_files_with_losing_copies(tmp_path, store, monkeypatch, workers):
    """Files whose rows all go in add their workers' sums; a file some of whose copies lose to
    stored ones has only its stored rows summed (by SQL over their ids)."""
    monkeypatch.setattr("planner.ingest.pipeline.POOL_MIN_BYTES", 0)
    proj = tmp_path / "projects" / "p"
    for n in range(12):
        lines = [line(i, read=250_000 if i % 5 == 0 else 0) for i in range(n * 30, n * 30 + 30)]
        if n % 3 == 2:  # smaller copies of requests in the file before: they lose, and are not summed
            lines += [line(i, out=1) for i in range((n - 1) * 30, (n - 1) * 30 + 10)]
        write(proj / f"f{n:02d}.jsonl", lines)
    summary = import_paths(store, [tmp_path / "projects"], catalog=CATALOG, workers=workers)
    assert summary.new == 360 and summary.duplicate == 40
    check(store)
    assert sum(s[3] for s in slots(store)) == 360


def test_the_samples_slots_equal_their_rows(store):
    from planner.ingest import import_samples

    import_samples(store, CATALOG)
    check(store)
    # rows of every shape: report buckets (bucket_s), and rows with a workspace (19 values)
    assert store.conn.execute("SELECT count(*) FROM usage WHERE bucket_s > 0").fetchone()[0] > 0
    assert store.conn.execute("SELECT count(*) FROM usage WHERE workspace IS NOT NULL").fetchone()[0] > 0


def test_ids_not_given_in_order_fall_back_to_summing_the_transaction(tmp_path, store, monkeypatch):
    original = ImportWriter._slots_added

    def miscount(self, parsed, rows, new):
        original(self, parsed, rows, new)
        self._max_id += 1  # as if another writer had taken an id

    monkeypatch.setattr(ImportWriter, "_slots_added", miscount)
    a = write(tmp_path / "projects/p/a.jsonl", [line(i) for i in range(30)])
    b = write(tmp_path / "projects/p/b.jsonl", [line(i) for i in range(30, 40)] + [line(i, out=1) for i in range(5)])
    import_paths(store, [a, b], catalog=CATALOG)  # b's rows partly go in: summed by id range
    check(store)
    assert sum(s[3] for s in slots(store)) == 40
