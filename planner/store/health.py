"""A store's health, read without changing it: SQLite's integrity check, which tables and indexes
are damaged, the schema version, the WAL's size, and what to do. What `planner doctor` shows.

The store is opened read-only (`mode=ro`), so nothing is written, not even a checkpoint. SQLite's
check stops at some kinds of damage ("database disk image is malformed"); the damaged objects are
then found from the pages `dbstat` marks corrupted and the pages the check's messages cite, else
(a SQLite without `dbstat`) by checking each table on its own.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.store.connection import check_location, explain, human_bytes, kind_of
from planner.store.migrations import SCHEMA_VERSION

MAX_PROBLEMS = 100  # messages kept from the check (SQLite's own limit argument)
# Tables whose rows are sums of others (rebuilt by the importer), not imported data.
DERIVED = {"slots": "sums of the usage rows"}
_PAGE = re.compile(r"\b[Pp]age (\d+)")
_INDEX = re.compile(r"\bindex (\w+)")


@dataclass
class Damage:
    name: str
    type: str  # "table", "index", or "schema" (the list of tables itself)
    table: str | None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "table": self.table, "problems": self.problems}


@dataclass
class Health:
    path: Path
    status: str = "ok"  # ok | damaged | cannot-open
    check: str = "integrity_check"
    error: str | None = None  # why it could not be opened, or where the check stopped
    schema_version: int | None = None
    schema_known: int = SCHEMA_VERSION
    page_size: int | None = None
    pages: int | None = None
    free_pages: int | None = None
    size_bytes: int | None = None
    wal_bytes: int | None = None
    journal_mode: str | None = None
    problems: list[str] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)
    imported_from: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "damaged": 1}.get(self.status, 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "database": str(self.path),
            "status": self.status,
            "ok": self.status == "ok",
            "check": self.check,
            "error": self.error,
            "schema_version": self.schema_version,
            "schema_known": self.schema_known,
            "page_size": self.page_size,
            "pages": self.pages,
            "free_pages": self.free_pages,
            "size_bytes": self.size_bytes,
            "wal_bytes": self.wal_bytes,
            "journal_mode": self.journal_mode,
            "damaged": [d.to_json() for d in self.damaged],
            "problems": self.problems,
            "imported_from": self.imported_from,
            "advice": self.advice,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def clean(text: str) -> str:
    """Names and messages from a damaged file may hold anything: control characters escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def diagnose(path: Path, *, quick: bool = False) -> Health:
    """Check the store at `path` (read-only). Never raises for the store's state: a file that
    cannot be opened is `status="cannot-open"` with the reason in `error`."""
    started = time.perf_counter()
    health = Health(path, check="quick_check" if quick else "integrity_check")
    try:
        _diagnose(health, quick)
    finally:
        health.elapsed_s = time.perf_counter() - started
    _advise(health)
    return health


def _diagnose(health: Health, quick: bool) -> None:
    path = health.path
    if not path.exists():
        health.status, health.error = "cannot-open", "no database here (nothing imported yet?)"
        return
    try:
        check_location(path)
    except PlannerError as exc:
        health.status, health.error = "cannot-open", str(exc).removeprefix(f"{path}: ")
        return
    health.size_bytes = path.stat().st_size
    wal = path.with_name(path.name + "-wal")
    health.wal_bytes = wal.stat().st_size if wal.exists() else 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        health.status, health.error = "cannot-open", _why(path, exc)
        return
    try:
        try:
            health.schema_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            health.journal_mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
            health.page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            health.pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            health.free_pages = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            objects = conn.execute(
                "SELECT name, type, tbl_name FROM sqlite_master WHERE rootpage > 0 ORDER BY rootpage"
            ).fetchall()
        except sqlite3.Error as exc:
            if kind_of(exc) != "damaged":
                health.status, health.error = "cannot-open", _why(path, exc)
                return
            health.status, health.error = "damaged", clean(str(exc))
            health.damaged.append(Damage("sqlite_schema", "schema", None, [f"the list of tables: {clean(str(exc))}"]))
            return
        _check(conn, health, quick, [(str(n), str(t), str(tb)) for n, t, tb in objects])
        if health.status == "damaged":
            health.imported_from = _imported_from(conn)
    finally:
        conn.close()


def _why(path: Path, exc: sqlite3.Error) -> str:
    """Why the store cannot be opened, as the other commands say it (a full disk named as such)."""
    return clean(str(explain(path, exc)).removeprefix(f"{path}: "))


