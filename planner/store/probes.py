"""The `probe_snapshots` table's statements: one row per probe (time, endpoint host, model, group,
status, parsed limits as JSON, retry-after, inferred tier, the probe's own cost). Never the key.

`planner.probe.history` turns probe results into these rows and back. The table is part of the
schema (migration 3); `ensure_table` creates it on a bare `sqlite3.Connection` that is no store.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from planner.store.migrations import PROBE_SNAPSHOTS_DDL, run_script

# The columns a snapshot is written with, in order (id is given by SQLite).
SNAPSHOT_COLUMNS = (
    "observed_ms",
    "host",
    "endpoint",
    "model",
    "grp",
    "status",
    "http_status",
    "request_id",
    "limits_json",
    "retry_after_s",
    "tier",
    "cost_usd",
    "warnings_json",
)
_SELECT = f"SELECT id, {', '.join(SNAPSHOT_COLUMNS)} FROM probe_snapshots"
_INSERT = (
    f"INSERT INTO probe_snapshots({', '.join(SNAPSHOT_COLUMNS)}) VALUES ({', '.join('?' * len(SNAPSHOT_COLUMNS))})"
)


def ensure_table(conn: sqlite3.Connection) -> None:
    """Create the table on a connection that is not a migrated store (a no-op on one)."""
    run_script(conn, PROBE_SNAPSHOTS_DDL)


def insert(conn: sqlite3.Connection, values: tuple) -> int:
    """Write one snapshot (SNAPSHOT_COLUMNS order) in its own transaction; returns its id."""
    with conn:
        cur = conn.execute(_INSERT, values)
    return int(cur.lastrowid or 0)


def select(
    conn: sqlite3.Connection,
    group: str | None = None,
    limit: int | None = None,
    *,
    endpoint: str | None = None,
    since: datetime | None = None,
) -> list[tuple]:
    """Stored snapshots (id, then SNAPSHOT_COLUMNS), newest first; optionally one group's, one
    endpoint's, since a time."""
    where: list[str] = []
    args: list[str | int] = []
    if group is not None:
        where.append("grp = ?")
        args.append(group)
    if endpoint is not None:
        where.append("endpoint = ?")
        args.append(endpoint)
    if since is not None:
        where.append("observed_ms >= ?")
        args.append(int(since.timestamp() * 1000))
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY observed_ms DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(int(limit))
    return conn.execute(sql, args).fetchall()


def select_with_limits(conn: sqlite3.Connection, since_ms: int) -> list[tuple]:
    """Messages probes that carried limits (status ok or rate_limited, some group) since a time,
    newest first: where the latest live limits per group come from."""
    return conn.execute(
        f"{_SELECT} WHERE endpoint = 'messages' AND grp IS NOT NULL "
        "AND status IN ('ok', 'rate_limited') AND limits_json != '{}' AND observed_ms >= ? "
        "ORDER BY observed_ms DESC, id DESC",
        (since_ms,),
    ).fetchall()
