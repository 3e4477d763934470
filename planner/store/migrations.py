"""The schema, as numbered migrations on `PRAGMA user_version` (as datasette and sqlite-migrate do).

`MIGRATIONS[n - 1]` takes a database from version n - 1 to n; `SCHEMA_VERSION` is their count. A new
database runs them all; an older one runs the ones it lacks; all in ONE transaction with the new
`user_version`, so a failed upgrade leaves the file as it was. A database whose version is above
`SCHEMA_VERSION` was written by a newer planner and is refused, untouched.

A migration, once released, never changes (databases out there ran it): a change to the schema is
a new function at the end. Each runs statement by statement (`executescript` would commit the
open transaction). The row layout the usage table follows is `planner.usage.rows` (a test checks
the table against it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from planner.errors import PlannerError

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` in the open transaction (executescript would COMMIT it)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {statement.strip()[:60]!r}")


def m001_initial(conn: sqlite3.Connection) -> None:
    """The usage store of the first release: rows, their price dimensions, files, problems, bills."""
    run_script(
        conn,
        """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE sources(
    id INTEGER PRIMARY KEY,          -- hash of the path
    path TEXT NOT NULL UNIQUE, fmt TEXT NOT NULL,
    dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER,
    offset INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0, head TEXT,
    records INTEGER NOT NULL DEFAULT 0, bad_lines INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0, last_import TEXT
);
-- What prices a record besides its counts, interned: a handful of rows for millions of records,
-- so aggregates group on one integer (dims.id is a hash of the five values).
CREATE TABLE dims(
    id INTEGER PRIMARY KEY, model_raw TEXT NOT NULL, model TEXT, tier TEXT NOT NULL, geo TEXT, speed TEXT NOT NULL
);
CREATE TABLE usage(
    id INTEGER PRIMARY KEY,          -- appended in import order (random keys would dirty every page)
    key INTEGER NOT NULL UNIQUE,     -- hash of the dedup key
    ts_ms INTEGER NOT NULL, dim INTEGER NOT NULL,
    input INTEGER NOT NULL, cw5 INTEGER NOT NULL, cw1h INTEGER NOT NULL, cread INTEGER NOT NULL,
    output INTEGER NOT NULL, web INTEGER NOT NULL, requests INTEGER NOT NULL,
    ptok INTEGER NOT NULL,           -- prompt size the long-context band is chosen on (per request;
                                     -- for report buckets, the floor their context_window implies)
    project TEXT, session TEXT, workspace TEXT, api_key TEXT,
    source_id INTEGER NOT NULL, line INTEGER NOT NULL,
    main INTEGER NOT NULL,           -- 1 unless a sidechain (sub-agent replay) copy
    bucket_s INTEGER NOT NULL        -- 0 for one request; the bucket width for report buckets
);
CREATE TABLE billed(
    key INTEGER PRIMARY KEY, day TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
    cost_type TEXT, model_raw TEXT, model TEXT, service_tier TEXT, token_type TEXT,
    workspace TEXT, description TEXT, source_id INTEGER NOT NULL, line INTEGER NOT NULL
);
CREATE TABLE problems(
    source_id INTEGER NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX problems_source ON problems(source_id);
""",
    )


def m002_slots(conn: sqlite3.Connection) -> None:
    """Usage summed per 15-minute slot, price dimension and long-context band (the number of the
    catalog's band thresholds a row's prompt is over): what reports and the dashboard's spend read
    instead of every row. Kept by the importer in the same transactions as the rows; meta
    'slot_bands' names the thresholds it was built with, and readers use it only when those are
    the catalog's (else they read usage)."""
    run_script(
        conn,
        """
CREATE TABLE slots(
    slot INTEGER NOT NULL, dim INTEGER NOT NULL, band INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, cw5 INTEGER NOT NULL, cw1h INTEGER NOT NULL,
    cread INTEGER NOT NULL, output INTEGER NOT NULL, web INTEGER NOT NULL,
    PRIMARY KEY (slot, dim, band)
) WITHOUT ROWID;
""",
    )


def m003_probe_snapshots(conn: sqlite3.Connection) -> None:
    """Probe snapshots join the schema. Releases up to schema 2 created this table outside the
    version, on first use (planner/probe/history.py), so a version-2 database may have it already:
    IF NOT EXISTS, once, here."""
    run_script(conn, PROBE_SNAPSHOTS_DDL)


# Also what `planner.store.probes.ensure_table` runs on a bare connection (tests, tools).
PROBE_SNAPSHOTS_DDL = """
CREATE TABLE IF NOT EXISTS probe_snapshots(
    id            INTEGER PRIMARY KEY,
    observed_ms   INTEGER NOT NULL,
    host          TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    model         TEXT NOT NULL,
    grp           TEXT,
    status        TEXT NOT NULL,
    http_status   INTEGER,
    request_id    TEXT,
    limits_json   TEXT NOT NULL,
    retry_after_s REAL,
    tier          TEXT,
    cost_usd      TEXT,
    warnings_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS probe_snapshots_grp ON probe_snapshots(grp, observed_ms);
"""


def m004_alert_state(conn: sqlite3.Connection) -> None:
    """Which budget and capacity alerts fired, and to which channels each was delivered
    (`planner.store.alerts`): what keeps `planner watch` from firing one crossing twice."""
    run_script(conn, ALERT_STATE_DDL)


# Also what `planner.store.alerts.ensure_schema` runs on a bare connection (tests, tools).
ALERT_STATE_DDL = """
CREATE TABLE IF NOT EXISTS alert_state(
    rule       TEXT NOT NULL,      -- 'budget:<name>' or 'capacity:<group>:<dimension>'
    kind       TEXT NOT NULL,      -- 'spent' | 'forecast' | 'live-share' | 'peak-share' | 'months-to-bind'
    level      TEXT NOT NULL,      -- the level crossed, canonical text ('0.8', '1', '3')
    period     TEXT NOT NULL,      -- '2026-11', '2026-11-01..2026-11-30', or a UTC day for capacity
    fired_ms   INTEGER NOT NULL,   -- when the crossing was first seen (claimed)
    status     TEXT NOT NULL,      -- 'fired', or 'superseded' (a higher level crossed in the same pass)
    body       TEXT NOT NULL,      -- the alert as sent (JSON), what a retry sends again
    PRIMARY KEY (rule, kind, level, period)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alert_delivery(
    rule       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    level      TEXT NOT NULL,
    period     TEXT NOT NULL,
    channel    TEXT NOT NULL,      -- 'webhook' | 'command' | 'desktop'
    attempts   INTEGER NOT NULL DEFAULT 0,
    delivered_ms INTEGER,          -- NULL until the channel accepted it
    last_error TEXT,
    next_ms    INTEGER NOT NULL DEFAULT 0,  -- not retried before this time (backoff between passes)
    PRIMARY KEY (rule, kind, level, period, channel)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[Migration, ...] = (m001_initial, m002_slots, m003_probe_snapshots, m004_alert_state)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def newer(path: Path, version: int, known: int) -> PlannerError:
    return PlannerError(
        f"{path}: this database was written by a newer planner (schema {version}; this one knows up to {known}): "
        "upgrade planner, or choose another database with --db or PLANNER_DB"
    )


def check_empty(conn: sqlite3.Connection, path: Path) -> None:
    """A version-0 database must be new (or hold only the probe snapshots an older release kept
    outside the version): one with other tables is another program's, and is refused untouched
    rather than given planner's tables."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    ]
    others = [n for n in names if n != "probe_snapshots"]
    if others:
        shown = ", ".join(others[:4]) + (f" and {len(others) - 4} more" if len(others) > 4 else "")
        raise PlannerError(
            f"{path}: not a planner database (an SQLite database of another program: tables {shown}); "
            "choose another with --db or PLANNER_DB (nothing was written to it)"
        )


def migrate(conn: sqlite3.Connection, path: Path, migrations: tuple[Migration, ...] | None = None) -> int:
    """Bring the database to the newest schema in one transaction; returns the version it had.

    Raises the `newer` error, having written nothing, when the database is ahead of the code."""
    steps = MIGRATIONS if migrations is None else migrations
    known = len(steps)
    version = user_version(conn)
    if version > known:
        raise newer(path, version, known)
    if version == known:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = user_version(conn)  # again under the write lock: another process may have upgraded it
        if version > known:
            raise newer(path, version, known)
        for step in steps[version:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {known}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return version
