"""The help screen: every key binding of the app and of each screen, with what it does."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from planner.tui.widgets.keybar import bindings


def all_bindings(app: App[Any]) -> list[tuple[str, str, str]]:
    """(where, key, description) for the app's bindings and every mode screen's."""
    rows = []

    def add(where: str, declared: list[BindingType]) -> None:
        for b in bindings(declared):
            rows.append((where, app.get_key_display(b), b.tooltip or b.description))

    add("everywhere", app.BINDINGS)
    for name, screen_cls in app.MODES.items():
        add(name, vars(screen_cls).get("BINDINGS", []))
    rows.append(("everywhere", "ctrl+p", "Command palette: every action by name"))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close", tooltip="Close help")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label("Help — key bindings", classes="dialog-title")
            yield DataTable(id="help-table", zebra_stripes=True, cursor_type="row")
            yield Static(
                "Figures say where they came from: imported log, catalog, live header, estimate. Escape closes.",
                classes="sources",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Key", "Action")
        for row in all_bindings(self.app):
            table.add_row(*row)
