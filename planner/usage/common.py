"""Helpers every usage-log parser shares: timestamps, the `usage` object, counts, dedup, reading.

Kept free of Textual/Rich and of the store: parsers are pure (a file in, records out).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from planner.errors import PlannerError
from planner.usage.records import LineProblem, ParseResult, UsageRecord

# One request cannot carry more than this many tokens in one category (the largest context
# window is 1M; a billion means a corrupt or hand-edited line, not usage).
MAX_TOKENS = 10**9
BINARY_PROBE = 8192
INCOMPLETE_LAST_LINE = "incomplete last line (will be read when complete)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_HOURS: dict[str, int] = {}
_MINUTES: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM:" -> epoch ms (iso_ms)


class SourceVanished(PlannerError, FileNotFoundError):
    """The file disappeared (or became unreadable) while it was being read.

    A `PlannerError` for the CLI and a `FileNotFoundError` for callers that already catch that.
    """


# --- the Messages API `usage` object (also Claude Code's and batch results') -------------------


class CacheCreation(msgspec.Struct, gc=False):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class ServerToolUse(msgspec.Struct, gc=False):
    web_search_requests: int | None = None


class PromptDetails(msgspec.Struct, gc=False):
    cached_tokens: int | None = None


class Usage(msgspec.Struct, gc=False):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUse | None = None
    service_tier: str | None = None
    speed: str | None = None
    inference_geo: str | None = None
    # OpenAI-style usage, accepted by the application-log importer
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: PromptDetails | None = None


class ApiMessage(msgspec.Struct, gc=False):
    """The part of a Messages API response object an importer needs."""

    id: str | None = None
    model: str | None = None
    usage: Usage | None = None


def check_count(name: str, value: int | None) -> int:
    """A token or request count: None is 0 (the API omits empty fields); negative or absurd is bad."""
    if value is None:
        return 0
    if value < 0:
        raise ValueError(f"negative {name} ({value})")
    if value > MAX_TOKENS:
        raise ValueError(f"absurd {name} ({value} > {MAX_TOKENS:,} in one request)")
    return value


def fill_usage(rec: UsageRecord, u: Usage) -> UsageRecord:
    """Copy a `usage` object's counts and modifiers into `rec`; ValueError names a bad field."""
    cc = u.cache_creation
    if cc is not None and (cc.ephemeral_5m_input_tokens is not None or cc.ephemeral_1h_input_tokens is not None):
        # The TTL split replaces the total when present (1h writes cost 2x input, not 1.25x).
        rec.cache_write_5m = check_count("cache_creation.ephemeral_5m_input_tokens", cc.ephemeral_5m_input_tokens)
        rec.cache_write_1h = check_count("cache_creation.ephemeral_1h_input_tokens", cc.ephemeral_1h_input_tokens)
    else:
        # No split logged: the API's documented default TTL is 5 minutes (an assumption).
        rec.cache_write_5m = check_count("cache_creation_input_tokens", u.cache_creation_input_tokens)
    if u.input_tokens is None and u.prompt_tokens is not None:
        # OpenAI style: cached tokens are INCLUDED in prompt_tokens; split them out, never add twice.
        prompt = check_count("prompt_tokens", u.prompt_tokens)
        cached = check_count(
            "prompt_tokens_details.cached_tokens",
            u.prompt_tokens_details.cached_tokens if u.prompt_tokens_details else None,
        )
        if cached > prompt:
            raise ValueError(f"cached_tokens ({cached}) > prompt_tokens ({prompt})")
        rec.input_tokens = prompt - cached
        rec.cache_read = cached
        rec.output_tokens = check_count("completion_tokens", u.completion_tokens)
    else:
        rec.input_tokens = check_count("input_tokens", u.input_tokens)
        rec.cache_read = check_count("cache_read_input_tokens", u.cache_read_input_tokens)
        rec.output_tokens = check_count("output_tokens", u.output_tokens)
    if u.server_tool_use is not None:
        rec.web_search_requests = check_count("web_search_requests", u.server_tool_use.web_search_requests)
    if u.service_tier:
        rec.service_tier = u.service_tier
    if u.speed:
        rec.speed = u.speed
    if u.inference_geo:
        rec.geo = u.inference_geo
    return rec


# --- timestamps ------------------------------------------------------------------------------


def iso_ms(s: str) -> int:
    """ISO 8601 to epoch ms. The common `YYYY-MM-DDTHH:MM:SS.fffZ` form is parsed by hand with
    its minute cached (a million lines share some tens of thousands of minutes); anything else,
    and the first of each minute, via `_iso_ms`."""
    if len(s) == 24 and s[23] == "Z" and s[19] == ".":
        base = _MINUTES.get(s[:17])  # "YYYY-MM-DDTHH:MM:", checked when it was cached
        if base is not None:
            ss, frac = s[17:19], s[20:23]
            if ss.isdigit() and frac.isdigit() and ss < "61":
                return base + int(ss) * 1000 + int(frac)
    return _iso_ms(s)


