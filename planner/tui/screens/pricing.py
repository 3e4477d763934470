"""Pricing: the catalog's prices (every token price, batch, bands, effective date, source) and the
per-group limits per tier, filterable by name; edits go to the overrides file through a modal."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import DataTable, Header, Input, Static

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import UNKNOWN, plain
from planner.tui.messages import DataChanged
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar

PRICE_COLUMNS = [
    Column("model", "Model"), Column("status", "Status"), Column("effective", "Effective"),
    Column("input", "Input", "right"), Column("cache_write_5m", "5m write", "right"),
    Column("cache_write_1h", "1h write", "right"), Column("cache_read", "Read", "right"),
    Column("output", "Output", "right"), Column("batch", "Batch"), Column("bands_text", "Long context"),
    Column("overridden", "Override"), Column("source", "Source"),
]  # fmt: skip
LIMIT_COLUMNS = [
    Column("group_name", "Group"), Column("tier", "Tier"), Column("rpm", "RPM", "right"),
    Column("itpm", "ITPM", "right"), Column("otpm", "OTPM", "right"), Column("cache_reads_count", "Reads count"),
    Column("effective", "Effective"), Column("overridden", "Override"), Column("source", "Source"),
]  # fmt: skip


WIDE = 40  # long sources (URLs, notes) are cut in the table; the export has them whole


def cell(row: dict[str, Any], key: str) -> str:
    text = cell_text(row, key)
    return text if len(text) <= WIDE else text[: WIDE - 1] + "…"


def cell_text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if key == "overridden":
        return "overridden" if value else ""
    if value is None or value == "":
        return UNKNOWN if key not in ("bands_text",) else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return plain(value)
    return str(value)


class PricingScreen(PlannerScreen):
    """The catalog's rows come through the `prices` and `limits` reactives, shown as far as
    `filter_text` lets them."""

    SCREEN_TITLE = "Pricing"
    AUTO_FOCUS = "#prices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="pricing.filter", tooltip="Filter models and groups by name"),
        Binding("m", "edit", "Edit price", id="pricing.edit_price", tooltip="Edit a price (saved to overrides)"),
        Binding(
            "l", "edit_limit", "Edit limit", id="pricing.edit_limit", tooltip="Edit a rate limit (saved to overrides)"
        ),
        Binding(
            "v",
            "toggle_table",
            "Prices/limits",
            id="pricing.toggle",
            tooltip="Show the rate-limit table instead of the prices, or back",
        ),
    ]

    prices: var[list[dict[str, Any]]] = var(list, init=False, always_update=True)
    limits: var[list[dict[str, Any]]] = var(list, init=False, always_update=True)
    filter_text: var[str] = var("", init=False)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pricing"):
            yield Static("Pricing — catalog, USD per million tokens", classes="screen-title")
            yield Input(placeholder="filter by model or group name ( / )", id="filter")
            yield DataTable(id="prices", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="limit-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="pricing-sources", classes="sources")
        yield KeyBar()

    @tolerate_shutdown
    def on_mount(self) -> None:
        super().on_mount()
        prices = self.query_one("#prices", DataTable)
        prices.add_columns(*(c.title for c in PRICE_COLUMNS))
        limits = self.query_one("#limit-table", DataTable)
        limits.add_columns(*(c.title for c in LIMIT_COLUMNS))
        # One table at a time: both wide tables on screen made every switch to this screen slow.
        limits.display = False

    def reload(self) -> None:
        super().reload()
        app = self.app
        self.query_one("#prices").border_title = f"Prices in force at {app.today} (source: {D.SOURCE_CATALOG})"
        self.query_one(
            "#limit-table"
        ).border_title = f"Rate limits per tier at {app.today} (source: {D.SOURCE_CATALOG})"
        self.query_one("#pricing-sources", Static).update(
            f"source: the bundled catalog and your overrides ({app.overrides_target()}); "
            f"— = not published (unknown, not 0). m edits a price, l a limit, v shows limits or prices."
        )
        self.prices = D.price_rows(app.catalog, app.today)
        self.limits = D.limit_rows(app.catalog, app.today)

    def shown_prices(self) -> list[dict[str, Any]]:
        f = self.filter_text.lower()
        return [r for r in self.prices if not f or f in r["model"].lower() or f in str(r.get("name", "")).lower()]

    def shown_limits(self) -> list[dict[str, Any]]:
        f = self.filter_text.lower()
        return [r for r in self.limits if not f or f in r["group"].lower() or f in r["group_name"].lower()]

    def watch_prices(self) -> None:
        table = self.query_one("#prices", DataTable)
        table.clear()
        for r in self.shown_prices():
            table.add_row(*(cell(r, c.key) for c in PRICE_COLUMNS), key=r["model"])

    def watch_limits(self) -> None:
        table = self.query_one("#limit-table", DataTable)
        table.clear()
        for r in self.shown_limits():
            table.add_row(*(cell(r, c.key) for c in LIMIT_COLUMNS), key=f"{r['group']}:{r['tier']}")

    def watch_filter_text(self) -> None:
        self.watch_prices()
        self.watch_limits()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()

    def action_filter(self) -> None:
        self.query_one("#filter").focus()

    def selected_row(self, table_id: str) -> str:
        table = self.query_one(table_id, DataTable)
        if table.row_count == 0:
            return ""
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""

    def action_edit(self) -> None:
        from planner.tui.screens.dialogs import EditOverrideDialog

        self.app.push_screen(EditOverrideDialog("price", self.selected_row("#prices")), self.saved)

    def action_edit_limit(self) -> None:
        from planner.tui.screens.dialogs import EditOverrideDialog

        self.app.push_screen(EditOverrideDialog("limit", self.selected_row("#limit-table")), self.saved)

    def action_toggle_table(self) -> None:
        prices, limits = self.query_one("#prices", DataTable), self.query_one("#limit-table", DataTable)
        limits.display = not limits.display
        prices.display = not limits.display
        (limits if limits.display else prices).focus()

    @on(DataTable.RowSelected, "#prices")
    def row_selected(self) -> None:
        self.action_edit()

    def saved(self, message: str | None) -> None:
        if message:
            self.app.catalog = self.app.load_catalog()
            self.app.notify(message, title="override saved")
            self.app.post_message(DataChanged("override"))

    def export_table(self) -> Table:
        return Table(
            PRICE_COLUMNS,
            self.shown_prices(),
            title=f"Prices in force at {self.app.today}, USD per million tokens",
            notes=[f"source: {D.SOURCE_CATALOG} (bundled + overrides)", "— = unknown, not $0"],
        )

    def export_payload(self) -> dict[str, object]:
        return {
            "at": self.app.today,
            "models": self.shown_prices(),
            "limits": self.shown_limits(),
            "source": D.SOURCE_CATALOG,
        }
