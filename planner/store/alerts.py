"""Which alerts fired, and to which channels each was delivered: two small tables in the store.

An alert is keyed by (rule, kind, level, period): `budget:team`, `spent`, `0.8`, `2026-11`. It is
*claimed* (inserted) before any channel sees it, in one transaction with one delivery row per
channel, so a restart, a second `watch --once` or two watchers at once never fire it again; a
delivery stays pending (with its attempts, last error and the earliest time to try again) until
its channel accepts it, so a failure is retried on the next pass and never dropped silently.
The one window left: a crash after a channel accepted an alert and before that was written
sends it once more on the next pass (at-least-once there, by choice: never lost).

The tables are part of the schema (migration 4, `planner.store.migrations`); `ensure_schema` also
creates them, statement by statement, on a bare connection that is no migrated store (tests,
tools). Every function takes a `sqlite3.Connection` (or anything with `.conn`, such as a Store).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planner.store.migrations import ALERT_STATE_DDL as SCHEMA

Key = tuple[str, str, str, str]  # (rule, kind, level, period)


def _conn(store_or_conn: Any) -> sqlite3.Connection:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    if not isinstance(conn, sqlite3.Connection):
        raise TypeError("expected a Store (with .conn) or a sqlite3.Connection")
    return conn


def ensure_schema(store_or_conn: Any) -> sqlite3.Connection:
    conn = _conn(store_or_conn)
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    return conn


def claim(
    store_or_conn: Any,
    key: Key,
    body: dict[str, Any],
    channels: Sequence[str],
    now_ms: int,
    *,
    status: str = "fired",
) -> bool:
    """Record a crossing and one pending delivery per channel. True if it is new (this caller
    fires it), False if it was claimed before (by this process or any other)."""
    conn = ensure_schema(store_or_conn)
    from planner.report import to_json

    with conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO alert_state(rule, kind, level, period, fired_ms, status, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, now_ms, status, to_json(body, indent=None)),
        )
        if cur.rowcount != 1:
            return False
        conn.executemany(
            "INSERT INTO alert_delivery(rule, kind, level, period, channel) VALUES (?, ?, ?, ?, ?)",
            [(*key, ch) for ch in channels],
        )
    return True


@dataclass(frozen=True)
class Pending:
    key: Key
    channel: str
    body: dict[str, Any]
    attempts: int
    last_error: str | None
    fired_ms: int


def pending(store_or_conn: Any, channels: Sequence[str] | None = None, now_ms: int | None = None) -> list[Pending]:
    """Deliveries not yet accepted, oldest first; only these channels, only those due at now_ms."""
    conn = ensure_schema(store_or_conn)
    sql = (
        "SELECT d.rule, d.kind, d.level, d.period, d.channel, s.body, d.attempts, d.last_error, s.fired_ms "
        "FROM alert_delivery d JOIN alert_state s USING (rule, kind, level, period) WHERE d.delivered_ms IS NULL"
    )
    args: list[Any] = []
    if channels is not None:
        sql += f" AND d.channel IN ({', '.join('?' * len(channels)) or 'NULL'})"
        args += list(channels)
    if now_ms is not None:
        sql += " AND d.next_ms <= ?"
        args.append(now_ms)
    sql += " ORDER BY s.fired_ms, d.rule, d.kind, d.level, d.channel"
    return [
        Pending((r[0], r[1], r[2], r[3]), r[4], json.loads(r[5], parse_float=Decimal), r[6], r[7], r[8])
        for r in conn.execute(sql, args)
    ]


def delivered(store_or_conn: Any, key: Key, channel: str, attempts: int, now_ms: int) -> None:
    conn = ensure_schema(store_or_conn)
    with conn:
        conn.execute(
            "UPDATE alert_delivery SET delivered_ms = ?, attempts = attempts + ?, last_error = NULL "
            "WHERE rule = ? AND kind = ? AND level = ? AND period = ? AND channel = ?",
            (now_ms, attempts, *key, channel),
        )


def failed(store_or_conn: Any, key: Key, channel: str, attempts: int, error: str, next_ms: int) -> int:
    """Record a failed delivery; returns the total attempts so far."""
    conn = ensure_schema(store_or_conn)
    with conn:
        conn.execute(
            "UPDATE alert_delivery SET attempts = attempts + ?, last_error = ?, next_ms = ? "
            "WHERE rule = ? AND kind = ? AND level = ? AND period = ? AND channel = ?",
            (attempts, error[:500], next_ms, *key, channel),
        )
        row = conn.execute(
            "SELECT attempts FROM alert_delivery WHERE rule = ? AND kind = ? AND level = ? AND period = ? AND channel = ?",
            (*key, channel),
        ).fetchone()
    return int(row[0]) if row else attempts


def fired(store_or_conn: Any, rule: str | None = None) -> list[tuple[Key, int, str]]:
    """(key, fired_ms, status) of every recorded crossing, newest first; optionally one rule's."""
    conn = ensure_schema(store_or_conn)
    sql = "SELECT rule, kind, level, period, fired_ms, status FROM alert_state"
    args: list[Any] = []
    if rule is not None:
        sql += " WHERE rule = ?"
        args.append(rule)
    sql += " ORDER BY fired_ms DESC, rule, kind, level"
    return [((r[0], r[1], r[2], r[3]), r[4], r[5]) for r in conn.execute(sql, args)]
