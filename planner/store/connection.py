"""The usage store's connection: open (WAL, pragmas, migrations), close, and one-line errors.

`Store` is the one object that holds a database connection; its reads are mixed in from
`queries` and `aggregates`, the import's writes go through `writer.ImportWriter`, the probe
snapshots through `probes`. Readers (the dashboard) are never blocked by an import: WAL.

Every SQLite failure the environment causes (a damaged page, a read-only file, a full disk, a lock
held too long, a file that is no database) leaves through `StoreConnection` and `StoreCursor` as a
`StoreError`: one line with the path, what happened and what to do. It is a `PlannerError` (the
CLI prints it and exits 2) and still a `sqlite3.DatabaseError`, so the rollbacks and optional
writes that catch those keep working. Misuse of the API (`ProgrammingError`, `InterfaceError`) is
a bug and is left as it is.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.store import migrations
from planner.store.aggregates import KEYS as SUM_KEY_SQL
from planner.store.aggregates import UsageSums
from planner.store.queries import UsageReads
from planner.store.slots import SLOT_MS

SQLITE_HEADER = b"SQLite format 3\x00"
# Below this much free space on the store's file system, an I/O error is reported as a full disk
# (SQLite says "disk I/O error" when growing the WAL index or the WAL itself fails for lack of room).
LOW_SPACE = 4 << 20

# SQLite's primary result codes (the low byte of the extended code Python gives) -> kind.
_KIND_OF_CODE = {
    3: "read-only",  # SQLITE_PERM
    5: "locked",  # SQLITE_BUSY
    6: "locked",  # SQLITE_LOCKED
    7: "memory",  # SQLITE_NOMEM
    8: "read-only",  # SQLITE_READONLY
    10: "io",  # SQLITE_IOERR
    11: "damaged",  # SQLITE_CORRUPT
    13: "disk-full",  # SQLITE_FULL
    14: "cannot-open",  # SQLITE_CANTOPEN
    26: "not-a-database",  # SQLITE_NOTADB
}


class StoreError(PlannerError, sqlite3.DatabaseError):
    """A store failure as one line a user can act on. `kind` says which: damaged, not-a-database,
    read-only, locked, disk-full, io, cannot-open, memory, other."""

    def __init__(self, message: str, kind: str = "other", path: Path | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.path = path


def human_bytes(n: int | float) -> str:
    """1234567 -> '1.2 MB' (decimal units, as df -H and file managers show them)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def free_space(path: Path) -> int | None:
    """Bytes free on the file system holding `path` (its nearest existing folder), or None."""
    for folder in (path, *path.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return None


def _read_only_place(path: Path) -> bool:
    """Whether an existing store sits on a read-only file system or in a folder we cannot write."""
    if not path.exists():
        return False
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not os.access(path.parent, os.W_OK)


def kind_of(exc: sqlite3.Error) -> str:
    code = getattr(exc, "sqlite_errorcode", None)
    kind = _KIND_OF_CODE.get(code & 0xFF) if isinstance(code, int) else None
    if kind is not None:
        return kind
    msg = str(exc).lower()  # errors raised without a code (ours, or an older sqlite3 module)
    for words, kind in (
        (("malformed", "corrupt"), "damaged"),
        (("not a database",), "not-a-database"),
        (("readonly", "read-only"), "read-only"),
        (("locked", "busy"), "locked"),
        (("disk is full", "database or disk is full"), "disk-full"),
        (("disk i/o error",), "io"),
        (("unable to open",), "cannot-open"),
    ):
        if any(w in msg for w in words):
            return kind
    return "other"


def explain(path: Path, exc: BaseException, *, busy_timeout_s: float | None = None) -> PlannerError:
    """A SQLite (or file system) error as the one line a user can act on."""
    if isinstance(exc, PlannerError):
        return exc
    msg = str(exc) or type(exc).__name__
    kind = kind_of(exc) if isinstance(exc, sqlite3.Error) else "other"
    if kind == "io":
        free = free_space(path)
        if free is not None and free < LOW_SPACE:
            kind = "disk-full"
    if kind == "cannot-open" and _read_only_place(path):
        kind = "read-only"  # SQLite cannot create the -wal and -shm files beside it
    doctor = f"`planner doctor --db {path}`"
    if kind == "damaged":
        text = (
            f"the database is damaged ({msg}); run {doctor} to see which tables, "
            "then restore a copy or import your logs into a new database (--db)"
        )
    elif kind == "not-a-database":
        text = f"not a planner database ({msg}); choose another with --db or PLANNER_DB"
    elif kind == "read-only":
        text = (
            f"the database is read-only ({msg}): this command writes to it; make the file, its -wal and -shm "
            "files and its folder writable, or choose another with --db or PLANNER_DB"
        )
    elif kind == "locked":
        waited = f" for more than {busy_timeout_s:g} s" if busy_timeout_s is not None else ""
        text = f"the database is locked by another process{waited} ({msg}); try again when it finishes"
    elif kind == "disk-full":
        free = free_space(path)
        room = f"{human_bytes(free)} free" if free is not None else "no free space"
        text = (
            f"disk full ({msg}; {room} on its file system): SQLite needs room for its write-ahead log even "
            "to read; free some space (or choose another --db) and run the command again (nothing "
            "half-written is kept)"
        )
    elif kind == "io":
        text = f"disk I/O error ({msg}); check the disk, then run {doctor}"
    elif kind == "cannot-open":
        text = f"cannot open the database ({msg}); check the path and its folder's permissions"
    elif kind == "memory":
        text = f"out of memory ({msg})"
    else:
        text = msg
    return StoreError(f"{path}: {text}", kind, path)


def _translate(exc: sqlite3.Error) -> bool:
    """Whether an exception is the environment's doing (translated), not a bug in our SQL or use."""
    return not isinstance(exc, (StoreError, sqlite3.ProgrammingError, sqlite3.InterfaceError))


class StoreCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise `StoreError` (iteration is left as it is: a
    Python `__next__` costs per row; the CLI entry point explains what escapes from it)."""

    connection: StoreConnection

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.connection.error(exc) from None
            raise
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> StoreCursor:
        try:
            super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.connection.error(exc) from None
            raise
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.connection.error(exc) from None
            raise

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.connection.error(exc) from None
            raise

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.connection.error(exc) from None
            raise


class StoreConnection(sqlite3.Connection):
    """The store's connection (`sqlite3.connect(..., factory=StoreConnection)`): statements and
    commits raise `StoreError` naming the database and what to do."""

    path: Path = Path("?")
    busy_timeout_s: float | None = None

    def error(self, exc: BaseException) -> PlannerError:
        return explain(self.path, exc, busy_timeout_s=self.busy_timeout_s)

    def execute(self, sql: str, parameters: Any = (), /) -> StoreCursor:
        return self.cursor(StoreCursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> StoreCursor:
        return self.cursor(StoreCursor).executemany(sql, parameters)

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as exc:
            if _translate(exc):
                raise self.error(exc) from None
            raise


def check_location(path: Path) -> None:
    """Refuse, before SQLite touches it, a path that cannot be a store: a folder, a FIFO or device
    (opening one can block forever), or a file that is not SQLite (SQLite would only say so at the
    first read)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot use it as the database ({exc.strerror or exc})", "cannot-open", path
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(
            f"{path}: is a folder, not a database file; give a file path (e.g. {path / 'planner.db'})",
            "cannot-open",
            path,
        )
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(
            f"{path}: not a regular file (a FIFO, socket or device); give a database file", "cannot-open", path
        )
    if st.st_size == 0:
        return  # SQLite makes an empty file a new database
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database ({exc.strerror or exc})", "read-only", path) from None
    if head != SQLITE_HEADER:
        raise StoreError(
            f"{path}: not a planner database (not an SQLite file: it starts with {head[:12]!r}); "
            "choose another with --db or PLANNER_DB (nothing was written to it)",
            "not-a-database",
            path,
        )


class Store(UsageReads, UsageSums):
    """The SQLite usage store. One connection per Store; use one Store per thread.

    Opening brings an older database to the current schema (`migrations`, one transaction) and
    refuses, untouched, one written by a newer planner, and anything that is not a planner store."""

    conn: StoreConnection

    SLOT_MS = SLOT_MS  # the slots' width, for readers that get a Store as a `ledger.SumsSource`
    SUM_KEYS = frozenset(SUM_KEY_SQL)

    def __init__(self, path: Path | str, *, readonly: bool = False, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        check_location(self.path)
        try:
            if readonly:
                conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro",
                    uri=True,
                    timeout=busy_timeout_s,
                    check_same_thread=False,
                    factory=StoreConnection,
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=busy_timeout_s, check_same_thread=False, factory=StoreConnection
                )
        except sqlite3.Error as exc:
            raise explain(self.path, exc, busy_timeout_s=busy_timeout_s) from None
        except OSError as exc:
            raise StoreError(
                f"{self.path}: cannot create the database folder ({exc.strerror or exc})", "cannot-open", self.path
            ) from None
        conn.path, conn.busy_timeout_s = self.path, busy_timeout_s
        try:
            self._open(conn, readonly, busy_timeout_s)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, PlannerError):
                raise explain(self.path, exc, busy_timeout_s=busy_timeout_s) from None
            raise
        self.conn = conn

    def _open(self, conn: StoreConnection, readonly: bool, busy_timeout_s: float) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        steps = migrations.MIGRATIONS
        version = migrations.user_version(conn)
        if version > len(steps):  # before any write, even of the journal mode
            raise migrations.newer(self.path, version, len(steps))
        if version == 0:
            migrations.check_empty(conn, self.path)  # someone else's SQLite file: refused untouched
        if not readonly:
            # A new database only (an existing one keeps its size): 8 KiB pages make a cold import's
            # inserts about 15% cheaper than 4 KiB (fewer splits of the dedup-key index).
            conn.execute("PRAGMA page_size = 8192")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise sqlite3.OperationalError(f"cannot use WAL mode (journal_mode is {mode}; read-only?)")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrations.migrate(conn, self.path, steps)
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA temp_store = MEMORY")

    @property
    def schema_version(self) -> int:
        return migrations.user_version(self.conn)

    def require_writable(self) -> None:
        """Raise the read-only `StoreError` now if this store cannot be written (a read-only file,
        folder or -shm file, a read-only mount), instead of at the first write, after the work. A
        no-op write, rolled back; a store busy with another writer counts as writable."""
        conn = self.conn
        if conn.in_transaction:
            return
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"PRAGMA user_version = {migrations.user_version(conn)}")
            finally:
                conn.execute("ROLLBACK")
        except StoreError as exc:
            if exc.kind != "locked":
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
