"""Claude Code session transcripts (JSONL): one record per billed API request.

Speed matters (trees reach gigabytes, mostly huge `user` lines with tool results), so lines are
not all decoded: a byte search finds the lines that carry a `"usage"` key, and only those are
decoded, with msgspec into structs that declare the few fields used (msgspec skips the rest).
A `"usage"` key cannot hide inside a JSON string (its quotes would be escaped), so the search
finds every assistant line. The cost: malformed lines WITHOUT a usage key (a broken `user` line)
are not reported; they carry nothing billable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec

from planner.usage import reading, timestamps, wire
from planner.usage.reading import Resolver
from planner.usage.records import LineProblem, ParseResult, UsageRecord, skip

FORMAT = "claude-code"
COMPACT = True  # honours options["compact"] (ParseResult.rows)
SKIP_SYNTHETIC = "<synthetic> model (no API request)"
SKIP_API_ERROR = "API error message (nothing billed)"
SKIP_DUPLICATE = "repeated line of the same request (kept the largest copy)"


class Line(msgspec.Struct, gc=False):
    type: str | None = None
    timestamp: str | None = None
    sessionId: str | None = None
    requestId: str | None = None
    isSidechain: bool | None = None
    isApiErrorMessage: bool | None = None
    message: wire.ApiMessage | None = None


_decode = msgspec.json.Decoder(Line).decode
_fast: ModuleType | None
try:  # the compiled scanner (see _ccscan.c); the reference below is used without it
    from planner.usage import _ccscan as _fast
except ImportError:  # not built (no C compiler at install): same results, about 3x the time
    _fast = None
if os.environ.get("PLANNER_PURE_PYTHON"):
    _fast = None
_RANK_LIMIT = 1 << 63
Lookup = Callable[[str], str | None]
_SIDECHAIN = 1 << 62  # ranks a sidechain copy below any main copy (token totals stay far below it)


def looks_like(head: bytes) -> bool:
    """Claude Code lines carry its session fields; used by detect on the first lines."""
    return b'"sessionId"' in head or b'"leafUuid"' in head or b'"file-history-snapshot"' in head


def project_of(path: Path | str) -> str | None:
    """The path segment after the last `projects/` that has a file below it."""
    parts = str(path).split(os.sep)
    for i in range(len(parts) - 3, -1, -1):
        if parts[i] == "projects":
            return parts[i + 1]
    return None


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    src = str(path)  # string path operations: this runs for each of ten thousand files
    result, data, first_line = reading.begin(src, start_offset, options, count_lines=False)
    if not first_line:  # a binary file: one file-level problem, nothing to read
        return result

    lookup = reading.cached_resolver(resolve)
    project = project_of(src)
    parent, name = os.path.split(src)
    fallback_session = (
        os.path.splitext(name)[0]
        if os.path.basename(parent) != "subagents"
        else os.path.basename(os.path.dirname(parent))
    )
    if _fast is not None:
        rows, keyless = _scan_fast(data, first_line, result, src, project, fallback_session, lookup)
    else:
        rows, keyless = _scan(data, first_line, result, src, project, fallback_session, lookup)
    for n, d in keyless:
        row = _row(d, None, n, src, project, fallback_session, lookup, result.problems)
        if row is not None:
            rows.append(row)
    result.rows = rows
    if not options.get("compact"):
        result.records = [UsageRecord(*row) for row in rows]
        result.rows = []
    result.problems.sort(key=lambda p: p.line)
    return result


def _candidate(d: Line, result: ParseResult, keyless: list[tuple[int, Line]], line_no: int) -> tuple[str, int] | None:
    """A decoded line's dedup key and rank if it is a billed request with a message.id; else None
    (not a request, skipped and counted, or kept in `keyless` to be stored as it is)."""
    m = d.message
    if d.type != "assistant" or m is None or m.usage is None:
        return None  # e.g. a user line whose tool result reports a sub-agent's usage
    if m.model == "<synthetic>":
        skip(result, SKIP_SYNTHETIC)
        return None
    if d.isApiErrorMessage:
        skip(result, SKIP_API_ERROR)
        return None
    if not m.id:
        keyless.append((line_no, d))
        return None
    u = m.usage
    # dedup.rank's order (non-sidechain first, then the largest total) as one int, on the raw counts
    rank = (
        (u.input_tokens or 0)
        + (u.output_tokens or 0)
        + (u.cache_creation_input_tokens or 0)
        + (u.cache_read_input_tokens or 0)
    ) - (_SIDECHAIN if d.isSidechain else 0)
    if not -_RANK_LIMIT <= rank < _RANK_LIMIT:  # absurd counts: a rank is a 64-bit int (as in _ccscan)
        rank = _RANK_LIMIT - 1 if rank > 0 else -_RANK_LIMIT
    return (f"{m.id}:{d.requestId}" if d.requestId else m.id), rank


def _scan(
    data: bytes,
    first_line: int,
    result: ParseResult,
    src: str,
    project: str | None,
    fallback_session: str,
    lookup: Lookup,
) -> tuple[list[tuple], list[tuple[int, Line]]]:
    """The reference scan: (rows of the best copy of each request, keyless lines)."""
    # Streaming snapshots repeat most requests, so duplicates are collapsed on the decoded lines
    # (cheap) and only the winners are turned into records (timestamps, checks: the costly part).
    best: dict[str, tuple[int, int, Line]] = {}
    keyless: list[tuple[int, Line]] = []
    dropped = 0
    problems = result.problems
    find = data.find
    view = memoryview(data)  # lines are decoded from slices of it: no copy per line
    line_no, counted_to, line_end = first_line, 0, -1
    pos = find(b'"usage"')
    while pos != -1:
        if pos < line_end:  # a second "usage" key on a line already handled
            pos = find(b'"usage"', line_end)
            continue
        # Hop the newlines since the last line handled: they number this line and the last one
        # before `pos` starts it (runs once per assistant line, so inlined).
        start = counted_to
        nl = find(b"\n", start, pos)
        while nl != -1:
            line_no += 1
            start = nl + 1
            nl = find(b"\n", start, pos)
        counted_to = start
        line_end = find(b"\n", pos)
        if line_end == -1:
            line_end = len(data)
        pos = find(b'"usage"', line_end)
        try:
            d = _decode(view[start:line_end])
        except reading.DECODE_ERRORS as exc:
            problems.append(LineProblem(src, line_no, reading.decode_error(exc)))
            continue
        got = _candidate(d, result, keyless, line_no)
        if got is None:
            continue
        key, rank = got
        old = best.get(key)
        if old is None:
            best[key] = (rank, line_no, d)
        else:
            dropped += 1
            if rank > old[0]:
                best[key] = (rank, line_no, d)

    result.end_line = line_no - 1 + reading.newlines(data, counted_to, len(data))
    if dropped:
        skip(result, SKIP_DUPLICATE, dropped)
    rows = []
    for key, (_rank, n, d) in best.items():
        row = _row(d, key, n, src, project, fallback_session, lookup, problems)
        if row is not None:
            rows.append(row)
    return rows, keyless


def _scan_fast(
    data: bytes,
    first_line: int,
    result: ParseResult,
    src: str,
    project: str | None,
    fallback_session: str,
    lookup: Lookup,
) -> tuple[list[tuple], list[tuple[int, Line]]]:
    """The same scan by the compiled `_ccscan`, which hands every line it is unsure of, and every
    row that needs checking, to the reference code here (`slow`, `finish`)."""
    keyless: list[tuple[int, Line]] = []
    problems = result.problems
    view = memoryview(data)

    def slow(start: int, end: int, line_no: int) -> tuple[str, int] | None:
        try:
            d = _decode(view[start:end])
        except reading.DECODE_ERRORS as exc:
            problems.append(LineProblem(src, line_no, reading.decode_error(exc)))
            return None
        return _candidate(d, result, keyless, line_no)

    def finish(start: int, end: int, line_no: int, key: str) -> tuple | None:
        return _row(_decode(view[start:end]), key, line_no, src, project, fallback_session, lookup, problems)

    assert _fast is not None
    rows, newlines, synthetic, api_errors, dropped = _fast.scan(
        view, first_line, slow, finish, lookup, src, project, fallback_session
    )
    result.end_line = first_line - 1 + newlines
    for reason, n in ((SKIP_SYNTHETIC, synthetic), (SKIP_API_ERROR, api_errors), (SKIP_DUPLICATE, dropped)):
        if n:
            skip(result, reason, n)
    return rows, keyless


def _row(
    d: Line,
    key: str | None,
    line_no: int,
    src: str,
    project: str | None,
    fallback_session: str,
    lookup: Lookup,
    problems: list[LineProblem],
) -> tuple | None:
    """A winning line as a record tuple (see ParseResult.rows), or None if bad."""
    m = d.message
    assert m is not None and m.usage is not None, "only lines with a message and usage are rows (_candidate)"
    if not d.timestamp:
        problems.append(LineProblem(src, line_no, "no timestamp"))
        return None
    if not m.model:
        problems.append(LineProblem(src, line_no, "no message.model"))
        return None
    u = m.usage
    cc = u.cache_creation
    if cc is not None and (cc.ephemeral_5m_input_tokens is not None or cc.ephemeral_1h_input_tokens is not None):
        w5, w1 = cc.ephemeral_5m_input_tokens or 0, cc.ephemeral_1h_input_tokens or 0
    else:
        w5, w1 = u.cache_creation_input_tokens or 0, 0
    inp, rd, out = u.input_tokens or 0, u.cache_read_input_tokens or 0, u.output_tokens or 0
    ws = u.server_tool_use.web_search_requests or 0 if u.server_tool_use is not None else 0
    try:
        ts_ms = timestamps.iso_ms(d.timestamp)
        # the OR is in [0, MAX_TOKENS] only if all six are (a negative one makes it negative)
        if u.input_tokens is None or not 0 <= (inp | w5 | w1 | rd | out | ws) <= wire.MAX_TOKENS:
            # the unusual cases (bad counts, OpenAI-style fields) take the general, checking path
            rec = UsageRecord(ts_ms, m.model, lookup(m.model))
            wire.fill_usage(rec, u)
            inp, w5, w1, rd, out, ws = (
                rec.input_tokens,
                rec.cache_write_5m,
                rec.cache_write_1h,
                rec.cache_read,
                rec.output_tokens,
                rec.web_search_requests,
            )
    except ValueError as exc:
        problems.append(LineProblem(src, line_no, str(exc)))
        return None
    # The record layout (planner.usage.rows.RECORD_COLUMNS), as a literal: this runs once per
    # request of a gigabyte tree. The compiled scan builds the same tuple by column name, and
    # tests/test_ccscan.py holds the two equal, row for row and column by column.
    return (
        ts_ms,
        m.model,
        lookup(m.model),
        inp,
        w5,
        w1,
        rd,
        out,
        ws,
        1,
        u.service_tier or "standard",
        u.inference_geo,
        u.speed or "standard",
        project,
        d.sessionId or fallback_session,
        None,
        None,
        src,
        line_no,
        key,
        bool(d.isSidechain),
        "request",
        0,
        FORMAT,
        None,
    )
