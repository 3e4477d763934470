"""A DataTable whose rendered cells survive screen switches."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.widgets import DataTable


class SteadyTable(DataTable):
    """Textual sends every widget a Resize on each screen switch, and DataTable answers any Resize
    by invalidating every rendered cell, so a switch back to a screen re-rendered its tables
    (~40 ms for the Usage screen). A Resize that does not change the size changes nothing that
    was rendered, so it stops here; a real one goes on to DataTable as before."""

    _steady_size: Size | None = None

    def _on_resize(self, event: events.Resize) -> None:
        if event.size == self._steady_size:
            event.prevent_default()  # skip DataTable's handler (the only one for Resize)
            return
        self._steady_size = event.size

    _steady_rules: tuple | None = None

    def notify_style_update(self) -> None:
        """Textual re-applies every style on each screen switch and tells each node its style
        changed, and DataTable then drops every rendered cell. Only do that when this table's own
        rules really changed (a theme switch, focus): they are compared here."""
        rules = (dict(self.styles.base._rules), dict(self.styles.inline._rules))
        if rules == self._steady_rules:
            return
        self._steady_rules = rules
        super().notify_style_update()
