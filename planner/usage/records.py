"""The plain record every importer produces and the store keeps.

One `UsageRecord` is one billed API request (kind "request") or one bucket of an aggregated
report (kind "bucket": Admin API usage reports, which carry tokens but no request count).
Token fields follow the API's `usage` object, with cache writes split by TTL.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from planner.usage.rows import RECORD_COLUMNS


@dataclass(slots=True)
class UsageRecord:
    ts_ms: int  # UTC, epoch milliseconds (bucket start for buckets)
    model_raw: str  # the model id exactly as logged
    model: str | None  # canonical catalog id, or None when the catalog does not know it
    input_tokens: int = 0  # uncached input after the last cache breakpoint
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output_tokens: int = 0
    web_search_requests: int = 0
    requests: int = 1  # 1 for a request; 0 for a bucket (requests unknown)
    service_tier: str = "standard"  # standard | batch | priority
    geo: str | None = None  # inference_geo: "global", "us", None when not logged
    speed: str = "standard"  # standard | fast
    project: str | None = None
    session: str | None = None
    workspace: str | None = None
    api_key_id: str | None = None
    source: str = ""  # the file it came from
    line: int = 0  # 1-based line number in that file (0 for whole-file formats)
    dedup_key: str | None = None  # None: never deduplicated
    sidechain: bool = False
    kind: str = "request"  # "request" | "bucket"
    bucket_seconds: int = 0  # width of a bucket: 60, 3600 or 86400
    fmt: str = ""  # the importer that produced it
    context_window: str | None = None  # usage-report buckets: "0-200k" | "200k-1M" (long-context band)

    @property
    def ts(self) -> datetime:
        return datetime.fromtimestamp(self.ts_ms / 1000, tz=UTC)

    @property
    def prompt_tokens(self) -> int:
        """Input + cache writes + cache reads: what long-context bands are chosen on."""
        return self.input_tokens + self.cache_write_5m + self.cache_write_1h + self.cache_read

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.output_tokens


# A record tuple is a UsageRecord's fields in order (`UsageRecord(*row)`): the layout is planner.usage.rows.
assert tuple(f.name for f in fields(UsageRecord)) == RECORD_COLUMNS, "UsageRecord and usage.rows.RECORD differ"


@dataclass(slots=True)
class BilledCost:
    """One row of an Admin API cost report: what Anthropic billed (for reconciliation)."""

    day: str  # YYYY-MM-DD (UTC bucket start)
    amount_usd: str  # exact decimal string in dollars (the report gives cents)
    currency: str = "USD"
    cost_type: str | None = None
    model_raw: str | None = None
    model: str | None = None
    service_tier: str | None = None
    token_type: str | None = None
    workspace: str | None = None
    description: str | None = None
    source: str = ""
    line: int = 0


@dataclass(slots=True)
class LineProblem:
    """A line an importer could not use: reported by file and line, never dropped silently."""

    source: str
    line: int
    reason: str
    kind: str = "bad"  # "bad" (malformed) | "skipped" (valid but not billable, with reason)


@dataclass
class ParseResult:
    records: list[UsageRecord] = field(default_factory=list)
    # With options["compact"] a parser that supports it (module attribute COMPACT = True) fills
    # `rows` instead of `records`: each a plain tuple in the record layout of planner.usage.rows
    # (a UsageRecord's fields in their order: `UsageRecord(*row)` rebuilds it). The store's fast path: building 350K dataclasses and then
    # reading them back costs more than parsing the gigabyte of JSON they come from.
    rows: list[tuple] = field(default_factory=list)
    billed: list[BilledCost] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    bytes_read: int = 0
    head: bytes | None = None  # the file's first bytes (up to 8 KiB) when it was read from offset 0
    end_offset: int = 0  # offset after the last complete line consumed
    end_line: int = 0  # lines before end_offset (the next incremental read's options["start_line"])


def skip(result: ParseResult, reason: str, n: int = 1) -> None:
    """Count `n` lines skipped for `reason` (valid, but nothing billable)."""
    result.skipped[reason] = result.skipped.get(reason, 0) + n
