"""Pricing: the catalog's prices (every token price, batch, bands, effective date, source) and the
per-group limits per tier, filterable by name; edits go to the overrides file through a modal."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Input, Static

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import UNKNOWN, plain
from planner.tui.messages import DataChanged
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.table import SteadyTable

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


def cell(row: dict, key: str) -> str:
    text = _cell(row, key)
    return text if len(text) <= WIDE else text[: WIDE - 1] + "…"


def _cell(row: dict, key: str) -> str:
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
    SCREEN_TITLE = "Pricing"
    AUTO_FOCUS = "#prices"
    BINDINGS = [
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

    def __init__(self) -> None:
        super().__init__()
        self.prices: list[dict] = []
        self.limits: list[dict] = []
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="pricing"):
            yield Static("Pricing — catalog, USD per million tokens", classes="screen-title")
            yield Input(placeholder="filter by model or group name ( / )", id="filter")
            yield SteadyTable(id="prices", cursor_type="row", zebra_stripes=True)
            yield SteadyTable(id="limit-table", cursor_type="row", zebra_stripes=True)
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
        self.prices = D.price_rows(app.catalog, app.today)
        self.limits = D.limit_rows(app.catalog, app.today)
        self.refill()
        self.query_one("#prices").border_title = f"Prices in force at {app.today} (source: {D.SOURCE_CATALOG})"
        self.query_one(
            "#limit-table"
        ).border_title = f"Rate limits per tier at {app.today} (source: {D.SOURCE_CATALOG})"
        self.query_one("#pricing-sources", Static).update(
            f"source: the bundled catalog and your overrides ({app.overrides_target()}); "
            f"— = not published (unknown, not 0). m edits a price, l a limit, v shows limits or prices."
        )

    def visible(self) -> tuple[list[dict], list[dict]]:
        f = self.filter_text.lower()
        prices = [r for r in self.prices if not f or f in r["model"].lower() or f in str(r.get("name", "")).lower()]
        limits = [r for r in self.limits if not f or f in r["group"].lower() or f in r["group_name"].lower()]
        return prices, limits

    def refill(self) -> None:
        prices, limits = self.visible()
        table = self.query_one("#prices", DataTable)
        table.clear()
        for r in prices:
            table.add_row(*(cell(r, c.key) for c in PRICE_COLUMNS), key=r["model"])
        table = self.query_one("#limit-table", DataTable)
        table.clear()
        for r in limits:
            table.add_row(*(cell(r, c.key) for c in LIMIT_COLUMNS), key=f"{r['group']}:{r['tier']}")

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refill()

    def action_filter(self) -> None:
        self.query_one("#filter").focus()

    def _selected_model(self) -> str | None:
        table = self.query_one("#prices", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_edit(self) -> None:
        from planner.tui.screens.dialogs import EditOverrideDialog

        self.app.push_screen(EditOverrideDialog("price", self._selected_model() or ""), self._saved)

    def action_edit_limit(self) -> None:
        from planner.tui.screens.dialogs import EditOverrideDialog

        table = self.query_one("#limit-table", DataTable)
        target = ""
        if table.row_count:
            target = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        self.app.push_screen(EditOverrideDialog("limit", target), self._saved)

    def action_toggle_table(self) -> None:
        prices, limits = self.query_one("#prices", DataTable), self.query_one("#limit-table", DataTable)
        limits.display = not limits.display
        prices.display = not limits.display
        (limits if limits.display else prices).focus()

    @on(DataTable.RowSelected, "#prices")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def _saved(self, message: str | None) -> None:
        if message:
            self.app.catalog = self.app.load_catalog()
            self.app.notify(message, title="override saved")
            self.app.post_message(DataChanged("override"))

    def export_table(self) -> Table:
        prices, limits = self.visible()
        return Table(
            PRICE_COLUMNS,
            prices,
            title=f"Prices in force at {self.app.today}, USD per million tokens",
            notes=[f"source: {D.SOURCE_CATALOG} (bundled + overrides)", "— = unknown, not $0"],
        )

    def export_payload(self):
        prices, limits = self.visible()
        return {"at": self.app.today, "models": prices, "limits": limits, "source": D.SOURCE_CATALOG}
