"""Parsing one planned file into stored rows: what the parse workers run (`parse(task)`).

A worker reads the file with its format's parser (classifying it first when the store has never
seen it), turns each record into a stored row (`planner.usage.rows`: the dedup key hashed, the
price dimensions interned, the band's prompt size), sums the rows per slot, and sends them back
as one msgpack blob (less main-process CPU than unpickling tuples). The importing process only
writes (`planner.ingest.write`).
"""

from __future__ import annotations

import dataclasses
import operator
import os
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planner.ingest.plan import HEAD_BYTES, Task, fingerprint
from planner.store.keys import dim_of, key64
from planner.store.slots import SLOT_MS
from planner.usage.records import BilledCost, LineProblem, ParseResult, UsageRecord
from planner.usage.rows import (
    MODEL,
    MODEL_RAW,
    RECORD_COLUMNS,
    S_PTOK,
    SHORT_LEN,
    TS_MS,
    U_COUNTS,
    U_DIM,
    U_PTOK,
    U_REQUESTS,
    U_TS,
)

Resolver = Callable[[str], "str | None"]
DimKey = tuple[str, str | None, str, str | None, str]  # (model_raw, model, tier, geo, speed)

# Set in the parse workers (forked with them: `set_resolver` before the fork, `mark_worker` after).
_RESOLVE: Resolver | None = None
_SLOT_BANDS: list[int] | None = None  # the catalog's band thresholds: workers sum each file's slots
_WORKER_NICE = 10
_IN_WORKER = False  # set in the parse workers: rows cross the process boundary as one msgpack blob


def mark_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True
    try:
        # The importing process is the pipeline's narrow end (it alone writes SQLite): when the
        # cores are all busy it should run first, and the parse workers fill the rest.
        os.nice(_WORKER_NICE)
    except OSError:
        pass


def set_resolver(resolve: Resolver | None, bands: list[int] | None = None) -> None:
    global _RESOLVE, _SLOT_BANDS
    _RESOLVE = resolve
    _SLOT_BANDS = bands


@dataclass
class Parsed:
    task: Task | None  # None when it comes from a worker: the pipeline pairs results with its tasks
    fmt: str | None = None  # the format the file was read as
    not_a_log: str = ""  # why a detected file was not read (binary, empty, not a usage log, unreadable)
    rows: list[tuple] = field(default_factory=list)  # stored rows (planner.usage.rows)
    billed: list[tuple] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    end_offset: int = 0
    end_line: int = 0
    bytes_read: int = 0
    unpriced: set[str] = field(default_factory=set)
    dims: dict[DimKey, int] = field(default_factory=dict)  # -> dims.id
    slots: list[tuple] | None = None  # the rows summed per slot (slot_sums), when the import keeps slots
    blob: bytes = b""  # the rows as msgpack, from a worker
    n_rows: int = 0
    vanished: str = ""
    error: str = ""
    ident: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)  # dev, ino, size, mtime_ns
    head: str | None = None

    def stored_rows(self) -> list:
        """The rows, decoded from the worker's blob when they came as one."""
        if self.blob:
            import msgspec

            rows: list = msgspec.msgpack.decode(self.blob)
            return rows
        return self.rows


# --- records -> stored rows ----------------------------------------------------------------------

_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(UsageRecord)))  # a record, as a tuple
# row_of unpacks a record tuple in the layout's order, into variables named as its columns (a
# plain unpack: this runs once per request of a gigabyte tree, and an itemgetter by name cost a
# third more). A layout change that this does not follow fails here, at import, and
# tests/test_store_layout.py checks each stored column by name.
_UNPACKED = (
    "ts_ms",
    "model_raw",
    "model",
    "input_tokens",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "output_tokens",
    "web_search_requests",
    "requests",
    "service_tier",
    "geo",
    "speed",
    "project",
    "session",
    "workspace",
    "api_key_id",
    "source",
    "line",
    "dedup_key",
    "sidechain",
    "kind",
    "bucket_seconds",
    "fmt",
    "context_window",
)
if _UNPACKED != RECORD_COLUMNS:
    raise ImportError("planner.ingest.parse.row_of does not follow planner.usage.rows.RECORD_COLUMNS")


