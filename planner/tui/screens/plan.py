"""Plan: a launch scenario's numbers in a form; monthly cost and headroom per tier update as you
type. What-if inputs override every workload's cache hit rate and batch share. A second
scenario can be compared side by side. Every figure here is an estimate (scenario × catalog)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Label, Static

from planner.errors import PlannerError
from planner.report import Table
from planner.tui import data as D
from planner.tui.format import UNKNOWN, count, pct, usd
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar
from planner.tui.widgets.table import SteadyTable

FIELDS = (
    ("requests_per_day", "requests/day"),
    ("peak_to_average", "peak/avg"),
    ("input_tokens", "input tok"),
    ("cached_prefix_tokens", "cached prefix"),
    ("cache_hit_rate", "cache hit"),
    ("output_tokens", "output tok"),
    ("batch_share", "batch share"),
    ("growth_per_month", "growth/mo"),
)
SHARES = ("cache_hit_rate", "batch_share")


def default_scenario() -> Path | None:
    here = Path(__file__).resolve().parents[3] / "examples" / "launch.toml"
    for path in (Path.cwd() / "examples" / "launch.toml", here):
        if path.is_file():
            return path
    return None


def parse_number(text: str, key: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise PlannerError(f"{key}: not a number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise PlannerError(f"{key}: must be a number >= 0, got {text!r}")
    if key in SHARES and value > 1:
        raise PlannerError(f"{key}: must be between 0 and 1, got {text}")
    return value


def with_what_if(scen, hit: Decimal | None, batch: Decimal | None):
    """The scenario with every workload's cache hit rate / batch share replaced (None = keep)."""
    changes = {}
    if hit is not None:
        changes["cache_hit_rate"] = hit
    if batch is not None:
        changes["batch_share"] = batch
    if not changes:
        return scen
    return dataclasses.replace(scen, workloads=[dataclasses.replace(w, **changes) for w in scen.workloads])


_INVALID = object()  # a field that does not parse (the form keeps the last good value)


