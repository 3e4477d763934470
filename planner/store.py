"""The local usage store: SQLite in WAL mode, fed by the parsers in `planner.usage`.

What it promises (issue 3):
- Idempotent: a record is keyed by a 64-bit hash of its dedup key (or of file:line when the format
  has none), so importing the same files again adds nothing.
- Dedup across files with the parsers' rule (`planner.usage.common.rank`): the non-sidechain copy
  wins, then the one with the most tokens.
- Incremental: each file's identity (device, inode), size, mtime, the offset after its last complete
  line and the line count there are remembered; an unchanged file is not even opened, a grown one is
  read from that offset, and a file that shrank, was replaced, or whose first bytes changed is read
  again whole (its old rows are deleted in the same transaction).
- All-or-nothing per file: a file's rows and its new offset are written in one transaction (several
  small files may share one), so a kill leaves every file either fully imported or as it was.
- Readers (the dashboard) are never blocked by an import: WAL.

Parsing runs in a pool of worker processes when there is enough to read (the machine's cores are
the limit); the writes stay in this process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import operator
import os
import sqlite3
import struct
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.usage.records import BilledCost, LineProblem, ParseResult, UsageRecord

SCHEMA_VERSION = 2  # 2: the slots table
SLOT_MS = 15 * 60_000  # slots: every time zone's offset is a multiple of 15 minutes
# Pool parsing pays off only above this many bytes to read (process start-up is ~50 ms).
POOL_MIN_BYTES = 32 << 20
# A transaction closes after this many rows or files (each file stays all-or-nothing either way).
TXN_ROWS = 100_000
TXN_FILES = 2000
HEAD_BYTES = 4096  # the fingerprint of a file's start: a replaced file is read again whole
MAX_PROBLEMS_KEPT = 200  # per file in the problems table (the counts are always complete)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources(
    id INTEGER PRIMARY KEY,          -- hash of the path
    path TEXT NOT NULL UNIQUE, fmt TEXT NOT NULL,
    dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER,
    offset INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0, head TEXT,
    records INTEGER NOT NULL DEFAULT 0, bad_lines INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0, last_import TEXT
);
-- What prices a record besides its counts, interned: a handful of rows for millions of records,
-- so aggregates group on one integer (dims.id is a hash of the five values).
CREATE TABLE IF NOT EXISTS dims(
    id INTEGER PRIMARY KEY, model_raw TEXT NOT NULL, model TEXT, tier TEXT NOT NULL, geo TEXT, speed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage(
    id INTEGER PRIMARY KEY,          -- appended in import order (random keys would dirty every page)
    key INTEGER NOT NULL UNIQUE,     -- hash of the dedup key
    ts_ms INTEGER NOT NULL, dim INTEGER NOT NULL,
    input INTEGER NOT NULL, cw5 INTEGER NOT NULL, cw1h INTEGER NOT NULL, cread INTEGER NOT NULL,
    output INTEGER NOT NULL, web INTEGER NOT NULL, requests INTEGER NOT NULL,
    ptok INTEGER NOT NULL,           -- prompt size the long-context band is chosen on (per request;
                                     -- for report buckets, the floor their context_window implies)
    project TEXT, session TEXT, workspace TEXT, api_key TEXT,
    source_id INTEGER NOT NULL, line INTEGER NOT NULL,
    main INTEGER NOT NULL,           -- 1 unless a sidechain (sub-agent replay) copy
    bucket_s INTEGER NOT NULL        -- 0 for one request; the bucket width for report buckets
);
CREATE TABLE IF NOT EXISTS billed(
    key INTEGER PRIMARY KEY, day TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
    cost_type TEXT, model_raw TEXT, model TEXT, service_tier TEXT, token_type TEXT,
    workspace TEXT, description TEXT, source_id INTEGER NOT NULL, line INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS problems(
    source_id INTEGER NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problems_source ON problems(source_id);
-- usage summed per 15-minute slot, price dimension and long-context band (the number of the
-- catalog's band thresholds a row's prompt is over): what reports and the dashboard's spend read
-- instead of every row. Kept by the importer in the same transactions as the rows; meta
-- 'slot_bands' names the thresholds it was built with, and readers use it only when those are
-- the catalog's (else they read usage).
CREATE TABLE IF NOT EXISTS slots(
    slot INTEGER NOT NULL, dim INTEGER NOT NULL, band INTEGER NOT NULL,
    requests INTEGER NOT NULL, input INTEGER NOT NULL, cw5 INTEGER NOT NULL, cw1h INTEGER NOT NULL,
    cread INTEGER NOT NULL, output INTEGER NOT NULL, web INTEGER NOT NULL,
    PRIMARY KEY (slot, dim, band)
) WITHOUT ROWID;
"""

