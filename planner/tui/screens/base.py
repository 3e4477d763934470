"""What every dashboard screen shares: a header and footer, a title the tests and tmux look for,
cached data that survives screen switches, and the table the export action writes."""

from __future__ import annotations

import functools

from textual.css.query import NoMatches
from textual.screen import Screen

from planner.report import Table


def tolerate_shutdown(method):
    """For on_mount of screens composed in the background: when the app quits while one is being
    mounted, its children are already gone; that is not an error worth a traceback."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except NoMatches:
            app = self.app
            if getattr(app, "_exit", False) or getattr(app, "_closing", False) or not getattr(app, "_running", True):
                return None
            raise

    return wrapper


class PlannerScreen(Screen):
    SCREEN_TITLE = ""
    # App generation this screen's data was loaded at; a DataChanged bumps the app's generation.
    loaded_generation = -1

    def on_mount(self) -> None:
        self.title = f"planner — {self.SCREEN_TITLE}"
        self.sub_title = self.app.sub_title

    @tolerate_shutdown
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
