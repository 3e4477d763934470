"""Message Batches results (JSONL from `GET /v1/messages/batches/{id}/results`).

Succeeded results are billed at batch prices (service_tier "batch"); errored, canceled and
expired ones cost nothing and are counted as skipped. Results carry no time: the records take
`options["default_ts"]` (`--timestamp`) or else the file's modification time, and say which.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from planner.usage import dedup, reading, wire
from planner.usage.messages_api import default_ts_ms
from planner.usage.reading import Resolver
from planner.usage.records import LineProblem, ParseResult, UsageRecord, skip

FORMAT = "batch"
SKIP_DUPLICATE = "repeated custom_id and message id (kept the largest copy)"
NOTE_MTIME = "timestamped with the file's modification time (batch results carry none; pass --timestamp)"


class Result(msgspec.Struct):
    type: str | None = None
    message: wire.ApiMessage | None = None


class Line(msgspec.Struct):
    custom_id: str | None = None
    result: Result | None = None


_decode = msgspec.json.Decoder(Line).decode


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    path = Path(path)
    src = str(path)
    result, data, first_line = reading.begin(path, start_offset, options)
    given_ms = default_ts_ms(options)
    from_mtime = given_ms is None
    if given_ms is not None:
        ts_ms = given_ms
    else:
        try:
            ts_ms = os.stat(path).st_mtime_ns // 1_000_000
        except FileNotFoundError:
            raise reading.SourceVanished(f"{path}: file vanished while reading") from None
    lookup = reading.cached_resolver(resolve)
    records: list[UsageRecord] = []
    for line_no, d in reading.decoded_lines(data, first_line, _decode, result, src):
        r = d.result
        if r is None or not r.type:
            result.problems.append(LineProblem(src, line_no, "no result.type (not a batch result)"))
            continue
        if r.type != "succeeded":
            skip(result, f"{r.type} result (no charge)")
            continue
        m = r.message
        if m is None or m.usage is None or not m.model:
            result.problems.append(LineProblem(src, line_no, "succeeded result without message model and usage"))
            continue
        try:
            rec = UsageRecord(
                ts_ms=ts_ms,
                model_raw=m.model,
                model=lookup(m.model),
                source=src,
                line=line_no,
                dedup_key=f"{d.custom_id}:{m.id}" if d.custom_id or m.id else None,
                fmt=FORMAT,
            )
            wire.fill_usage(rec, m.usage)
        except ValueError as exc:
            result.problems.append(LineProblem(src, line_no, str(exc)))
            continue
        rec.service_tier = "batch"  # billed at batch prices whatever the inner usage says
        records.append(rec)
    if from_mtime and records:
        skip(result, NOTE_MTIME, len(records))
    return dedup.finish(result, records, SKIP_DUPLICATE)
