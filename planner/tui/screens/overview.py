"""Overview: month-to-date spend, the month-end projection with its range, cache savings, spend by
model, the daily spend plot, per-group headroom gauges and the recommended tier — each with its source."""

from __future__ import annotations

import calendar
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Static

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import usd
from planner.tui.screens.base import PlannerScreen
from planner.tui.widgets.gauge import GroupGaugePanel, gauge_lines
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.plots import SpendPlot
from planner.tui.widgets.table import SteadyTable

LOADING = ("#mtd", "#projection", "#savings", "#tier", "#middle", "#gauges")


class Card(Static):
    """A labelled figure: title, value, and where the value came from."""

    def set(self, value: str, source: str) -> None:
        self.value = value
        self.source = source
        self.update(f"[b]{value}[/b]\n[dim]{source}[/dim]")


class OverviewScreen(PlannerScreen):
    SCREEN_TITLE = "Overview"

    @dataclass
    class Loaded(Message):
        data: D.OverviewData
        partial: bool = False  # spend only; the demand gauges and the tier are still coming

    def __init__(self) -> None:
        super().__init__()
        self.data: D.OverviewData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="overview"):
            yield Static("", id="banner", classes="banner")
            yield Static("Overview", id="as-of", classes="screen-title")
            with Horizontal(id="cards"):
                yield Card(id="mtd", classes="card")
                yield Card(id="projection", classes="card")
                yield Card(id="savings", classes="card")
                yield Card(id="tier", classes="card")
            with Horizontal(id="middle"):
                yield SpendPlot(id="spend-plot")
                yield SteadyTable(id="by-model", cursor_type="row", zebra_stripes=True)
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

    def reload(self) -> None:
        super().reload()
        cached = self.app.cache.get("overview")
        if cached is not None and cached[0] == self.app.generation:
            self.show(cached[1])
            self.app.call_after_refresh(self.app.build_other_screens)
            return
        for sel in LOADING:
            self.query_one(sel).loading = True
        self.load()

    @work(thread=True, exclusive=True, group="overview", name="overview", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        app.store_ready.wait()
        generation = app.generation
        future = app.take_prefetch() if generation == 0 else None
        got = None
        if future is not None:
            try:
                got = future.result()
            except Exception:
                got = None
        if got is not None:
            result, usage_day = got
        else:
            result, usage_day = D.overview(
                app.db,
                app.catalog,
                app.today,
                app.samples,
                now=app.clock(),
                cache_dir=app.cache_dir,
                catalog_key=app.catalog_key(),
                on_spend=lambda d: self.post_message(self.Loaded(d, partial=True)),
            )
        app.call_from_thread(
            lambda: app.cache.update({"overview": (generation, result), "usage:day": (generation, usage_day)})
        )
        self.post_message(self.Loaded(result))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.show(message.data, partial=message.partial)
        if not message.partial:
            self.app.call_after_refresh(self.app.build_other_screens)

    def show(self, d: D.OverviewData, partial: bool = False) -> None:
        self.data = None if partial else d
        for sel in LOADING:
            self.query_one(sel).loading = partial and sel in ("#tier", "#gauges")
        self.query_one("#banner").display = d.sample_only
        self.query_one("#banner", Static).update("sample data: press [b]i[/b] to import your own")
        title = f"Overview — {d.as_of:%B %Y}"
        self.query_one("#as-of", Static).update(title + (f"  ({d.as_of_note})" if d.as_of_note else ""))
        fc = d.forecast
        mtd, proj, savings, tier = (self.query_one(f"#{i}", Card) for i in ("mtd", "projection", "savings", "tier"))
        if fc is None:
            mtd.set("no data", "import logs with i")
            proj.set("—", "estimate")
            savings.set("—", D.SOURCE_LOG)
            tier.set("—", D.SOURCE_ESTIMATE)
        else:
            mtd.set(usd(fc.month_to_date), f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}")

            # the range in whole dollars above $100, so it fits a quarter of a 120-column screen
            def rng(x):
                return f"${x:,.0f}" if x >= 100 else usd(x)

            proj.set(usd(fc.projected), f"{D.SOURCE_ESTIMATE}: {rng(fc.low)}–{rng(fc.high)}")
            proj.tooltip = f"range {usd(fc.low)} – {usd(fc.high)}; {fc.method}"
            savings.set(usd(d.by_model.totals.cache_savings_usd), f"{D.SOURCE_LOG} × {D.SOURCE_CATALOG}")
            rec = d.recommendation
            if rec is not None:
                unsure = (
                    rec.tier == "custom"
                    and rec.rejected
                    and all("cannot confirm" in why for why in rec.rejected.values())
                )
                # "custom" because the catalog lacks a limit is not "you need a custom tier": say so
                tier.set(
                    rec.tier,
                    f"{D.SOURCE_ESTIMATE}: "
                    + ("a group's limits are unknown" if unsure else "peaks × 1.2, projected spend"),
                )
                tier.tooltip = rec.reason
            days = calendar.monthrange(d.as_of.year, d.as_of.month)[1]
            self.query_one(SpendPlot).replot(d.month, fc, days)
        table = self.query_one("#by-model", DataTable)
        table.clear()
        if d.by_model is not None:
            for row in sorted(d.by_model.rows, key=lambda r: r.cost_usd, reverse=True):
                table.add_row(
                    str(row.key), f"{row.requests:,}", usd(row.cost_usd), usd(row.cache_savings_usd), key=str(row.key)
                )
        if partial:
            return
        grid = self.query_one("#gauges", Grid)
        grid.remove_children()
        grid.mount_all([GroupGaugePanel(g, classes="gauge") for g in d.gauges])
        notes = [f"spend: {D.SOURCE_LOG} priced with the {D.SOURCE_CATALOG}"]
        if fc is not None:
            notes.append(f"projection: {D.SOURCE_ESTIMATE} ({fc.method})")
        notes.append(f"limits: {D.SOURCE_CATALOG} (tier compared: recommended), or {D.SOURCE_LIVE} after a probe")
        if d.recommendation is not None:
            notes.append(f"recommended tier: {D.SOURCE_ESTIMATE}; {d.recommendation.reason}")
        if d.unpriced:
            notes.append(f"unpriced models (not counted as $0): {', '.join(d.unpriced)}")
        self.query_one("#sources", Static).update("\n".join(notes))

    def export_table(self) -> Table | None:
        d = self.data
        if d is None or d.forecast is None:
            return None
        fc = d.forecast
        rows = [
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

    def export_payload(self):
        d = self.data
        if d is None or d.forecast is None:
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
