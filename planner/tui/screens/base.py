"""What every dashboard screen shares: a header and footer, a title the tests and tmux look for,
data loaded at the app's generation (reloaded once after an import or an override edit), a
paint ahead of the first visit for screens built in the background, and the table the export
action writes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from textual import events, getters
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from planner.tui import internals

if TYPE_CHECKING:
    from planner.report import Table
    from planner.tui.app import PlannerApp

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound=Screen[Any])


def tolerate_shutdown(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R | None]:
    """For handlers of screens composed in the background: when the app quits while one is being
    mounted, its children are already gone; that is not an error worth a traceback."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return method(self, *args, **kwargs)
        except NoMatches:
            app = self.app
            if app.return_code is not None or not app.is_running:
                return None
            raise

    return wrapper


class PlannerScreen(Screen[None]):
    if TYPE_CHECKING:  # self.app is the PlannerApp (Textual's typed accessor, for type checkers only)
        app = getters.app(PlannerApp)

    SCREEN_TITLE = ""
    # App generation this screen's data was loaded at; a DataChanged bumps the app's generation.
    loaded_generation = -1
    prerendered = False  # painted off screen at least once (see prerender), or never will be
    styled_under: internals.StyleContext | None = None  # the style context of its last styling

    def on_mount(self) -> None:
        self.title = f"planner — {self.SCREEN_TITLE}"
        self.sub_title = self.app.sub_title

    @tolerate_shutdown
    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler, which re-applies every style on the screen on each
        # resume (~10 ms for Plan's ~55 widgets; each DataTable then drops its rendered cells)
        # and leaves ~1-2K objects of cyclic garbage per switch. A screen's styles depend on the
        # stylesheet (theme) and on the app's classes and pseudo-classes (-narrow, focus); its own
        # nodes change state only while it is shown. So the styles are re-applied when one of
        # those changed since the screen was last styled, as on its first display.
        context = internals.style_context(self.app, self)
        if context is not None and self.styled_under == context:
            event.refresh_styles = False
        if self.loaded_generation != self.app.generation or self.SCREEN_TITLE.lower() in self.app.stale:
            self.reload()
        self.call_after_refresh(self.prerender)  # a screen built in the background (not shown)

    def on_screen_suspend(self) -> None:
        self.styled_under = internals.style_context(self.app, self)

    def prerender(self, passes: int = 3) -> None:
        """Style, lay out and paint this screen off screen, at the app's size, once its data
        shows (see planner.tui.internals): a screen built in the background then costs its
        first visit what a later visit costs. What is painted is the same lines a visit would
        paint (a visit re-checks the size, styles and layout as it always does). Waits while its
        workers load data, and runs again when they finish (on_worker_state_changed), and when
        the theme or the terminal size changes (PlannerApp.prerender_hidden_screens)."""
        app = self.app
        if self in app.screen_stack or not self.is_attached or app.closing or self.loading_data():
            return  # on display, or under a dialog on display: Textual paints it
        if not internals.ACTIVE:
            self.prerendered = True  # nothing to paint ahead on this Textual version
            app.screen_prerendered()
            return
        if self.styled_under != internals.style_context(app, self):
            if internals.stylesheet_pending(app):
                return  # a new theme's stylesheet is not built yet; the app calls again once it is
            # the styles as a display applies them (on_screen_resume then skips that), with a new
            # theme's stylesheet as Textual does for the screens under a dialog
            internals.restyle_hidden(app, self)
            self.styled_under = internals.style_context(app, self)
            self.call_after_refresh(self.prerender, passes)  # after the layout requests it made
            return
        if passes and internals.needs_layout(app, self):
            internals.layout_hidden(app, self)
            # the widgets answer their Resize before they are painted (DataTable drops its cells on one)
            self.call_after_refresh(self.prerender, passes - 1)
            return
        self.prerendered = internals.paint_hidden(self)
        app.screen_prerendered()

    def loading_data(self) -> bool:
        running = (WorkerState.PENDING, WorkerState.RUNNING)
        return any(w.state in running and w.node is self for w in self.app.workers)

    def reload(self) -> None:
        """Load (or reload) the data, from the app's cache or in workers. Subclasses extend."""
        self.loaded_generation = self.app.generation
        self.app.stale.discard(self.SCREEN_TITLE.lower())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker.StateChanged does not bubble: hand errors to the app's one funnel.
        self.app.report_worker(event)
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.call_after_refresh(self.prerender)  # after the handlers that show the data

    def export_table(self) -> Table | None:
        """The current view as a report Table (None: nothing to export yet)."""
        return None

    def export_payload(self) -> Any:
        """The JSON shape of the current view (None: the table's rows)."""
        return None