class PlanScreen(PlannerScreen):
    SCREEN_TITLE = "Plan"
    AUTO_FOCUS = "#plan-tiers"
    BINDINGS = [
        Binding("o", "open", "Open scenario", id="plan.open", tooltip="Open a scenario TOML file"),
        Binding("c", "compare", "Compare", id="plan.compare", tooltip="Compare with a second scenario side by side"),
        Binding(
            "escape", "blur", "Leave form", id="plan.blur", tooltip="Leave the form so screen keys work", show=False
        ),
    ]

    @dataclass
    class Loaded(Message):
        scenario: object
        slot: str  # "main" or "compare"

    def __init__(self) -> None:
        super().__init__()
        self.scenario = None
        self.compare = None
        self.result: dict | None = None
        self.compare_result: dict | None = None
        self.what_if: dict[str, Decimal | None] = {"cache_hit_rate": None, "batch_share": None}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Plan", id="plan-title", classes="screen-title")
        with Horizontal(id="plan"):
            with VerticalScroll(id="plan-form"):
                yield Label("What-if (all workloads; blank = scenario's)", classes="form-head")
                with Grid(classes="form-grid"):
                    yield Label("cache hit", classes="field-label")
                    yield Input(placeholder="0-1", id="whatif-cache_hit_rate", classes="whatif")
                    yield Label("batch share", classes="field-label")
                    yield Input(placeholder="0-1", id="whatif-batch_share", classes="whatif")
                yield Grid(id="workloads", classes="form-grid")
            with VerticalScroll(id="plan-results"):
                yield Static("", id="plan-cost", classes="figure")
                yield Static("", id="plan-tier")
                yield SteadyTable(id="plan-tiers", cursor_type="row", zebra_stripes=True)
                yield SteadyTable(id="plan-compare", zebra_stripes=True)
                yield Static("", id="plan-sources", classes="sources")
        yield KeyBar()

    @tolerate_shutdown
    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#plan-tiers", DataTable).add_columns(
            "Group", "Tier", "RPM free", "ITPM free", "OTPM free", "Binding", "Fits", "Spend cap"
        )
        self.query_one("#plan-tiers").border_title = "Headroom per tier (estimate; fits = peak × 1.2 ≤ limit)"
        self.query_one("#plan-compare").display = False

    def reload(self) -> None:
        super().reload()
        if self.scenario is None:
            path = self.app.scenario_path or default_scenario()
            if path is None:
                self.query_one("#plan-title", Static).update("Plan — no scenario: press o to open one")
                return
            self.query_one("#plan").loading = True
            self.load(path, "main")
        else:
            self.recompute()  # the catalog may have changed

    @work(thread=True, exclusive=False, group="plan", name="load scenario", exit_on_error=False)
    def load(self, path: Path, slot: str) -> None:
        from planner.projection import scenario

        try:
            scen = scenario.load(path, self.app.catalog)
        except PlannerError:
            self.app.call_from_thread(lambda: setattr(self.query_one("#plan"), "loading", False))
            raise
        self.post_message(self.Loaded(scen, slot))

    @on(Loaded)
    def _loaded(self, m: Loaded) -> None:
        self.query_one("#plan").loading = False
        if m.slot == "compare":
            self.compare = m.scenario
        else:
            self.scenario = m.scenario
            self.build_form()
        self.recompute()

    def build_form(self) -> None:
        box = self.query_one("#workloads", Grid)  # one grid, no container per field: fewer widgets, faster switches
        box.remove_children()
        widgets = []
        for i, w in enumerate(self.scenario.workloads):
            widgets.append(Label(f"workload {w.name} · {w.model}", classes="form-head"))
            for key, label in FIELDS:
                widgets += [
                    Label(label, classes="field-label"),
                    Input(str(getattr(w, key)), id=f"w{i}-{key}", classes="wl"),
                ]
        box.mount_all(widgets)

    @staticmethod
    def _checked(field: Input, key: str, *, blank_ok: bool = False):
        """The field's number, or _INVALID with the field marked and the reason in its tooltip."""
        if blank_ok and not field.value.strip():
            value = None
        else:
            try:
                value = parse_number(field.value, key)
            except PlannerError as exc:
                field.add_class("-invalid")
                field.tooltip = str(exc)
                return _INVALID
        field.remove_class("-invalid")
        field.tooltip = None
        return value

    @on(Input.Changed, ".wl")
    def _workload_changed(self, event: Input.Changed) -> None:
        i, key = event.input.id[1:].split("-", 1)
        value = self._checked(event.input, key)
        if value is _INVALID:
            return
        w = self.scenario.workloads[int(i)]
        if getattr(w, key) != value:
            setattr(w, key, value)
            self.recompute()

    @on(Input.Changed, ".whatif")
    def _what_if_changed(self, event: Input.Changed) -> None:
        key = event.input.id.removeprefix("whatif-")
        value = self._checked(event.input, key, blank_ok=True)
        if value is _INVALID:
            return
        self.what_if[key] = value
        self.recompute()

    def evaluate(self, scen) -> dict:
        from planner.projection import scenario

        return scenario.evaluate(
            with_what_if(scen, self.what_if["cache_hit_rate"], self.what_if["batch_share"]),
            self.app.catalog,
            self.app.today,
        )

    def recompute(self) -> None:
        if self.scenario is None:
            return
        try:
            self.result = self.evaluate(self.scenario)
            self.compare_result = self.evaluate(self.compare) if self.compare is not None else None
        except PlannerError as exc:
            self.notify(str(exc), title="cannot evaluate", severity="error")
            return
        self.show()

    def show(self) -> None:
        r = self.result
        self.query_one("#plan-title", Static).update(f"Plan — {r['scenario']} ({Path(r['file']).name})")
        self.query_one("#plan-cost", Static).update(
            f"Monthly cost [b]{usd(r['monthly_cost_usd'])}[/b]  [dim]{D.SOURCE_ESTIMATE}: scenario × {D.SOURCE_CATALOG} prices[/dim]"
        )
        self.query_one("#plan-tier", Static).update(
            f"Recommended tier [b]{r['recommended_tier']}[/b]  [dim]{r['reason']}[/dim]"
        )
        table = self.query_one("#plan-tiers", DataTable)
        table.clear()
        for g in r["groups"]:
            for t in g["tiers"]:
                h = t["headroom"]
                fits = {True: "fits", False: "no", None: "unknown"}[t["fits"]]
                cap = self.cap_text(t["tier"], t["monthly_spend_cap_usd"])
                table.add_row(
                    g["name"],
                    t["tier"],
                    pct(h["rpm"]),
                    pct(h["itpm"]),
                    pct(h["otpm"]),
                    t["binding"] or UNKNOWN,
                    fits,
                    cap,
                    key=f"{g['group']}:{t['tier']}",
                )
        cmp_table = self.query_one("#plan-compare", DataTable)
        cmp_table.display = self.compare_result is not None
        if self.compare_result is not None:
            plans = [r, self.compare_result]
            cmp_table.clear(columns=True)
            cmp_table.add_columns("", *(p["scenario"] for p in plans))
            cmp_table.border_title = "Side by side (estimate)"
            for row in self.compare_rows(plans):
                cmp_table.add_row(*row)
        peaks = "; ".join(
            f"{g['name']} peak RPM {count(g['peak']['rpm'])} ITPM {count(g['peak']['itpm'])} "
            f"OTPM {count(g['peak']['otpm'])}"
            for g in r["groups"]
        )
        self.query_one("#plan-sources", Static).update(
            f"{peaks}\nsources: traffic = scenario ({D.SOURCE_ESTIMATE}); prices and limits = {D.SOURCE_CATALOG} at {r['at']}"
        )

    def cap_text(self, tier_id: str, cap) -> str:
        if cap is not None:
            return usd(cap)
        tier = self.app.catalog.tier(tier_id, self.app.today)
        return "none" if tier is not None and tier.unlimited else UNKNOWN

    @staticmethod
    def compare_rows(plans: list[dict]) -> list[tuple[str, ...]]:
        rows = [
            ("monthly cost", *(usd(p["monthly_cost_usd"]) for p in plans)),
            ("recommended tier", *(p["recommended_tier"] for p in plans)),
        ]
        groups = sorted({g["group"] for p in plans for g in p["groups"]})
        for group in groups:
            for d in ("rpm", "itpm", "otpm"):
                cells = []
                for p in plans:
                    g = next((g for g in p["groups"] if g["group"] == group), None)
                    cells.append(UNKNOWN if g is None else count(g["peak"][d]))
                rows.append((f"{group} peak {d.upper()}", *cells))
        return rows

    def action_open(self) -> None:
        from planner.tui.screens.dialogs import OpenPathDialog

        current = str(self.scenario.path) if self.scenario else ""
        self.app.push_screen(OpenPathDialog("Open a scenario", current), lambda p: p and self.load(p, "main"))

    def action_compare(self) -> None:
        from planner.tui.screens.dialogs import OpenPathDialog

        start = str(self.scenario.path.with_name("launch-cheaper.toml")) if self.scenario else ""
        self.app.push_screen(OpenPathDialog("Compare with scenario", start), lambda p: p and self.load(p, "compare"))

    def action_blur(self) -> None:
        self.set_focus(None)

    def export_table(self) -> Table | None:
        if self.result is None:
            return None
        if self.compare_result is not None:
            from planner.views.plan import compare_table

            return compare_table([self.result, self.compare_result])
        from planner.views.plan import plan_table

        return plan_table(self.result)

    def export_payload(self):
        if self.result is None:
            return None
        return self.result if self.compare_result is None else {"scenarios": [self.result, self.compare_result]}
