"""Usage: imported history by day, week, month, model or project (sortable by any column), and
the sources with their bad-line counts. `i` opens the import dialog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Header, Select, Static

from planner.report import Column, Table
from planner.tui import data as D
from planner.tui.format import usd
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.table import SteadyTable

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


def row_dict(row) -> dict:
    return {c.key: (str(row.key) if c.key == "key" else getattr(row, c.key)) for c in COLUMNS}


class UsageScreen(PlannerScreen):
    SCREEN_TITLE = "Usage"
    AUTO_FOCUS = "#ledger"
    BINDINGS = [
        Binding(
            "g", "next_grouping", "Group by", id="usage.group", tooltip="Cycle day / week / month / model / project"
        ),
        Binding("s", "sort", "Sort", id="usage.sort", tooltip="Sort by the column under the cursor (again: reverse)"),
    ]

    @dataclass
    class Loaded(Message):
        data: D.UsageData

    def __init__(self) -> None:
        super().__init__()
        self.by = "day"
        self.data: D.UsageData | None = None
        self.sort_key: str | None = None
        self.sort_reverse = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="usage"):
            with Horizontal(id="usage-bar"):
                yield Static("Usage — imported history", classes="screen-title", id="usage-title")
                yield Select([(f"by {g}", g) for g in GROUPINGS], value="day", allow_blank=False, id="usage-by")
            yield SteadyTable(id="ledger", cursor_type="column", zebra_stripes=True)
            yield SteadyTable(id="sources-table", cursor_type="row", zebra_stripes=True)
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

    def reload(self) -> None:
        super().reload()
        cached = self.app.cache.get(f"usage:{self.by}")
        if cached is not None and cached[0] == self.app.generation:
            self.show(cached[1])
            return
        self.query_one("#ledger").loading = True
        self.query_one("#sources-table").loading = True
        self.load(self.by)

    @work(thread=True, exclusive=True, group="usage", name="usage", exit_on_error=False)
    def load(self, by: str) -> None:
        app = self.app
        app.store_ready.wait()
        generation = app.generation
        result = D.usage(app.db, app.catalog, by)
        app.call_from_thread(lambda: app.cache.__setitem__(f"usage:{by}", (generation, result)))
        self.post_message(self.Loaded(result))

    @on(Loaded)
    def _loaded(self, m: Loaded) -> None:
        if m.data.by == self.by:
            self.show(m.data)

    def show(self, d: D.UsageData) -> None:
        self.data = d
        self.query_one("#ledger").loading = False
        self.query_one("#sources-table").loading = False
        self.fill_ledger()
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

    def rows(self) -> list[dict]:
        if self.data is None:
            return []
        rows = [row_dict(r) for r in self.data.ledger.rows]
        if self.sort_key:
            rows.sort(
                key=lambda r: (r[self.sort_key] is None, r[self.sort_key] if r[self.sort_key] is not None else 0),
                reverse=self.sort_reverse,
            )
        return rows

    def fill_ledger(self) -> None:
        table = self.query_one("#ledger", DataTable)
        table.clear()
        table.border_title = f"by {self.by}: cost = {D.SOURCE_LOG} × {D.SOURCE_CATALOG}"
        from rich.text import Text
        from textual.widgets.data_table import ColumnKey

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

    @on(Select.Changed, "#usage-by")
    def _by_changed(self, event: Select.Changed) -> None:
        if event.value != self.by:
            self.by = str(event.value)
            self.sort_key = None
            self.reload()

    def action_next_grouping(self) -> None:
        self.query_one("#usage-by", Select).value = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]

    @on(DataTable.HeaderSelected, "#ledger")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    def action_sort(self) -> None:
        table = self.query_one("#ledger", DataTable)
        self.sort_by(COLUMNS[table.cursor_column].key)

    def sort_by(self, key: str) -> None:
        self.sort_reverse = not self.sort_reverse if self.sort_key == key else key != "key"
        self.sort_key = key
        self.fill_ledger()

    def export_table(self) -> Table | None:
        if self.data is None:
            return None
        notes = [f"source: {D.SOURCE_LOG} priced with the {D.SOURCE_CATALOG}"]
        notes += [f"{s.path}: {s.fmt}, {s.records} records, {s.bad_lines} bad lines" for s in self.data.sources]
        return Table(COLUMNS, self.rows(), title=f"Usage by {self.by}", notes=notes)
