"""Usage: imported history by day, week, month, model or project (sortable by any column), and
the sources with their bad-line counts. `i` opens the import dialog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Header, Select, Static
from textual.widgets.data_table import ColumnKey

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import usd
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from planner.ledger import LedgerRow

GROUPINGS = ("day", "week", "month", "model", "project")
COLUMNS = [
    Column("key", "Key"), Column("requests", "Requests", "right"), Column("input_tokens", "Input", "right"),
    Column("cache_write_5m_tokens", "5m write", "right"), Column("cache_write_1h_tokens", "1h write", "right"),
    Column("cache_read_tokens", "Cache read", "right"), Column("output_tokens", "Output", "right"),
    Column("cost_usd", "Cost USD", "right"), Column("cache_savings_usd", "Saved USD", "right"),
    Column("unpriced_requests", "Unpriced", "right"),
]  # fmt: skip
MONEY = ("cost_usd", "cache_savings_usd")
SOURCE_ROWS = 200


def short_path(path: str) -> str:
    """A source path relative to the current directory, or with ~ for the home directory."""
    p = Path(path)
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            continue
    return path


def row_dict(row: LedgerRow) -> dict[str, Any]:
    return {c.key: (str(row.key) if c.key == "key" else getattr(row, c.key)) for c in COLUMNS}


class Sort(NamedTuple):
    key: str | None  # a column key; None: as the ledger orders its rows
    reverse: bool = False


class UsageScreen(PlannerScreen):
    """The ledger comes through the `data` reactive, grouped by `by` and ordered by `sort`."""

    SCREEN_TITLE = "Usage"
    AUTO_FOCUS = "#ledger"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "g", "next_grouping", "Group by", id="usage.group", tooltip="Cycle day / week / month / model / project"
        ),
        Binding("s", "sort", "Sort", id="usage.sort", tooltip="Sort by the column under the cursor (again: reverse)"),
    ]

    by: var[str] = var("day", init=False)
    data: var[D.UsageData | None] = var(None, init=False, always_update=True)
    sort: var[Sort] = var(Sort(None), init=False)

    @dataclass
    class Loaded(Message):
        data: D.UsageData
        generation: int

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="usage"):
            with Horizontal(id="usage-bar"):
                yield Static("Usage — imported history", classes="screen-title", id="usage-title")
                yield Select([(f"by {g}", g) for g in GROUPINGS], value="day", allow_blank=False, id="usage-by")
            yield DataTable(id="ledger", cursor_type="column", zebra_stripes=True)
            yield DataTable(id="sources-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="usage-sources", classes="sources")
        yield KeyBar()

    @tolerate_shutdown
    def on_mount(self) -> None:
        super().on_mount()
        ledger = self.query_one("#ledger", DataTable)
        for c in COLUMNS:
            ledger.add_column(c.title, key=c.key)
        sources = self.query_one("#sources-table", DataTable)
        sources.border_title = "Sources (imported log)"
        sources.add_columns("Format", "Records", "Bad lines", "Skipped", "Last import", "Path")

    # loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        super().reload()
        app = self.app
        cached = app.cache.get(f"usage:{self.by}")
        if cached is not None and cached[0] == app.generation:
            self.show_loading(False)
            self.data = cached[1]
            return
        self.show_loading(True)
        self.load(self.by, app.generation)

    def show_loading(self, loading: bool) -> None:
        self.query_one("#ledger").loading = loading
        self.query_one("#sources-table").loading = loading

    @work(thread=True, exclusive=True, group="usage", name="usage", exit_on_error=False)
    def load(self, by: str, generation: int) -> None:
        app = self.app
        app.store_ready.wait()
        self.post_message(self.Loaded(D.usage(app.db, app.catalog, by), generation))

    @on(Loaded)
    def loaded(self, m: Loaded) -> None:
        app = self.app
        if m.generation != app.generation:
            return  # data changed meanwhile: a newer load is on its way
        app.cache[f"usage:{m.data.by}"] = (m.generation, m.data)
        if m.data.by == self.by:
            self.show_loading(False)
            self.data = m.data

    # rendering --------------------------------------------------------------------------------
    def watch_by(self) -> None:
        self.set_reactive(UsageScreen.sort, Sort(None))  # the new grouping's own order, no refill yet
        self.reload()

    def watch_data(self, d: D.UsageData | None) -> None:
        if d is not None:
            self.fill_ledger()
            self.show_sources(d)

    def watch_sort(self) -> None:
        self.fill_ledger()

    def show_sources(self, d: D.UsageData) -> None:
        sources = self.query_one("#sources-table", DataTable)
        sources.clear()
        # The worst and biggest first, and at most SOURCE_ROWS: a big import has ~10k files, and
        # a table of all of them costs a second to build (the export has every source).
        shown = sorted(d.sources, key=lambda s: (-s.bad_lines, -s.records))[:SOURCE_ROWS]
        more = len(d.sources) - len(shown)
        sources.border_title = "Sources (imported log)" + (
            f": the {len(shown)} with most bad lines and records, {more:,} more in the export" if more else ""
        )
        for s in shown:
            sources.add_row(
                s.fmt,
                f"{s.records:,}",
                f"{s.bad_lines:,}",
                f"{s.skipped:,}",
                str(s.last_import)[:19],
                short_path(s.path),
            )
        t = d.ledger.totals
        bad = sum(s.bad_lines for s in d.sources)
        text = (
            f"total {t.requests:,} requests, {usd(t.cost_usd)} ({D.SOURCE_LOG} priced with the {D.SOURCE_CATALOG}); "
            f"{len(d.sources)} sources, {bad:,} bad lines"
        )
        if d.ledger.unpriced_models:
            text += f"; unpriced (not $0): {', '.join(d.ledger.unpriced_models)}"
        self.query_one("#usage-sources", Static).update(text)

    def rows(self) -> list[dict[str, Any]]:
        if self.data is None:
            return []
        rows = [row_dict(r) for r in self.data.ledger.rows]
        key = self.sort.key
        if key:
            rows.sort(key=lambda r: (r[key] is None, r[key] if r[key] is not None else 0), reverse=self.sort.reverse)
        return rows

    def fill_ledger(self) -> None:
        table = self.query_one("#ledger", DataTable)
        table.clear()
        table.border_title = f"by {self.by}: cost = {D.SOURCE_LOG} × {D.SOURCE_CATALOG}"
        first = table.columns.get(ColumnKey("key"))
        if first is not None:
            first.label = Text(self.by.capitalize())  # "Day", "Model", ... instead of "Key"
        for r in self.rows():
            table.add_row(
                *(
                    usd(r[c.key])
                    if c.key in MONEY
                    else (f"{r[c.key]:,}" if isinstance(r[c.key], int) else str(r[c.key]))
                    for c in COLUMNS
                ),
                key=r["key"],
            )

    # input ------------------------------------------------------------------------------------
    @on(Select.Changed, "#usage-by")
    def by_changed(self, event: Select.Changed) -> None:
        self.by = str(event.value)

    def action_next_grouping(self) -> None:
        self.query_one("#usage-by", Select).value = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]

    @on(DataTable.HeaderSelected, "#ledger")
    def header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    def action_sort(self) -> None:
        table = self.query_one("#ledger", DataTable)
        self.sort_by(COLUMNS[table.cursor_column].key)

    def sort_by(self, key: str) -> None:
        """Sort by a column, biggest first (the key column: in order); again: reversed."""
        reverse = not self.sort.reverse if self.sort.key == key else key != "key"
        self.sort = Sort(key, reverse)

    def export_table(self) -> Table | None:
        if self.data is None:
            return None
        notes = [f"source: {D.SOURCE_LOG} priced with the {D.SOURCE_CATALOG}"]
        notes += [f"{s.path}: {s.fmt}, {s.records} records, {s.bad_lines} bad lines" for s in self.data.sources]
        return Table(COLUMNS, self.rows(), title=f"Usage by {self.by}", notes=notes)
