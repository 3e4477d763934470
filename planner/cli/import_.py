"""`planner import`: read usage logs into the local store (incremental, idempotent)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli._common import load_catalog, parse_when
from planner.errors import PlannerError

if TYPE_CHECKING:  # pragma: no cover
    from planner.ingest import ImportProgress, ImportSummary

HELP = "import usage logs (Claude Code, app JSONL, batch results, Admin API reports, CSV) into the store"
DESCRIPTION = """\
Import usage logs into the local store. Formats are detected from content: Claude Code
transcript trees, Messages API JSONL (your app's request log), Message Batches results, Admin
API usage and cost reports, and CSV exports. With no PATH, Claude Code's own directories are
imported (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude).

Re-importing is safe and fast: unchanged files are not read, grown files are read from where the
last import stopped, repeated requests are stored once (the largest copy wins). Bad lines are
reported with file and line and never stop the import; every good line is kept.

  planner import                              Claude Code transcripts
  planner import app/requests.jsonl           your application's request log
  planner import results.jsonl --timestamp 2026-11-19T02:00:00Z   batch results carry no time
  planner import --admin-usage --since 2026-11-01   fetch Admin API usage reports (ANTHROPIC_ADMIN_KEY)
  planner import logs/ --strict               exit 1 if any line was bad

Exit codes: 0 imported (bad lines listed), 1 bad lines with --strict, 2 nothing importable or an error."""

SHOW_PROBLEMS = 20
SHOW_FILES = 25


def configure(parser: argparse.ArgumentParser) -> None:
    # planner.usage.detect.FORMATS, named here so building the CLI does not import every parser
    FORMATS = ("batch", "claude-code", "cost-report", "csv", "messages", "usage-report")
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories (default: Claude Code's directories)"
    )
    parser.add_argument(
        "--format",
        dest="input_format",
        choices=sorted(FORMATS),
        metavar="F",
        help=f"force the input format ({', '.join(sorted(FORMATS))}); default: detect from content",
    )
    parser.add_argument("--since", metavar="DATE", help="keep only records at or after DATE (UTC)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any line was bad")
    parser.add_argument(
        "--timestamp",
        metavar="TIME",
        help="time for records that carry none (batch results, app logs without a time field)",
    )
    parser.add_argument(
        "--admin-usage",
        action="store_true",
        help="fetch Admin API usage reports since --since into the store (needs ANTHROPIC_ADMIN_KEY)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL for --admin-usage (default ANTHROPIC_BASE_URL or https://api.anthropic.com)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (every file and problem)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    from planner import paths
    from planner.ingest import import_paths
    from planner.store import Store
    from planner.usage import detect

    since = parse_when(args.since)
    catalog = load_catalog(args)
    targets = [Path(p) for p in args.paths]
    if args.admin_usage:
        targets.append(_fetch_admin_usage(args, since))
    elif not targets:
        targets = detect.claude_code_dirs()
        if not targets:
            raise PlannerError(
                "no Claude Code directory found (looked at CLAUDE_CONFIG_DIR, ~/.config/claude/projects, "
                "~/.claude/projects); give the files or directories to import"
            )
    options: dict[str, Any] = {}
    if args.timestamp:
        parse_when(args.timestamp)  # a clear error for a bad value
        options = {"batch": {"default_ts": args.timestamp}, "messages": {"default_ts": args.timestamp}}
    db = paths.db_path(getattr(args, "db", None))
    store = Store(db)
    progress = None if args.quiet or args.json or not sys.stderr.isatty() else _Progress()
    try:
        summary = import_paths(
            store, targets, fmt=args.input_format, since=since, catalog=catalog, progress=progress, options=options
        )
    except KeyboardInterrupt:
        if progress:
            progress.clear()
        print("interrupted: files imported before the interruption are kept; run again to finish", file=sys.stderr)
        return 130
    finally:
        if progress:
            progress.clear()
        store.close()
    if args.json:
        out = summary.to_json()
        out["database"] = str(db)
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        _print_summary(summary, db)
    imported = [f for f in summary.files if f.status not in ("skipped", "vanished", "cancelled")]
    if not imported:
        reasons = sorted({f.reason for f in summary.files if f.reason})
        where = ", ".join(str(t) for t in targets)
        raise PlannerError(f"no usage logs found in {where}" + (f" ({'; '.join(reasons)})" if reasons else ""))
    if args.strict and summary.bad:
        return 1
    return 0


def _fetch_admin_usage(args: argparse.Namespace, since: datetime | None) -> Path:
    from planner import paths

    if since is None:
        raise PlannerError("--admin-usage needs --since DATE (the first day to fetch)")
    from planner.probe import admin
    from planner.probe.client import ADMIN_KEY_ENV, resolve_base_url

    key = os.environ.get(ADMIN_KEY_ENV, "").strip()
    if not key:
        raise PlannerError(f"--admin-usage needs an Admin API key in {ADMIN_KEY_ENV} (sk-ant-admin...)")
    base = resolve_base_url(args.base_url)  # checked: https, or http only to a loopback host
    print(f"fetching Admin API usage reports since {since.date()} from {base} ...", file=sys.stderr)
    pages = admin.fetch_usage_report(since, None, api_key=key, base_url=base)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    dest = paths.data_dir() / "admin" / f"usage-report-{since.date()}-{stamp}.json"
    return Path(admin.write_usage_pages(pages, dest))


class _Progress:
    """One self-rewriting line on stderr: files, MB and records."""

    def __init__(self) -> None:
        self.last = 0.0
        self.width = 0

    def __call__(self, p: ImportProgress) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and p.files_done < p.files_total:
            return
        self.last = now
        mb, total = p.bytes_done / 1e6, p.bytes_total / 1e6
        text = f"importing: {p.files_done:,}/{p.files_total:,} files, {mb:,.1f}/{total:,.1f} MB, {p.records:,} records"
        self.width = max(self.width, len(text))
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()

    def clear(self) -> None:
        if self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
            self.width = 0


def _print_summary(summary: ImportSummary, db: Path) -> None:
    files = summary.files
    by_status = Counter(f.status for f in files)
    read = [f for f in files if f.status in ("new", "appended", "reread", "kept")]
    w = sys.stdout.write
    w(
        f"imported into {db} in {summary.elapsed_s:.2f} s: {summary.new:,} new, {summary.replaced:,} replaced by a larger copy, "
        f"{summary.duplicate:,} duplicate, {summary.bad:,} bad lines; {summary.bytes_read / 1e6:,.1f} MB read\n"
    )
    w("files: " + ", ".join(f"{n:,} {s}" for s, n in sorted(by_status.items())) + "\n")
    if read and len(read) <= SHOW_FILES:
        w(f"\n{'file':<60} {'format':<12} {'new':>8} {'dup':>7} {'bad':>5}  skipped lines\n")
        for f in read:
            skipped = "; ".join(f"{n:,} {reason}" for reason, n in f.skipped.items()) or "-"
            w(f"{_short(f.path, 60):<60} {f.fmt or '':<12} {f.new:>8,} {f.duplicate:>7,} {f.bad:>5,}  {skipped}\n")
    elif read:
        formats = Counter(f.fmt for f in read)
        w(
            f"read {len(read):,} files ("
            + ", ".join(f"{n:,} {fmt}" for fmt, n in formats.most_common())
            + "); --json lists every file\n"
        )
    line_reasons: Counter[str] = Counter()
    for f in read:
        line_reasons.update(f.skipped)
    if line_reasons and len(read) > SHOW_FILES:
        w(
            "skipped lines (not billable or repeated): "
            + "; ".join(f"{n:,} {r}" for r, n in line_reasons.most_common())
            + "\n"
        )
    not_read = [f for f in files if f.status in ("skipped", "vanished")]
    if not_read:
        file_reasons = Counter(f.reason for f in not_read)
        w("\nnot imported: " + "; ".join(f"{n:,} x {r}" for r, n in file_reasons.most_common()) + "\n")
        listed = [f for f in not_read if not f.reason.startswith("not a usage log (")]
        for f in listed[:10]:
            w(f"  {f.path}: {f.reason}\n")
        if len(listed) > 10:
            w(f"  ... and {len(listed) - 10:,} more (--json lists them all)\n")
    problems = [p for f in files for p in f.problems]
    if problems:
        w(f"\nproblems ({sum(1 for p in problems if p.kind == 'bad'):,} bad lines, every good line kept):\n")
        for p in problems[:SHOW_PROBLEMS]:
            w(f"  {p.source}:{p.line}: {p.reason}{'' if p.kind == 'bad' else ' (skipped)'}\n")
        if len(problems) > SHOW_PROBLEMS:
            w(f"  ... and {len(problems) - SHOW_PROBLEMS:,} more (--json lists them all)\n")
    if summary.unpriced_models:
        w(
            f"\nunpriced models (counted, not priced; add them with `planner prices set`): {', '.join(summary.unpriced_models)}\n"
        )
    if summary.cancelled:
        w("\ncancelled: the files listed as cancelled were not read; import again to finish\n")


def _short(path: str, width: int) -> str:
    return path if len(path) <= width else "..." + path[-(width - 3) :]
