"""The import: plan, parse (in forked workers when there is enough to read), write.

What it promises:
- Idempotent: a record is keyed by a 64-bit hash of its dedup key (or of file:line when the format
  has none), so importing the same files again adds nothing.
- Dedup across files with the parsers' rule (`planner.usage.dedup.rank`): the non-sidechain copy
  wins, then the one with the most tokens.
- Incremental (`plan`): an unchanged file is not even opened, a grown one is read from where the
  last import stopped, a replaced one again whole (its old rows deleted in the same transaction).
- All-or-nothing per file (`write`): a file's rows and its new offset are written in one
  transaction (several small files may share one).

Parsing runs in forked worker processes (`forkmap`) when there is enough to read; the writes stay
in this process, on the store it is given.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from planner.ingest.parse import Parsed, Resolver, mark_worker, parse, set_resolver
from planner.ingest.plan import Options, Task, plan
from planner.ingest.results import FileResult, ImportProgress, ImportSummary
from planner.ingest.write import store_one
from planner.store import Store
from planner.store.writer import ImportWriter

if TYPE_CHECKING:
    from planner.catalog import Catalog

# Pool parsing pays off only above this many bytes to read (process start-up is ~50 ms).
POOL_MIN_BYTES = 32 << 20
# A transaction closes after this many rows or files (each file stays all-or-nothing either way).
TXN_ROWS = 100_000
TXN_FILES = 2000

Progress = Callable[[ImportProgress], None]


def import_paths(
    store: Store,
    paths: Sequence[Path | str],
    *,
    fmt: str | None = None,
    since: datetime | None = None,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    options: Options | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import every usage log under `paths` (files or directories) into `store`.

    `options` maps a file path (as given) or a format name to parser options, e.g.
    {"batch": {"default_ts": ...}}. `since` keeps only records at or after it and does not
    remember offsets (a later full import still reads the earlier lines).
    """
    started = time.perf_counter()
    summary = ImportSummary()
    planned, skipped = plan(store, paths, fmt, since, options or {})
    summary.files.extend(skipped)
    todo = [t for t in planned if isinstance(t, Task)]
    summary.files.extend(t for t in planned if isinstance(t, FileResult))
    total_bytes = sum(t.size - t.start_offset for t in todo)
    resolve = _resolver(catalog)
    state = {"files": 0, "bytes": 0, "records": 0}

    def report(current: str = "") -> None:
        if progress is not None:
            progress(ImportProgress(state["files"], len(todo), state["bytes"], total_bytes, state["records"], current))

    report()
    import_time = datetime.now(UTC).isoformat(timespec="seconds")  # sources.last_import
    bands = catalog.band_thresholds() if catalog is not None else None
    results = _parsed(todo, resolve, bands, total_bytes, workers)
    writer = ImportWriter(store, bands, total_bytes)
    pending_rows = pending_files = 0
    writer.no_checkpoints()
    try:
        writer.begin()
        for parsed in results:
            if cancel is not None and cancel.is_set():
                summary.cancelled = True
                break
            task = parsed.task
            assert task is not None
            summary.files.append(store_one(writer, parsed, import_time))
            state["files"] += 1
            state["bytes"] += parsed.bytes_read or (task.size if parsed.not_a_log else 0)
            state["records"] += parsed.n_rows
            pending_rows += parsed.n_rows
            pending_files += 1
            if pending_rows >= TXN_ROWS or pending_files >= TXN_FILES:
                writer.commit(state["bytes"])
                writer.begin()
                pending_rows = pending_files = 0
            report(task.path)
        writer.commit(state["bytes"])
    except sqlite3.Error as exc:
        writer.rollback()
        raise writer.error(exc) from None
    except BaseException:
        writer.rollback()  # the files of the open transaction stay as they were
        raise
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        writer.finish()
    if summary.cancelled:
        done = {f.path for f in summary.files}
        summary.files.extend(
            FileResult(t.path, t.fmt, "cancelled", reason="import cancelled before this file")
            for t in todo
            if t.path not in done
        )
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _resolver(catalog: Catalog | None) -> Resolver | None:
    if catalog is None:
        return None

    def resolve(raw: str) -> str | None:
        m = catalog.resolve(raw)
        return m.id if m else None

    return resolve


def _parsed(
    todo: list[Task], resolve: Resolver | None, bands: list[int] | None, total_bytes: int, workers: int | None
) -> Iterator[Parsed]:
    """Parsed files in plan order: in this process for small jobs, else in forked workers (they
    inherit the plan and the catalog's resolver; only the results cross processes)."""
    if not todo:
        return iter(())
    import multiprocessing as mp

    set_resolver(resolve, bands)
    n = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if n <= 1 or total_bytes < POOL_MIN_BYTES or len(todo) < 2 or "fork" not in mp.get_all_start_methods():
        return (parse(t) for t in todo)
    from planner.ingest.forkmap import ordered_map

    def lost(task: Task, why: str) -> Parsed:
        return Parsed(task, task.fmt, error=f"{task.path}: not read ({why})")

    results: Generator[Parsed, None, None] = ordered_map(
        parse, todo, n, lost=lost, chunk=max(1, min(8, len(todo) // (n * 16))), init=mark_worker
    )

    def gen() -> Generator[Parsed, None, None]:
        try:
            for task, parsed in zip(todo, results, strict=False):
                parsed.task = task
                yield parsed
        finally:
            results.close()

    return gen()


# --- the bundled samples -------------------------------------------------------------------------

SAMPLE_OPTIONS: Options = {"batch": {"default_ts": "2026-11-19T02:00:00Z"}}


def import_samples(
    store: Store, catalog: Catalog | None, progress: Progress | None = None, cancel: threading.Event | None = None
) -> ImportSummary:
    """Import the bundled `sample_logs/` (the dashboard's first run on an empty store)."""
    from planner import paths

    root = paths.sample_logs_dir()
    return import_paths(
        store, [root], catalog=catalog, progress=progress, cancel=cancel, options=SAMPLE_OPTIONS, workers=1
    )
