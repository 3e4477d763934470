"""`planner probe`: live rate limits from one tiny request per model group, saved as snapshots."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from planner.cli._common import add_format, load_catalog

if TYPE_CHECKING:  # pragma: no cover
    from planner.store import Store

HELP = "live rate limits of a model group from a one-token probe call (needs ANTHROPIC_API_KEY)"
DESCRIPTION = """\
Send one tiny request (max_tokens 1, a one-word prompt) and read the anthropic-ratelimit-*
response headers: for each dimension the limit, remaining, used % and time to full reset, plus
the usage tier those limits match in the catalog (or "custom") and the probe's own cost.
Limits are per model group: a Haiku probe says nothing about Opus, so pass --model per group.
A 429 is an answer (you are at a limit), not a failure. Each probe is saved in the database.

  planner probe                                   a cheap current Haiku
  planner probe --model claude-sonnet-4-6 --model claude-opus-4-8
  planner probe --endpoint count_tokens           free, but its own (token-counting) limits
  planner probe --watch 30                        again every 30 s after the last one; Ctrl-C stops
  planner probe --format json

The key comes from ANTHROPIC_API_KEY only and is sent only to --base-url (or ANTHROPIC_BASE_URL,
default https://api.anthropic.com); plain http is refused except to a loopback host.
Exit status: 0 when every probe got an answer (200 or 429), 1 when one failed, 2 on bad usage."""

_sleep = time.sleep  # the --watch pause; tests replace it
DIM_LABELS = {
    "requests": "requests/min",
    "input_tokens": "input tokens/min",
    "output_tokens": "output tokens/min",
    "tokens": "tokens/min (in+out)",
}


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
        return value

    return parse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        "-m",
        action="append",
        default=[],
        metavar="M",
        help="model to probe (repeatable; default: the cheapest current Haiku in the catalog)",
    )
    parser.add_argument(
        "--endpoint",
        choices=("messages", "count_tokens"),
        default="messages",
        help="messages (default; costs a fraction of a cent) or count_tokens (free, own limits)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API base URL (default ANTHROPIC_BASE_URL or https://api.anthropic.com)"
    )
    parser.add_argument(
        "--watch",
        type=_positive(float),
        metavar="SECONDS",
        help="probe again SECONDS after each round finishes, until Ctrl-C",
    )
    parser.add_argument(
        "--count", type=_positive(int), metavar="N", help="stop after N rounds (default 1, or unlimited with --watch)"
    )
    parser.add_argument(
        "--timeout", type=_positive(float), default=10.0, metavar="S", help="seconds per HTTP attempt (default 10)"
    )
    add_format(parser, ("table", "json"))


def default_model(catalog: Any, at: datetime) -> str:
    """The cheapest current Haiku by input price (a probe costs ~10 input tokens and 1 output)."""
    priced = []
    for model in catalog.models.values():
        if "haiku" in model.id and model.status == "current" and (entry := catalog.price_at(model.id, at)):
            priced.append((entry.input, entry.output, model.id))
    return min(priced)[2] if priced else "claude-haiku-4-5"


def _open_db(args: argparse.Namespace) -> Store:
    """The usage store, where probe snapshots are kept."""
    from planner import paths
    from planner.store import Store

    store = Store(paths.db_path(getattr(args, "db", None)))
    try:
        store.require_writable()  # a read-only store is said before the probe is sent, not after
    except BaseException:
        store.close()
        raise
    return store


def run(args: argparse.Namespace) -> int:
    from planner.probe import client as pc

    api_key = pc.require_key(pc.API_KEY_ENV)
    base_url = pc.resolve_base_url(args.base_url)
    catalog = load_catalog(args)
    now = datetime.now(UTC)
    models = args.model or [default_model(catalog, now)]
    for m in models:
        if catalog.resolve(m) is None:
            hint = catalog.suggest(m)
            print(
                f"warning: {m} is not in the catalog (no group, price or tier to compare)"
                + (f"; did you mean {', '.join(hint)}?" if hint else ""),
                file=sys.stderr,
            )
    rounds = args.count or (None if args.watch else 1)
    db = _open_db(args)
    state = _Watch()
    try:
        while True:
            results = []
            for model in models:
                r = pc.probe(
                    model,
                    api_key=api_key,
                    base_url=base_url,
                    endpoint=args.endpoint,
                    timeout=args.timeout,
                    catalog=catalog,
                )
                _save(db, r)
                results.append(r)
            state.add(results)
            _print(results, state, args, api_key)
            if rounds is not None and state.rounds >= rounds:
                break
            # never sooner than a 429 asked (retry-after), so watching does not keep a limit hit
            waits = [r.retry_after_s for r in results if r.status == "rate_limited" and r.retry_after_s]
            _sleep(max([args.watch or 0, *waits]))
    except KeyboardInterrupt:
        print(state.summary("stopped"), file=sys.stderr)
        return 0
    finally:
        db.close()
    if args.watch:
        print(state.summary("done"), file=sys.stderr)
    return 1 if state.failed_last else 0


def _save(db: Any, result: Any) -> None:
    import sqlite3

    from planner.probe.history import save_snapshot

    try:
        save_snapshot(db, result)
    except sqlite3.Error as exc:
        print(f"warning: snapshot not saved ({exc})", file=sys.stderr)


class _Watch:
    """Counts for the summary line and the previous remaining values for the trend column."""

    def __init__(self) -> None:
        self.rounds = 0
        self.counts: dict[str, int] = {}
        self.previous: dict[tuple[str, str], int | None] = {}
        self.current: dict[tuple[str, str], int | None] = {}
        self.failed_last = False

    def add(self, results: list) -> None:
        self.rounds += 1
        self.previous, self.current = self.current, {}
        for r in results:
            self.counts[r.status] = self.counts.get(r.status, 0) + 1
            for dim, lim in r.limits.items():
                self.current[(r.model, dim)] = lim.remaining
        self.failed_last = any(r.status == "error" for r in results)

    def trend(self, model: str, dim: str) -> str:
        if self.rounds < 2:
            return ""
        before, now = self.previous.get((model, dim)), self.current.get((model, dim))
        if before is None or now is None:
            return "?"
        return "=" if now == before else f"{now - before:+,}"

    def summary(self, word: str) -> str:
        total = sum(self.counts.values())
        parts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(self.counts.items())) or "none"
        return f"{word} after {self.rounds} round(s): {total} probe(s) ({parts}); snapshots saved in the database"


def _resets_in(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    s = math.ceil(seconds)
    return f"{s} s" if s < 60 else f"{s // 60}m {s % 60:02d}s"


def _print(results: list, state: _Watch, args: argparse.Namespace, api_key: str) -> None:
    from planner.probe.client import mask_key
    from planner.report import Column, Table, render, to_json

    if args.format == "json":
        if args.watch:
            for r in results:
                sys.stdout.write(to_json(r.to_json(), indent=None) + "\n")
        else:
            payload = results[0].to_json() if len(results) == 1 else [r.to_json() for r in results]
            sys.stdout.write(to_json(payload) + "\n")
        sys.stdout.flush()
        return
    rows: list[dict] = []
    notes: list[str] = []
    general: dict[str, None] = {}  # notes shared by every probe, once, in order
    for r in results:
        dims = [d for d in ("requests", "input_tokens", "output_tokens", "tokens") if d in r.limits]
        for d in dims:
            lim = r.limits[d]
            used = lim.used_fraction()
            rows.append(
                {
                    "model": r.model,
                    "status": r.status,
                    "dimension": DIM_LABELS[d],
                    "limit": lim.limit,
                    "remaining": lim.remaining,
                    "used": None if used is None else f"{used:.1%}",
                    "reset": _resets_in(lim.seconds_to_reset(r.observed_at)),
                    "trend": state.trend(r.model, d),
                }
            )
        if not dims:
            rows.append({"model": r.model, "status": r.status, "dimension": "(no limit headers)"})
        http = f"HTTP {r.http_status}" if r.http_status else "no response"
        why = "" if r.explanation == "ok" else f"; {r.explanation}"
        notes.append(
            f"{r.model} ({r.group or 'group unknown'}): {r.status}, {http}{why}"
            + (f"; request {r.request_id}" if r.request_id else "")
        )
        if r.tier is not None or r.tier_reason:
            notes.append(f"  tier: {r.tier or 'unknown'} ({r.tier_reason})")
        notes.extend(f"  live vs catalog: {m}" for m in r.tier_mismatches)
        cost = "unknown" if r.cost_usd is None else f"${r.cost_usd}"
        notes.append(f"  probe cost: {cost} ({r.cost_source})")
        notes.extend(f"  warning: {w}" for w in r.warnings)
        general.update(dict.fromkeys(r.notes))
    notes.extend(general)
    first = results[0]
    notes.append(
        f"source: live headers from {first.host} at {first.observed_at.isoformat(timespec='seconds')} "
        f"(key {mask_key(api_key)}); — = header not sent (unknown)"
    )
    columns = [
        Column("model", "Model"),
        Column("status", "Status"),
        Column("dimension", "Dimension"),
        Column("limit", "Limit", "right"),
        Column("remaining", "Remaining", "right"),
        Column("used", "Used", "right"),
        Column("reset", "Full in", "right"),
    ]
    if args.watch:
        columns.append(Column("trend", "Trend", "right"))
    title = (
        f"Live rate limits ({first.endpoint}), round {state.rounds}"
        if args.watch
        else f"Live rate limits ({first.endpoint})"
    )
    sys.stdout.write(render(Table(columns, rows, title=title, notes=notes), "table") + "\n")
    if args.watch:
        sys.stdout.write("\n")
    sys.stdout.flush()
