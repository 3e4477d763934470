"""Modal dialogs: import logs (thread worker, progress, Escape cancels), export the current view,
edit a price or limit override, open a scenario file."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import getters, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, ProgressBar, Select, Static

from planner.errors import PlannerError
from planner.report import Table, render

if TYPE_CHECKING:
    from planner.ingest import ImportProgress, ImportSummary
    from planner.tui.app import PlannerApp

MB = 1024 * 1024


def write_export(app: App[Any], table: Table, payload: Any, fmt: str, path: Path) -> bool:
    """Write the view to `path` (atomically) and say so in a notification; False if it failed."""
    from planner.atomic import write_atomic

    try:
        text = render(table, fmt, payload=payload if fmt == "json" else None)
        write_atomic(path, (text + "\n").encode("utf-8"))
    except OSError as exc:
        app.notify(f"{path}: {exc.strerror or exc}", title="export failed", severity="error")
        return False
    app.notify(f"{len(table.rows)} rows to {path}", title=f"exported {fmt}")
    return True


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    records: int


class ImportDialog(ModalScreen[object]):
    """Pick a path and a format; the import runs in a thread worker, its progress comes through
    the `progress` reactive (a progress bar and a status line). Escape cancels a running import;
    the files done so far are kept. Dismissed with the import's summary."""

    if TYPE_CHECKING:
        app = getters.app(PlannerApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="import.cancel", tooltip="Cancel the import or close")
    ]

    running: var[bool] = var(False, init=False)
    progress: var[Progress | None] = var(None, init=False)

    @dataclass
    class Progressed(Message):
        progress: Progress

        def can_replace(self, message: Message) -> bool:  # coalesce floods of progress
            return isinstance(message, ImportDialog.Progressed)

    @dataclass
    class Finished(Message):
        summary: ImportSummary | None
        error: str | None

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.cancel_event = threading.Event()
        self.start = start or Path.home()

    def compose(self) -> ComposeResult:
        from planner.usage.detect import FORMATS

        with Vertical(classes="dialog", id="import-dialog"):
            yield Label("Import usage logs", classes="dialog-title")
            yield Input(placeholder="file or folder (e.g. ~/.claude)", id="import-path")
            yield DirectoryTree(str(self.start), id="import-tree")
            yield Select([(f, f) for f in FORMATS], prompt="format: detect from content", id="import-format")
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static("", id="import-status")
            with Horizontal(classes="buttons"):
                yield Button("Import", variant="primary", id="import-go")
                yield Button("Cancel", id="import-cancel")

    @on(DirectoryTree.FileSelected)
    @on(DirectoryTree.DirectorySelected)
    def picked(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)

    @on(Button.Pressed, "#import-cancel")
    def action_cancel(self) -> None:
        if self.running:
            self.cancel_event.set()
            self.query_one("#import-status", Static).update("cancelling…")
        else:
            self.dismiss(None)

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-go")
    def go(self) -> None:
        if self.running:
            return
        text = self.query_one("#import-path", Input).value.strip()
        if not text:
            self.notify("give a file or folder to import", severity="warning")
            return
        path = Path(text).expanduser()
        if not path.exists():
            self.notify(f"{path}: no such file or folder", severity="error")
            return
        select = self.query_one("#import-format", Select)
        fmt = None if select.is_blank() else str(select.value)  # blank: detect each file's format
        self.running = True
        self.query_one("#import-status", Static).update(f"importing {path} …")
        self.run_import(path, fmt)

    def watch_running(self, running: bool) -> None:
        self.query_one("#import-go", Button).disabled = running

    @work(thread=True, exclusive=True, group="import", name="import", exit_on_error=False)
    def run_import(self, path: Path, fmt: str | None) -> None:
        from planner.tui import data as D

        app = self.app

        def progress(p: ImportProgress) -> None:
            self.post_message(
                self.Progressed(Progress(p.files_done, p.files_total, p.bytes_done, p.bytes_total, p.records))
            )

        try:
            summary = D.import_paths(app.db, app.catalog, [path], fmt, progress, self.cancel_event)
        except (PlannerError, OSError) as exc:
            self.post_message(self.Finished(None, str(exc)))
            return
        except Exception as exc:
            self.post_message(self.Finished(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Finished(summary, None))

    @on(Progressed)
    def progressed(self, m: Progressed) -> None:
        self.progress = m.progress

    def watch_progress(self, p: Progress | None) -> None:
        if p is None:
            return
        self.query_one("#import-progress", ProgressBar).update(total=max(p.bytes_total, 1), progress=p.bytes_done)
        self.query_one("#import-status", Static).update(
            f"{p.bytes_done / MB:,.1f} / {p.bytes_total / MB:,.1f} MB · file {p.files_done}/{p.files_total} · "
            f"{p.records:,} records"
        )

    @on(Finished)
    def finished(self, m: Finished) -> None:
        self.running = False
        s = m.summary
        if m.error or s is None:
            error = m.error or "no summary"
            self.notify(error, title="import failed", severity="error", timeout=15)
            self.query_one("#import-status", Static).update(error)
            return
        cancelled = bool(getattr(s, "cancelled", False))
        self.notify(
            f"{s.new:,} new, {s.duplicate:,} duplicate, {s.bad:,} bad lines in {len(s.files)} files"
            + (" (cancelled: files done so far are kept)" if cancelled else ""),
            title="import cancelled" if cancelled else "import finished",
            severity="warning" if (s.bad or cancelled) else "information",
            timeout=10,
        )
        self.dismiss(s)


class ExportDialog(ModalScreen[Path | None]):
    """Choose Markdown, CSV or JSON and a file; dismissed with the path written."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="export.close", tooltip="Close without exporting")
    ]

    def __init__(self, table: Table, payload: Any, name: str, today: date) -> None:
        super().__init__()
        self.table, self.payload, self.view_name, self.today = table, payload, name, today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label(f"Export {self.view_name}", classes="dialog-title")
            yield Select(
                [("Markdown", "md"), ("CSV", "csv"), ("JSON", "json")],
                value="md",
                allow_blank=False,
                id="export-format",
            )
            yield Input(str(Path.cwd() / f"planner-{self.view_name}-{self.today.isoformat()}.md"), id="export-path")
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def format_chosen(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        path.value = str(Path(path.value).with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export-cancel")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def go(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        path = Path(self.query_one("#export-path", Input).value).expanduser()
        if write_export(self.app, self.table, self.payload, fmt, path):
            self.dismiss(path)


PRICE_FIELDS = (
    "input",
    "output",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "batch_discount",
    "web_search_per_1k",
    "fast_input",
    "fast_output",
)
LIMIT_FIELDS = ("rpm", "itpm", "otpm", "cache_reads_count")


class EditOverrideDialog(ModalScreen[str | None]):
    """Edit one price field of a model, or one limit of a group in a tier. Validated against the
    catalog before it is written (atomically) to the overrides file; a bad value is not saved."""

    if TYPE_CHECKING:
        app = getters.app(PlannerApp)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="edit.close", tooltip="Close without saving")
    ]

    def __init__(self, kind: str, target: str) -> None:
        super().__init__()
        self.kind = kind  # "price" or "limit"
        self.target = target  # model id, or "group:tier"

    def compose(self) -> ComposeResult:
        catalog = self.app.catalog
        with Vertical(classes="dialog", id="edit-dialog"):
            if self.kind == "price":
                yield Label(
                    "Edit a price (USD per million tokens; batch_discount as a fraction)", classes="dialog-title"
                )
                yield Input(self.target, placeholder="model id or alias", id="edit-model")
                yield Select([(f, f) for f in PRICE_FIELDS], value="input", allow_blank=False, id="edit-field")
            else:
                group, _, tier = self.target.partition(":")
                yield Label(
                    "Edit a rate limit (whole number; true/false for cache_reads_count)", classes="dialog-title"
                )
                yield Select(
                    [(catalog.group_name(g), g) for g in catalog.groups()],
                    value=group if group in catalog.groups() else catalog.groups()[0],
                    allow_blank=False,
                    id="edit-group",
                )
                tiers = [t.id for t in catalog.tiers_at(self.app.today)]
                yield Select(
                    [(t, t) for t in tiers],
                    value=tier if tier in tiers else tiers[0],
                    allow_blank=False,
                    id="edit-tier",
                )
                yield Select([(f, f) for f in LIMIT_FIELDS], value="itpm", allow_blank=False, id="edit-field")
            yield Input(placeholder="new value", id="edit-value")
            yield Static(f"saved to {self.app.overrides_target()}", id="edit-status")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="edit-save")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-value", Input).focus()

    @on(Button.Pressed, "#edit-cancel")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#edit-save")
    def save_pressed(self) -> None:
        try:
            message = self.save()
        except PlannerError as exc:
            self.query_one("#edit-status", Static).update(f"[b]not saved:[/b] {exc}")
            self.notify(str(exc), title="not saved", severity="error", timeout=10)
            return
        self.dismiss(message)

    def save(self) -> str:
        from planner.catalog.overrides import set_limit, set_price
        from planner.views.overrides import write_override

        catalog = self.app.catalog
        field = str(self.query_one("#edit-field", Select).value)
        value = self.query_one("#edit-value", Input).value.strip()
        if not value:
            raise PlannerError("give a value")
        path = self.app.overrides_target()
        if self.kind == "price":
            name = self.query_one("#edit-model", Input).value.strip()
            model = catalog.resolve(name)
            if model is None:
                hints = ", ".join(catalog.suggest(name)) or "see the price table"
                raise PlannerError(f"unknown model {name!r}; did you mean {hints}?")
            write_override(path, lambda d: set_price(d, model.id, field, value))
            return f"{model.id}: {field} = {value} written to {path}"
        group = str(self.query_one("#edit-group", Select).value)
        tier = str(self.query_one("#edit-tier", Select).value)
        write_override(path, lambda d: set_limit(d, group, tier, field, value))
        return f"{group} {tier}: {field} = {value} written to {path}"


class OpenPathDialog(ModalScreen[Path | None]):
    """Ask for a file path (a scenario TOML)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="open.close", tooltip="Close without opening")
    ]

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="open-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder="path to a scenario .toml", id="open-path")
            yield DirectoryTree(str(Path.cwd()), id="open-tree")

    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(event.path))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())

    def action_close(self) -> None:
        self.dismiss(None)
