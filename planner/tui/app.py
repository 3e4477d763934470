"""The planner dashboard: five screens (modes) over the catalog, the store and live probes.

The outside world comes in through the constructor (database path, override files, today, the
environment for the API key, a clock), so tests pass a temporary store, a frozen day and a fake
API. Screens load their data in thread workers and cache it per app generation; an import or an
override edit bumps the generation so every screen reloads once when next shown.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from planner.tui.messages import DataChanged, StoreReady
from planner.tui.palette import PlannerCommands
from planner.tui.screens.limits import LimitsScreen
from planner.tui.screens.overview import OverviewScreen
from planner.tui.screens.plan import PlanScreen
from planner.tui.screens.pricing import PricingScreen
from planner.tui.screens.usage import UsageScreen

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "tokyo-night", "solarized-light")
SCREENS_BY_KEY = (
    ("1", "overview", "Overview"),
    ("2", "usage", "Usage"),
    ("3", "limits", "Limits"),
    ("4", "pricing", "Pricing"),
    ("5", "plan", "Plan"),
)


class PlannerApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "planner"
    COMMANDS = App.COMMANDS | {PlannerCommands}
    MODES = {
        "overview": OverviewScreen,
        "usage": UsageScreen,
        "limits": LimitsScreen,
        "pricing": PricingScreen,
        "plan": PlanScreen,
    }
    DEFAULT_MODE = "overview"
    BINDINGS = [
        *(
            Binding(key, f"switch_mode('{mode}')", title, id=f"screen.{mode}", tooltip=f"Show the {title} screen")
            for key, mode, title in SCREENS_BY_KEY
        ),
        Binding("i", "import_logs", "Import", id="import", tooltip="Import usage logs (a file or folder)"),
        Binding("e", "export", "Export", id="export", tooltip="Export the current view as Markdown, CSV or JSON"),
        Binding("t", "next_theme", "Theme", id="theme", tooltip="Switch to the next colour theme"),
        Binding("question_mark", "help", "Help", id="help", tooltip="List every key binding"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit planner"),
    ]

    def __init__(
        self,
        db: Path,
        pricing: Sequence[Path] = (),
        today: date | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        catalog=None,
        samples: Path | None = None,
        scenario: Path | None = None,
        cache_dir: Path | bool | None = True,
    ) -> None:
        super().__init__()
        from planner import paths

        self.db = Path(db)
        self.pricing_files = [Path(p) for p in pricing]
        self.today = today or date.today()
        self.environ = dict(os.environ if environ is None else environ)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.samples = samples or paths.sample_logs_dir()
        self.scenario_path = scenario
        if cache_dir is True:
            from planner.tui.cache import default_dir

            cache_dir = default_dir()
        self.cache_dir: Path | None = cache_dir or None  # None/False: no cache between runs
        self.catalog = catalog if catalog is not None else self.load_catalog()
        self.cache: dict[str, tuple[int, object]] = {}
        self.generation = 0
        self.stale: set[str] = set()  # screens whose data changed without a new generation (a probe)
        self.store_ready = threading.Event()
        self.imported_samples = None
        self.sub_title = self.db.name  # the name only: snapshots must not depend on where tests run
        self._prefetch = self._start_prefetch()
        self._gc_frozen = self._screens_frozen = False  # see on_load

    def _start_prefetch(self):
        """Start computing the overview now, in a thread, while Textual sets up the screen: the
        queries run in SQLite with the GIL released, so the first frame waits for the longer of
        the two instead of both. An empty or missing store is left to prepare_store."""
        if not self.db.exists():
            return None
        from concurrent.futures import Future, ThreadPoolExecutor

        from planner.tui import data as D

        now, key = self.clock(), self.catalog_key()
        if self.cache_dir is not None:
            from planner.tui import cache

            hit = cache.lookup(self.cache_dir, self.db, key, self.today, now)
            if hit is not None:  # an unchanged store opens from the cache: nothing to compute
                done: Future = Future()
                done.set_result((hit["overview"], hit["usage_day"]))
                return done
        # the peaks child is forked here, before Textual starts its threads
        peaks = D.start_peaks(self.db, self.catalog, fork=threading.active_count() == 1)

        def compute():
            if D.store_is_empty(self.db):
                return None
            return D.overview(
                self.db,
                self.catalog,
                self.today,
                self.samples,
                now=now,
                cache_dir=self.cache_dir,
                catalog_key=key,
                peaks_future=peaks,
            )

        pool = ThreadPoolExecutor(1, thread_name_prefix="overview-prefetch")
        future = pool.submit(compute)
        pool.shutdown(wait=False)
        return future

    def take_prefetch(self):
        """The prefetched overview's future, once (later loads compute afresh)."""
        future, self._prefetch = self._prefetch, None
        return future

    def get_theme(self, theme_name: str):
        """As App.get_theme, without copying the theme registry on every lookup: Textual asks for
        the current theme ~300 times per screen switch (about 20 ms of each switch here)."""
        themes = self._registered_themes
        for name in theme_name.split(","):
            theme = themes.get(name.strip())
            if theme is not None:
                return theme
        return None

    def load_catalog(self):
        from planner import paths
        from planner.catalog import load_catalog

        return load_catalog(overrides=[paths.overrides_path(), *self.pricing_files])

    def catalog_key(self) -> str:
        from planner import paths
        from planner.tui.cache import catalog_key

        return catalog_key([paths.overrides_path(), *self.pricing_files])

    def overrides_target(self) -> Path:
        """Where edits are saved: the single --pricing file, else the user's overrides file."""
        from planner import paths

        return self.pricing_files[0] if len(self.pricing_files) == 1 else paths.overrides_path()

    @property
    def api_key(self) -> str | None:
        return self.environ.get("ANTHROPIC_API_KEY") or None

    @property
    def base_url(self) -> str:
        return self.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < 110, "-narrow")
        self.prerender_hidden_screens()

    def on_mount(self) -> None:
        self.set_class(self.size.width < 110, "-narrow")
        self.theme_changed_signal.subscribe(self, lambda _theme: self.prerender_hidden_screens())
        for warning in self.catalog.warnings:
            self.notify(warning, title="override file not applied", severity="warning", timeout=10)
        self.prepare_store()

    def build_other_screens(self) -> None:
        """Compose the other screens in the background once the overview shows all its figures
        (nothing competes with it for the first frame), so a first visit is a switch (~0.1 s)
        instead of a compose (0.3-0.5 s). Each screen's data loads in its own workers as on a
        visit; the overview stays on screen."""
        todo = [m for m in self.MODES if m != self.current_mode and m not in self._screen_stacks]
        # never while quitting: a screen mounting then finds no children (and Textual, closing
        # every mode's screens, fails on a mode added meanwhile)
        if todo and not self._exit and self._running:
            self._init_mode(todo[0])  # Textual's own mode set-up, without switching to it
            # Its styles are applied as it mounts, with the current theme: mark them current, or
            # Textual re-parses the whole stylesheet on its first display (~150 ms; a new screen's
            # count starts at -1). A later theme change still refreshes it on its next display.
            self._screen_stacks[todo[0]][-1]._css_update_count = self._css_update_count
            if len(todo) > 1:
                self.call_after_refresh(self.build_other_screens)  # one per refresh: keys stay responsive

    def prerender_hidden_screens(self) -> None:
        """Paint the screens not on display again off screen, with the new theme or size (see
        PlannerScreen.prerender): the first switch to each after a theme switch took 120-215 ms,
        most of it rebuilding the whole stylesheet for that one screen."""
        for mode in self.MODES:
            stack = self._screen_stacks.get(mode)
            if stack and stack[-1] not in self.screen_stack and hasattr(stack[-1], "prerender"):
                stack[-1].call_after_refresh(stack[-1].prerender)

    # The garbage collector: a full collection walks every object the app holds (~110K: Textual,
    # the catalog, every screen's widgets and data), 60-100 ms on this machine, and one fell
    # inside a screen switch every few switches (Usage or Plan, 180 ms; 35-50 ms pauses while the
    # first frame was built). Those objects live as long as the app, so they are moved out of the
    # collector's sight (gc.freeze) as the app starts and again once the other screens are built
    # and painted; a collection then walks only what is newer. on_unmount hands them back, so a
    # process that runs many apps (the tests) still collects their garbage.
    def on_load(self) -> None:
        import gc

        gc.freeze()
        self._gc_frozen = True

    def screen_prerendered(self, screen) -> None:
        """A screen built in the background is painted off screen (PlannerScreen.prerender): once
        every screen is, freeze what the app holds now (once: what comes later, such as data
        reloaded after an import, stays collectable)."""
        if self._screens_frozen or self._exit or not self._running:
            return
        if all(
            stack and (stack[-1] is self.screen or getattr(stack[-1], "prerendered", True))
            for stack in (self._screen_stacks.get(m) for m in self.MODES)
        ):
            import gc

            gc.freeze()
            self._gc_frozen = self._screens_frozen = True

    def on_unmount(self) -> None:
        if self._gc_frozen:
            import gc

            gc.unfreeze()
            self._gc_frozen = False

    @work(thread=True, exclusive=True, group="store", name="open store", exit_on_error=False)
    def prepare_store(self) -> None:
        """First run: import the bundled sample logs into an empty store (no key, no network)."""
        from planner.tui import data as D

        try:
            summary = None
            if D.store_is_empty(self.db):
                summary = D.import_samples(self.db, self.catalog)
            self.post_message(StoreReady(summary))
        finally:
            self.store_ready.set()  # screens waiting on the store go on (and report any error)

    @on(StoreReady)
    def _store_ready(self, message: StoreReady) -> None:
        s = message.imported
        if s is not None:
            self.imported_samples = s
            self.notify(
                f"{s.new:,} records from {len(s.files)} files; {s.duplicate:,} duplicates, {s.bad:,} bad lines",
                title="imported the bundled sample data",
            )

    @on(DataChanged)
    def _data_changed(self, message: DataChanged) -> None:
        self.generation += 1
        self.cache.clear()
        screen = self.screen
        if hasattr(screen, "reload"):
            screen.reload()

    def invalidate(self, screen: str) -> None:
        """One screen's cached data is out of date (e.g. live limits feed the overview)."""
        self.cache.pop(screen, None)
        self.stale.add(screen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker(event)

    def report_worker(self, event: Worker.StateChanged) -> None:
        """One funnel for worker errors (app and screens): a notification with the message, which
        carries the numbers; loading indicators on the screen are cleared."""
        if event.state == WorkerState.ERROR:
            from planner.errors import PlannerError

            error = event.worker.error
            text = str(error) if isinstance(error, PlannerError) else f"{type(error).__name__}: {error}"
            self.notify(text, title=f"{event.worker.name or 'worker'} failed", severity="error", timeout=15)
            for widget in self.screen.query("*"):
                if widget.loading:
                    widget.loading = False

    # actions -------------------------------------------------------------------------------
    def action_import_logs(self) -> None:
        from planner.tui.screens.dialogs import ImportDialog

        def done(summary) -> None:
            if summary is not None:
                self.post_message(DataChanged("import"))

        self.push_screen(ImportDialog(), done)

    def _exportable(self):
        """(table, payload, name) of the current view, or None (said in a notification)."""
        screen = self.screen
        table = screen.export_table() if hasattr(screen, "export_table") else None
        if table is None:
            self.notify("nothing to export on this screen yet", severity="warning")
            return None
        return table, screen.export_payload(), getattr(screen, "SCREEN_TITLE", "view").lower()

    def action_export(self) -> None:
        from planner.tui.screens.dialogs import ExportDialog

        if (view := self._exportable()) is not None:
            table, payload, name = view
            self.push_screen(ExportDialog(table, payload, name, self.today))

    def action_export_as(self, fmt: str) -> None:
        from planner.tui.screens.dialogs import write_export

        if (view := self._exportable()) is not None:
            table, payload, name = view
            path = Path.cwd() / f"planner-{name}-{self.today.isoformat()}.{fmt}"
            write_export(self, table, payload, fmt, path)

    def action_next_theme(self) -> None:
        names = [t for t in THEMES if t in self.available_themes]
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.notify(f"theme: {self.theme}")

    def action_help(self) -> None:
        from planner.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_probe_now(self) -> None:
        self.switch_mode("limits")
        self.call_after_refresh(lambda: getattr(self.screen, "action_probe_now", lambda: None)())

    def action_edit_price(self) -> None:
        self.switch_mode("pricing")
        self.call_after_refresh(lambda: getattr(self.screen, "action_edit", lambda: None)())

    def action_open_scenario(self) -> None:
        self.switch_mode("plan")
        self.call_after_refresh(lambda: getattr(self.screen, "action_open", lambda: None)())
