"""Planning an import: which files to read and from where. Only walks and stats the tree: an
unchanged file costs one `stat`, a file never seen is classified by the worker that reads it.

Incremental: each file's identity (device, inode), size, mtime, the offset after its last complete
line and the line count there are remembered by the store; a grown file is read from that offset,
and a file that shrank, was replaced, or whose first bytes changed is read again whole.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from planner.ingest.results import FileResult
from planner.store import Store
from planner.store.keys import source_id

HEAD_BYTES = 4096  # the fingerprint of a file's start: a replaced file is read again whole
WHOLE_DOCUMENTS = ("usage-report", "cost-report", "csv")  # formats always read whole

Options = dict[str, dict[str, Any]]  # a file path (as given) or a format name -> parser options


@dataclass
class Task:
    path: str
    fmt: str | None  # None: the worker detects it (see `detect`)
    source_id: int
    start_offset: int
    start_line: int
    options: dict[str, Any]  # for this file; merged over fmt_options[format]
    since_ms: int | None
    size: int  # at planning (for progress)
    known: bool = False  # the store has rows from this file (so reading from 0 replaces them)
    # A file the store has never seen is classified by the worker that reads it (its first bytes
    # decide the format, or that it is no log at all): planning only walks and stats the tree.
    detect: bool = False
    fmt_options: Options = field(default_factory=dict)  # format -> parser options (for `detect`)


def fingerprint(head: bytes, offset: int) -> str:
    """A hash of the file's first bytes up to `offset` (what was already read)."""
    return hashlib.blake2b(head[: min(HEAD_BYTES, offset)], digest_size=8).hexdigest()


def plan(
    store: Store, paths: Sequence[Path | str], fmt: str | None, since: datetime | None, options: Options
) -> tuple[list[Task | FileResult], list[FileResult]]:
    """(the files in order, each a Task to read or an "unchanged" FileResult; the files skipped)."""
    from planner.usage import detect

    known = store.import_state()
    skipped: list[FileResult] = []
    out: list[Task | FileResult] = []
    since_ms = int(since.timestamp() * 1000) if since is not None else None
    seen: set[str] = set()
    for given_path in paths:
        given = Path(given_path).expanduser()
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
                skipped.append(FileResult(spath, None, "vanished", reason=f"vanished before reading ({exc.strerror})"))
                continue
            prev = known.get(spath)
            if prev is not None and since_ms is None and (fmt is None or fmt == prev[0]):
                pfmt, dev, ino, size, mtime_ns, offset, lines, head = prev
                if (dev, ino, size, mtime_ns) == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
                    out.append(FileResult(spath, pfmt, "unchanged"))
                    continue
            if not explicit and (why := detect.not_a_log(spath)):
                skipped.append(FileResult(spath, None, "skipped", reason=why))
                continue
            file_opts = {**options.get(str(given), {}), **options.get(spath, {})}
            sid = source_id(spath)
            if prev is None:  # never seen: the worker that reads it classifies it
                out.append(
                    Task(spath, fmt, sid, 0, 0, file_opts, since_ms, st.st_size, detect=True, fmt_options=options)
                )
                continue
            try:
                first = detect.sniff(spath)
            except OSError as exc:
                skipped.append(FileResult(spath, None, "skipped", reason=f"unreadable: {exc.strerror}"))
                continue
            found, why = detect.classify(first, spath, fmt)
            if found is None:
                skipped.append(FileResult(spath, None, "skipped", reason=why or "not a recognised usage log"))
                continue
            start_offset = start_line = 0
            if since_ms is None and found not in WHOLE_DOCUMENTS and prev[0] == found:
                pfmt, dev, ino, size, mtime_ns, offset, lines, head = prev
                same_file = (dev, ino) == (st.st_dev, st.st_ino) and st.st_size >= offset
                if same_file and head == fingerprint(first, offset):
                    start_offset, start_line = offset, lines
            opts = {**options.get(found, {}), **file_opts}
            out.append(Task(spath, found, sid, start_offset, start_line, opts, since_ms, st.st_size, known=True))
    return out, skipped
