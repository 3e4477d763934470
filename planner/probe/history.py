"""Probe snapshots in the database: one row per probe (time, endpoint host, model, group, status,
parsed limits as JSON, retry-after, inferred tier, the probe's own cost). Never the key.

The table and its SQL belong to the store (`planner.store.probes`); this module turns probe results
into rows and back. It works on a `planner.store.Store`, anything with a `.conn`, or a bare
`sqlite3.Connection` (on which the table is created on first use). Each save is its own
transaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from planner.probe.headers import DimensionLimit
from planner.store import probes
from planner.store.connection import Store


class _HasConn(Protocol):
    conn: sqlite3.Connection


# A planner.store.Store, anything else with a `.conn`, or a bare connection.
StoreLike = Store | _HasConn | sqlite3.Connection


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


def _conn(store_or_conn: StoreLike) -> sqlite3.Connection:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    if not isinstance(conn, sqlite3.Connection):
        raise TypeError("expected a Store (with .conn) or a sqlite3.Connection")
    return conn


def ensure_schema(store_or_conn: StoreLike) -> sqlite3.Connection:
    """The connection, with the table: a Store has it from its migrations; anything else gets it here."""
    conn = _conn(store_or_conn)
    if not isinstance(store_or_conn, Store):
        probes.ensure_table(conn)
    return conn


def _limits_json(limits: dict[str, DimensionLimit]) -> str:
    return json.dumps({k: {**v.to_json(), "rounded": v.rounded} for k, v in limits.items()}, sort_keys=True)


def _limits_from_json(text: str) -> dict[str, DimensionLimit]:
    out = {}
    for k, v in json.loads(text or "{}").items():
        reset = datetime.fromisoformat(v["reset"].replace("Z", "+00:00")) if v.get("reset") else None
        out[k] = DimensionLimit(v.get("limit"), v.get("remaining"), reset, bool(v.get("rounded")))
    return out


def save_snapshot(store: StoreLike, result: Any, host: str | None = None) -> int:
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
    return probes.insert(conn, row)


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
    store: StoreLike,
    group: str | None = None,
    limit: int | None = None,
    *,
    endpoint: str | None = None,
    since: datetime | None = None,
) -> list[SnapshotRow]:
    """Stored probes, newest first; optionally one group's, one endpoint's, since a time."""
    rows = probes.select(ensure_schema(store), group, limit, endpoint=endpoint, since=since)
    return [_row(r) for r in rows]


# header dimension -> the rate-limit dimension it limits (tokens/min in+out has no counterpart)
_HEADER_DIMS = {"requests": "rpm", "input_tokens": "itpm", "output_tokens": "otpm"}


def live_dims(limits: dict[str, DimensionLimit]) -> dict[str, int | None]:
    """{"rpm","itpm","otpm": limit | None} from a probe's parsed limits (a HeaderSnapshot's or a
    SnapshotRow's `.limits`); a header the response did not carry stays None (unknown)."""
    return {dim: getattr(limits.get(key), "limit", None) for key, dim in _HEADER_DIMS.items()}


def latest_live_limits(store_or_conn: StoreLike, max_age_s: float = 3600, *, now: datetime | None = None) -> dict:
    """{group: {"rpm","itpm","otpm": int | None}} from each group's latest Messages probe that
    carried limits (status ok or rate_limited) within `max_age_s`; groups without one are absent."""
    now = now or datetime.now(UTC)
    cutoff = int((now.timestamp() - max_age_s) * 1000)
    rows = probes.select_with_limits(ensure_schema(store_or_conn), cutoff)
    out: dict[str, dict] = {}
    for r in rows:
        row = _row(r)
        if row.group is None or row.group in out:  # (the query asks for grp IS NOT NULL)
            continue
        values = live_dims(row.limits)
        if any(v is not None for v in values.values()):
            out[row.group] = values
    return out
