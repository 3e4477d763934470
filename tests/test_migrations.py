"""The schema's numbered migrations: a new store runs them all; a store the release wrote (schema 2,
`fixtures/store_schema2.sql`) is upgraded in one transaction with its rows and figures intact; a
newer one is refused untouched; a failed upgrade leaves the file as it was."""

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from planner import ledger
from planner.catalog import Usage, load_catalog, price_usage
from planner.errors import PlannerError
from planner.ingest import import_paths
from planner.probe import history
from planner.store import SCHEMA_VERSION, Store, migrations
from planner.usage.rows import USAGE_COLUMNS

CATALOG = load_catalog()
FIXTURE = Path(__file__).parent / "fixtures" / "store_schema2.sql"
SONNET, HAIKU = "claude-sonnet-4-6", "claude-haiku-4-5"
# The fixture's request rows: (model, batch, input, cw5, cw1h, cread, output, web, prompt tokens)
REQUESTS = [
    (SONNET, False, 10, 200, 0, 3000, 100, 0, 3210),
    (SONNET, False, 150_000, 0, 1000, 60_000, 2000, 1, 211_000),
    (HAIKU, True, 500, 0, 0, 0, 50, 0, 500),
]


def release_store(path: Path, *, version: int = 2, probes: bool = True) -> Path:
    """A database as the release wrote it (WAL, like every store it opened)."""
    conn = sqlite3.connect(path)
    for statement in statements(FIXTURE.read_text()):
        code = "".join(line for line in statement.splitlines(keepends=True) if not line.startswith("--"))
        if probes or "probe_snapshots" not in code:  # a store that never saved a probe lacks the table
            conn.execute(statement)
    conn.commit()
    if version != 2:
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return path


def statements(sql: str) -> list[str]:
    out, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current)
            current = ""
    return out


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


def test_a_new_store_runs_every_migration(tmp_path):
    store = Store(tmp_path / "new.db")
    assert store.schema_version == SCHEMA_VERSION == len(migrations.MIGRATIONS)
    assert {"meta", "sources", "dims", "usage", "billed", "problems", "slots", "probe_snapshots"} <= tables(store.conn)
    store.close()


def test_the_usage_table_follows_the_row_layout(tmp_path):
    store = Store(tmp_path / "new.db")
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(usage)")]
    assert tuple(columns) == ("id", *USAGE_COLUMNS)
    store.close()


def test_the_releases_store_is_upgraded_with_rows_and_figures_intact(tmp_path):
    db = release_store(tmp_path / "old.db")
    before = sqlite3.connect(db)
    rows_before = {t: before.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables(before)}
    before.close()

    store = Store(db)
    assert store.schema_version == SCHEMA_VERSION
    for table, rows in rows_before.items():
        assert store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == rows, table

    # the figures: each request priced on its own (its band, batch), and the unknown model named, never $0
    led = ledger.summarize(store, CATALOG, by="model")
    expected = sum(
        price_usage(
            CATALOG,
            model,
            Usage(
                input_tokens=i,
                cache_write_5m=w5,
                cache_write_1h=w1,
                cache_read=r,
                output_tokens=o,
                web_search_requests=web,
                batch=batch,
            ),
            date(2026, 11, 1),
            prompt_tokens=ptok,
        ).total
        for model, batch, i, w5, w1, r, o, web, ptok in REQUESTS
    )
    assert led.totals.cost_usd == expected
    assert led.totals.input_tokens == sum(r[2] for r in REQUESTS) + 1000
    assert led.totals.output_tokens == sum(r[6] for r in REQUESTS) + 10
    assert led.unpriced_models == ["gpt-unknown"]
    assert store.slots_for(CATALOG.band_thresholds())  # the slots it kept are still read
    billed = {(r.day, r.model): r.billed_usd for r in ledger.reconcile(store, CATALOG)}
    assert billed[("2026-11-01", SONNET)] == Decimal("1.23")
    assert store.problems()[0].reason == "invalid JSON: truncated"

    snaps = history.snapshots(store)
    assert len(snaps) == 1 and snaps[0].limits["requests"].limit == 50
    # and it takes new imports as before
    log = tmp_path / "app.jsonl"
    log.write_text(
        json.dumps({"ts": "2026-11-04T10:00:00Z", "id": "m9", "model": SONNET, "usage": {"input_tokens": 7}}) + "\n"
    )
    assert import_paths(store, [log], catalog=CATALOG).new == 1
    assert ledger.summarize(store, CATALOG).totals.requests == 4
    store.close()


def test_a_release_store_without_probe_snapshots_gets_the_table(tmp_path):
    db = release_store(tmp_path / "old.db", probes=False)
    conn = sqlite3.connect(db)
    assert "probe_snapshots" not in tables(conn)
    conn.close()
    store = Store(db)
    assert "probe_snapshots" in tables(store.conn)
    assert history.snapshots(store) == []
    store.close()


def test_a_schema_1_store_gets_the_slots_table(tmp_path):
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    migrations.m001_initial(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.schema_version == SCHEMA_VERSION
    assert {"slots", "probe_snapshots"} <= tables(store.conn)
    store.close()


@pytest.mark.parametrize("readonly", [False, True])
def test_a_newer_store_is_refused_untouched(tmp_path, readonly):
    db = release_store(tmp_path / "new.db", version=SCHEMA_VERSION + 7)
    image = db.read_bytes()
    with pytest.raises(PlannerError) as err:
        Store(db, readonly=readonly)
    message = str(err.value)
    assert "\n" not in message and str(db) in message and "newer planner" in message
    assert f"schema {SCHEMA_VERSION + 7}" in message
    assert db.read_bytes() == image


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    db = release_store(tmp_path / "old.db")
    conn = sqlite3.connect(db)
    image = dump(conn)
    conn.close()

    def m004_breaks(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE budgets(id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, m004_breaks))
    with pytest.raises(PlannerError, match="simulated"):
        Store(db)
    conn = sqlite3.connect(db)
    assert dump(conn) == image
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    monkeypatch.undo()
    Store(db).close()  # without the broken step it upgrades, and nothing of the failed attempt is left
    conn = sqlite3.connect(db)
    assert "budgets" not in tables(conn)
    assert conn.execute("SELECT count(*) FROM meta WHERE key = 'half'").fetchone()[0] == 0
    conn.close()


def test_migrations_are_numbered_in_order():
    names = [m.__name__ for m in migrations.MIGRATIONS]
    assert names == sorted(names) and [int(n[1:4]) for n in names] == list(range(1, len(names) + 1))
