"""`planner probe`: live rate limits from one tiny request per model group, saved as snapshots."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from planner.cli._common import add_format, load_catalog, open_store

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.probe.client import ProbeResult
    from planner.store import Store
    from planner.views.probe import ProbeWatch

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


def default_model(catalog: Catalog, at: datetime) -> str:
    """The cheapest current Haiku by input price (a probe costs ~10 input tokens and 1 output)."""
    priced = []
    for model in catalog.models.values():
        if "haiku" in model.id and model.status == "current" and (entry := catalog.price_at(model.id, at)):
            priced.append((entry.input, entry.output, model.id))
    return min(priced)[2] if priced else "claude-haiku-4-5"


def run(args: argparse.Namespace) -> int:
    from planner.probe import client as pc
    from planner.views.probe import ProbeWatch

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
    db = open_store(args, must_exist=False)  # where probe snapshots are kept
    try:
        db.require_writable()  # a read-only store is said before the probe is sent, not after
    except BaseException:
        db.close()
        raise
    state = ProbeWatch()
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


def _save(db: Store, result: ProbeResult) -> None:
    import sqlite3

    from planner.probe.history import save_snapshot

    try:
        save_snapshot(db, result)
    except sqlite3.Error as exc:
        print(f"warning: snapshot not saved ({exc})", file=sys.stderr)


def _print(results: list[ProbeResult], state: ProbeWatch, args: argparse.Namespace, api_key: str) -> None:
    from planner.probe.client import mask_key
    from planner.report import to_json
    from planner.views.output import render
    from planner.views.probe import ProbeRound

    if args.format == "json" and args.watch:
        for r in results:  # one compact object per line, a stream a pipe can follow
            sys.stdout.write(to_json(r.to_json(), indent=None) + "\n")
    else:
        watching = args.watch is not None
        view = ProbeRound(
            results,
            mask_key(api_key),
            round=state.rounds if watching else None,
            trends=state.trends(results) if watching else {},
        )
        sys.stdout.write(render(view, args.format) + "\n")
        if watching:
            sys.stdout.write("\n")
    sys.stdout.flush()
