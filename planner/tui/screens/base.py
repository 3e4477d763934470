"""What every dashboard screen shares: a header and footer, a title the tests and tmux look for,
cached data that survives screen switches, and the table the export action writes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from planner.report import Table


class PlannerScreen(Screen):
    SCREEN_TITLE = ""
    # App generation this screen's data was loaded at; a DataChanged bumps the app's generation.
    loaded_generation = -1

    def compose_header(self) -> ComposeResult:
        yield Header()

    def compose_footer(self) -> ComposeResult:
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = f"planner — {self.SCREEN_TITLE}"
        self.sub_title = self.app.sub_title

    def on_screen_resume(self) -> None:
        if self.loaded_generation != self.app.generation or self.SCREEN_TITLE.lower() in self.app.stale:
            self.reload()

    def reload(self) -> None:
        """Load (or reload) the data from workers. Subclasses override."""
        self.loaded_generation = self.app.generation
        self.app.stale.discard(self.SCREEN_TITLE.lower())

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: hand errors to the app's one funnel.
        self.app.report_worker(event)

    def export_table(self) -> Table | None:
        """The current view as a report Table (None: nothing to export yet)."""
        return None

    def export_payload(self):
        """The JSON shape of the current view (None: the table's rows)."""
        return None
