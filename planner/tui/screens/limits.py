"""Limits: a live probe panel per model group (limit, remaining, used %, a ticking reset
countdown, the tier the limits match), "probe now" and auto-probe every N seconds (the next probe
is scheduled when the last one finishes, so probes never overlap), a history plot of remaining
capacity from saved snapshots, and the catalog's tier table beside it. Without a key: an empty
state that says how to set one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Label, Select, Static, Switch
from textual.worker import Worker, WorkerState

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import UNKNOWN, pct, plain
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.plots import HistoryPlot

if TYPE_CHECKING:
    from planner.catalog import Catalog
    from planner.probe.client import ProbeResult
    from planner.probe.history import SnapshotRow
    from planner.tui.app import PlannerApp

HEADER_DIMS = (("requests", "RPM"), ("input_tokens", "ITPM"), ("output_tokens", "OTPM"), ("tokens", "TPM"))
STATUS_TEXT = {"ok": "ok", "rate_limited": "rate limited (429)", "spend_cap": "spend cap reached", "error": "error"}
NO_KEY = (
    "No API key set. Set ANTHROPIC_API_KEY in your shell and start planner again, e.g.\n"
    "  export ANTHROPIC_API_KEY=sk-ant-...   (read from the environment only; never stored)\n"
    "Then press r to probe. Each probe is a 1-token request per model group.\n"
    "The tier table below is the catalog's; probe history shows saved snapshots."
)


def probe_models(catalog: Catalog) -> dict[str, str]:
    """One current model per rate-limit group: {group: model id} (the probe's cheapest call)."""
    out: dict[str, str] = {}
    for model in catalog.models.values():
        if model.status == "current" and model.group and model.group not in out:
            out[model.group] = model.id
    return out


def countdown(seconds: float | None) -> str:
    if seconds is None:
        return UNKNOWN
    s = round(seconds)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


@dataclass(frozen=True)
class History:
    """Remaining capacity over time, {"RPM remaining %": [(unix seconds, percent)]}, from
    `count` saved snapshots."""

    series: dict[str, list[tuple[float, float]]]
    count: int


def history_of(snaps: list[SnapshotRow]) -> History:
    series: dict[str, list[tuple[float, float]]] = {}
    n = 0
    for snap in snaps:
        n += 1
        for key, label in HEADER_DIMS[:3]:
            d = snap.limits.get(key)
            if d is not None and d.remaining is not None and d.limit:
                series.setdefault(f"{label} remaining %", []).append(
                    (snap.observed_at.timestamp(), 100 * d.remaining / d.limit)
                )
    for points in series.values():
        points.sort()
    return History(series, n)


class ProbePanel(Static):
    """One group's last probe result; re-rendered every second so the reset countdown ticks."""

    if TYPE_CHECKING:
        app = getters.app(PlannerApp)

    def __init__(self, group: str, name: str, result: ProbeResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.group, self.result = group, result
        self.border_title = name
        self.border_subtitle = f"{result.model} · {D.SOURCE_LIVE}"

    def lines(self) -> list[str]:
        r = self.result
        now = self.app.clock()
        out = [f"status: {STATUS_TEXT.get(r.status, r.status)}" + ("" if r.status == "ok" else f" — {r.explanation}")]
        for key, label in HEADER_DIMS:
            d = r.limits.get(key)
            if d is None:
                continue
            rounded = "≈" if d.rounded else ""
            out.append(
                f"{label:<4} {plain(d.limit):>10} limit · {rounded}{plain(d.remaining)} left · "
                f"{pct(d.used_fraction())} used · reset {countdown(d.seconds_to_reset(now))}"
            )
        tier = r.tier or "cannot tell"
        out.append(f"tier match: {tier}" + (f" ({r.tier_reason})" if r.tier_reason else ""))
        return out

    def render(self) -> Content:
        return Content("\n").join(Content(line) for line in self.lines())


class LimitsScreen(PlannerScreen):
    """Probe results come through `results`, the chosen group through `group`, its saved
    snapshots through `history`; `probing` is true from a probe's start until it is saved."""

    SCREEN_TITLE = "Limits"
    AUTO_FOCUS = "#tier-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "probe_now", "Probe now", id="limits.probe", tooltip="Probe every model group's live limits now"),
        Binding("a", "toggle_auto", "Auto-probe", id="limits.auto", tooltip="Probe every N seconds (no overlap)"),
    ]

    results: var[list[ProbeResult]] = var(list, init=False, always_update=True)
    group: var[str | None] = var(None, init=False)
    history: var[History | None] = var(None, init=False, always_update=True)
    probing: var[bool] = var(False, init=False)

    @dataclass
    class ProbeFinished(Message):
        results: list[ProbeResult]

    @dataclass
    class ProbesSaved(Message):
        count: int

    @dataclass
    class HistoryLoaded(Message):
        history: History
        group: str | None

    def __init__(self) -> None:
        super().__init__()
        self.auto_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="limits"):
            yield Static("Limits — live rate-limit headers", classes="screen-title")
            yield Static(NO_KEY, id="no-key", classes="empty-state")
            with Horizontal(id="probe-bar"):
                yield Label("auto-probe", classes="field-label")
                yield Switch(False, id="auto-switch")
                yield Label("every", classes="field-label")
                yield Input("60", id="auto-seconds", type="integer")
                yield Label("s   r = probe now", classes="field-label")
                yield Static("", id="probe-status")
            yield Grid(id="probe-panels")
            with Horizontal(id="limits-lower"):
                with Vertical(id="history-box"):
                    yield Select[str]([], prompt="group", id="history-group")
                    yield HistoryPlot(id="history-plot")
                yield DataTable(id="tier-table", zebra_stripes=True, cursor_type="row")
        yield KeyBar()

    @tolerate_shutdown
    def on_mount(self) -> None:
        super().on_mount()
        app = self.app
        has_key = app.api_key is not None
        self.query_one("#no-key").display = not has_key
        self.query_one("#probe-bar").display = has_key
        groups = [(app.catalog.group_name(g), g) for g in probe_models(app.catalog)]
        select = self.query_one("#history-group", Select)
        select.set_options(groups)
        if groups:
            select.value = groups[0][1]
        self.set_interval(1, self.tick)

    def reload(self) -> None:
        super().reload()
        self.fill_tier_table()  # the catalog may have changed
        self.load_history(self.group)

    def tick(self) -> None:
        for panel in self.query(ProbePanel):
            panel.refresh()

    def selected_group(self) -> str | None:
        return self.group

    @on(Select.Changed, "#history-group")
    def group_chosen(self, event: Select.Changed) -> None:
        self.group = None if event.select.is_blank() else str(event.value)

    def watch_group(self, group: str | None) -> None:
        self.fill_tier_table()
        self.load_history(group)

    def fill_tier_table(self) -> None:
        """The catalog's limits for the chosen group per tier, the tier the probe matched marked."""
        app = self.app
        group = self.group
        table = self.query_one("#tier-table", DataTable)
        table.clear(columns=True)
        table.add_columns("Tier", "RPM", "ITPM", "OTPM", "Match")
        if group is None:
            return
        matched = next((r.tier for r in self.results if r.group == group), None)
        table.border_title = f"{app.catalog.group_name(group)}: limits per tier ({D.SOURCE_CATALOG})"
        for tier in app.catalog.tiers_at(app.today):
            lim = app.catalog.limits_at(group, tier.id, app.today)
            if lim is None:
                continue
            table.add_row(
                tier.id,
                plain(lim.rpm),
                plain(lim.itpm),
                plain(lim.otpm),
                "◀ live" if tier.id == matched else "",
                key=tier.id,
            )

    # history ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="history", name="probe history", exit_on_error=False)
    def load_history(self, group: str | None) -> None:
        from planner.probe import history

        app = self.app
        app.store_ready.wait()
        snaps = []
        if group is not None:
            store = D.open_store(app.db)
            try:
                snaps = history.snapshots(store, group=group, limit=500)
            finally:
                store.close()
        self.post_message(self.HistoryLoaded(history_of(snaps), group))

    @on(HistoryLoaded)
    def history_loaded(self, m: HistoryLoaded) -> None:
        if m.group == self.group:
            self.history = m.history

    def watch_history(self, h: History | None) -> None:
        plot = self.query_one(HistoryPlot)
        if h is not None and h.series:
            t0 = min(p[0] for pts in h.series.values() for p in pts)
            series = {k: [((x - t0) / 60, y) for x, y in pts] for k, pts in h.series.items()}
            plot.replot(series, f"remaining capacity, % ({D.SOURCE_LIVE}; {h.count} snapshots; minutes)")
        else:
            plot.replot({}, "no probe snapshots yet (press r with a key set)")

    # probing ----------------------------------------------------------------------------------
    def action_probe_now(self) -> None:
        if self.app.api_key is None:
            self.notify("set ANTHROPIC_API_KEY and start planner again", title="no API key", severity="warning")
            return
        if self.probing:
            return
        self.probing = True
        self.run_probes()

    def watch_probing(self, probing: bool) -> None:
        self.query_one("#probe-panels").loading = probing and not self.results
        if probing:
            self.query_one("#probe-status", Static).update("probing…")

    @work(exclusive=True, group="probe", name="probe", exit_on_error=False)
    async def run_probes(self) -> None:
        from planner.probe.client import aprobe

        app = self.app
        api_key = app.api_key
        if api_key is None:
            return
        results = []
        for model in probe_models(app.catalog).values():
            results.append(
                await aprobe(
                    model,
                    api_key=api_key,
                    base_url=app.base_url,
                    catalog=app.catalog,
                    clock=app.clock,
                    max_retries=0,
                )
            )
        self.post_message(self.ProbeFinished(results))

    @on(ProbeFinished)
    def probe_finished(self, m: ProbeFinished) -> None:
        from planner.probe.client import host_of

        self.results = m.results
        self.save_probes(m.results, host_of(self.app.base_url))

    @work(thread=True, exclusive=True, group="probe-save", name="probe history save", exit_on_error=False)
    def save_probes(self, results: list[ProbeResult], host: str) -> None:
        from planner.probe import history

        app = self.app
        app.store_ready.wait()
        store = D.open_store(app.db)
        try:
            for r in results:
                history.save_snapshot(store, r, host)
        finally:
            store.close()
        self.post_message(self.ProbesSaved(len(results)))

    @on(ProbesSaved)
    def probes_saved(self) -> None:
        self.probing = False
        self.app.invalidate("overview")  # live limits now feed the overview gauges
        self.load_history(self.group)
        self.schedule_auto()

    def watch_results(self, results: list[ProbeResult]) -> None:
        app = self.app
        grid = self.query_one("#probe-panels", Grid)
        grid.loading = False
        grid.remove_children()
        grid.mount_all(
            [
                ProbePanel(
                    r.group or r.model,
                    app.catalog.group_name(r.group) if r.group else r.model,
                    r,
                    classes="probe-panel",
                )
                for r in results
            ]
        )
        bad = [r for r in results if r.status != "ok"]
        stamp = app.clock().strftime("%H:%M:%S")
        self.query_one("#probe-status", Static).update(
            f"last probe {stamp} UTC: {len(results) - len(bad)} ok, {len(bad)} not"
        )
        for r in bad:
            self.notify(r.explanation, title=f"{r.model}: {STATUS_TEXT.get(r.status, r.status)}", severity="warning")
        self.fill_tier_table()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group in ("probe", "probe-save") and event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.probing = False
            self.query_one("#probe-status", Static).update("probe failed")
            self.schedule_auto()

    def schedule_auto(self) -> None:
        """With auto-probe on, the next probe starts this long after the last one finished."""
        if self.auto_timer is not None:
            self.auto_timer.stop()
            self.auto_timer = None
        if self.query_one("#auto-switch", Switch).value:
            self.auto_timer = self.set_timer(self.auto_seconds(), self.action_probe_now)

    def auto_seconds(self) -> int:
        try:
            return max(5, int(self.query_one("#auto-seconds", Input).value))
        except ValueError:
            return 60

    def action_toggle_auto(self) -> None:
        if self.app.api_key is None:
            self.notify("set ANTHROPIC_API_KEY and start planner again", title="no API key", severity="warning")
            return
        switch = self.query_one("#auto-switch", Switch)
        switch.value = not switch.value

    @on(Switch.Changed, "#auto-switch")
    def auto_switched(self, event: Switch.Changed) -> None:
        if event.value:
            self.notify(f"probing every {self.auto_seconds()} s", title="auto-probe on")
            if not self.probing:
                self.action_probe_now()
        elif self.auto_timer is not None:
            self.auto_timer.stop()
            self.auto_timer = None

    def export_table(self) -> Table | None:
        rows = []
        for r in self.results:
            for key, label in HEADER_DIMS:
                d = r.limits.get(key)
                if d is None:
                    continue
                rows.append(
                    {
                        "group": r.group,
                        "model": r.model,
                        "dimension": label,
                        "limit": d.limit,
                        "remaining": d.remaining,
                        "reset": d.reset,
                        "tier": r.tier,
                        "status": r.status,
                        "source": D.SOURCE_LIVE,
                    }
                )
        if not rows:
            return None
        cols = [
            Column("group", "Group"),
            Column("model", "Model"),
            Column("dimension", "Dim"),
            Column("limit", "Limit", "right"),
            Column("remaining", "Remaining", "right"),
            Column("reset", "Reset"),
            Column("tier", "Tier match"),
            Column("status", "Status"),
            Column("source", "Source"),
        ]
        return Table(cols, rows, title="Live limits", notes=["source: live header (probe)"])

    def export_payload(self) -> dict[str, object] | None:
        return {"probes": [r.to_json() for r in self.results]} if self.results else None