_USAGE_COLS = (
    "key, ts_ms, dim, input, cw5, cw1h, cread, output, web, requests, ptok, "
    "project, session, workspace, api_key, source_id, line, main, bucket_s"
)
_INSERT = f"INSERT OR IGNORE INTO usage({_USAGE_COLS}) VALUES ({', '.join('?' * 19)})"
# A second copy of a stored request replaces it only when it ranks higher (common.rank).
_REPLACE = (
    "UPDATE usage SET ts_ms=?2, dim=?3, input=?4, cw5=?5, cw1h=?6, cread=?7, output=?8, web=?9, requests=?10, "
    "ptok=?11, project=?12, session=?13, workspace=?14, api_key=?15, source_id=?16, line=?17, main=?18, bucket_s=?19 "
    "WHERE key=?1 AND (main, input+cw5+cw1h+cread+output) < (?18, ?4+?5+?6+?7+?8)"
)
# Most rows are one request with no workspace or API key (every Claude Code line): they cross as
# 15 values and bind with the constants written in, a quarter less insert time than binding 19.
_SHORT_COLS = "key, ts_ms, dim, input, cw5, cw1h, cread, output, web, ptok, project, session, source_id, line, main"
_INSERT_SHORT = (
    f"INSERT OR IGNORE INTO usage({_SHORT_COLS}, requests, workspace, api_key, bucket_s) "
    f"VALUES ({', '.join('?' * 15)}, 1, NULL, NULL, 0)"
)
_REPLACE_SHORT = (
    "UPDATE usage SET ts_ms=?2, dim=?3, input=?4, cw5=?5, cw1h=?6, cread=?7, output=?8, web=?9, requests=1, "
    "ptok=?10, project=?11, session=?12, workspace=NULL, api_key=NULL, source_id=?13, line=?14, main=?15, bucket_s=0 "
    "WHERE key=?1 AND (main, input+cw5+cw1h+cread+output) < (?15, ?4+?5+?6+?7+?8)"
)
# A file's import state; its counts add up over appends (?15: read from the start, so they restart).
_UPSERT_SOURCE = (
    "INSERT INTO sources(id, path, fmt, dev, ino, size, mtime_ns, offset, lines, head, records, bad_lines, skipped, last_import) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET fmt=excluded.fmt, dev=excluded.dev, "
    "ino=excluded.ino, size=excluded.size, mtime_ns=excluded.mtime_ns, offset=excluded.offset, lines=excluded.lines, "
    "head=excluded.head, records=CASE WHEN ?15 THEN excluded.records ELSE records + excluded.records END, "
    "bad_lines=CASE WHEN ?15 THEN excluded.bad_lines ELSE bad_lines + excluded.bad_lines END, "
    "skipped=CASE WHEN ?15 THEN excluded.skipped ELSE skipped + excluded.skipped END, last_import=excluded.last_import"
)
_INSERT_BILLED = "INSERT OR REPLACE INTO billed VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"


def band_sql(thresholds: Sequence[int]) -> str:
    """SQL for a usage row's long-context band: how many of the thresholds its prompt is over."""
    return " + ".join(f"(ptok > {int(t)})" for t in thresholds) or "0"


# Adds a slot's sums to what it holds (for slots summed from new rows, by SQL or by the workers).
_SLOT_ADD = (
    "ON CONFLICT(slot, dim, band) DO UPDATE SET requests = requests + excluded.requests, "
    "input = input + excluded.input, cw5 = cw5 + excluded.cw5, cw1h = cw1h + excluded.cw1h, "
    "cread = cread + excluded.cread, output = output + excluded.output, web = web + excluded.web"
)
_INSERT_SLOTS = f"INSERT INTO slots VALUES (?,?,?,?,?,?,?,?,?,?) {_SLOT_ADD}"


def _slots_sql(thresholds: Sequence[int], id_range: bool) -> str:
    """Sum usage rows (all, or those with lo < id <= hi) into slots, adding to what a slot holds."""
    return (
        f"INSERT INTO slots SELECT * FROM (SELECT ts_ms / {SLOT_MS}, dim, {band_sql(thresholds)} AS b, sum(requests), "
        "sum(input), sum(cw5), sum(cw1h), sum(cread), sum(output), sum(web) FROM usage "
        + ("WHERE id > ? AND id <= ? " if id_range else "")
        + f"GROUP BY ts_ms / {SLOT_MS}, dim, b) WHERE true {_SLOT_ADD}"
    )


