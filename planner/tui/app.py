"""The planner dashboard: five screens (modes) over the catalog, the store and live probes.

The outside world comes in through the constructor (database path, override files, today, the
environment for the API key, a clock), so tests pass a temporary store, a frozen day and a fake
API. Screens load their data in thread workers and cache it per app generation; an import or an
override edit bumps the generation so every screen reloads once when next shown.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from planner.tui import internals, loader
from planner.tui.messages import DataChanged, StoreReady
from planner.tui.palette import PlannerCommands
from planner.tui.screens.base import PlannerScreen
from planner.tui.screens.limits import LimitsScreen
from planner.tui.screens.overview import OverviewScreen
from planner.tui.screens.plan import PlanScreen
from planner.tui.screens.pricing import PricingScreen
from planner.tui.screens.usage import UsageScreen

if TYPE_CHECKING:
    from planner.catalog import Catalog
    from planner.report import Table

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "tokyo-night", "solarized-light")
SCREENS_BY_KEY = (
    ("1", "overview", "Overview"),
    ("2", "usage", "Usage"),
    ("3", "limits", "Limits"),
    ("4", "pricing", "Pricing"),
    ("5", "plan", "Plan"),
)


class PlannerApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "planner"
    COMMANDS = App.COMMANDS | {PlannerCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "overview": OverviewScreen,
        "usage": UsageScreen,
        "limits": LimitsScreen,
        "pricing": PricingScreen,
        "plan": PlanScreen,
    }
    DEFAULT_MODE = "overview"
    BINDINGS: ClassVar[list[BindingType]] = [
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
        catalog: Catalog | None = None,
        samples: Path | None = None,
        scenario: Path | None = None,
        cache_dir: Path | bool | None = True,
    ) -> None:
        self.theme_lookups: dict[str, Theme | None] = {}  # see get_theme; App.__init__ registers themes
        super().__init__()
        from planner import paths

        self.db = Path(db)
        self.pricing_files = [Path(p) for p in pricing]
        self.today = today or date.today()
        self.environ = dict(os.environ if environ is None else environ)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.samples = samples or paths.sample_logs_dir()
        self.scenario_path = scenario
        if cache_dir is True:
            from planner.tui.cache import default_dir

            cache_dir = default_dir()
        self.cache_dir: Path | None = cache_dir or None  # None/False: no cache between runs
        self.catalog: Catalog = catalog if catalog is not None else self.load_catalog()
        self.cache: dict[str, tuple[int, Any]] = {}  # view name -> (generation, view)
        self.generation = 0
        self.stale: set[str] = set()  # screens whose data changed without a new generation (a probe)
        self.store_ready = threading.Event()
        self.imported_samples: Any = None
        self.sub_title = self.db.name  # the name only: snapshots must not depend on where tests run
        self.overview_ahead: Future[loader.Overview | None] | None = None
        self.gc_frozen = self.screens_frozen = False  # see on_load

    @property
    def closing(self) -> bool:
        """The app is quitting (or not running yet): no more screens are built."""
        return self.return_code is not None or not self.is_running

    # the overview, computed ahead of the first frame -------------------------------------------
    def on_load(self) -> None:
        # The garbage collector: a full collection walks every object the app holds (~110K:
        # Textual, the catalog, every screen's widgets and data), 60-100 ms here, and one fell
        # inside a screen switch every few switches. Those objects live as long as the app, so
        # they are moved out of the collector's sight (gc.freeze) as the app starts and again once
        # the other screens are built and painted; a collection then walks only what is newer.
        # on_unmount hands them back, so a process that runs many apps (the tests) still
        # collects their garbage.
        gc.freeze()
        self.gc_frozen = True
        self.overview_ahead = self.start_overview_ahead()

    def start_overview_ahead(self) -> Future[loader.Overview | None] | None:
        """Start computing the overview now, while Textual builds the first screen: the demand
        peaks in one worker and the spend sums in another, each on its own connection (their
        queries run in SQLite with the GIL released). An unchanged store is read from the cache
        between runs; a missing one is left to prepare_store."""
        if not self.db.exists():
            return None
        now, key = self.clock(), self.catalog_key()
        if self.cache_dir is not None:
            hit = loader.cached_overview(self.cache_dir, self.db, key, self.today, now)
            if hit is not None:
                return loader.done(hit)
        peaks: Future[loader.Peaks] = Future()
        result: Future[loader.Overview | None] = Future()
        self.load_peaks_ahead(peaks)
        self.load_overview_ahead(result, peaks, now, key)
        return result

    @work(thread=True, group="ahead", name="demand peaks", exit_on_error=False)
    def load_peaks_ahead(self, into: Future[loader.Peaks]) -> None:
        loader.fulfil(into, lambda: loader.peaks(self.db, self.catalog))

    @work(thread=True, group="ahead", name="overview ahead", exit_on_error=False)
    def load_overview_ahead(
        self, into: Future[loader.Overview | None], peaks: Future[loader.Peaks], now: datetime, key: str
    ) -> None:
        loader.fulfil(
            into,
            lambda: loader.overview(
                self.db,
                self.catalog,
                self.today,
                self.samples,
                now=now,
                cache_dir=self.cache_dir,
                catalog_key=key,
                peaks=peaks,
            ),
        )

    def take_overview_ahead(self) -> Future[loader.Overview | None] | None:
        """The overview computed ahead, once (later loads compute afresh)."""
        future, self.overview_ahead = self.overview_ahead, None
        return future

    # themes -----------------------------------------------------------------------------------
    def get_theme(self, theme_name: str) -> Theme | None:
        """As App.get_theme, remembered per name: Textual asks for the current theme ~300 times
        per screen switch, and App.get_theme copies the theme registry each time."""
        try:
            return self.theme_lookups[theme_name]
        except KeyError:
            theme = self.theme_lookups[theme_name] = super().get_theme(theme_name)
            return theme

    def register_theme(self, theme: Theme) -> None:
        self.theme_lookups.clear()
        super().register_theme(theme)

    def unregister_theme(self, theme_name: str) -> None:
        self.theme_lookups.clear()
        super().unregister_theme(theme_name)

    # the outside world ------------------------------------------------------------------------
    def load_catalog(self) -> Catalog:
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

    # screens ----------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
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
        (nothing competes with it for the first frame), one per refresh so keys stay responsive:
        a first visit is then a switch (~0.1 s) instead of a compose (0.2-0.9 s). Each screen's
        data loads in its own workers as on a visit; the overview stays on screen. Never while
        quitting: a screen mounting then finds no children."""
        if self.closing:
            return
        todo = [m for m in self.MODES if m != self.current_mode and internals.mode_screen(self, m) is None]
        if todo and internals.build_mode(self, todo[0]) and len(todo) > 1:
            self.call_after_refresh(self.build_other_screens)

    def hidden_screens(self) -> list[PlannerScreen]:
        """The mode screens set up but not on display (nor under a dialog on display)."""
        screens = (internals.mode_screen(self, mode) for mode in self.MODES)
        return [s for s in screens if isinstance(s, PlannerScreen) and s not in self.screen_stack]

    def prerender_hidden_screens(self) -> None:
        """Paint the screens not on display again off screen, with the new theme or size (see
        PlannerScreen.prerender): the first switch to each after a theme switch took 120-215 ms,
        most of it rebuilding the whole stylesheet for that one screen."""
        for screen in self.hidden_screens():
            screen.call_after_refresh(screen.prerender)

    def screen_prerendered(self) -> None:
        """A screen built in the background was painted off screen: once every screen is, freeze
        what the app holds now (once: what comes later, such as data reloaded after an import,
        stays collectable)."""
        if self.screens_frozen or self.closing:
            return
        screens = [internals.mode_screen(self, mode) for mode in self.MODES]
        if all(isinstance(s, PlannerScreen) and (s is self.screen or s.prerendered) for s in screens):
            gc.freeze()
            self.gc_frozen = self.screens_frozen = True

    def on_unmount(self) -> None:
        if self.gc_frozen:
            gc.unfreeze()
            self.gc_frozen = False

    # the store --------------------------------------------------------------------------------
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
    def store_is_ready(self, message: StoreReady) -> None:
        s = message.imported
        if s is not None:
            self.imported_samples = s
            self.notify(
                f"{s.new:,} records from {len(s.files)} files; {s.duplicate:,} duplicates, {s.bad:,} bad lines",
                title="imported the bundled sample data",
            )

    @on(DataChanged)
    def data_changed(self, message: DataChanged) -> None:
        self.generation += 1
        self.cache.clear()
        if isinstance(self.screen, PlannerScreen):
            self.screen.reload()

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

    # actions ----------------------------------------------------------------------------------
    def action_import_logs(self) -> None:
        from planner.tui.screens.dialogs import ImportDialog

        def done(summary: object | None) -> None:
            if summary is not None:
                self.post_message(DataChanged("import"))

        self.push_screen(ImportDialog(), done)

    def exportable(self) -> tuple[Table, Any, str] | None:
        """(table, payload, name) of the current view, or None (said in a notification)."""
        screen = self.screen
        table = screen.export_table() if isinstance(screen, PlannerScreen) else None
        if table is None or not isinstance(screen, PlannerScreen):
            self.notify("nothing to export on this screen yet", severity="warning")
            return None
        return table, screen.export_payload(), screen.SCREEN_TITLE.lower() or "view"

    def action_export(self) -> None:
        from planner.tui.screens.dialogs import ExportDialog

        if (view := self.exportable()) is not None:
            table, payload, name = view
            self.push_screen(ExportDialog(table, payload, name, self.today))

    def action_export_as(self, fmt: str) -> None:
        from planner.tui.screens.dialogs import write_export

        if (view := self.exportable()) is not None:
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

    def run_on_screen(self, mode: str, action: str) -> None:
        """Switch to a screen and run one of its actions there (palette entries)."""
        self.switch_mode(mode)
        self.call_after_refresh(self.run_action, action, self.screen)

    def action_probe_now(self) -> None:
        self.run_on_screen("limits", "probe_now")

    def action_toggle_auto_probe(self) -> None:
        self.run_on_screen("limits", "toggle_auto")

    def action_edit_price(self) -> None:
        self.run_on_screen("pricing", "edit")

    def action_open_scenario(self) -> None:
        self.run_on_screen("plan", "open")
