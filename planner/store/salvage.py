"""Salvage a damaged store into a new one (`planner doctor --salvage`), keeping the damaged file.

What can be kept is what reads back whole. The imported data (usage rows, their files' import
state, price dimensions, bills, problems) is kept only all together: a file's rows without its
import state, or its state without some of its rows, would make the next import skip or double
it. When any of those tables is damaged none of them is copied, and the logs are imported again
(they are the source of truth). Probe snapshots exist nowhere else: every one that reads back is
kept. The 15-minute slots are never copied (they are sums of the rows; readers use the rows until
the next import rebuilds them). Indexes are rebuilt by the new store, so damage confined to them
loses nothing.

The new store is built beside the old one and only then swapped in: a failure leaves the damaged
store where it was.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from planner.errors import PlannerError
from planner.store.connection import Store
from planner.store.migrations import SCHEMA_VERSION

IMPORTED = ("sources", "dims", "usage", "billed", "problems")
PROBES = "probe_snapshots"
BATCH = 10_000


@dataclass
class Salvage:
    path: Path
    kept_as: Path | None = None  # where the damaged file now is
    copied: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    lost: dict[str, str] = field(default_factory=dict)  # table -> why not copied
    import_again: bool = False


def salvage(path: Path, *, now: datetime | None = None) -> Salvage:
    """Copy what reads back of the store at `path` into a new store that takes its place; the
    damaged file is renamed `<name>.damaged-<UTC time>` (with its -wal file)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    result = Salvage(path)
    new = path.with_name(f"{path.name}.salvage-{stamp}")
    old = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = int(old.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise PlannerError(f"{path}: written by a newer planner (schema {version}): salvage it with that planner")
        store = Store(new)
        try:
            _copy(old, store.conn, result)
        finally:
            store.close()
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{new}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        old.close()
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):  # the WAL belongs to the damaged file: keep them together
        src = Path(f"{path}{suffix}")
        if src.exists():
            os.replace(src, Path(f"{aside}{suffix}"))
    os.replace(path, aside)
    os.replace(new, path)
    result.kept_as = aside
    return result


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


class Unreadable(Exception):
    """A table of the damaged store does not read back whole."""


def _copy_table(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> int:
    """Every row of `table`, read through the table itself (NOT INDEXED: a damaged index is not
    read). Unreadable at the first page that does not read; a failed write (a full disk) is
    raised as it is."""
    cols = [c for c in _columns(new, table) if c in set(_columns(old, table))]
    names = ", ".join(cols)
    marks = ", ".join("?" * len(cols))
    n = 0
    try:
        cur = old.execute(f'SELECT {names} FROM "{table}" NOT INDEXED')
        rows = cur.fetchmany(BATCH)
    except sqlite3.DatabaseError as exc:
        raise Unreadable(f"{table}: {exc}") from None
    while rows:
        new.executemany(f'INSERT INTO "{table}"({names}) VALUES ({marks})', rows)
        n += len(rows)
        try:
            rows = cur.fetchmany(BATCH)
        except sqlite3.DatabaseError as exc:
            raise Unreadable(f"{table}: {exc}") from None
    return n


def _copy(old: sqlite3.Connection, new: sqlite3.Connection, result: Salvage) -> None:
    try:
        tables = {str(r[0]) for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()}
    except sqlite3.DatabaseError as exc:  # the list of tables itself: nothing can be found in it
        result.import_again = True
        result.lost["sqlite_schema"] = f"the list of tables is damaged ({exc}): import the logs again"
        return
    new.execute("BEGIN IMMEDIATE")
    try:
        copied: dict[str, int] = {}
        try:
            for table in IMPORTED:
                if table in tables:
                    copied[table] = _copy_table(old, new, table)
        except Unreadable as exc:
            new.execute("ROLLBACK")
            new.execute("BEGIN IMMEDIATE")
            result.import_again = True
            result.lost.update({t: f"not copied ({exc}): import the logs again" for t in IMPORTED if t in tables})
            copied = {}
        result.copied.update(copied)
        if PROBES in tables:
            result.copied[PROBES] = _copy_probes(old, new, result)
        new.execute("COMMIT")
    except BaseException:
        if new.in_transaction:
            new.execute("ROLLBACK")
        raise


def _copy_probes(old: sqlite3.Connection, new: sqlite3.Connection, result: Salvage) -> int:
    """Probe snapshots one rowid range at a time: a damaged page loses only the rows on it."""
    cols = [c for c in _columns(new, PROBES) if c in set(_columns(old, PROBES))]
    names = ", ".join(cols)
    insert = f"INSERT INTO {PROBES}({names}) VALUES ({', '.join('?' * len(cols))})"
    n, last, skipped = 0, -1, 0
    while True:
        try:
            rows = old.execute(
                f"SELECT id, {names} FROM {PROBES} NOT INDEXED WHERE id > ? ORDER BY id LIMIT 500", (last,)
            ).fetchall()
        except sqlite3.DatabaseError:
            rows, skipped = [], skipped + 1
            last += 500  # past the unreadable page, as far as ids go
            if skipped > 1000:
                break
            continue
        if not rows:
            break
        new.executemany(insert, [r[1:] for r in rows])
        n += len(rows)
        last = int(rows[-1][0])
    if skipped:
        result.lost[PROBES] = "some snapshots were on damaged pages"
    return n