def _slot_sums(rows: list[tuple], thresholds: Sequence[int]) -> list[tuple]:
    """A file's usage rows summed per (slot, dim, band), as slots rows: what _slots_sql would add
    for them. Done in the parse workers; the importing process only hands them to SQLite."""
    th = sorted(thresholds)
    sums: dict[tuple, list[int]] = {}
    for r in rows:
        if len(r) == 15:  # short: requests 1, ptok at 9
            k = (r[1] // SLOT_MS, r[2], bisect_left(th, r[9]))  # band: thresholds the prompt is over
            n = 1
        else:
            k = (r[1] // SLOT_MS, r[2], bisect_left(th, r[10]))
            n = r[9]
        v = sums.get(k)
        if v is None:
            sums[k] = [n, r[3], r[4], r[5], r[6], r[7], r[8]]
        else:
            v[0] += n
            v[1] += r[3]
            v[2] += r[4]
            v[3] += r[5]
            v[4] += r[6]
            v[5] += r[7]
            v[6] += r[8]
    return [(*k, *v) for k, v in sums.items()]


_I64 = struct.Struct(">q").unpack


def key64(text: str) -> int:
    """A signed 64-bit key (SQLite INTEGER PRIMARY KEY) for a dedup key or a path."""
    return _I64(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest())[0]


# --- results ---------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What one import did with one file."""

    path: str
    fmt: str | None
    status: str  # new | appended | reread | kept | unchanged | skipped | vanished | cancelled
    new: int = 0  # records stored for the first time
    replaced: int = 0  # a larger copy of a stored request (a later streaming snapshot)
    duplicate: int = 0  # already stored (same dedup key, not larger), within or across files
    bad: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count (not billable, etc.)
    problems: list[LineProblem] = field(default_factory=list)
    unpriced_models: set[str] = field(default_factory=set)
    bytes_read: int = 0
    reason: str = ""  # for status skipped / vanished

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.fmt,
            "status": self.status,
            "new": self.new,
            "replaced": self.replaced,
            "duplicate": self.duplicate,
            "bad": self.bad,
            "skipped": self.skipped,
            "unpriced_models": sorted(self.unpriced_models),
            "bytes_read": self.bytes_read,
            "reason": self.reason or None,
            "problems": [{"line": p.line, "kind": p.kind, "reason": p.reason} for p in self.problems],
        }


@dataclass
class ImportSummary:
    files: list[FileResult] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def replaced(self) -> int:
        return self._sum("replaced")

    @property
    def duplicate(self) -> int:
        return self._sum("duplicate")

    @property
    def bad(self) -> int:
        return self._sum("bad")

    @property
    def bytes_read(self) -> int:
        return self._sum("bytes_read")

    @property
    def unpriced_models(self) -> list[str]:
        return sorted({m for f in self.files for m in f.unpriced_models})

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "replaced": self.replaced,
            "duplicate": self.duplicate,
            "bad": self.bad,
            "bytes_read": self.bytes_read,
            "files": [f.to_json() for f in self.files],
            "unpriced_models": self.unpriced_models,
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class ImportProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    records: int
    current: str = ""


@dataclass
class SourceInfo:
    path: str
    fmt: str
    records: int
    bad_lines: int
    skipped: int
    last_import: str | None
    size: int | None


@dataclass(slots=True)
class MinuteRow:
    minute_ms: int
    model: str
    requests: int
    input_tokens: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    output_tokens: int
    bucket_seconds: int

    def __iter__(self):
        """Unpacks like the tuple form planner.projection.demand also accepts."""
        return iter(
            (
                self.minute_ms,
                self.model,
                self.requests,
                self.input_tokens,
                self.cache_write_5m,
                self.cache_write_1h,
                self.cache_read,
                self.output_tokens,
                self.bucket_seconds,
            )
        )


# --- parsing (runs in worker processes) ---------------------------------------------------------

_RESOLVE: Callable[[str], str | None] | None = None
_SLOT_BANDS: list[int] | None = None  # the catalog's band thresholds: workers sum each file's slots
_WORKER_NICE = 10
_IN_WORKER = False  # set in the parse workers: rows cross the process boundary as one msgpack blob


def _mark_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True
    try:
        # The importing process is the pipeline's narrow end (it alone writes SQLite): when the
        # cores are all busy it should run first, and the parse workers fill the rest.
        os.nice(_WORKER_NICE)
    except OSError:
        pass


def _set_resolver(resolve: Callable[[str], str | None] | None, bands: list[int] | None = None) -> None:
    global _RESOLVE, _SLOT_BANDS
    _RESOLVE = resolve
    _SLOT_BANDS = bands


def dim_of(model_raw: str, model: str | None, tier: str, geo: str | None, speed: str) -> int:
    return key64("dim:" + "\x1f".join((model_raw, model or "", tier, geo or "", speed)))


_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(UsageRecord)))


def _row_of(t: tuple, source_id: int, dims: dict) -> tuple:
    """A usage row from a record's fields (UsageRecord's order, as in ParseResult.rows)."""
    (
        ts_ms,
        model_raw,
        model,
        inp,
        w5,
        w1,
        rd,
        out,
        web,
        requests,
        tier,
        geo,
        speed,
        project,
        session,
        workspace,
        api_key,
        src,
        line,
        dedup_key,
        sidechain,
        kind,
        bucket_s,
        _fmt,
        context_window,
    ) = t
    d = (model_raw, model, tier, geo, speed)
    dim = dims.get(d)
    if dim is None:
        dim = dims[d] = dim_of(*d)
    key = key64(dedup_key if dedup_key is not None else f"line:{src}:{line}")
    if kind == "bucket":
        ptok = 0
        if context_window and not context_window.startswith("0-"):
            # "200k-1M": the bucket's requests were all in the long-context band above 200K.
            low = context_window.split("-", 1)[0].lower().replace("k", "000").replace("m", "000000")
            ptok = int(low) + 1 if low.isdigit() else 0
    else:
        ptok = inp + w5 + w1 + rd
        if requests == 1 and workspace is None and api_key is None:  # a short row (_INSERT_SHORT)
            return (
                key,
                ts_ms,
                dim,
                inp,
                w5,
                w1,
                rd,
                out,
                web,
                ptok,
                project,
                session,
                source_id,
                line,
                0 if sidechain else 1,
            )
        bucket_s = 0
    return (
        key,
        ts_ms,
        dim,
        inp,
        w5,
        w1,
        rd,
        out,
        web,
        requests,
        ptok,
        project,
        session,
        workspace,
        api_key,
        source_id,
        line,
        0 if sidechain else 1,
        bucket_s,
    )


def _billed_row(b: BilledCost, source_id: int) -> tuple:
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


@dataclass
class _Task:
    path: str
    fmt: str | None  # None: the worker detects it (see `detect`)
    source_id: int
    start_offset: int
    start_line: int
    options: dict  # for this file; merged over fmt_options[format]
    since_ms: int | None
    size: int  # at planning (for progress)
    known: bool = False  # the store has rows from this file (so reading from 0 replaces them)
    # A file the store has never seen is classified by the worker that reads it (its first bytes
    # decide the format, or that it is no log at all): planning only walks and stats the tree.
    detect: bool = False
    fmt_options: dict = field(default_factory=dict)  # format -> parser options (for `detect`)