def _iso_ms(s: str) -> int:
    n = len(s)
    if n >= 20 and s[-1] == "Z" and s[10] == "T" and s[13] == ":" and s[16] == ":":
        base = _HOURS.get(s[:13])
        if base is None:
            try:
                base = (datetime.fromisoformat(s[:13] + ":00:00+00:00") - _EPOCH) // _MS
            except ValueError as exc:
                raise ValueError(f"bad timestamp {s!r} ({exc})") from None
            _HOURS[s[:13]] = base
        mm, ss = s[14:16], s[17:19]
        if not (mm.isdigit() and ss.isdigit()) or int(mm) > 59 or int(ss) > 60:
            raise ValueError(f"bad timestamp {s!r}")
        if len(_MINUTES) < 1 << 20:
            _MINUTES[s[:17]] = base + int(mm) * 60000
        ms = 0
        if n > 20:
            frac = s[19:-1]
            if frac[0] not in ".," or not frac[1:].isdigit():
                raise ValueError(f"bad timestamp {s!r}")
            ms = int((frac[1:] + "00")[:3])
        return base + int(mm) * 60000 + int(ss) * 1000 + ms
    try:
        dt = datetime.fromisoformat(s.strip().replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        raise ValueError(f"bad timestamp {s!r}") from None
    if dt.tzinfo is None:  # naive: logs and exports here are UTC by convention
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _MS


def to_ms(value: object) -> int:
    """A timestamp as logged: ISO string, epoch seconds or epoch milliseconds (told apart by size)."""
    if isinstance(value, bool):
        raise ValueError(f"bad timestamp {value!r}")
    if isinstance(value, (int, float)):
        # Before 1973 in ms or after 5138 in seconds are both nonsense; 1e11 splits them.
        return int(value) if abs(value) >= 1e11 else int(value * 1000)
    if isinstance(value, str):
        v = value.strip()
        if v.replace(".", "", 1).isdigit():
            return to_ms(float(v))
        return iso_ms(v)
    raise ValueError(f"bad timestamp {value!r}")


# --- dedup -----------------------------------------------------------------------------------


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


def skip(result: ParseResult, reason: str, n: int = 1) -> None:
    result.skipped[reason] = result.skipped.get(reason, 0) + n


# --- reading ---------------------------------------------------------------------------------


def is_binary(head: bytes) -> bool:
    return b"\x00" in head[:BINARY_PROBE]


def read_from(path: Path, start_offset: int) -> bytes:
    """The bytes from start_offset to the end; a vanished file raises SourceVanished."""
    try:
        with open(path, "rb") as f:
            if start_offset:
                f.seek(start_offset)
            return f.read()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise SourceVanished(f"{path}: file vanished while reading ({exc.strerror})") from None


def binary_result(path: Path, start_offset: int) -> ParseResult:
    r = ParseResult(end_offset=start_offset, end_line=0)
    r.problems.append(LineProblem(str(path), 0, "binary file (NUL bytes in the first 8 KiB): not a usage log"))
    return r


def lines_before(path: Path, start_offset: int, options: dict | object) -> int:
    """Lines before start_offset: from options["start_line"] (the store remembers it), else counted."""
    given = getattr(options, "get", lambda _k: None)("start_line")
    if given is not None or not start_offset:
        return int(given or 0)
    n = 0
    with open(path, "rb") as f:
        left = start_offset
        while left > 0:
            chunk = f.read(min(left, 1 << 24))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def complete_part(data: bytes, path: Path, result: ParseResult, first_line: int) -> bytes:
    """The complete lines of data; a trailing partial line is left for the next read and noted."""
    cut = data.rfind(b"\n") + 1
    if cut < len(data) and data[cut:].strip():
        line = first_line + data.count(b"\n", 0, cut)
        result.problems.append(LineProblem(str(path), line, INCOMPLETE_LAST_LINE, kind="skipped"))
        skip(result, INCOMPLETE_LAST_LINE)
        return data[:cut]
    return data  # complete, or only trailing whitespace after the last newline: consume it all


def json_lines(data: bytes, first_line: int) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) for each non-blank line of data."""
    for i, line in enumerate(data.split(b"\n"), first_line):
        if line.strip():
            yield i, line


def decode_error(exc: Exception) -> str:
    """msgspec's message, with the JSON path of a wrong type, and a plain word for bad UTF-8."""
    msg = str(exc)
    if "utf-8" in msg.lower() or isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8: {msg}"
    if isinstance(exc, msgspec.ValidationError):
        return f"wrong JSON type: {msg}"
    return f"invalid JSON: {msg}"


Resolver = Callable[[str], "str | None"]


