"""Probe snapshots in the database: one row per probe (time, endpoint host, model, group, status,
parsed limits as JSON, retry-after, inferred tier, the probe's own cost). Never the key.

This module owns the `probe_snapshots` table and creates it on first use, so it works on a
`planner.store.Store` (anything with `.conn`) or a bare `sqlite3.Connection`. Each save is its own
transaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from planner.probe.headers import DimensionLimit

SCHEMA = """
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
_COLUMNS = (
    "id, observed_ms, host, endpoint, model, grp, status, http_status, request_id, limits_json, "
    "retry_after_s, tier, cost_usd, warnings_json"
)


@dataclass
class SnapshotRow:
    """A stored probe. `.limits` has the HeaderSnapshot shape, so `live_dims(row.limits)` works on
    it directly."""

    id: int
    observed_at: datetime
    host: str
    endpoint: str
    model: str
    group: str | None
    status: str
    http_status: int | None
    request_id: str | None
    limits: dict[str, DimensionLimit] = field(default_factory=dict)
    retry_after_s: float | None = None
    tier: str | None = None
    cost_usd: Decimal | None = None
    warnings: list[str] = field(default_factory=list)


def _conn(store_or_conn: Any) -> sqlite3.Connection:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    if not isinstance(conn, sqlite3.Connection):
        raise TypeError("expected a Store (with .conn) or a sqlite3.Connection")
    return conn


def ensure_schema(store_or_conn: Any) -> sqlite3.Connection:
    conn = _conn(store_or_conn)
    # statement by statement: executescript() would commit a transaction the caller has open
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    return conn


def _limits_json(limits: dict[str, DimensionLimit]) -> str:
    return json.dumps({k: {**v.to_json(), "rounded": v.rounded} for k, v in limits.items()}, sort_keys=True)


def _limits_from_json(text: str) -> dict[str, DimensionLimit]:
    out = {}
    for k, v in json.loads(text or "{}").items():
        reset = datetime.fromisoformat(v["reset"].replace("Z", "+00:00")) if v.get("reset") else None
        out[k] = DimensionLimit(v.get("limit"), v.get("remaining"), reset, bool(v.get("rounded")))
    return out


def save_snapshot(store: Any, result: Any, host: str | None = None) -> int:
    """Store one ProbeResult (its own transaction); returns the row id."""
    conn = ensure_schema(store)
    at = result.observed_at
    row = (
        int(at.timestamp() * 1000),
        host or getattr(result, "host", "") or "",
        getattr(result, "endpoint", "messages"),
        result.model,
        result.group,
        result.status,
        result.http_status,
        result.request_id,
        _limits_json(result.snapshot.limits if result.snapshot is not None else {}),
        result.retry_after_s,
        result.tier,
        None if result.cost_usd is None else str(result.cost_usd),
        json.dumps(list(result.warnings)),
    )
    with conn:
        cur = conn.execute(
            f"INSERT INTO probe_snapshots({_COLUMNS.split(', ', 1)[1]}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row
        )
    return int(cur.lastrowid)


def _row(r: tuple) -> SnapshotRow:
    return SnapshotRow(
        id=r[0],
        observed_at=datetime.fromtimestamp(r[1] / 1000, UTC),
        host=r[2],
        endpoint=r[3],
        model=r[4],
        group=r[5],
        status=r[6],
        http_status=r[7],
        request_id=r[8],
        limits=_limits_from_json(r[9]),
        retry_after_s=r[10],
        tier=r[11],
        cost_usd=None if r[12] is None else Decimal(r[12]),
        warnings=json.loads(r[13] or "[]"),
    )


def snapshots(
    store: Any,
    group: str | None = None,
    limit: int | None = None,
    *,
    endpoint: str | None = None,
    since: datetime | None = None,
) -> list[SnapshotRow]:
    """Stored probes, newest first; optionally one group's, one endpoint's, since a time."""
    conn = ensure_schema(store)
    where, args = [], []
    if group is not None:
        where.append("grp = ?")
        args.append(group)
    if endpoint is not None:
        where.append("endpoint = ?")
        args.append(endpoint)
    if since is not None:
        where.append("observed_ms >= ?")
        args.append(int(since.timestamp() * 1000))
    sql = f"SELECT {_COLUMNS} FROM probe_snapshots"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY observed_ms DESC, id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(int(limit))
    return [_row(r) for r in conn.execute(sql, args)]


# header dimension -> the rate-limit dimension it limits (tokens/min in+out has no counterpart)
_HEADER_DIMS = {"requests": "rpm", "input_tokens": "itpm", "output_tokens": "otpm"}


def live_dims(limits: dict[str, DimensionLimit]) -> dict[str, int | None]:
    """{"rpm","itpm","otpm": limit | None} from a probe's parsed limits (a HeaderSnapshot's or a
    SnapshotRow's `.limits`); a header the response did not carry stays None (unknown)."""
    return {dim: getattr(limits.get(key), "limit", None) for key, dim in _HEADER_DIMS.items()}


def latest_live_limits(store_or_conn: Any, max_age_s: float = 3600, *, now: datetime | None = None) -> dict:
    """{group: {"rpm","itpm","otpm": int | None}} from each group's latest Messages probe that
    carried limits (status ok or rate_limited) within `max_age_s`; groups without one are absent."""
    now = now or datetime.now(UTC)
    conn = ensure_schema(store_or_conn)
    cutoff = int((now.timestamp() - max_age_s) * 1000)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM probe_snapshots WHERE endpoint = 'messages' AND grp IS NOT NULL "
        "AND status IN ('ok', 'rate_limited') AND limits_json != '{}' AND observed_ms >= ? "
        "ORDER BY observed_ms DESC, id DESC",
        (cutoff,),
    ).fetchall()
    out: dict[str, dict] = {}
    for r in rows:
        row = _row(r)
        if row.group in out:
            continue
        values = live_dims(row.limits)
        if any(v is not None for v in values.values()):
            out[row.group] = values
    return out
