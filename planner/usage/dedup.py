"""Which copy of a repeated request is kept (within a file here; across files the store applies the
same order)."""

from __future__ import annotations

from planner.usage.records import ParseResult, UsageRecord, skip


def rank(rec: UsageRecord) -> tuple[bool, int]:
    """Which copy of a repeated request to keep: the non-sidechain one, then the largest total.

    Streaming snapshots come first with smaller output_tokens, so 'first wins' under-counts;
    a sub-agent replay of a main-thread message is the same request billed once. The store
    applies this same order across files.
    """
    return (not rec.sidechain, rec.total_tokens)


def collapse(records: list[UsageRecord]) -> tuple[list[UsageRecord], int]:
    """Collapse records sharing a dedup_key (keep the best by `rank`); returns (kept, dropped)."""
    seen: dict[str, int] = {}
    out: list[UsageRecord] = []
    dropped = 0
    for rec in records:
        key = rec.dedup_key
        if key is None:
            out.append(rec)
            continue
        i = seen.get(key)
        if i is None:
            seen[key] = len(out)
            out.append(rec)
            continue
        dropped += 1
        if rank(rec) > rank(out[i]):
            out[i] = rec
    return out, dropped


def finish(result: ParseResult, records: list[UsageRecord], duplicate_reason: str) -> ParseResult:
    result.problems.sort(key=lambda p: p.line)  # stable: file order, whatever pass found them
    result.records, dropped = collapse(records)
    if dropped:
        skip(result, duplicate_reason, dropped)
    return result