def cached_resolver(resolve: Resolver | None) -> Callable[[str], str | None]:
    """The catalog lookup, memoised per file: a tree repeats a handful of model ids millions of times."""
    memo: dict[str, str | None] = {}

    def lookup(raw: str) -> str | None:
        try:
            return memo[raw]
        except KeyError:
            memo[raw] = v = resolve(raw) if resolve else None
            return v

    return lookup


def file_size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        raise SourceVanished(f"{path}: file vanished while reading") from None


DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError)


def begin(path: Path | str, start_offset: int, options, *, count_lines: bool = True) -> tuple[ParseResult, bytes, int]:
    """Start a line-based parse: (result, the complete lines from start_offset, first line number).

    A binary file gives a result holding one file-level problem and no lines to read. With
    count_lines=False the caller sets result.end_line itself (it counts the lines as it goes).
    """
    data = read_from(path, start_offset)
    if start_offset == 0 and is_binary(data[:BINARY_PROBE]):
        return binary_result(path, start_offset), b"", 0
    first_line = lines_before(path, start_offset, options) + 1
    result = ParseResult(bytes_read=len(data), head=None if start_offset else data[:BINARY_PROBE])
    data = complete_part(data, path, result, first_line)
    result.end_offset = start_offset + len(data)
    if count_lines:
        result.end_line = first_line - 1 + data.count(b"\n")
    return result, data, first_line


def newlines(data: bytes, start: int, end: int) -> int:
    """Newlines in data[start:end], by memchr hops: faster than bytes.count on JSONL, whose lines
    are long (count compares byte by byte; find jumps to the next newline)."""
    n = 0
    find = data.find
    p = find(b"\n", start, end)
    while p != -1:
        n += 1
        p = find(b"\n", p + 1, end)
    return n


def finish(result: ParseResult, records: list[UsageRecord], duplicate_reason: str) -> ParseResult:
    result.problems.sort(key=lambda p: p.line)  # stable: file order, whatever pass found them
    result.records, dropped = collapse(records)
    if dropped:
        skip(result, duplicate_reason, dropped)
    return result


# --- Admin API reports: one page, a list of pages, or JSONL of pages ------------------------


def load_pages(path: Path, result: ParseResult) -> list[tuple[int, dict]]:
    """(line, page) pairs; line is 0 for a whole-file JSON document. Bad pages become problems."""
    data = read_from(path, 0)
    result.bytes_read = result.end_offset = len(data)
    if is_binary(data[:BINARY_PROBE]):
        result.problems.append(LineProblem(str(path), 0, "binary file (NUL bytes in the first 8 KiB): not a usage log"))
        return []
    if not data.strip():
        return []
    try:
        doc = msgspec.json.decode(data)
        items = [(0, p) for p in (doc if isinstance(doc, list) else [doc])]
    except DECODE_ERRORS as whole_exc:
        items = []
        for line_no, raw in json_lines(data, 1):
            try:
                items.append((line_no, msgspec.json.decode(raw)))
            except DECODE_ERRORS as exc:
                result.problems.append(LineProblem(str(path), line_no, decode_error(exc)))
        if not items and not result.problems:
            result.problems.append(LineProblem(str(path), 0, decode_error(whole_exc)))
    pages = []
    for line_no, page in items:
        if isinstance(page, dict) and isinstance(page.get("data"), list):
            pages.append((line_no, page))
        else:
            result.problems.append(LineProblem(str(path), line_no, 'not a report page (no "data" list)'))
    return pages


def buckets(path: Path, result: ParseResult) -> Iterator[tuple[int, str, dict, dict]]:
    """(line, where, bucket, result item) for every result of every page; bad shapes are problems."""
    for line_no, page in load_pages(path, result):
        for bi, bucket in enumerate(page["data"]):
            items = bucket.get("results") if isinstance(bucket, dict) else None
            if not isinstance(items, list) or not isinstance(bucket.get("starting_at"), str):
                result.problems.append(
                    LineProblem(str(path), line_no, f"data[{bi}]: bucket without starting_at and results")
                )
                continue
            for ri, item in enumerate(items):
                where = f"data[{bi}].results[{ri}]"
                if not isinstance(item, dict):
                    result.problems.append(LineProblem(str(path), line_no, f"{where}: not an object"))
                    continue
                yield line_no, where, bucket, item


def int_field(obj: dict, key: str, where: str) -> int:
    v = obj.get(key)
    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
        raise ValueError(f"{where}.{key}: wrong JSON type (expected an integer, got {type(v).__name__})")
    return check_count(f"{where}.{key}", v)


def str_field(obj: dict, key: str, where: str) -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{where}.{key}: wrong JSON type (expected a string, got {type(v).__name__})")
    return v


def decoded_lines(
    data: bytes, first_line: int, decode: Callable[[bytes], Any], result: ParseResult, src: str
) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object) per non-blank line; undecodable lines become problems."""
    for line_no, raw in json_lines(data, first_line):
        try:
            yield line_no, decode(raw)
        except DECODE_ERRORS as exc:
            result.problems.append(LineProblem(src, line_no, decode_error(exc)))
