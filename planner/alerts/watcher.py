"""The `planner watch` engine: one `cycle()` imports what is new, probes when due, evaluates the
budgets and capacity rules, and fires alerts; it returns the events. No argparse, no printing, no
signals: the command owns those, tests drive cycles with a fake clock.

- Import is incremental through the store's own import (`planner.ingest.import_paths`: an unchanged file
  costs one stat), from the given paths or Claude Code's directories; with ANTHROPIC_ADMIN_KEY
  set, Admin API usage reports of yesterday and today are fetched every `admin_every_s` into one
  file per first day beside the database (a re-fetch replaces that file's rows, never adds to them).
- Probes are off unless `probe_every_s` > 0: each costs a few tokens of ANTHROPIC_API_KEY.
- Budgets are read again every cycle (`planner budget set` applies without a restart).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner.alerts import capacity, dispatch, rules
from planner.alerts.dispatch import Channel, Event
from planner.errors import PlannerError
from planner.store import alerts as state


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WatchConfig:
    db: Path
    catalog: Any
    paths: list[Path] | None = None  # None: Claude Code's directories; []: no file import
    admin: bool = True  # fetch Admin API usage when ANTHROPIC_ADMIN_KEY is set
    admin_every_s: float = 3600
    base_url: str | None = None
    probe_every_s: float = 0  # 0: never probe
    probe_models: list[str] = field(default_factory=list)
    tier: str | None = None
    share: Decimal = Decimal("0.8")
    horizon_months: Decimal | None = None  # with growth: alert when a limit binds sooner
    growth: float = 0.0
    lookback_s: float = 86400
    capacity: bool = True


class Watcher:
    def __init__(
        self,
        config: WatchConfig,
        channels: Mapping[str, Channel],
        budgets: Callable[[], list],
        *,
        clock: Callable[[], datetime] = utcnow,
        environ: Mapping[str, str] = os.environ,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.channels = dict(channels)
        self.budgets = budgets
        self.clock = clock
        self.environ = environ
        self.stop = stop or threading.Event()
        self._noted: set[str] = set()
        self._last_probe: datetime | None = None
        self._last_admin: datetime | None = None

    def _note(self, key: str, text: str, events: list[Event]) -> None:
        """A condition worth one line, said once per process (not once per cycle)."""
        if key not in self._noted:
            self._noted.add(key)
            events.append(Event("note", self.clock(), {"note": text}, text))

    def cycle(self) -> list[Event]:
        from planner.store import Store

        events: list[Event] = []
        with Store(self.config.db) as store:
            self._import(store, events)
            if self.stop.is_set():
                return events
            self._probe(store, events)
            alerts = self._evaluate(store, events)
            self._undeliverable(store, events)
            events += dispatch.run_pass(store, alerts, self.channels, self.clock)
        return events

    # --- steps -------------------------------------------------------------------------------

    def _import(self, store: Any, events: list[Event]) -> None:
        from planner.ingest import import_paths

        cfg = self.config
        targets: list[Path] = []
        if cfg.paths is None:
            from planner.usage import detect

            targets = detect.claude_code_dirs(self.environ)
            if not targets:
                self._note("no-cc", "no Claude Code directory found; give --path to import other logs", events)
        else:
            targets = list(cfg.paths)
        admin_file = self._admin(events)
        if admin_file is not None:
            targets.append(admin_file)
        if not targets:
            return
        summary = import_paths(store, targets, catalog=cfg.catalog, cancel=self.stop)
        if summary.new or summary.replaced or summary.bad:
            text = f"{summary.new:,} new records, {summary.replaced:,} replaced, {summary.bad:,} bad lines"
            if summary.unpriced_models:
                text += f"; unpriced models: {', '.join(summary.unpriced_models)}"
            fields = {
                "new": summary.new,
                "replaced": summary.replaced,
                "bad": summary.bad,
                "unpriced_models": summary.unpriced_models,
            }
            events.append(Event("imported", self.clock(), fields, text))

    def _admin(self, events: list[Event]) -> Path | None:
        from planner.probe.client import ADMIN_KEY_ENV, resolve_base_url

        key = self.environ.get(ADMIN_KEY_ENV, "").strip()
        now = self.clock()
        if not self.config.admin or not key:
            return None
        if self._last_admin is not None and (now - self._last_admin).total_seconds() < self.config.admin_every_s:
            return None
        from planner.probe import admin

        self._last_admin = now
        since = datetime.combine(now.date() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        try:
            base = resolve_base_url(self.config.base_url, self.environ)
            pages = admin.fetch_usage_report(since, None, api_key=key, base_url=base)
        except PlannerError as exc:
            events.append(
                Event("error", self.clock(), {"step": "admin-usage", "error": str(exc)}, f"admin usage: {exc}")
            )
            return None
        dest = self.config.db.parent / "admin" / f"watch-usage-report-{since.date().isoformat()}.json"
        return Path(admin.write_usage_pages(pages, dest))

    def _probe(self, store: Any, events: list[Event]) -> None:
        cfg = self.config
        now = self.clock()
        if cfg.probe_every_s <= 0:
            return
        if self._last_probe is not None and (now - self._last_probe).total_seconds() < cfg.probe_every_s:
            return
        from planner.probe import client as pc
        from planner.probe.history import save_snapshot

        key = self.environ.get(pc.API_KEY_ENV, "").strip()
        if not key:
            self._note("no-key", f"probes skipped: no API key in {pc.API_KEY_ENV}", events)
            return
        self._last_probe = now
        base = pc.resolve_base_url(cfg.base_url, self.environ)
        for model in cfg.probe_models:
            result = pc.probe(model, api_key=key, base_url=base, catalog=cfg.catalog)
            save_snapshot(store, result)
            used = [d.used_fraction() for d in (result.snapshot.limits.values() if result.snapshot else [])]
            worst = max((u for u in used if u is not None), default=None)
            text = f"{model}: {result.status}" + (
                "" if worst is None else f", {worst:.0%} of the tightest limit in use"
            )
            fields = {"model": model, "group": result.group, "status": result.status, "used_share": worst}
            events.append(Event("probed", self.clock(), fields, text))

    def _evaluate(self, store: Any, events: list[Event]) -> list[rules.Alert]:
        from planner.alerts.spend import statuses

        cfg = self.config
        now = self.clock()
        budgets = self.budgets()
        alerts = rules.budget_alerts(statuses(store, cfg.catalog, budgets, now.date())) if budgets else []
        if not budgets:
            self._note("no-budgets", "no budgets set (planner budget set NAME AMOUNT_USD)", events)
        if cfg.capacity:
            alerts += rules.live_share_alerts(capacity.live_readings(store, now=now), cfg.share)
            note = capacity.tier_note(store, cfg.tier, now=now)
            if note:
                self._note("no-tier", note, events)
            else:
                readings = capacity.peak_readings(
                    store, cfg.catalog, now=now, tier=cfg.tier, lookback_s=cfg.lookback_s, growth=cfg.growth
                )
                alerts += rules.peak_alerts(readings, cfg.share, cfg.horizon_months, now.date())
        return alerts

    def _undeliverable(self, store: Any, events: list[Event]) -> None:
        """Deliveries still pending for channels this watcher does not have: said once."""
        waiting = [p for p in state.pending(store) if p.channel not in self.channels]
        if waiting:
            names = ", ".join(sorted({p.channel for p in waiting}))
            self._note(
                "orphans",
                f"{len(waiting)} alert deliveries wait for channels not configured now ({names}); "
                "they are sent when that channel is configured again",
                events,
            )
