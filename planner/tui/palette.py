"""Command-palette entries for every dashboard action (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, action string run on the app)
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Show Overview", "spend, projection, headroom gauges, recommended tier (1)", "switch_mode('overview')"),
    ("Show Usage", "imported history by day, week, month, model or project (2)", "switch_mode('usage')"),
    ("Show Limits", "live probe panel, history and the tier table (3)", "switch_mode('limits')"),
    ("Show Pricing", "the catalog's prices and limits, with overrides (4)", "switch_mode('pricing')"),
    ("Show Plan", "launch scenarios: cost and headroom per tier (5)", "switch_mode('plan')"),
    ("Import logs", "import a usage log file or folder (i)", "import_logs"),
    ("Probe now", "read the live rate-limit headers for each model group", "probe_now"),
    ("Toggle auto-probe", "probe every N seconds, never overlapping", "toggle_auto_probe"),
    ("Edit a price or limit", "write an override (validated) to your overrides file", "edit_price"),
    ("Open a scenario", "load a scenario TOML into the plan form", "open_scenario"),
    ("Export view…", "choose Markdown, CSV or JSON and a file (e)", "export"),
    ("Export view as Markdown", "write planner-<screen>-<date>.md in the current directory", "export_as('md')"),
    ("Export view as CSV", "write planner-<screen>-<date>.csv in the current directory", "export_as('csv')"),
    ("Export view as JSON", "write planner-<screen>-<date>.json in the current directory", "export_as('json')"),
    ("Next theme", "switch the colour theme (t)", "next_theme"),
    ("Help", "every key binding (?)", "help"),
    ("Quit", "leave planner (q)", "quit"),
)


class PlannerCommands(Provider):
    """Every dashboard action by name; each runs as the app's action of the same name."""

    async def discover(self) -> Hits:
        for title, help_text, action in ACTIONS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_action, action), help=help_text)
