"""The dashboard's computed views kept between runs, so opening it on an unchanged big store
shows the overview at once instead of re-aggregating a million records.

Keyed by what the figures depend on: the store's sources (count, records, bad lines, last import),
the newest probe snapshot, the catalog files' bytes, the day the month is counted to, and this
module's format version. Anything else (a missing, stale or unreadable file) means: compute.
The file lives in the user data dir, next to the default database; it holds only aggregates."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

FORMAT = 1


def default_dir() -> Path:
    from planner import paths

    return paths.data_dir() / "dashboard-cache"


def cache_file(folder: Path, db: Path) -> Path:
    digest = hashlib.sha1(str(Path(db).resolve()).encode()).hexdigest()[:16]
    return folder / f"{digest}.pickle"


def catalog_key(override_files: Sequence[Path]) -> str:
    """A digest of the bundled catalog files and the override files in effect."""
    from planner.catalog.catalog import data_dir

    h = hashlib.sha1()
    bundled = sorted(data_dir().glob("*.toml"))
    for path in [*bundled, *override_files]:
        h.update(str(path).encode())
        try:
            h.update(Path(path).read_bytes())
        except OSError:
            h.update(b"-")
    return h.hexdigest()


def store_key(store, sources: list) -> tuple:
    newest_probe = None
    try:
        from planner.probe import history

        rows = history.snapshots(store, limit=1)
        newest_probe = rows[0].id if rows else None
    except Exception:
        newest_probe = None
    return (
        len(sources),
        sum(s.records for s in sources),
        sum(s.bad_lines for s in sources),
        max((s.last_import or "" for s in sources), default=""),
        newest_probe,
    )


def load(folder: Path, db: Path, key: tuple) -> dict[str, Any] | None:
    try:
        data = pickle.loads(cache_file(folder, db).read_bytes())
    except Exception:
        return None
    if not isinstance(data, dict) or data.get("key") != (FORMAT, *key):
        return None
    return data.get("values")


def save(folder: Path, db: Path, key: tuple, values: dict[str, Any]) -> None:
    from planner.atomic import write_atomic

    try:
        write_atomic(cache_file(folder, db), pickle.dumps({"key": (FORMAT, *key), "values": values}))
    except OSError:
        pass  # a read-only data dir only costs the next start its speed


def full_key(store, sources: list, catalog: str, today: date, live: dict) -> tuple:
    return (*store_key(store, sources), catalog, today.isoformat(), repr(sorted(live.items())))


def lookup(folder: Path, db: Path, catalog: str, today: date, now) -> dict[str, Any] | None:
    """This store's cached views if they are still current (checked before starting any work: a
    fresh cache means the overview needs no queries), else None."""
    if not cache_file(folder, db).exists():
        return None
    from planner.tui import data as D

    try:
        store = D.open_store(db)
    except Exception:
        return None
    try:
        sources = store.sources()
        key = full_key(store, sources, catalog, today, D.live_limits(store, now))
    finally:
        store.close()
    return load(folder, db, key)
