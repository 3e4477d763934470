"""Application JSONL: Messages API responses, or an app's own records with model, usage and a time.

Response objects carry no time of their own, so a line needs a timestamp key (`timestamp`, `ts`,
`created_at`, `time`: ISO or epoch s/ms) or `options["default_ts"]` (the CLI's `--timestamp`).
OpenAI-style usage (`prompt_tokens`, cached tokens included in them) is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from planner.usage import dedup, reading, timestamps, wire
from planner.usage.reading import Resolver
from planner.usage.records import LineProblem, ParseResult, UsageRecord, skip

FORMAT = "messages"
NO_TIMESTAMP = "no timestamp; pass --timestamp"
SKIP_NO_USAGE = "no usage object (not a response)"
SKIP_ERROR = "API error response (nothing billed)"
SKIP_DUPLICATE = "repeated response id (kept the largest copy)"


class Line(msgspec.Struct):
    id: str | None = None
    type: str | None = None
    model: str | None = None
    usage: wire.WireUsage | None = None
    timestamp: Any = None
    ts: Any = None
    created_at: Any = None
    time: Any = None
    project: str | None = None
    session: str | None = None
    workspace_id: str | None = None
    api_key_id: str | None = None


_decode = msgspec.json.Decoder(Line).decode


def default_ts_ms(options: Mapping[str, Any]) -> int | None:
    """options["default_ts"] (datetime, ISO text or epoch) as epoch ms; None when not given."""
    v = options.get("default_ts")
    if v is None:
        return None
    if isinstance(v, datetime):
        return timestamps.iso_ms(v.isoformat()) if v.tzinfo else timestamps.to_ms(v.isoformat())
    return timestamps.to_ms(v)


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    path = Path(path)
    src = str(path)
    result, data, first_line = reading.begin(path, start_offset, options)
    fallback_ms = default_ts_ms(options)
    lookup = reading.cached_resolver(resolve)
    records: list[UsageRecord] = []
    for line_no, d in reading.decoded_lines(data, first_line, _decode, result, src):
        if d.type == "error":
            skip(result, SKIP_ERROR)
            continue
        if d.usage is None:
            skip(result, SKIP_NO_USAGE)
            continue
        if not d.model:
            result.problems.append(LineProblem(src, line_no, "usage without a model"))
            continue
        stamp = next((v for v in (d.timestamp, d.ts, d.created_at, d.time) if v is not None), None)
        try:
            if stamp is not None:
                ts_ms = timestamps.to_ms(stamp)
            elif fallback_ms is not None:
                ts_ms = fallback_ms
            else:
                raise ValueError(NO_TIMESTAMP)
            rec = UsageRecord(
                ts_ms=ts_ms,
                model_raw=d.model,
                model=lookup(d.model),
                project=d.project,
                session=d.session,
                workspace=d.workspace_id,
                api_key_id=d.api_key_id,
                source=src,
                line=line_no,
                dedup_key=d.id or None,
                fmt=FORMAT,
            )
            wire.fill_usage(rec, d.usage)
        except ValueError as exc:
            result.problems.append(LineProblem(src, line_no, str(exc)))
            continue
        records.append(rec)
    return dedup.finish(result, records, SKIP_DUPLICATE)
