"""Admin API reports (usage and cost): one page, a list of pages, or JSONL of pages; their buckets
and typed fields, with bad shapes reported as problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec

from planner.usage.reading import BINARY_PROBE, DECODE_ERRORS, decode_error, is_binary, json_lines, read_from
from planner.usage.records import LineProblem, ParseResult
from planner.usage.wire import check_count


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