def _check(conn: sqlite3.Connection, health: Health, quick: bool, objects: list[tuple[str, str, str]]) -> None:
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
        messages = [line for r in rows for line in str(r[0]).splitlines()]
    except sqlite3.Error as exc:
        if kind_of(exc) != "damaged":
            raise
        messages, health.error = [], f"the check stopped: {clean(str(exc))}"
    messages = [clean(m) for m in messages if m != "ok" and not m.startswith("*** in database")]
    if not messages and health.error is None:
        return
    health.status = "damaged"
    health.problems = messages[:MAX_PROBLEMS]
    kinds = {name: (kind, table) for name, kind, table in objects}
    found: dict[str, list[str]] = {}
    owner = _page_owners(conn)
    for name in owner.get("corrupted", set()):
        found.setdefault(name, []).append("unreadable pages")
    for message in messages:
        if " is never used" in message:  # orphaned by damage elsewhere: no owner to name
            continue
        for m in _PAGE.finditer(message):
            name = owner["pages"].get(int(m.group(1)))
            if name is not None:
                found.setdefault(name, []).append(message)
        for m in _INDEX.finditer(message):
            if m.group(1) in kinds:
                found.setdefault(m.group(1), []).append(message)
    if not found:  # no dbstat, or nothing it could place: check each table (with its indexes) alone
        for name, kind, _table in objects:
            if kind != "table":
                continue
            try:
                rows = conn.execute(f'PRAGMA {pragma}("{name}")').fetchall()
                bad = [clean(line) for r in rows for line in str(r[0]).splitlines() if line != "ok"]
            except sqlite3.Error as exc:
                bad = [clean(str(exc))]
            bad = [b for b in bad if not b.startswith("*** in database")]
            if bad:
                found[name] = bad
    for name, why in found.items():
        kind, table = kinds.get(name, ("table", name))
        health.damaged.append(Damage(clean(name), kind, clean(table), list(dict.fromkeys(why))[:10]))
    health.damaged.sort(key=lambda d: (d.table or "", d.type != "table", d.name))


def _page_owners(conn: sqlite3.Connection) -> dict[str, Any]:
    """{"pages": {page number: object name}, "corrupted": {names with pages SQLite could not read}}
    from the dbstat table (empty when this SQLite was built without it)."""
    pages: dict[int, str] = {}
    corrupted: set[str] = set()
    try:
        for name, page, kind in conn.execute("SELECT name, pageno, pagetype FROM dbstat"):
            pages[int(page)] = str(name)
            if kind == "corrupted":
                corrupted.add(str(name))
    except sqlite3.Error:
        pass
    return {"pages": pages, "corrupted": corrupted}


def _imported_from(conn: sqlite3.Connection) -> list[str]:
    """The folders the store's files were imported from (what to import again), if readable."""
    try:
        paths = [str(r[0]) for r in conn.execute("SELECT path FROM sources").fetchall()]
    except sqlite3.Error:
        return []
    folders = sorted({_root_of(Path(p)) for p in paths})
    roots: list[str] = []
    for folder in folders:  # sorted: a folder's subfolders follow it
        if not roots or not (folder == roots[-1] or folder.startswith(roots[-1].rstrip(os.sep) + os.sep)):
            roots.append(folder)
    return [clean(r) for r in roots]


def _root_of(path: Path) -> str:
    """The folder to import a file again from: a Claude Code transcript's config folder (the one
    holding projects/), else the file's own folder."""
    parts = path.parts
    if "projects" in parts[:-1]:
        at = len(parts) - 1 - parts[::-1].index("projects")
        return str(Path(*parts[:at]))
    return str(path.parent)


def _advise(health: Health) -> None:
    path, advice = health.path, health.advice
    if health.status == "cannot-open":
        advice.append("choose the right database with --db or PLANNER_DB, or import into a new one")
        return
    version, known = health.schema_version, health.schema_known
    if version is not None and version > known:
        advice.append(
            f"schema {version} was written by a newer planner (this one knows up to {known}): upgrade planner"
        )
    elif version is not None and version < known:
        advice.append(f"schema {version}: the next command that writes (e.g. planner import) upgrades it to {known}")
    if health.wal_bytes and health.wal_bytes > 64 << 20:
        advice.append(
            f"the WAL holds {human_bytes(health.wal_bytes)} not yet copied into the database: the next import "
            "copies it (it needs about as much free space)"
        )
    if health.status != "damaged":
        return
    salvage = f"planner doctor --db {path} --salvage"
    damaged = health.damaged
    rows_whole = bool(damaged) and all(d.type == "index" or d.table in DERIVED for d in damaged)
    if rows_whole:
        names = sorted({d.name for d in damaged})
        what = (
            "indexes are"
            if all(d.type == "index" for d in damaged)
            else f"{', '.join(names)} {'is' if len(names) == 1 else 'are'}"
        )
        advice.append(
            f"only {what} damaged, which the rows rebuild: `{salvage}` makes a new store with every row "
            "(the damaged file is kept beside it)"
        )
        return
    again = " ".join(health.imported_from[:5]) or "<your log folders>"
    advice.append(
        f"`{salvage}` makes a new store with what reads back (probe history included; the damaged file is "
        "kept beside it)"
    )
    advice.append(f"then import your logs again: planner import --db {path} {again}")
