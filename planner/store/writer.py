"""The import's writes: rows, dims, bills, problems, each file's import state and the slots, in
transactions the importer opens and closes (`planner.ingest` decides what to write; every
statement is here).

Rows arrive in the stored-row layout of `planner.usage.rows` (short or full); a second copy of a
stored request replaces it only when it ranks higher (the non-sidechain copy, then the largest
token total, as `planner.usage.dedup.rank`). The slots stay in step with the rows in the same
transactions: the workers' per-file sums are added when all of a file's rows went in, the stored
rows are summed by id range when some lost to stored copies, and the table is rebuilt when rows
were replaced or deleted (or the band thresholds changed).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from planner.store.connection import Store, StoreError, explain, free_space, human_bytes
from planner.store.slots import INSERT_SLOTS, slot_bands, slots_sql
from planner.usage.records import LineProblem
from planner.usage.rows import SHORT_COLUMNS, SHORT_FIXED, SHORT_LEN, USAGE_COLUMNS


def _sql_literal(v: int | None) -> str:
    return "NULL" if v is None else str(int(v))


def _replace_sql(columns: Sequence[str], fixed: Sequence[tuple[str, int | None]] = ()) -> str:
    """UPDATE a stored row from a bound row of `columns` when the new copy ranks higher."""
    at = {c: f"?{i}" for i, c in enumerate(columns, 1)}
    sets = [f"{c}={at[c]}" for c in columns if c != "key"] + [f"{c}={_sql_literal(v)}" for c, v in fixed]
    total = "+".join(("input", "cw5", "cw1h", "cread", "output"))
    new_total = "+".join(at[c] for c in ("input", "cw5", "cw1h", "cread", "output"))
    return f"UPDATE usage SET {', '.join(sets)} WHERE key={at['key']} AND (main, {total}) < ({at['main']}, {new_total})"


INSERT_ROW = f"INSERT OR IGNORE INTO usage({', '.join(USAGE_COLUMNS)}) VALUES ({', '.join('?' * len(USAGE_COLUMNS))})"
REPLACE_ROW = _replace_sql(USAGE_COLUMNS)
INSERT_SHORT = (
    f"INSERT OR IGNORE INTO usage({', '.join(SHORT_COLUMNS)}, {', '.join(c for c, _ in SHORT_FIXED)}) "
    f"VALUES ({', '.join('?' * SHORT_LEN)}, {', '.join(_sql_literal(v) for _, v in SHORT_FIXED)})"
)
REPLACE_SHORT = _replace_sql(SHORT_COLUMNS, SHORT_FIXED)

SOURCE_COLUMNS = (
    "id",
    "path",
    "fmt",
    "dev",
    "ino",
    "size",
    "mtime_ns",
    "offset",
    "lines",
    "head",
    "records",
    "bad_lines",
    "skipped",
    "last_import",
)
# A file's import state; its counts add up over appends (the 15th value, `restart`: read from the
# start, so they restart).
_RESTART = f"?{len(SOURCE_COLUMNS) + 1}"
UPSERT_SOURCE = (
    f"INSERT INTO sources({', '.join(SOURCE_COLUMNS)}) VALUES ({', '.join('?' * len(SOURCE_COLUMNS))}) "
    "ON CONFLICT(id) DO UPDATE SET fmt=excluded.fmt, dev=excluded.dev, ino=excluded.ino, size=excluded.size, "
    "mtime_ns=excluded.mtime_ns, offset=excluded.offset, lines=excluded.lines, head=excluded.head, "
    + ", ".join(
        f"{c}=CASE WHEN {_RESTART} THEN excluded.{c} ELSE {c} + excluded.{c} END"
        for c in ("records", "bad_lines", "skipped")
    )
    + ", last_import=excluded.last_import"
)
BILLED_COLUMNS = (
    "key",
    "day",
    "amount",
    "currency",
    "cost_type",
    "model_raw",
    "model",
    "service_tier",
    "token_type",
    "workspace",
    "description",
    "source_id",
    "line",
)
INSERT_BILLED = (
    f"INSERT OR REPLACE INTO billed({', '.join(BILLED_COLUMNS)}) VALUES ({', '.join('?' * len(BILLED_COLUMNS))})"
)
INSERT_DIMS = "INSERT OR IGNORE INTO dims(id, model_raw, model, tier, geo, speed) VALUES (?, ?, ?, ?, ?, ?)"
INSERT_PROBLEM = "INSERT INTO problems(source_id, line, kind, reason) VALUES (?, ?, ?, ?)"


# A cold import checkpoints the WAL into the database after a commit once it holds this many
# bytes: the WAL (and the extra disk space an import needs) stays about one transaction's size,
# where waiting for the end made it as big as everything imported (a disk could fill with the
# database only half its final size). On the big benchmark tree: peak WAL 88 -> 26 MB, the
# importing process's CPU +2% (best of 8), wall time within the noise (bench/README.md).
CHECKPOINT_BYTES = 16 << 20
# Store bytes per byte of log read, until this import has committed enough to measure its own:
# the densest formats (application JSONL, CSV, Admin reports) give about 0.4; transcripts 0.04.
STORE_PER_LOG_BYTE = 0.5


class ImportWriter:
    """One import's writes on a store. `begin` opens a transaction, `commit` closes it with the
    files' import state and their slots; several files share one, each all-or-nothing.

    `bytes_total` (the logs the import reads) lets a full disk be reported with the space the rest
    of the import needs; `commit(bytes_done)` says how much of it is safely in."""

    def __init__(self, store: Store, bands: list[int] | None, bytes_total: int = 0) -> None:
        self.store = store
        self.conn = store.conn
        self._slot_bands = bands  # None: no catalog, no bands; readers go to the rows until an import has one
        self._dims_stored: set[int] = set()  # dims rows written by this import (a handful; skip the rest)
        self._sources_pending: list[tuple] = []  # sources rows of the open transaction
        self._started = False
        self.bytes_total = bytes_total
        self.bytes_committed = 0
        self._pages_at_start: int | None = None
        self._page_size = 0

    # --- transactions -----------------------------------------------------------------------

    def no_checkpoints(self) -> None:
        """No automatic WAL checkpoints during the import (SQLite's, every 1000 pages, would copy
        and fsync at every commit); `commit` runs one in bounded steps, `finish` one at the end.
        Readers are unaffected."""
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        # A WAL reset after a checkpoint truncates the file to this size (else it keeps its largest).
        self.conn.execute(f"PRAGMA journal_size_limit = {CHECKPOINT_BYTES}")

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        if not self._started:
            self._started = True
            self._slots_begin()
            self._pages_at_start = self._pages_used()

    def commit(self, bytes_done: int | None = None) -> None:
        """Close the current transaction: the files' import state, their slots, COMMIT. Then a
        checkpoint when the WAL has grown by a step (see CHECKPOINT_BYTES)."""
        if self._sources_pending:
            self.conn.executemany(UPSERT_SOURCE, self._sources_pending)
            self._sources_pending = []
        self._slots_update()
        self.conn.execute("COMMIT")
        if bytes_done is not None:
            self.bytes_committed = bytes_done
        self._checkpoint_step()

    def _checkpoint_step(self) -> None:
        try:
            wal = self.store.path.with_name(self.store.path.name + "-wal").stat().st_size
        except OSError:
            return
        if wal < CHECKPOINT_BYTES:
            return
        try:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # committed already; a full disk or a reader shows again at the next write

    def rollback(self) -> None:
        """The files of the open transaction stay as they were."""
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # a failed rollback (I/O error) still ends the transaction: SQLite rolls it back

    def finish(self) -> None:
        """After the last transaction (committed or not): checkpoints back on, one now if no reader holds the WAL."""
        try:
            self.conn.execute("PRAGMA wal_autocheckpoint = 1000")
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # a reader holds the WAL, or the disk is full: the next import (or SQLite) checkpoints later

    def error(self, exc: sqlite3.Error) -> Exception:
        """The one-line error for a failed import write; for a full disk, with the space it needs."""
        err = explain(self.store.path, exc, busy_timeout_s=self.store.busy_timeout_s)
        if isinstance(err, StoreError) and err.kind == "disk-full":
            free = free_space(self.store.path)
            room = f"{human_bytes(free)} free" if free is not None else "no free space"
            err = StoreError(
                f"{self.store.path}: disk full ({room} on its file system): {self.space_needed()}; the files "
                "imported before it filled are kept: free some space (or choose another --db) and run the import "
                "again to finish",
                err.kind,
                err.path,
            )
        return err

    def space_needed(self) -> str:
        """'this import needs about N more ...': the logs not yet committed, at the store bytes per
        log byte this import has shown so far (or a dense format's), plus a checkpoint step."""
        unread = max(0, self.bytes_total - self.bytes_committed)
        ratio = STORE_PER_LOG_BYTE
        used, start = self._pages_used(), self._pages_at_start
        if used is not None and start is not None and self.bytes_committed >= 1 << 20 and used > start:
            ratio = (used - start) * self._page_size / self.bytes_committed
        grow = unread * ratio
        need = grow + min(grow, CHECKPOINT_BYTES)
        return (
            f"this import needs about {human_bytes(need)} more (for the {human_bytes(unread)} of logs not yet imported)"
        )

    def _pages_used(self) -> int | None:
        try:
            self._page_size = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
            pages = int(self.conn.execute("PRAGMA page_count").fetchone()[0])
            free = int(self.conn.execute("PRAGMA freelist_count").fetchone()[0])
        except sqlite3.Error:
            return None
        return pages - free

    # --- one file's writes --------------------------------------------------------------------

    def forget_file(self, source_id: int) -> None:
        """A file read again whole: what it contributed before goes (its new rows replace it)."""
        self.conn.execute("DELETE FROM usage WHERE source_id = ?", (source_id,))
        self._slots_full = True  # rows gone from their slots: rebuild them at the commit
        self.conn.execute("DELETE FROM billed WHERE source_id = ?", (source_id,))
        self.conn.execute("DELETE FROM problems WHERE source_id = ?", (source_id,))

    def add_dims(self, dims: dict[tuple, int]) -> None:
        """dims rows, (model_raw, model, tier, geo, speed) -> id, that this import has not written yet."""
        new = [(i, *d) for d, i in dims.items() if i not in self._dims_stored]
        if new:
            self.conn.executemany(INSERT_DIMS, new)
            self._dims_stored.update(d[0] for d in new)

    def add_rows(self, rows: Sequence[Sequence], slots: list[tuple] | None) -> tuple[int, int]:
        """A file's stored rows (short or full; `slots`: the workers' sums of them, or None).
        Returns (new, replaced); the rest were duplicates that did not rank higher."""
        conn = self.conn
        if sum(map(len, rows)) == SHORT_LEN * len(rows):  # all short (every Claude Code file): no sorting out
            short, full = rows, []
        else:
            short = [r for r in rows if len(r) == SHORT_LEN]
            full = [r for r in rows if len(r) != SHORT_LEN]
        new = replaced = 0
        for batch, insert, replace in ((short, INSERT_SHORT, REPLACE_SHORT), (full, INSERT_ROW, REPLACE_ROW)):
            if not batch:
                continue
            before = conn.total_changes
            conn.executemany(insert, batch)
            added = conn.total_changes - before
            new += added
            if added < len(batch):
                before = conn.total_changes
                conn.executemany(replace, batch)
                replaced += conn.total_changes - before
        if replaced:
            self._slots_full = True  # rows changed in place: rebuild the slots at the commit
        self._slots_added(slots, len(rows), new)
        return new, replaced

    def add_billed(self, billed: list[tuple]) -> None:
        self.conn.executemany(INSERT_BILLED, billed)

    def add_problems(self, source_id: int, problems: Sequence[LineProblem]) -> None:
        self.conn.executemany(INSERT_PROBLEM, [(source_id, p.line, p.kind, p.reason) for p in problems])

    def set_source(self, state: tuple) -> None:
        """A file's import state (SOURCE_COLUMNS, then `restart`), written at the commit."""
        self._sources_pending.append(state)

    # --- slots (usage summed per 15 minutes), kept in step with the rows -----------------------

    def _slots_begin(self) -> None:
        """At an import's start (in its first transaction): what the slots were built with."""
        bands = self._slot_bands
        built = slot_bands(self.conn)
        stale = bands is None or built is None or built != json.dumps(bands)
        self._slots_from = self._max_id = self._top_id()
        # Stale slots over stored rows are rebuilt; with no rows yet there is nothing to rebuild.
        self._slots_full = stale and self._slots_from > 0
        self._slots_new = stale and not self._slots_full
        self._slots_pending: list[tuple] = []  # the workers' sums of files whose rows all went in
        self._slot_ranges: list[tuple[int, int]] = []  # ids (lo, hi] of files whose rows partly went in

    def _top_id(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM usage").fetchone()[0])

    def _slots_added(self, slots: list[tuple] | None, rows: int, new: int) -> None:
        """After a file's rows went in (none replaced): account for them in the slots."""
        if self._slot_bands is None or self._slots_full or not new:
            return
        lo = self._max_id
        self._max_id += new  # ids are given in order from max(id) + 1 (checked at the commit)
        if new == rows and slots is not None:
            self._slots_pending += slots  # SQLite adds up those of the same slot (INSERT_SLOTS)
        else:  # some were duplicates that lost: sum the ones stored
            self._slot_ranges.append((lo, self._max_id))

    def _slots_update(self) -> None:
        """Before each commit: add the rows appended since the last one to their slots, or rebuild
        the slots when rows were replaced or deleted (or the bands changed). Same transaction."""
        conn = self.conn
        if self._slot_bands is None:
            conn.execute("DELETE FROM meta WHERE key = 'slot_bands'")
            return
        top = self._top_id()
        if self._slots_full:
            conn.execute("DELETE FROM slots")
            conn.execute(slots_sql(self._slot_bands, False))
        else:
            if self._slots_new:
                conn.execute("DELETE FROM slots")  # built with other bands, over rows since deleted
            if top != self._max_id:  # ids not given as expected: sum every row of this transaction
                self._slots_pending, self._slot_ranges = [], [(self._slots_from, top)]
            conn.executemany(INSERT_SLOTS, self._slots_pending)
            sql = slots_sql(self._slot_bands, True)
            for lo_hi in self._slot_ranges:
                conn.execute(sql, lo_hi)
        if self._slots_full or self._slots_new:
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('slot_bands', ?)", (json.dumps(self._slot_bands),)
            )
        self._slots_full = self._slots_new = False
        self._slots_pending, self._slot_ranges = [], []
        self._slots_from = self._max_id = top
