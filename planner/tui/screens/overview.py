"""Overview: month-to-date spend, the month-end projection with its range, cache savings, spend by
model, the daily spend plot, per-group headroom gauges and the recommended tier — each with its source.

Its data comes in two steps through two reactives: `spend` (the figures known before the demand
peaks) and `data` (everything); their watchers render it."""

from __future__ import annotations

import calendar
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Static

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui import loader
from planner.tui.format import usd
from planner.tui.screens.base import PlannerScreen
from planner.tui.widgets.gauge import GroupGaugePanel, gauge_lines
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.plots import SpendPlot

LOADING = ("#mtd", "#projection", "#savings", "#tier", "#middle", "#gauges")
DEMAND = ("#tier", "#gauges")  # what waits for the demand peaks


@dataclass(frozen=True)
class Figure:
    value: str
    source: str
    tooltip: str | None = None


def whole_dollars(x: Decimal) -> str:
    """The projection's range in whole dollars above $100, so it fits a quarter of a 120-column screen."""
    return f"${x:,.0f}" if x >= 100 else usd(x)


def figures(d: D.OverviewData) -> dict[str, Figure]:
    """The cards' figures, by card id (the tier only once the demand peaks are in)."""
    fc = d.forecast
    if fc is None:
        return {
            "mtd": Figure("no data", "import logs with i"),
            "projection": Figure("—", "estimate"),
            "savings": Figure("—", D.SOURCE_LOG),
            "tier": Figure("—", D.SOURCE_ESTIMATE),
        }
    out = {
        "mtd": Figure(usd(fc.month_to_date), f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}"),
        "projection": Figure(
            usd(fc.projected),
            f"{D.SOURCE_ESTIMATE}: {whole_dollars(fc.low)}–{whole_dollars(fc.high)}",
            f"range {usd(fc.low)} – {usd(fc.high)}; {fc.method}",
        ),
    }
    if d.by_model is not None:
        out["savings"] = Figure(usd(d.by_model.totals.cache_savings_usd), f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}")
    rec = d.recommendation
    if rec is not None:
        # "custom" because the catalog lacks a limit is not "you need a custom tier": say so
        unsure = rec.tier == "custom" and rec.rejected and all("cannot confirm" in why for why in rec.rejected.values())
        why = "a group's limits are unknown" if unsure else "peaks × 1.2, projected spend"
        out["tier"] = Figure(rec.tier, f"{D.SOURCE_ESTIMATE}: {why}", rec.reason)
    return out


def source_notes(d: D.OverviewData) -> str:
    """Where each figure came from."""
    out = [f"spend: {D.SOURCE_LOG} priced with the {D.SOURCE_CATALOG}"]
    if d.forecast is not None:
        out.append(f"projection: {D.SOURCE_ESTIMATE} ({d.forecast.method})")
    out.append(f"limits: {D.SOURCE_CATALOG} (tier compared: recommended), or {D.SOURCE_LIVE} after a probe")
    if d.recommendation is not None:
        out.append(f"recommended tier: {D.SOURCE_ESTIMATE}; {d.recommendation.reason}")
    if d.unpriced:
        out.append(f"unpriced models (not counted as $0): {', '.join(d.unpriced)}")
    return "\n".join(out)


class Card(Static):
    """A labelled figure: title, value, and where the value came from."""

    value = ""
    source = ""

    def show(self, figure: Figure) -> None:
        self.value, self.source = figure.value, figure.source
        self.tooltip = figure.tooltip
        self.update(f"[b]{figure.value}[/b]\n[dim]{figure.source}[/dim]")


