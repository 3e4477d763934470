"""Admin API usage reports (`/v1/organizations/usage_report/messages`): token buckets, no requests.

Each result becomes a kind="bucket" record (requests=0: the report does not count requests, so
RPM cannot come from it). Dimensions are null unless the report was grouped by them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.usage import dedup, reading, reports, timestamps
from planner.usage.reading import Resolver
from planner.usage.records import LineProblem, ParseResult, UsageRecord

FORMAT = "usage-report"
UNGROUPED_MODEL = "unknown (not grouped by model)"
SKIP_DUPLICATE = "repeated bucket (same start and dimensions; kept the largest)"
DIMENSIONS = ("model", "service_tier", "context_window", "workspace_id", "api_key_id", "inference_geo", "speed")


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    # A report is one JSON document: always read whole (start_offset is ignored; dedup keys make
    # a re-read harmless).
    path = Path(path)
    src = str(path)
    result = ParseResult()
    lookup = reading.cached_resolver(resolve)
    records: list[UsageRecord] = []
    for line_no, where, bucket, item in reports.buckets(path, result):
        try:
            start = timestamps.to_ms(bucket["starting_at"])
            end = timestamps.to_ms(bucket["ending_at"]) if bucket.get("ending_at") else None
            dims = {k: reports.str_field(item, k, where) for k in DIMENSIONS}
            cc = item.get("cache_creation") or {}
            stu = item.get("server_tool_use") or {}
            if not isinstance(cc, dict) or not isinstance(stu, dict):
                raise ValueError(f"{where}: cache_creation/server_tool_use is not an object")
            model_raw = dims["model"] or UNGROUPED_MODEL
            rec = UsageRecord(
                ts_ms=start,
                model_raw=model_raw,
                model=lookup(dims["model"]) if dims["model"] else None,
                input_tokens=reports.int_field(item, "uncached_input_tokens", where),
                cache_write_5m=reports.int_field(cc, "ephemeral_5m_input_tokens", where + ".cache_creation"),
                cache_write_1h=reports.int_field(cc, "ephemeral_1h_input_tokens", where + ".cache_creation"),
                cache_read=reports.int_field(item, "cache_read_input_tokens", where),
                output_tokens=reports.int_field(item, "output_tokens", where),
                web_search_requests=reports.int_field(stu, "web_search_requests", where + ".server_tool_use"),
                requests=0,
                service_tier=dims["service_tier"] or "standard",
                geo=dims["inference_geo"],
                speed=dims["speed"] or "standard",
                workspace=dims["workspace_id"],
                api_key_id=dims["api_key_id"],
                context_window=dims["context_window"],
                source=src,
                line=line_no,
                kind="bucket",
                bucket_seconds=(end - start) // 1000 if end else 0,
                fmt=FORMAT,
                dedup_key="usage:" + bucket["starting_at"] + ":" + ":".join(str(dims[k] or "") for k in DIMENSIONS),
            )
            if end is not None and end <= start:
                raise ValueError(f"{where}: ending_at is not after starting_at")
        except ValueError as exc:
            result.problems.append(LineProblem(src, line_no, str(exc)))
            continue
        records.append(rec)
    return dedup.finish(result, records, SKIP_DUPLICATE)
