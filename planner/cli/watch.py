"""`planner watch`: import what is new, evaluate budgets and capacity, fire alerts; loop or --once."""

from __future__ import annotations

import argparse
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.cli._common import load_catalog, parse_when
from planner.errors import PlannerError

HELP = "import, evaluate budgets and capacity, and fire alerts (webhook, command, desktop) in a loop or --once"
DESCRIPTION = """\
Each pass imports new usage (Claude Code's directories or --path; Admin API usage reports when
ANTHROPIC_ADMIN_KEY is set), probes live limits when --probe-every is set (off by default:
probes cost tokens), evaluates every budget (`planner budget`) and the capacity rules, and fires
each alert once: one per budget, level and period, remembered in the database, so a restart or a
second run never repeats it. A channel that fails is retried with a backoff and said so; an
alert is never lost silently. Prints one line per event (--format json: one JSON object per line).
Stops cleanly on Ctrl-C or SIGTERM.

  planner watch --webhook https://hooks.slack.com/services/T0/B0/XXXX
  planner watch --command 'logger -t planner "$PLANNER_ALERT_TEXT"' --desktop
  planner watch --once --format json            for cron and CI (exit codes below)
  planner watch --tier build --share 0.7        capacity: per-minute peaks above 70% of Build limits
  planner watch --growth 0.15 --horizon 3       ... and limits that bind within 3 months at +15%/month
  planner watch --probe-every 600               one live probe per group every 10 minutes

The command gets the alert in PLANNER_ALERT_TEXT, _BUDGET, _LEVEL, _KIND, _PERIOD, _SPENT,
_PROJECTED, _OVER_ON, ... and all of it in PLANNER_ALERT_JSON (API keys are removed from its
environment). The webhook receives that JSON with a Slack-compatible "text" field.

Settings ([alerts] in settings.toml) give the defaults: webhook, command, desktop, interval_s,
tier, share, growth, horizon_months, probe_every_s, paths. Options override them.

Exit codes with --once: 0 nothing new, 3 alerts fired and delivered, 1 a delivery failed (kept,
retried on the next run), 2 an error. The loop exits 0 when stopped."""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass, then exit (for cron and CI)")
    parser.add_argument("--interval", type=_positive, metavar="S", help="seconds between passes (default 60)")
    parser.add_argument("--webhook", metavar="URL", help="POST each alert as JSON here (Slack incoming webhooks work)")
    parser.add_argument("--command", metavar="CMD", help="run CMD (a shell command) for each alert")
    parser.add_argument(
        "--desktop", action="store_true", default=None, help="desktop notification (notify-send / osascript)"
    )
    parser.add_argument("--path", action="append", default=None, metavar="PATH", help="import these logs (repeatable)")
    parser.add_argument("--no-import", action="store_true", help="do not import; evaluate what is stored")
    parser.add_argument("--no-admin", action="store_true", help="do not fetch Admin API usage even with a key")
    parser.add_argument(
        "--probe-every", type=_positive, metavar="S", help="probe live limits every S seconds (default off)"
    )
    parser.add_argument("--probe-model", action="append", metavar="M", help="model to probe (default: a cheap Haiku)")
    parser.add_argument("--tier", metavar="TIER", help="your tier, for per-minute capacity (planner limits lists them)")
    parser.add_argument("--share", metavar="SHARE", help="capacity alert above this share of a limit (default 0.8)")
    parser.add_argument("--growth", type=_positive, metavar="G", help="monthly traffic growth for months-to-bind")
    parser.add_argument("--horizon", metavar="MONTHS", help="alert when a limit binds within MONTHS at --growth")
    parser.add_argument("--no-capacity", action="store_true", help="budgets only, no capacity rules")
    parser.add_argument("--at", metavar="TIME", help=argparse.SUPPRESS)  # evaluate as of TIME (replays, tests)
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text", help="text lines or JSON lines")


def _settings() -> dict:
    from planner import settings

    return settings.alerts()


def channels(args: argparse.Namespace, conf: dict) -> tuple[dict, list[str]]:
    """The channels asked for (options over settings), and notes on those that cannot work here."""
    from planner.alerts.channels import Command, Desktop, Unavailable, Webhook

    out: dict[str, Any] = {}
    notes = []
    url = args.webhook or conf.get("webhook")
    if url:
        out["webhook"] = Webhook(str(url))
    cmd = args.command or conf.get("command")
    if cmd:
        out["command"] = Command(str(cmd))
    if args.desktop if args.desktop is not None else bool(conf.get("desktop")):
        desktop = Desktop()
        try:
            desktop.check()
            out["desktop"] = desktop
        except Unavailable as exc:
            notes.append(f"desktop notifications unavailable: {exc}")
    return out, notes


