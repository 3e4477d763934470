"""The usage store's connection: open (WAL, pragmas, migrations), close, and one-line errors.

`Store` is the one object that holds a database connection; its reads are mixed in from
`queries` and `aggregates`, the import's writes go through `writer.ImportWriter`, the probe
snapshots through `probes`. Readers (the dashboard) are never blocked by an import: WAL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from planner.errors import PlannerError
from planner.store import migrations
from planner.store.aggregates import KEYS as SUM_KEY_SQL
from planner.store.aggregates import UsageSums
from planner.store.queries import UsageReads
from planner.store.slots import SLOT_MS


def explain(path: Path, exc: sqlite3.Error) -> PlannerError:
    """A SQLite error as the one line a user can act on."""
    msg = str(exc)
    if "readonly" in msg or "read-only" in msg:
        return PlannerError(f"{path}: the database is read-only ({msg}); choose another with --db or PLANNER_DB")
    if "locked" in msg or "busy" in msg:
        return PlannerError(f"{path}: the database is locked by another process ({msg}); try again when it finishes")
    if "not a database" in msg or "malformed" in msg:
        return PlannerError(f"{path}: not a planner database ({msg})")
    return PlannerError(f"{path}: {msg}")


class Store(UsageReads, UsageSums):
    """The SQLite usage store. One connection per Store; use one Store per thread.

    Opening brings an older database to the current schema (`migrations`, one transaction) and
    refuses, untouched, one written by a newer planner."""

    SLOT_MS = SLOT_MS  # the slots' width, for readers that get a Store as a `ledger.SumsSource`
    SUM_KEYS = frozenset(SUM_KEY_SQL)

    def __init__(self, path: Path | str, *, readonly: bool = False, busy_timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        try:
            if readonly:
                conn = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, timeout=busy_timeout_s, check_same_thread=False
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False)
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        except PermissionError as exc:
            raise PlannerError(f"{self.path}: cannot create the database ({exc.strerror})") from None
        try:
            self._open(conn, readonly, busy_timeout_s)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise explain(self.path, exc) from None
            raise
        self.conn = conn

    def _open(self, conn: sqlite3.Connection, readonly: bool, busy_timeout_s: float) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        steps = migrations.MIGRATIONS
        version = migrations.user_version(conn)
        if version > len(steps):  # before any write, even of the journal mode
            raise migrations.newer(self.path, version, len(steps))
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

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
