"""Reading a log file: from an offset, complete lines only, binary files refused, line numbers kept,
JSON decode errors worded for people; the catalog lookup memoised per file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from planner.errors import PlannerError
from planner.usage.records import LineProblem, ParseResult, skip

BINARY_PROBE = 8192
INCOMPLETE_LAST_LINE = "incomplete last line (will be read when complete)"


class SourceVanished(PlannerError, FileNotFoundError):
    """The file disappeared (or became unreadable) while it was being read.

    A `PlannerError` for the CLI and a `FileNotFoundError` for callers that already catch that.
    """


def is_binary(head: bytes) -> bool:
    return b"\x00" in head[:BINARY_PROBE]


def read_from(path: Path | str, start_offset: int) -> bytes:
    """The bytes from start_offset to the end; a vanished file raises SourceVanished."""
    try:
        with open(path, "rb") as f:
            if start_offset:
                f.seek(start_offset)
            return f.read()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise SourceVanished(f"{path}: file vanished while reading ({exc.strerror})") from None


def binary_result(path: Path | str, start_offset: int) -> ParseResult:
    r = ParseResult(end_offset=start_offset, end_line=0)
    r.problems.append(LineProblem(str(path), 0, "binary file (NUL bytes in the first 8 KiB): not a usage log"))
    return r


def lines_before(path: Path | str, start_offset: int, options: Mapping[str, Any]) -> int:
    """Lines before start_offset: from options["start_line"] (the store remembers it), else counted."""
    given = options.get("start_line")
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


def complete_part(data: bytes, path: Path | str, result: ParseResult, first_line: int) -> bytes:
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


def file_size(path: Path | str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        raise SourceVanished(f"{path}: file vanished while reading") from None


DECODE_ERRORS = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError)


def begin(
    path: Path | str, start_offset: int, options: Mapping[str, Any], *, count_lines: bool = True
) -> tuple[ParseResult, bytes, int]:
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


def decoded_lines(
    data: bytes, first_line: int, decode: Callable[[bytes], Any], result: ParseResult, src: str
) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object) per non-blank line; undecodable lines become problems."""
    for line_no, raw in json_lines(data, first_line):
        try:
            yield line_no, decode(raw)
        except DECODE_ERRORS as exc:
            result.problems.append(LineProblem(src, line_no, decode_error(exc)))