def _decimal(value: Any, what: str) -> Decimal:
    from planner.projection.budgets import parse_level

    try:
        return parse_level(value)
    except PlannerError:
        raise PlannerError(f"{what}: not a positive number: {value!r}") from None


def build(args: argparse.Namespace) -> Any:
    from planner import paths
    from planner.alerts.watcher import WatchConfig, Watcher
    from planner.cli.budget import load_budgets

    conf = _settings()
    catalog = load_catalog(args)
    db = paths.db_path(getattr(args, "db", None))
    at = parse_when(args.at)
    tier = args.tier or conf.get("tier")
    if tier is not None and catalog.tier(str(tier), (at.date() if at else None)) is None:
        raise PlannerError(f"unknown tier {tier!r} (planner limits lists the tiers in force)")
    given = args.path if args.path is not None else conf.get("paths")
    horizon = args.horizon or conf.get("horizon_months")
    config = WatchConfig(
        db=db,
        catalog=catalog,
        paths=[] if args.no_import else ([Path(str(p)).expanduser() for p in given] if given is not None else None),
        admin=not (args.no_admin or args.no_import),
        probe_every_s=0.0 if at else float(args.probe_every or conf.get("probe_every_s") or 0),
        probe_models=args.probe_model or list(conf.get("probe_models", [])),
        tier=str(tier) if tier else None,
        share=_decimal(args.share or conf.get("share", "0.8"), "--share"),
        horizon_months=_decimal(horizon, "--horizon") if horizon else None,
        growth=float(args.growth if args.growth is not None else conf.get("growth", 0.0)),
        capacity=not args.no_capacity,
    )
    if config.probe_every_s and not config.probe_models:
        from datetime import UTC, datetime

        from planner.cli.probe import default_model

        config.probe_models = [default_model(catalog, datetime.now(UTC))]
    chans, notes = channels(args, conf)
    watcher = Watcher(config, chans, load_budgets)
    if at is not None:
        watcher.clock = lambda: at
    interval = args.interval if args.interval is not None else float(conf.get("interval_s", 60))
    if not interval > 0:
        raise PlannerError("--interval (or [alerts] interval_s) must be above 0 seconds")
    return watcher, notes, interval


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from planner.alerts.dispatch import Event

    watcher, notes, interval = build(args)
    emit = _printer(args.format)
    for note in notes:
        emit(Event("unavailable", watcher.clock(), {"note": note}, note))
    if args.once:
        try:
            events = watcher.cycle()
        except (sqlite3.Error, OSError) as exc:
            raise PlannerError(f"{type(exc).__name__}: {exc}") from None
        for e in events:
            emit(e)
        if any(e.event == "error" for e in events):
            return 2
        if any(e.event == "failed" for e in events):
            return 1
        return 3 if any(e.event == "alert" for e in events) else 0
    return _loop(watcher, interval, emit)


def _loop(watcher: Any, interval: float, emit: Any) -> int:
    from planner.alerts.dispatch import Event

    stop = watcher.stop

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    chans = ", ".join(sorted(watcher.channels)) or "stdout only"
    emit(
        Event(
            "started",
            watcher.clock(),
            {"interval_s": interval, "channels": sorted(watcher.channels)},
            f"every {interval:g} s; channels: {chans}",
        )
    )
    try:
        while not stop.is_set():
            try:
                for e in watcher.cycle():
                    emit(e)
            except Exception as exc:  # a daemon keeps watching; the error is one line, never a traceback
                emit(
                    Event(
                        "error",
                        watcher.clock(),
                        {"error": f"{type(exc).__name__}: {exc}"},
                        f"{type(exc).__name__}: {exc}",
                    )
                )
            stop.wait(interval)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    emit(Event("stopped", watcher.clock(), {}, "stopped"))
    return 0


def _printer(fmt: str) -> Any:
    from planner.report import to_json

    def emit(event: Any) -> None:
        line = to_json(event.to_json(), indent=None) if fmt == "json" else event.line()
        sys.stdout.write(line + "\n")
        sys.stdout.flush()  # one line per event, as it happens (a pipe or a journal reads it live)

    return emit