class OverviewScreen(PlannerScreen):
    SCREEN_TITLE = "Overview"

    # The figures known before the demand peaks (no gauges, no tier yet), then everything.
    spend: var[D.OverviewData | None] = var(None, init=False, always_update=True)
    data: var[D.OverviewData | None] = var(None, init=False, always_update=True)

    @dataclass
    class Loaded(Message):
        data: D.OverviewData
        generation: int
        partial: bool = False  # spend only; the demand gauges and the tier are still coming
        usage_day: D.UsageData | None = None  # the Usage screen's first view, computed on the way

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="overview"):
            yield Static("sample data: press [b]i[/b] to import your own", id="banner", classes="banner")
            yield Static("Overview", id="as-of", classes="screen-title")
            with Horizontal(id="cards"):
                yield Card(id="mtd", classes="card")
                yield Card(id="projection", classes="card")
                yield Card(id="savings", classes="card")
                yield Card(id="tier", classes="card")
            with Horizontal(id="middle"):
                yield SpendPlot(id="spend-plot")
                yield DataTable(id="by-model", cursor_type="row", zebra_stripes=True)
            yield Grid(id="gauges")
            yield Static("", id="sources", classes="sources")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#by-model", DataTable)
        table.border_title = "Spend by model, month to date"
        table.add_columns("Model", "Requests", "Spend", "Saved by cache")
        self.query_one("#banner").display = False
        for card, title in (
            ("mtd", "Month to date"),
            ("projection", "Month-end projection"),
            ("savings", "Cache savings"),
            ("tier", "Recommended tier"),
        ):
            self.query_one(f"#{card}").border_title = title
        self.query_one("#gauges").border_title = "Headroom per model group (peak / limit)"

    # loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        super().reload()
        app = self.app
        cached = app.cache.get("overview")
        if cached is not None and cached[0] == app.generation:
            self.shown(cached[1], partial=False)
            return
        self.show_loading(LOADING)
        ahead = app.take_overview_ahead() if app.generation == 0 else None
        peaks: Future[loader.Peaks] | None = None
        if ahead is None:
            peaks = Future()
            self.load_peaks(peaks)
        self.load(app.generation, ahead, peaks)

    def show_loading(self, selectors: tuple[str, ...]) -> None:
        for sel in LOADING:
            self.query_one(sel).loading = sel in selectors

    @work(thread=True, group="overview-peaks", name="demand peaks", exit_on_error=False)
    def load_peaks(self, into: Future[loader.Peaks]) -> None:
        app = self.app
        app.store_ready.wait()
        loader.fulfil(into, lambda: loader.peaks(app.db, app.catalog))

    @work(thread=True, exclusive=True, group="overview", name="overview", exit_on_error=False)
    def load(
        self, generation: int, ahead: Future[loader.Overview | None] | None, peaks: Future[loader.Peaks] | None
    ) -> None:
        app = self.app
        app.store_ready.wait()
        got = None
        if ahead is not None:
            try:
                got = ahead.result()
            except Exception:
                got = None  # computed afresh below, which reports the error if it happens again

        def spend_known(d: D.OverviewData) -> None:
            self.post_message(self.Loaded(d, generation, partial=True))

        if got is None:
            got = D.overview(
                app.db,
                app.catalog,
                app.today,
                app.samples,
                now=app.clock(),
                cache_dir=app.cache_dir,
                catalog_key=app.catalog_key(),
                on_spend=spend_known,
                peaks_future=peaks,
            )
        result, usage_day = got
        self.post_message(self.Loaded(result, generation, usage_day=usage_day))

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        app = self.app
        if message.generation != app.generation:
            return  # an import or an override edit came meanwhile: a newer load is on its way
        if not message.partial:
            app.cache["overview"] = (message.generation, message.data)
            if message.usage_day is not None:
                app.cache["usage:day"] = (message.generation, message.usage_day)
        self.shown(message.data, message.partial)

    def shown(self, d: D.OverviewData, partial: bool) -> None:
        self.show_loading(DEMAND if partial else ())
        if partial:
            self.spend = d
        else:
            self.data = d
            self.app.call_after_refresh(self.app.build_other_screens)

    # rendering --------------------------------------------------------------------------------
    def watch_spend(self, d: D.OverviewData | None) -> None:
        if d is not None:
            self.show_spend(d)

    def watch_data(self, d: D.OverviewData | None) -> None:
        if d is not None:
            self.show_spend(d)
            self.show_demand(d)

    def show_spend(self, d: D.OverviewData) -> None:
        self.query_one("#banner").display = d.sample_only
        title = f"Overview — {d.as_of:%B %Y}"
        self.query_one("#as-of", Static).update(title + (f"  ({d.as_of_note})" if d.as_of_note else ""))
        for card, figure in figures(d).items():
            self.query_one(f"#{card}", Card).show(figure)
        if d.forecast is not None:
            days = calendar.monthrange(d.as_of.year, d.as_of.month)[1]
            self.query_one(SpendPlot).replot(d.month, d.forecast, days)
        table = self.query_one("#by-model", DataTable)
        table.clear()
        if d.by_model is not None:
            for row in sorted(d.by_model.rows, key=lambda r: r.cost_usd, reverse=True):
                table.add_row(
                    str(row.key), f"{row.requests:,}", usd(row.cost_usd), usd(row.cache_savings_usd), key=str(row.key)
                )

    def show_demand(self, d: D.OverviewData) -> None:
        grid = self.query_one("#gauges", Grid)
        grid.remove_children()
        grid.mount_all([GroupGaugePanel(g, classes="gauge") for g in d.gauges])
        self.query_one("#sources", Static).update(source_notes(d))

    # export -----------------------------------------------------------------------------------
    def export_table(self) -> Table | None:
        d = self.data
        if d is None or d.forecast is None or d.by_model is None or d.recommendation is None:
            return None
        fc = d.forecast
        rows: list[dict[str, Any]] = [
            {"item": "month to date", "value": fc.month_to_date, "source": f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}"},
            {"item": "month-end projection", "value": fc.projected, "source": D.SOURCE_ESTIMATE},
            {"item": "projection low (p10)", "value": fc.low, "source": D.SOURCE_ESTIMATE},
            {"item": "projection high (p90)", "value": fc.high, "source": D.SOURCE_ESTIMATE},
            {"item": "cache savings", "value": d.by_model.totals.cache_savings_usd, "source": D.SOURCE_LOG},
            {"item": "recommended tier", "value": d.recommendation.tier, "source": D.SOURCE_ESTIMATE},
        ]
        for row in d.by_model.rows:
            rows.append(
                {"item": f"spend {row.key}", "value": row.cost_usd, "source": f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}"}
            )
        for g in d.gauges:
            for line in gauge_lines(g):
                rows.append({"item": f"headroom {g.name}", "value": line, "source": g.source})
        notes = [
            f"as of {d.as_of}" + (f" ({d.as_of_note})" if d.as_of_note else ""),
            fc.method,
            d.recommendation.reason,
        ]
        return Table(
            [Column("item", "Item"), Column("value", "Value", "right"), Column("source", "Source")],
            rows,
            title=f"Overview {d.as_of:%Y-%m}",
            notes=notes,
        )

    def export_payload(self) -> dict[str, object] | None:
        d = self.data
        if d is None or d.forecast is None or d.by_model is None or d.recommendation is None:
            return None
        return {
            "as_of": d.as_of,
            "as_of_note": d.as_of_note,
            "forecast": d.forecast.to_json(),
            "cache_savings_usd": d.by_model.totals.cache_savings_usd,
            "by_model": [{"model": r.key, "requests": r.requests, "cost_usd": r.cost_usd} for r in d.by_model.rows],
            "recommendation": d.recommendation.to_json(),
            "headroom": [
                {
                    "group": g.group,
                    "tier": g.tier,
                    "source": g.source,
                    "binding": g.binding,
                    "fits": g.fits,
                    "dimensions": {k: v.to_json() for k, v in g.dims.items()},
                }
                for g in d.gauges
            ],
        }
