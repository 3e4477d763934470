"""`planner doctor`: check the store (read-only) and say what is damaged and what to do."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from planner.cli._common import add_format

HELP = "check the database for damage (SQLite integrity check) and say what to do"
DESCRIPTION = """\
Run SQLite's integrity check on the database (read-only: nothing is written), name the tables
and indexes that are damaged, show the schema version and the WAL's size, and say what to do.

With --salvage, a damaged store is replaced by a new one holding everything that reads back
(the damaged file is kept beside it, renamed .damaged-<time>): all of the imported data when it
reads back whole (damaged indexes lose nothing), else none of it (import the logs again), and
every probe snapshot that reads back.

Exit status: 0 healthy (or salvaged), 1 damaged, 2 cannot be opened (missing, not a planner
database, unreadable).

  planner doctor
  planner doctor --quick                  (quick_check: skips the index cross-check; faster)
  planner doctor --db backup.db --format json
  planner doctor --salvage"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="SQLite's quick_check: pages and records, not index contents"
    )
    parser.add_argument(
        "--salvage",
        action="store_true",
        help="replace a damaged store by a new one with what reads back (the damaged file is kept)",
    )
    add_format(parser, ("table", "json"))


def run(args: argparse.Namespace) -> int:
    from planner import paths
    from planner.store.connection import human_bytes
    from planner.store.health import diagnose

    health = diagnose(paths.db_path(getattr(args, "db", None)), quick=args.quick)
    if args.salvage and health.status == "damaged":
        return _salvage(health, args.format)
    if args.format == "json":
        sys.stdout.write(json.dumps(health.to_json(), indent=2) + "\n")
        return health.exit_code
    out = [f"database: {health.path}"]
    if health.status == "cannot-open":
        print(f"planner doctor: {health.path}: cannot open: {health.error}", file=sys.stderr)
        return health.exit_code
    version = health.schema_version
    out.append(
        f"schema: {version if version is not None else '?'} (this planner knows up to {health.schema_known})"
        + (f"; {health.journal_mode} journal" if health.journal_mode else "")
    )
    if health.pages is not None and health.page_size:
        out.append(
            f"size: {human_bytes(health.size_bytes or 0)} ({health.pages:,} pages of {health.page_size:,} bytes, "
            f"{health.free_pages or 0:,} free); WAL: {human_bytes(health.wal_bytes or 0)}"
        )
    if health.status == "ok":
        out.append(f"{health.check}: ok, no damage found ({health.elapsed_s:.2f} s)")
    else:
        out.append(
            f"{health.check}: DAMAGED ({health.elapsed_s:.2f} s)" + (f"; {health.error}" if health.error else "")
        )
        for d in health.damaged:
            what = d.type if d.type != "index" else f"index of {d.table}"
            out.append(f"  damaged {what}: {d.name}" + (f" ({d.problems[0]})" if d.problems else ""))
        if not health.damaged and health.problems:
            out += [f"  {p}" for p in health.problems[:10]]
    if health.advice:
        out.append("what to do:")
        out += [f"  - {a}" for a in health.advice]
    sys.stdout.write("\n".join(out) + "\n")
    return health.exit_code


def _salvage(health: Any, fmt: str) -> int:
    from planner.store.salvage import salvage

    done = salvage(health.path)
    if fmt == "json":
        out = {
            "database": str(done.path),
            "damaged_copy": str(done.kept_as),
            "copied": done.copied,
            "lost": done.lost,
            "import_again": health.imported_from if done.import_again else [],
        }
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    lines = [f"salvaged {done.path}; the damaged file is kept as {done.kept_as}"]
    lines += [f"  kept {table}: {n:,} row{'' if n == 1 else 's'}" for table, n in done.copied.items()]
    lines += [f"  not kept {table}: {why}" for table, why in done.lost.items()]
    if done.import_again:
        again = " ".join(health.imported_from[:5]) or "<your log folders>"
        lines.append(f"import your logs again: planner import --db {done.path} {again}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
