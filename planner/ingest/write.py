"""Storing one parsed file: what to write for it, and what the import reports about it.

All-or-nothing per file: its rows and its new import state go in the same transaction (the
pipeline's), so a kill leaves every file either fully imported or as it was. The SQL is the
store's (`planner.store.writer.ImportWriter`).
"""

from __future__ import annotations

from planner.ingest.parse import Parsed
from planner.ingest.results import FileResult
from planner.store.writer import ImportWriter
from planner.usage.records import LineProblem

MAX_PROBLEMS_KEPT = 200  # per file in the problems table (the counts are always complete)


def store_one(writer: ImportWriter, parsed: Parsed, import_time: str) -> FileResult:
    t = parsed.task
    assert t is not None, "the pipeline pairs each result with its task"
    fmt = parsed.fmt
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
        writer.forget_file(t.source_id)  # what this file contributed before is replaced by what it holds now
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
    rows = parsed.stored_rows()
    writer.add_dims(parsed.dims)
    if rows:
        res.new, res.replaced = writer.add_rows(rows, parsed.slots)
        res.duplicate = len(rows) - res.new - res.replaced
    if parsed.billed:
        writer.add_billed(parsed.billed)
        res.new += len(parsed.billed)
    res.bad = sum(p.kind == "bad" for p in parsed.problems)
    if parsed.problems:
        writer.add_problems(t.source_id, parsed.problems[:MAX_PROBLEMS_KEPT])
    ident, head = parsed.ident, parsed.head
    if ident[2] is not None and ident[2] != parsed.end_offset:
        # Grew while being read, or ends with an incomplete line: check it again next time.
        ident = (ident[0], ident[1], ident[2], -1)
    if t.since_ms is not None:
        ident, end_offset, end_line = (None, None, None, None), 0, 0  # remember nothing: a full import reads it all
    else:
        end_offset, end_line = parsed.end_offset, parsed.end_line
    writer.set_source(  # written with the others of its transaction (ImportWriter.commit)
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
            sum(parsed.skipped.values()),
            import_time,
            1 if (reread or t.start_offset == 0) else 0,
        )
    )
    return res