def row_of(t: tuple, source_id: int, dims: dict[DimKey, int]) -> tuple:
    """A stored row (USAGE_COLUMNS, or SHORT_COLUMNS for one request without workspace or key) from
    a record tuple (RECORD_COLUMNS)."""
    (
        ts_ms,
        model_raw,
        model,
        input_tokens,
        cache_write_5m,
        cache_write_1h,
        cache_read,
        output_tokens,
        web_search_requests,
        requests,
        service_tier,
        geo,
        speed,
        project,
        session,
        workspace,
        api_key_id,
        source,
        line,
        dedup_key,
        sidechain,
        kind,
        bucket_seconds,
        _fmt,
        context_window,
    ) = t
    d = (model_raw, model, service_tier, geo, speed)
    dim = dims.get(d)
    if dim is None:
        dim = dims[d] = dim_of(*d)
    key = key64(dedup_key if dedup_key is not None else f"line:{source}:{line}")
    if kind == "bucket":
        ptok = 0
        if context_window and not context_window.startswith("0-"):
            # "200k-1M": the bucket's requests were all in the long-context band above 200K.
            low = context_window.split("-", 1)[0].lower().replace("k", "000").replace("m", "000000")
            ptok = int(low) + 1 if low.isdigit() else 0
    else:
        ptok = input_tokens + cache_write_5m + cache_write_1h + cache_read
        if requests == 1 and workspace is None and api_key_id is None:
            # SHORT_COLUMNS: key ts_ms dim input cw5 cw1h cread output web ptok project session source_id line main
            return (
                key,
                ts_ms,
                dim,
                input_tokens,
                cache_write_5m,
                cache_write_1h,
                cache_read,
                output_tokens,
                web_search_requests,
                ptok,
                project,
                session,
                source_id,
                line,
                0 if sidechain else 1,
            )
        bucket_seconds = 0
    # USAGE_COLUMNS: key ts_ms dim input cw5 cw1h cread output web requests ptok project session workspace
    # api_key source_id line main bucket_s
    return (
        key,
        ts_ms,
        dim,
        input_tokens,
        cache_write_5m,
        cache_write_1h,
        cache_read,
        output_tokens,
        web_search_requests,
        requests,
        ptok,
        project,
        session,
        workspace,
        api_key_id,
        source_id,
        line,
        0 if sidechain else 1,
        bucket_seconds,
    )


def billed_row(b: BilledCost, source_id: int) -> tuple:
    """A billed row (planner.store.writer.BILLED_COLUMNS) from a cost-report line item."""
    key = "|".join(
        str(x or "")
        for x in (b.day, b.cost_type, b.model_raw, b.service_tier, b.token_type, b.workspace, b.description, b.currency)
    )
    return (
        key64("billed:" + key),
        b.day,
        b.amount_usd,
        b.currency,
        b.cost_type,
        b.model_raw,
        b.model,
        b.service_tier,
        b.token_type,
        b.workspace,
        b.description,
        source_id,
        b.line,
    )


