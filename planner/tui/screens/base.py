"""What every dashboard screen shares: a header and footer, a title the tests and tmux look for,
cached data that survives screen switches, a paint ahead of the first visit for screens built in
the background, and the table the export action writes."""

from __future__ import annotations

import functools

from textual import events
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import WorkerState

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
    prerendered = False  # painted off screen at least once (see prerender)

    def on_mount(self) -> None:
        self.title = f"planner — {self.SCREEN_TITLE}"
        self.sub_title = self.app.sub_title

    @tolerate_shutdown
    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler, which re-applies every style on the screen on each
        # resume (~10 ms for Plan's ~55 widgets) and so leaves ~1-2K objects of cyclic garbage
        # per switch (each DataTable re-creates a style node per component class): the garbage
        # collections that followed cost 20-80 ms, inside a later switch. A screen's styles
        # depend on the stylesheet and theme (the CSS update count: Textual refreshes a screen
        # that missed a change itself) and on the app's classes and pseudo-classes (-narrow,
        # focus); its own nodes change state only while it is shown. So the styles are
        # re-applied when one of those changed since the screen was last shown, as on its first
        # display.
        if self._styled_under is not None and self._styled_under == self._style_context():
            event.refresh_styles = False
        if self.loaded_generation != self.app.generation or self.SCREEN_TITLE.lower() in self.app.stale:
            self.reload()
        self.call_after_refresh(self.prerender)  # a screen built in the background (not shown)

    _styled_under: tuple | None = None  # the _style_context its styles were last applied under (shown or prerender)

    def on_screen_suspend(self) -> None:
        self._styled_under = self._style_context()

    def _style_context(self) -> tuple:
        app = self.app
        return app._css_update_count, self._css_update_count, app.classes, frozenset(app.get_pseudo_classes())

    def prerender(self, passes: int = 3) -> None:
        """Lay this screen out and paint it off screen, at the app's size, once its data shows: a
        screen built in the background then costs its first visit what a later visit costs (the
        Usage tables' ~260 visible cells took ~40 ms to render, and a second layout for what its
        data added another ~20 ms; with a garbage collection, 150-190 ms). Textual lays out and
        paints only the screen on display, so this calls on the screen's own layout and
        compositor; what is painted is the same lines a visit would paint (a visit re-checks the
        size, styles and layout as it always does). Waits while its workers load data, and
        runs again when they finish (on_worker_state_changed), and when the theme or the
        terminal size changes (PlannerApp.prerender_hidden_screens)."""
        app = self.app
        if self in app.screen_stack or not self.is_attached or getattr(app, "_exit", False) or self._loading():
            return  # on display, or under a dialog on display: Textual paints it
        if self._styled_under != self._style_context():
            if app.screen._css_update_count != app._css_update_count:
                return  # a new theme's stylesheet is not built yet; the app calls again once it is
            # the styles as a display applies them, so on_screen_resume skips that (on Plan it
            # took ~15 ms, and its scrollbars asked for a second layout after the paint), and
            # with a new theme's stylesheet, as Textual does for the screens under a dialog (a
            # first display after a theme switch then does not rebuild the whole stylesheet)
            self.update_node_styles(animate=False)
            self._css_update_count = app._css_update_count
            self._styled_under = self._style_context()
            self.call_after_refresh(self.prerender, passes)  # after the layout requests it made
            return
        if passes and (self._layout_required or self.size != app.size):
            self._refresh_layout(app.size)
            self._layout_required = False
            # the widgets answer their Resize before they are painted (DataTable drops its cells on one)
            self.call_after_refresh(self.prerender, passes - 1)
            return
        self._compositor.render_strips()  # fills each widget's line cache; the lines are not shown
        self.prerendered = True
        if hasattr(app, "screen_prerendered"):
            app.screen_prerendered(self)

    def _loading(self) -> bool:
        running = (WorkerState.PENDING, WorkerState.RUNNING)
        return any(w.state in running and w.node is self for w in self.app.workers)

    def reload(self) -> None:
        """Load (or reload) the data from workers. Subclasses override."""
        self.loaded_generation = self.app.generation
        self.app.stale.discard(self.SCREEN_TITLE.lower())

    def on_worker_state_changed(self, event) -> None:
        # Worker.StateChanged does not bubble: hand errors to the app's one funnel.
        self.app.report_worker(event)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.call_after_refresh(self.prerender)  # after the handlers that show the data

    def export_table(self) -> Table | None:
        """The current view as a report Table (None: nothing to export yet)."""
        return None

    def export_payload(self):
        """The JSON shape of the current view (None: the table's rows)."""
        return None
