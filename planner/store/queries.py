"""Reads of the usage store: sources, problems, spans, per-minute and per-group sums, dims, bills.

Mixed into `planner.store.Store`; every statement here reads (the writes are in `writer`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from planner.usage.records import BilledCost, LineProblem

# dims.id -> (model_raw, model, tier, geo, speed)
Dims = dict[int, tuple[str, str | None, str, str | None, str]]


@dataclass
class SourceInfo:
    path: str
    fmt: str
    records: int
    bad_lines: int
    skipped: int
    last_import: str | None
    size: int | None


@dataclass(slots=True)
class MinuteRow:
    minute_ms: int
    model: str
    requests: int
    input_tokens: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    output_tokens: int
    bucket_seconds: int

    def __iter__(self) -> Iterator[int | str]:
        """Unpacks like the tuple form planner.projection.demand also accepts."""
        return iter(
            (
                self.minute_ms,
                self.model,
                self.requests,
                self.input_tokens,
                self.cache_write_5m,
                self.cache_write_1h,
                self.cache_read,
                self.output_tokens,
                self.bucket_seconds,
            )
        )


def span_sql(since_ms: int | None, until_ms: int | None) -> tuple[str, list[int]]:
    """(" AND ts_ms >= ? AND ts_ms < ?", args) for the bounds that are set: [since, until)."""
    where, args = "", []
    if since_ms is not None:
        where += " AND ts_ms >= ?"
        args.append(since_ms)
    if until_ms is not None:
        where += " AND ts_ms < ?"
        args.append(until_ms)
    return where, args


class UsageReads:
    conn: sqlite3.Connection

    def is_empty(self) -> bool:
        sql = "SELECT NOT EXISTS(SELECT 1 FROM usage) AND NOT EXISTS(SELECT 1 FROM billed)"
        return bool(self.conn.execute(sql).fetchone()[0] == 1)

    def sources(self) -> list[SourceInfo]:
        rows = self.conn.execute(
            "SELECT path, fmt, records, bad_lines, skipped, last_import, size FROM sources ORDER BY path"
        ).fetchall()
        return [SourceInfo(*r) for r in rows]

    def import_state(self) -> dict[str, tuple]:
        """path -> (fmt, dev, ino, size, mtime_ns, offset, lines, head) of every imported file."""
        return {
            r[0]: r[1:]
            for r in self.conn.execute("SELECT path, fmt, dev, ino, size, mtime_ns, offset, lines, head FROM sources")
        }

    def problems(self, path: str | None = None, limit: int = 1000) -> list[LineProblem]:
        sql = (
            "SELECT s.path, p.line, p.reason, p.kind FROM problems p JOIN sources s ON s.id = p.source_id "
            + ("WHERE s.path = ? " if path else "")
            + "ORDER BY s.path, p.line LIMIT ?"
        )
        args = (path, limit) if path else (limit,)
        return [LineProblem(*r) for r in self.conn.execute(sql, args)]

    def span(self) -> tuple[int, int] | None:
        """(first, last) record time in ms, or None for an empty store."""
        row = self.conn.execute("SELECT min(ts_ms), max(ts_ms) FROM usage").fetchone()
        return None if row[0] is None else (row[0], row[1])

    def minute_series(self, since_ms: int | None = None, until_ms: int | None = None) -> list[MinuteRow]:
        """Per minute and model: request-level rows (batch traffic excluded: it does not count
        against Messages limits) and report buckets (bucket_seconds > 0, at their bucket start)."""
        where, args = span_sql(since_ms, until_ms)
        names = {i: model or raw for i, raw, model in self.conn.execute("SELECT id, model_raw, model FROM dims")}
        sql = (
            "SELECT (ts_ms / 60000) * 60000 AS m, dim, sum(requests), sum(input), sum(cw5), sum(cw1h), sum(cread), "
            "sum(output), bucket_s FROM usage "
            f"WHERE (bucket_s > 0 OR dim NOT IN (SELECT id FROM dims WHERE tier = 'batch')) {where} "
            "GROUP BY m, dim, bucket_s ORDER BY m"
        )
        out: dict[tuple, MinuteRow] = {}  # rows come sorted by minute; dict order keeps that
        for m, dim, *sums, bucket in self.conn.execute(sql, args):
            k = (m, names[dim], bucket)
            row = out.get(k)
            if row is None:
                out[k] = MinuteRow(m, k[1], sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], bucket)
            else:  # several dims of one model (geo, speed, tier) in one minute: one row per model
                row.requests += sums[0]
                row.input_tokens += sums[1]
                row.cache_write_5m += sums[2]
                row.cache_write_1h += sums[3]
                row.cache_read += sums[4]
                row.output_tokens += sums[5]
        return list(out.values())

    def _grouped_sql(self, group_of: dict[int, int], reads_dims: Iterable[int]) -> tuple[str, str, str]:
        """SQL for sums per caller-defined group of dims: (group expression, input tokens as the
        API counts them, the clause excluding batch traffic)."""
        case = "CASE dim " + " ".join(f"WHEN {int(d)} THEN {int(g)}" for d, g in group_of.items()) + " END"
        reads = ", ".join(str(int(d)) for d in reads_dims)
        tokens_in = (
            f"input + cw5 + cw1h + (CASE WHEN dim IN ({reads}) THEN cread ELSE 0 END)"
            if reads
            else "input + cw5 + cw1h"
        )
        batch = [str(d) for d, dim in self.dims().items() if dim[2] == "batch"]
        not_batch = f" AND dim NOT IN ({', '.join(batch)})" if batch else ""
        return case, tokens_in, not_batch

    def group_minutes(
        self,
        group_of: dict[int, int],
        reads_dims: Iterable[int],
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> tuple[list[tuple], list[tuple]]:
        """Sums per group and clock minute: request-level rows (g, minute, requests, input tokens,
        output tokens) ordered by group then minute, batch traffic excluded; and report-bucket rows
        (g, minute, bucket_s, input tokens, output tokens). `group_of` maps dims.id to a group
        number; cache reads count toward input for `reads_dims` only."""
        case, tokens_in, not_batch = self._grouped_sql(group_of, reads_dims)
        where, args = span_sql(since_ms, until_ms)
        requests = self.conn.execute(
            f"SELECT {case} AS g, ts_ms / 60000 AS m, sum(requests), sum({tokens_in}), sum(output) FROM usage "
            f"WHERE bucket_s = 0{not_batch}{where} GROUP BY g, m",
            args,
        ).fetchall()
        buckets = self.conn.execute(
            f"SELECT {case} AS g, ts_ms / 60000 AS m, bucket_s, sum({tokens_in}), sum(output) FROM usage "
            f"WHERE bucket_s > 0{where} GROUP BY g, m, bucket_s",
            args,
        ).fetchall()
        return requests, buckets

    def group_requests(
        self,
        group_of: dict[int, int],
        reads_dims: Iterable[int],
        minutes: Iterable[int],
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[tuple]:
        """The request-level rows (g, ts_ms, requests, input tokens, output tokens) of the given
        clock minutes (ts_ms // 60000), in time order, batch traffic excluded."""
        case, tokens_in, not_batch = self._grouped_sql(group_of, reads_dims)
        where, args = span_sql(since_ms, until_ms)
        return self.conn.execute(
            f"SELECT {case} AS g, ts_ms, requests, {tokens_in}, output FROM usage WHERE bucket_s = 0{not_batch}{where} "
            "AND ts_ms / 60000 IN (SELECT value FROM json_each(?)) ORDER BY ts_ms",
            [*args, json.dumps(sorted(minutes))],
        ).fetchall()

    def dims(self) -> Dims:
        """dims.id -> (model_raw, model, tier, geo, speed)."""
        return {
            r[0]: (r[1], r[2], r[3], r[4], r[5])
            for r in self.conn.execute("SELECT id, model_raw, model, tier, geo, speed FROM dims")
        }

    def billed_costs(self, since_ms: int | None = None, until_ms: int | None = None) -> list[BilledCost]:
        clauses, args = [], []
        if since_ms is not None:
            clauses.append("day >= ?")
            args.append(datetime.fromtimestamp(since_ms / 1000, UTC).date().isoformat())
        if until_ms is not None:
            clauses.append("day <= ?")
            args.append(datetime.fromtimestamp(until_ms / 1000, UTC).date().isoformat())
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (
            "SELECT b.day, b.amount, b.currency, b.cost_type, b.model_raw, b.model, b.service_tier, b.token_type, "
            f"b.workspace, b.description, s.path, b.line FROM billed b JOIN sources s ON s.id = b.source_id {where} "
            "ORDER BY b.day"
        )
        return [BilledCost(*r) for r in self.conn.execute(sql, args)]