def slot_sums(rows: Sequence[Sequence], thresholds: Sequence[int]) -> list[tuple]:
    """A file's stored rows summed per (slot, dim, band), as slots rows (planner.store.slots.
    SLOT_COLUMNS): what the store's SQL would add for them. Done in the parse workers; the
    importing process only hands them to SQLite."""
    th = sorted(thresholds)
    sums: dict[tuple[int, int, int], list[int]] = {}
    c0, c1, c2, c3, c4, c5 = U_COUNTS
    for r in rows:
        if len(r) == SHORT_LEN:  # one request
            k = (r[U_TS] // SLOT_MS, r[U_DIM], bisect_left(th, r[S_PTOK]))  # band: thresholds the prompt is over
            n = 1
        else:
            k = (r[U_TS] // SLOT_MS, r[U_DIM], bisect_left(th, r[U_PTOK]))
            n = r[U_REQUESTS]
        v = sums.get(k)
        if v is None:
            sums[k] = [n, r[c0], r[c1], r[c2], r[c3], r[c4], r[c5]]
        else:
            v[0] += n
            v[1] += r[c0]
            v[2] += r[c1]
            v[3] += r[c2]
            v[4] += r[c3]
            v[5] += r[c4]
            v[6] += r[c5]
    return [(*k, *v) for k, v in sums.items()]


# --- one file ---------------------------------------------------------------------------------------


def parse(task: Task) -> Parsed:
    """Read one planned file into stored rows (in a worker, or in the importing process for small jobs)."""
    from planner.usage.detect import FORMATS
    from planner.usage.reading import SourceVanished

    out = Parsed(task, task.fmt)
    options = dict(task.options)
    if task.detect:
        from planner.usage import detect

        try:
            first = detect.sniff(task.path)
        except FileNotFoundError as exc:
            out.vanished = f"vanished before reading ({exc.strerror})"
            return out
        except OSError as exc:
            out.not_a_log = f"unreadable: {exc.strerror}"
            return out
        out.fmt, why = detect.classify(first, task.path, task.fmt)
        if out.fmt is None:
            out.not_a_log = why or "not a recognised usage log"
            return out
        options = {**task.fmt_options.get(out.fmt, {}), **options}
    options["compact"] = True  # rows as tuples where the parser can (ParseResult.rows)
    if task.start_offset:
        options["start_line"] = task.start_line
    fmt = out.fmt
    assert fmt is not None, "planned with a format, or detected above"
    try:
        result: ParseResult = FORMATS[fmt].parse(
            task.path, start_offset=task.start_offset, resolve=_RESOLVE, options=options
        )
    except (SourceVanished, FileNotFoundError) as exc:
        out.vanished = str(exc) or f"{task.path}: file vanished while reading"
        return out
    except PermissionError as exc:
        out.vanished = f"{task.path}: unreadable ({exc.strerror})"
        return out
    except Exception as exc:  # a parser bug must not lose the other files; it is reported, never hidden
        out.error = f"{task.path}: could not be read ({type(exc).__name__}: {exc})"
        return out
    sid = task.source_id
    since = task.since_ms
    rows = out.rows
    dropped = 0
    dims = out.dims
    for t in result.rows or map(_FIELDS, result.records):
        if since is not None and t[TS_MS] < since:
            dropped += 1
            continue
        if t[MODEL] is None:
            out.unpriced.add(t[MODEL_RAW])
        rows.append(row_of(t, sid, dims))
    out.billed = [billed_row(b, sid) for b in result.billed]
    out.problems = result.problems
    out.skipped = dict(result.skipped)
    if dropped:
        out.skipped["before --since"] = dropped
    out.end_offset = result.end_offset
    out.end_line = result.end_line
    out.bytes_read = result.bytes_read
    out.n_rows = len(rows)
    if _SLOT_BANDS is not None and rows:
        out.slots = slot_sums(rows, _SLOT_BANDS)
    if _IN_WORKER:
        out.task = None
        if rows:
            import msgspec

            out.blob = msgspec.msgpack.encode(rows)
            out.rows = []
    try:
        st = os.stat(task.path)
        head = result.head  # the parser's own read of the start, when it read from there
        if head is None or len(head) < min(HEAD_BYTES, result.end_offset):
            with open(task.path, "rb") as f:
                head = f.read(HEAD_BYTES)
        out.head = fingerprint(head, result.end_offset)
        out.ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        pass  # vanished after the read: remembered without identity, so it is looked at again
    return out