@dataclass
class _Parsed:
    task: _Task | None  # None when it comes from a worker: the planner pairs results with its tasks
    fmt: str | None = None  # the format the file was read as
    not_a_log: str = ""  # why a detected file was not read (binary, empty, not a usage log, unreadable)
    rows: list[tuple] = field(default_factory=list)
    billed: list[tuple] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    end_offset: int = 0
    end_line: int = 0
    bytes_read: int = 0
    unpriced: set[str] = field(default_factory=set)
    dims: dict = field(default_factory=dict)  # (model_raw, model, tier, geo, speed) -> dims.id
    slots: list[tuple] | None = None  # the rows summed per slot (_slot_sums), when the import keeps slots
    blob: bytes = b""  # the rows as msgpack, from a worker (less main-process CPU than unpickling tuples)
    n_rows: int = 0
    vanished: str = ""
    error: str = ""
    ident: tuple = (None, None, None, None)  # dev, ino, size, mtime_ns after the read
    head: str | None = None


def _parse(task: _Task) -> _Parsed:
    from planner.usage.common import SourceVanished
    from planner.usage.detect import FORMATS

    out = _Parsed(task, task.fmt)
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
    try:
        result: ParseResult = FORMATS[out.fmt].parse(
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
        if since is not None and t[0] < since:
            dropped += 1
            continue
        if t[2] is None:
            out.unpriced.add(t[1])
        rows.append(_row_of(t, sid, dims))
    out.billed = [_billed_row(b, sid) for b in result.billed]
    out.problems = result.problems
    out.skipped = dict(result.skipped)
    if dropped:
        out.skipped["before --since"] = dropped
    out.end_offset = result.end_offset
    out.end_line = result.end_line
    out.bytes_read = result.bytes_read
    out.n_rows = len(rows)
    if _SLOT_BANDS is not None and rows:
        out.slots = _slot_sums(rows, _SLOT_BANDS)
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
        out.head = _fingerprint(head, result.end_offset)
        out.ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        pass  # vanished after the read: remembered without identity, so it is looked at again
    return out


# --- the store ---------------------------------------------------------------------------------


def _explain(path: Path, exc: sqlite3.Error) -> PlannerError:
    msg = str(exc)
    if "readonly" in msg or "read-only" in msg:
        return PlannerError(f"{path}: the database is read-only ({msg}); choose another with --db or PLANNER_DB")
    if "locked" in msg or "busy" in msg:
        return PlannerError(f"{path}: the database is locked by another process ({msg}); try again when it finishes")
    if "not a database" in msg or "malformed" in msg:
        return PlannerError(f"{path}: not a planner database ({msg})")
    return PlannerError(f"{path}: {msg}")


class Store:
    """The SQLite usage store. One connection per Store; use one Store per thread."""

    def __init__(self, path: Path | str, *, readonly: bool = False, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        try:
            if readonly:
                self.conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, timeout=busy_timeout_s, check_same_thread=False
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            if not readonly:
                # A new database only (an existing one keeps its size): 8 KiB pages make a cold import's
                # inserts about 15% cheaper than 4 KiB (fewer splits of the dedup-key index).
                self.conn.execute("PRAGMA page_size = 8192")
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode != "wal":
                    raise sqlite3.OperationalError(f"cannot use WAL mode (journal_mode is {mode}; read-only?)")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._schema()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc) from None
        except PermissionError as exc:
            raise PlannerError(f"{self.path}: cannot create the database ({exc.strerror})") from None
        self.conn.execute("PRAGMA cache_size = -65536")
        self.conn.execute("PRAGMA temp_store = MEMORY")

    def _schema(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise PlannerError(f"{self.path}: written by a newer planner (schema {version} > {SCHEMA_VERSION})")
        if version < SCHEMA_VERSION:
            with self.conn:
                self.conn.executescript(_SCHEMA)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return (
            self.conn.execute("SELECT NOT EXISTS(SELECT 1 FROM usage) AND NOT EXISTS(SELECT 1 FROM billed)").fetchone()[
                0
            ]
            == 1
        )

    def sources(self) -> list[SourceInfo]:
        rows = self.conn.execute(
            "SELECT path, fmt, records, bad_lines, skipped, last_import, size FROM sources ORDER BY path"
        ).fetchall()
        return [SourceInfo(*r) for r in rows]

    def problems(self, path: str | None = None, limit: int = 1000) -> list[LineProblem]:
        sql = (
            "SELECT s.path, p.line, p.reason, p.kind FROM problems p JOIN sources s ON s.id = p.source_id "
            + ("WHERE s.path = ? " if path else "")
            + "ORDER BY s.path, p.line LIMIT ?"
        )
        args = (path, limit) if path else (limit,)
        return [LineProblem(*r) for r in self.conn.execute(sql, args)]

    def span(self) -> tuple[int, int] | None:
        """(first, last) record time in ms, or None for an empty store."""
        row = self.conn.execute("SELECT min(ts_ms), max(ts_ms) FROM usage").fetchone()
        return None if row[0] is None else (row[0], row[1])

    def minute_series(self, since_ms: int | None = None, until_ms: int | None = None) -> list[MinuteRow]:
        """Per minute and model: request-level rows (batch traffic excluded: it does not count
        against Messages limits) and report buckets (bucket_seconds > 0, at their bucket start)."""
        where, args = span_sql(since_ms, until_ms)
        names = {i: model or raw for i, raw, model in self.conn.execute("SELECT id, model_raw, model FROM dims")}
        sql = (
            "SELECT (ts_ms / 60000) * 60000 AS m, dim, sum(requests), sum(input), sum(cw5), sum(cw1h), sum(cread), "
            "sum(output), bucket_s FROM usage "
            f"WHERE (bucket_s > 0 OR dim NOT IN (SELECT id FROM dims WHERE tier = 'batch')) {where} "
            "GROUP BY m, dim, bucket_s ORDER BY m"
        )
        out: dict[tuple, MinuteRow] = {}  # rows come sorted by minute; dict order keeps that
        for m, dim, *sums, bucket in self.conn.execute(sql, args):
            k = (m, names[dim], bucket)
            row = out.get(k)
            if row is None:
                out[k] = MinuteRow(m, k[1], *sums, bucket)
            else:  # several dims of one model (geo, speed, tier) in one minute: one row per model
                row.requests += sums[0]
                row.input_tokens += sums[1]
                row.cache_write_5m += sums[2]
                row.cache_write_1h += sums[3]
                row.cache_read += sums[4]
                row.output_tokens += sums[5]
        return list(out.values())

    def _grouped_sql(self, group_of: dict[int, int], reads_dims: Iterable[int]) -> tuple[str, str, str]:
        """SQL for sums per caller-defined group of dims: (group expression, input tokens as the
        API counts them, the clause excluding batch traffic)."""
        case = "CASE dim " + " ".join(f"WHEN {int(d)} THEN {int(g)}" for d, g in group_of.items()) + " END"
        reads = ", ".join(str(int(d)) for d in reads_dims)
        tokens_in = (
            f"input + cw5 + cw1h + (CASE WHEN dim IN ({reads}) THEN cread ELSE 0 END)"
            if reads
            else "input + cw5 + cw1h"
        )
        batch = [str(d) for d, dim in self.dims().items() if dim[2] == "batch"]
        not_batch = f" AND dim NOT IN ({', '.join(batch)})" if batch else ""
        return case, tokens_in, not_batch

    def group_minutes(
        self,
        group_of: dict[int, int],
        reads_dims: Iterable[int],
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> tuple[list[tuple], list[tuple]]:
        """Sums per group and clock minute: request-level rows (g, minute, requests, input tokens,
        output tokens) ordered by group then minute, batch traffic excluded; and report-bucket rows
        (g, minute, bucket_s, input tokens, output tokens). `group_of` maps dims.id to a group
        number; cache reads count toward input for `reads_dims` only."""
        case, tokens_in, not_batch = self._grouped_sql(group_of, reads_dims)
        where, args = span_sql(since_ms, until_ms)
        requests = self.conn.execute(
            f"SELECT {case} AS g, ts_ms / 60000 AS m, sum(requests), sum({tokens_in}), sum(output) FROM usage "
            f"WHERE bucket_s = 0{not_batch}{where} GROUP BY g, m",
            args,
        ).fetchall()
        buckets = self.conn.execute(
            f"SELECT {case} AS g, ts_ms / 60000 AS m, bucket_s, sum({tokens_in}), sum(output) FROM usage "
            f"WHERE bucket_s > 0{where} GROUP BY g, m, bucket_s",
            args,
        ).fetchall()
        return requests, buckets

    def group_requests(
        self,
        group_of: dict[int, int],
        reads_dims: Iterable[int],
        minutes: Iterable[int],
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[tuple]:
        """The request-level rows (g, ts_ms, requests, input tokens, output tokens) of the given
        clock minutes (ts_ms // 60000), in time order, batch traffic excluded."""
        case, tokens_in, not_batch = self._grouped_sql(group_of, reads_dims)
        where, args = span_sql(since_ms, until_ms)
        return self.conn.execute(
            f"SELECT {case} AS g, ts_ms, requests, {tokens_in}, output FROM usage WHERE bucket_s = 0{not_batch}{where} "
            "AND ts_ms / 60000 IN (SELECT value FROM json_each(?)) ORDER BY ts_ms",
            [*args, json.dumps(sorted(minutes))],
        ).fetchall()

    def dims(self) -> dict[int, tuple[str, str | None, str, str | None, str]]:
        """dims.id -> (model_raw, model, tier, geo, speed)."""
        return {
            r[0]: tuple(r[1:]) for r in self.conn.execute("SELECT id, model_raw, model, tier, geo, speed FROM dims")
        }

    def billed_costs(self, since_ms: int | None = None, until_ms: int | None = None) -> list[BilledCost]:
        clauses, args = [], []
        if since_ms is not None:
            clauses.append("day >= ?")
            args.append(datetime.fromtimestamp(since_ms / 1000, UTC).date().isoformat())
        if until_ms is not None:
            clauses.append("day <= ?")
            args.append(datetime.fromtimestamp(until_ms / 1000, UTC).date().isoformat())
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = (
            "SELECT b.day, b.amount, b.currency, b.cost_type, b.model_raw, b.model, b.service_tier, b.token_type, "
            f"b.workspace, b.description, s.path, b.line FROM billed b JOIN sources s ON s.id = b.source_id {where} "
            "ORDER BY b.day"
        )
        return [BilledCost(*r) for r in self.conn.execute(sql, args)]

    # --- importing --------------------------------------------------------------------------

    def import_paths(
        self,
        paths: Sequence[Path | str],
        *,
        fmt: str | None = None,
        since: datetime | None = None,
        catalog: Any = None,
        progress: Callable[[ImportProgress], None] | None = None,
        cancel: threading.Event | None = None,
        options: dict[str, dict] | None = None,
        workers: int | None = None,
    ) -> ImportSummary:
        """Import every usage log under `paths` (files or directories).

        `options` maps a file path (as given) or a format name to parser options, e.g.
        {"batch": {"default_ts": ...}}. `since` keeps only records at or after it and does not
        remember offsets (a later full import still reads the earlier lines).
        """
        started = time.perf_counter()
        summary = ImportSummary()
        plan, skipped = self._plan(paths, fmt, since, options or {})
        summary.files.extend(skipped)
        todo = [t for t in plan if isinstance(t, _Task)]
        summary.files.extend(t for t in plan if isinstance(t, FileResult))
        total_bytes = sum(t.size - t.start_offset for t in todo)
        resolve = (lambda raw: m.id if (m := catalog.resolve(raw)) else None) if catalog is not None else None
        state = {"files": 0, "bytes": 0, "records": 0}

        def report(current: str = "") -> None:
            if progress is not None:
                progress(
                    ImportProgress(state["files"], len(todo), state["bytes"], total_bytes, state["records"], current)
                )

        report()
        self._sources_pending: list[tuple] = []  # sources rows of the open transaction
        self._dims_stored: set[int] = set()  # dims rows written by this import (a handful; skip the rest)
        self._import_time = datetime.now(UTC).isoformat(timespec="seconds")  # sources.last_import
        bands = catalog.band_thresholds() if catalog is not None else None
        results = self._parsed(todo, resolve, bands, total_bytes, workers)
        pending_rows = 0
        pending_files = 0
        conn = self.conn
        # No checkpoints during the import (each would copy the growing WAL into the database and
        # fsync); one at the end. Readers are unaffected.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._slots_begin(bands)
            for parsed in results:
                if cancel is not None and cancel.is_set():
                    summary.cancelled = True
                    break
                summary.files.append(self._store_one(parsed))
                state["files"] += 1
                state["bytes"] += parsed.bytes_read or (parsed.task.size if parsed.not_a_log else 0)
                state["records"] += parsed.n_rows
                pending_rows += parsed.n_rows
                pending_files += 1
                if pending_rows >= TXN_ROWS or pending_files >= TXN_FILES:
                    self._commit()
                    conn.execute("BEGIN IMMEDIATE")
                    pending_rows = pending_files = 0
                report(parsed.task.path)
            self._commit()
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _explain(self.path, exc) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # the files of the open transaction stay as they were
            raise
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
            conn.execute("PRAGMA wal_autocheckpoint = 1000")
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # a reader holds the WAL: the next import (or SQLite itself) checkpoints later
        if summary.cancelled:
            done = {f.path for f in summary.files}
            summary.files.extend(
                FileResult(t.path, t.fmt, "cancelled", reason="import cancelled before this file")
                for t in todo
                if t.path not in done
            )
        summary.elapsed_s = time.perf_counter() - started
        return summary

    def _plan(self, paths, fmt, since, options) -> tuple[list, list[FileResult]]:
        """Which files to read and from where; unchanged files are not opened."""
        from planner.usage import detect

        known = {
            r[0]: r[1:]
            for r in self.conn.execute("SELECT path, fmt, dev, ino, size, mtime_ns, offset, lines, head FROM sources")
        }
        skipped: list[FileResult] = []
        plan: list = []
        since_ms = int(since.timestamp() * 1000) if since is not None else None
        seen: set[str] = set()
        for given in paths:
            given = Path(given).expanduser()
            if given.is_dir():
                # Resolve the root once; the walk's paths below it are then absolute already.
                candidates = [(p, False) for p in detect.walk(str(given.resolve()))]
            elif given.exists():
                candidates = [(str(given.resolve()), True)]
            else:
                skipped.append(FileResult(str(given), None, "skipped", reason="no such file or directory"))
                continue
            for spath, explicit in candidates:
                if spath in seen:
                    continue
                seen.add(spath)
                try:
                    st = os.stat(spath)
                except OSError as exc:
                    skipped.append(
                        FileResult(spath, None, "vanished", reason=f"vanished before reading ({exc.strerror})")
                    )
                    continue
                prev = known.get(spath)
                if prev is not None and since_ms is None and (fmt is None or fmt == prev[0]):
                    pfmt, dev, ino, size, mtime_ns, offset, lines, head = prev
                    if (dev, ino, size, mtime_ns) == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
                        plan.append(FileResult(spath, pfmt, "unchanged"))
                        continue
                if not explicit and (why := detect.not_a_log(spath)):
                    skipped.append(FileResult(spath, None, "skipped", reason=why))
                    continue
                file_opts = {**options.get(str(given), {}), **options.get(spath, {})}
                if prev is None:  # never seen: the worker that reads it classifies it
                    plan.append(
                        _Task(
                            spath,
                            fmt,
                            key64("path:" + spath),
                            0,
                            0,
                            file_opts,
                            since_ms,
                            st.st_size,
                            detect=True,
                            fmt_options=options,
                        )
                    )
                    continue
                try:
                    first = detect.sniff(spath)
                except OSError as exc:
                    skipped.append(FileResult(spath, None, "skipped", reason=f"unreadable: {exc.strerror}"))
                    continue
                found, why = detect.classify(first, spath, fmt)
                if found is None:
                    skipped.append(FileResult(spath, None, "skipped", reason=why))
                    continue
                start_offset = start_line = 0
                whole_doc = found in ("usage-report", "cost-report", "csv")
                if prev is not None and since_ms is None and not whole_doc and prev[0] == found:
                    pfmt, dev, ino, size, mtime_ns, offset, lines, head = prev
                    same_file = (dev, ino) == (st.st_dev, st.st_ino) and st.st_size >= offset
                    if same_file and head == _fingerprint(first, offset):
                        start_offset, start_line = offset, lines
                opts = {**options.get(found, {}), **file_opts}
                plan.append(
                    _Task(
                        spath,
                        found,
                        key64("path:" + spath),
                        start_offset,
                        start_line,
                        opts,
                        since_ms,
                        st.st_size,
                        known=prev is not None,
                    )
                )
        return plan, skipped

    def _parsed(self, todo: list[_Task], resolve, bands, total_bytes: int, workers: int | None) -> Iterable[_Parsed]:
        """Parsed files in plan order: in this process for small jobs, else in forked workers (they
        inherit the plan and the catalog's resolver; only the results cross processes)."""
        if not todo:
            return iter(())
        import multiprocessing as mp

        _set_resolver(resolve, bands)
        n = workers if workers is not None else min(os.cpu_count() or 1, 4)
        if n <= 1 or total_bytes < POOL_MIN_BYTES or len(todo) < 2 or "fork" not in mp.get_all_start_methods():
            return (_parse(t) for t in todo)
        from planner.forkmap import ordered_map

        def lost(task: _Task, why: str) -> _Parsed:
            return _Parsed(task, task.fmt, error=f"{task.path}: not read ({why})")

        results = ordered_map(
            _parse, todo, n, lost=lost, chunk=max(1, min(8, len(todo) // (n * 16))), init=_mark_worker
        )

        def gen() -> Iterable[_Parsed]:
            try:
                for task, parsed in zip(todo, results):
                    parsed.task = task
                    yield parsed
            finally:
                results.close()

        return gen()

    # --- slots (usage summed per 15 minutes), kept in step with the rows -----------------------

    def _slots_begin(self, bands: list[int] | None) -> None:
        """At an import's start (in its first transaction): what the slots were built with."""
        self._slot_bands = bands
        built = self.conn.execute("SELECT value FROM meta WHERE key = 'slot_bands'").fetchone()
        stale = bands is None or built is None or built[0] != json.dumps(bands)
        self._slots_from = self._max_id = self.conn.execute("SELECT coalesce(max(id), 0) FROM usage").fetchone()[0]
        # Stale slots over stored rows are rebuilt; with no rows yet there is nothing to rebuild.
        self._slots_full = stale and self._slots_from > 0
        self._slots_new = stale and not self._slots_full
        self._slots_pending: list[tuple] = []  # the workers' sums of files whose rows all went in
        self._slot_ranges: list[tuple[int, int]] = []  # ids (lo, hi] of files whose rows partly went in

    def _slots_added(self, parsed: _Parsed, rows: int, new: int) -> None:
        """After a file's rows went in (none replaced): account for them in the slots."""
        if self._slot_bands is None or self._slots_full or not new:
            return
        lo = self._max_id
        self._max_id += new  # ids are given in order from max(id) + 1 (checked at the commit)
        if new == rows and parsed.slots is not None:
            self._slots_pending += parsed.slots  # SQLite adds up those of the same slot (_SLOT_ADD)
        else:  # some were duplicates that lost: sum the ones stored
            self._slot_ranges.append((lo, self._max_id))

    def _commit(self) -> None:
        """Close the import's current transaction: the files' import state, their slots, COMMIT."""
        if self._sources_pending:
            self.conn.executemany(_UPSERT_SOURCE, self._sources_pending)
            self._sources_pending = []
        self._slots_update()
        self.conn.execute("COMMIT")

    def _slots_update(self) -> None:
        """Before each commit: add the rows appended since the last one to their slots, or rebuild
        the slots when rows were replaced or deleted (or the bands changed). Same transaction."""
        conn = self.conn
        if self._slot_bands is None:  # no catalog, no bands: readers go to the rows until an import has one
            conn.execute("DELETE FROM meta WHERE key = 'slot_bands'")
            return
        top = conn.execute("SELECT coalesce(max(id), 0) FROM usage").fetchone()[0]
        if self._slots_full:
            conn.execute("DELETE FROM slots")
            conn.execute(_slots_sql(self._slot_bands, False))
        else:
            if self._slots_new:
                conn.execute("DELETE FROM slots")  # built with other bands, over rows since deleted
            if top != self._max_id:  # ids not given as expected: sum every row of this transaction
                self._slots_pending, self._slot_ranges = [], [(self._slots_from, top)]
            conn.executemany(_INSERT_SLOTS, self._slots_pending)
            sql = _slots_sql(self._slot_bands, True)
            for lo_hi in self._slot_ranges:
                conn.execute(sql, lo_hi)
        if self._slots_full or self._slots_new:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('slot_bands', ?)", (json.dumps(self._slot_bands),))
        self._slots_full = self._slots_new = False
        self._slots_pending, self._slot_ranges = [], []
        self._slots_from = self._max_id = top

    def slots_for(self, thresholds: Sequence[int]) -> bool:
        """Whether the slots table holds the usage rows summed with these band thresholds."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'slot_bands'").fetchone()
        return row is not None and row[0] == json.dumps(list(thresholds))

    def _store_one(self, parsed: _Parsed) -> FileResult:
        t = parsed.task
        fmt = parsed.fmt
        conn = self.conn
        if parsed.not_a_log:
            return FileResult(t.path, None, "skipped", reason=parsed.not_a_log)
        if parsed.vanished or parsed.error:
            res = FileResult(
                t.path, fmt, "vanished" if parsed.vanished else "skipped", reason=parsed.vanished or parsed.error
            )
            if parsed.error:
                res.problems.append(LineProblem(t.path, 0, parsed.error))
                res.bad = 1
            return res
        reread = t.start_offset == 0 and t.known
        if reread and not parsed.n_rows and not parsed.billed and any(p.kind == "bad" for p in parsed.problems):
            # Read again whole and nothing usable came out (a wrong --format, a file overwritten with
            # garbage): keep what it gave before, and its import state, rather than lose it.
            return FileResult(
                t.path,
                fmt,
                "kept",
                bad=sum(p.kind == "bad" for p in parsed.problems),
                problems=parsed.problems,
                bytes_read=parsed.bytes_read,
                skipped=parsed.skipped,
                reason="read again, nothing usable: its earlier records are kept",
            )
        if reread:
            # Read again whole: what this file contributed before is replaced by what it holds now.
            conn.execute("DELETE FROM usage WHERE source_id = ?", (t.source_id,))
            self._slots_full = True  # rows gone from their slots: rebuild them at the commit
            conn.execute("DELETE FROM billed WHERE source_id = ?", (t.source_id,))
            conn.execute("DELETE FROM problems WHERE source_id = ?", (t.source_id,))
        status = "reread" if reread else ("appended" if t.start_offset else "new")
        res = FileResult(
            t.path,
            fmt,
            status,
            bytes_read=parsed.bytes_read,
            skipped=parsed.skipped,
            problems=parsed.problems,
            unpriced_models=parsed.unpriced,
        )
        rows = parsed.rows
        if parsed.blob:
            import msgspec

            rows = msgspec.msgpack.decode(parsed.blob)
        new_dims = [(i, *d) for d, i in parsed.dims.items() if i not in self._dims_stored]
        if new_dims:
            conn.executemany("INSERT OR IGNORE INTO dims VALUES (?,?,?,?,?,?)", new_dims)
            self._dims_stored.update(d[0] for d in new_dims)
        if rows:
            if sum(map(len, rows)) == 15 * len(rows):  # all short (every Claude Code file): no sorting out
                short, full = rows, []
            else:
                short = [r for r in rows if len(r) == 15]
                full = [r for r in rows if len(r) != 15]
            for batch, insert, replace in ((short, _INSERT_SHORT, _REPLACE_SHORT), (full, _INSERT, _REPLACE)):
                if not batch:
                    continue
                before = conn.total_changes
                conn.executemany(insert, batch)
                new = conn.total_changes - before
                res.new += new
                if new < len(batch):
                    before = conn.total_changes
                    conn.executemany(replace, batch)
                    res.replaced += conn.total_changes - before
            res.duplicate = len(rows) - res.new - res.replaced
            if res.replaced:
                self._slots_full = True  # rows changed in place: rebuild the slots at the commit
            self._slots_added(parsed, len(rows), res.new)
        if parsed.billed:
            conn.executemany(_INSERT_BILLED, parsed.billed)
            res.new += len(parsed.billed)
        bad = [p for p in parsed.problems if p.kind == "bad"]
        res.bad = len(bad)
        if parsed.problems:
            conn.executemany(
                "INSERT INTO problems VALUES (?,?,?,?)",
                [(t.source_id, p.line, p.kind, p.reason) for p in parsed.problems[:MAX_PROBLEMS_KEPT]],
            )
        ident, head = parsed.ident, parsed.head
        if ident[2] is not None and ident[2] != parsed.end_offset:
            # Grew while being read, or ends with an incomplete line: check it again next time.
            ident = (ident[0], ident[1], ident[2], -1)
        if t.since_ms is not None:
            ident, end_offset, end_line = (None, None, None, None), 0, 0  # remember nothing: a full import reads it all
        else:
            end_offset, end_line = parsed.end_offset, parsed.end_line
        skipped_n = sum(parsed.skipped.values())
        self._sources_pending.append(  # written with the others of its transaction (_commit)
            (
                t.source_id,
                t.path,
                fmt,
                *ident,
                end_offset,
                end_line,
                head,
                res.new + res.replaced,
                res.bad,
                skipped_n,
                self._import_time,
                1 if (reread or t.start_offset == 0) else 0,
            )
        )
        return res


def _fingerprint(head: bytes, offset: int) -> str:
    """A hash of the file's first bytes up to `offset` (what was already read)."""
    return hashlib.blake2b(head[: min(HEAD_BYTES, offset)], digest_size=8).hexdigest()


def span_sql(since_ms: int | None, until_ms: int | None) -> tuple[str, list[int]]:
    """(" AND ts_ms >= ? AND ts_ms < ?", args) for the bounds that are set: [since, until)."""
    where, args = "", []
    if since_ms is not None:
        where += " AND ts_ms >= ?"
        args.append(since_ms)
    if until_ms is not None:
        where += " AND ts_ms < ?"
        args.append(until_ms)
    return where, args


# --- the bundled samples -------------------------------------------------------------------------

SAMPLE_OPTIONS = {"batch": {"default_ts": "2026-11-19T02:00:00Z"}}


def import_samples(store: Store, catalog: Any, progress=None, cancel=None) -> ImportSummary:
    """Import the bundled `sample_logs/` (the dashboard's first run on an empty store)."""
    from planner import paths

    root = paths.sample_logs_dir()
    return store.import_paths(
        [root], catalog=catalog, progress=progress, cancel=cancel, options=SAMPLE_OPTIONS, workers=1
    )
