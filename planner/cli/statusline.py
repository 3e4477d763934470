"""`planner statusline`: one short line for Claude Code's status bar. Never fails its host.

Claude Code runs the command after each assistant message with a JSON object on stdin (model,
session, workspace paths). This prints today's spend, the burn rate over the last hour, the
month's projection against the tightest budget, and the share left of the binding limit of the
session's model group (latest probe), from stored aggregates only: no import, no network.

Speed: `planner.cli.entry.main` hands `planner statusline ...` straight to `fast()` before
argparse builds every command. The figures are cached next to the database, keyed by the
database's and settings' sizes and times, the 15-minute slot and the planner version, so a call
between imports only stats a few files and reads a small JSON file (bench/bench_statusline.py).
Any error prints a short fallback line and exits 0.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

HELP = "one line for Claude Code's statusline: spend today, $/h, projection vs budget, limit left"
DESCRIPTION = """\
Print one short line for Claude Code's status bar, from the JSON Claude Code passes on stdin:

  $4.12 today · $0.85/h · Nov $248/$300 team · sonnet-4x 62% left 4m ago

today's spend (≥ when part of it is unpriced), the burn rate over the last hour, the month's
projection against the tightest budget that applies to the session (the organisation's, or its
model's or group's; `planner budget set`), and the share left of the tightest rate limit of the
session's model group at the latest probe (`planner probe`, or `planner watch --probe-every`).
It reads stored figures only (no import, no network) and never fails Claude Code: on any error
it prints a short fallback and exits 0. Keep the store fresh with `planner watch`.

In ~/.claude/settings.json:
  "statusLine": {"type": "command", "command": "planner statusline"}

  echo '{"model": {"id": "claude-sonnet-4-6"}}' | planner statusline"""

FALLBACK = "planner: no figures"
CACHE_VERSION = 1
MAX_STDIN = 1 << 20


def configure(parser: Any) -> None:
    parser.add_argument("--no-cache", action="store_true", help="compute afresh (and do not write the cache)")
    parser.add_argument("--at", metavar="TIME", help="as if it were TIME (ISO 8601; replays, tests)")


def run(args: Any) -> int:
    return line_main(getattr(args, "db", None), no_cache=args.no_cache, at=args.at)


def fast(argv: list[str]) -> int:
    """`planner statusline [--db PATH] [--no-cache] [--at TIME]` without building the parser;
    anything else (such as --help) goes the normal way."""
    db = at = None
    no_cache = False
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--no-cache":
            no_cache = True
        elif arg in ("--db", "--at") and rest:
            value = rest.pop(0)
            db, at = (value, at) if arg == "--db" else (db, value)
        elif arg.startswith(("--db=", "--at=")):
            name, value = arg.split("=", 1)
            db, at = (value, at) if name == "--db" else (db, value)
        else:
            return -1  # not understood here: the caller builds the full parser
    return line_main(db, no_cache=no_cache, at=at)


def line_main(db: str | None, *, no_cache: bool = False, at: str | None = None, stdin: TextIO | None = None) -> int:
    try:
        line = status_line(db, read_payload(stdin or sys.stdin), no_cache=no_cache, at=at)
    except Exception as exc:  # never fail the host: a short line says what went wrong
        line = f"{FALLBACK} ({type(exc).__name__})"
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except OSError:
        pass
    return 0


def read_payload(stdin: TextIO) -> dict:
    """Claude Code's JSON; {} for a terminal, garbage or anything that is not an object."""
    try:
        if stdin.isatty():
            return {}
        data = json.loads(stdin.read(MAX_STDIN) or "{}")
    except (ValueError, OSError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _model_of(payload: dict) -> str | None:
    model = payload.get("model")
    value = (model.get("id") or model.get("display_name")) if isinstance(model, dict) else model
    return value if isinstance(value, str) and value.strip() else None


def _now(at: str | None) -> datetime:
    if not at:
        return datetime.now(UTC)
    value = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stamp(path: Path) -> list[int]:
    """Size and time of a file; [0, 0] when absent or empty (a reader opening the store may
    create an empty WAL, which changes nothing the line shows)."""
    try:
        st = os.stat(path)
    except OSError:
        return [0, 0]
    return [st.st_size, st.st_mtime_ns] if st.st_size else [0, 0]


def status_line(db_arg: str | None, payload: dict, *, no_cache: bool = False, at: str | None = None) -> str:
    from planner import __version__, paths

    db = paths.db_path(db_arg)
    if not db.exists():
        return "planner: no usage imported yet (planner import)"
    now = _now(at)
    model = _model_of(payload)
    settings = paths.settings_path()
    key = [
        CACHE_VERSION,
        __version__,
        str(db.resolve()),
        _stamp(db),
        _stamp(db.with_name(db.name + "-wal")),
        _stamp(settings),
        _stamp(paths.overrides_path()),
        int(now.timestamp()) // 900,
    ]
    cache = db.with_name(db.name + ".statusline.json")
    data = None if no_cache else _load(cache, key)
    if data is None or (model is not None and model not in data.get("groups", {})):
        known = list(data.get("groups", {})) if data else []
        data = _compute(db, now, [*known, *([model] if model else [])])
        if not no_cache:
            _save(cache, key, data)
    return render(data, model, now)


def _load(cache: Path, key: list) -> dict | None:
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored.get("data") if isinstance(stored, dict) and stored.get("key") == key else None


def _save(cache: Path, key: list, data: dict) -> None:
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"key": key, "data": data}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _compute(db: Path, now: datetime, models: list[str]) -> dict:
    from planner import paths
    from planner.alerts.status import compute
    from planner.catalog import load_catalog
    from planner.errors import PlannerError
    from planner.store import Store

    catalog = load_catalog(overrides=[paths.overrides_path()])
    try:
        from planner.cli.budget import load_budgets

        budgets = load_budgets()
    except PlannerError:
        budgets = []  # a settings problem is for `planner budget list` to explain
    with Store(db, readonly=True) as store:
        return compute(store, catalog, budgets, now, list(dict.fromkeys(models)))


def _usd(text: str) -> str:
    from decimal import Decimal

    value = Decimal(text)
    return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"


def render(data: dict, model: str | None, now: datetime) -> str:
    from decimal import Decimal

    from planner.alerts.status import pick_budget

    if data.get("empty"):
        return "planner: no usage imported yet (planner import)"
    hours = Decimal(data["hour_span_s"]) / 3600
    rate = Decimal(data["hour_usd"]) / hours
    parts = [
        ("≥" if data.get("today_unpriced") else "") + f"{_usd(data['today_usd'])} today",
        f"{_usd(str(rate))}/h",
    ]
    model_id, group = data.get("groups", {}).get(model, [None, None]) if model else (None, None)
    month = now.astimezone(UTC).strftime("%b")
    budget = pick_budget(data, model_id, group)
    if budget is not None:
        text = f"{month} {_usd(budget['projected'])}/{_usd(budget['amount'])} {budget['name']}"
        if budget["over_on"]:
            text += f" over {budget['over_on'][5:]}"
        parts.append(text)
    else:
        parts.append(f"{month} → {_usd(data['projected_usd'])}")
    limit = data.get("limits", {}).get(group) if group else None
    if limit is not None:
        age = max(0, int(now.timestamp() * 1000 - limit["at_ms"]) // 60000)
        when = f"{age}m" if age < 120 else (f"{age // 60}h" if age < 2880 else f"{age // 1440}d")
        parts.append(f"{group} {limit['left']:.0%} left {when} ago")
    return " · ".join(parts)
