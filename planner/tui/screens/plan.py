"""Plan: a launch scenario's numbers in a form; monthly cost and headroom per tier update as you
type. What-if inputs override every workload's cache hit rate and batch share. A second
scenario can be compared side by side. Every figure here is an estimate (scenario × catalog)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from planner.errors import PlannerError
from planner.report import Table
from planner.tui import data as D
from planner.tui.format import UNKNOWN, count, pct, usd
from planner.tui.screens.base import PlannerScreen, tolerate_shutdown
from planner.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from planner.projection.scenario import Scenario

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


def with_what_if(scen: Scenario, hit: Decimal | None, batch: Decimal | None) -> Scenario:
    """The scenario with every workload's cache hit rate / batch share replaced (None = keep)."""
    changes: dict[str, Any] = {}
    if hit is not None:
        changes["cache_hit_rate"] = hit
    if batch is not None:
        changes["batch_share"] = batch
    if not changes:
        return scen
    return dataclasses.replace(scen, workloads=[dataclasses.replace(w, **changes) for w in scen.workloads])


_INVALID = object()  # a field that does not parse (the form keeps the last good value)


@dataclass(frozen=True)
class Evaluation:
    """scenario.evaluate of the scenario in the form (and of the one compared with it)."""

    result: dict[str, Any]
    compare: dict[str, Any] | None = None


class PlanScreen(PlannerScreen):
    """Scenarios come through `scenario` and `compare`, their evaluation through `evaluation`;
    typing in the form changes the scenario in place and evaluates again."""

    SCREEN_TITLE = "Plan"
    AUTO_FOCUS = "#plan-tiers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open", "Open scenario", id="plan.open", tooltip="Open a scenario TOML file"),
        Binding("c", "compare", "Compare", id="plan.compare", tooltip="Compare with a second scenario side by side"),
        Binding(
            "escape", "blur", "Leave form", id="plan.blur", tooltip="Leave the form so screen keys work", show=False
        ),
    ]

    scenario: var[Scenario | None] = var(None, init=False, always_update=True)
    compare: var[Scenario | None] = var(None, init=False, always_update=True)
    evaluation: var[Evaluation | None] = var(None, init=False, always_update=True)

    @dataclass
    class Loaded(Message):
        scenario: Scenario
        slot: str  # "main" or "compare"

    def __init__(self) -> None:
        super().__init__()
        self.what_if: dict[str, Decimal | None] = {"cache_hit_rate": None, "batch_share": None}

    @property
    def result(self) -> dict[str, Any] | None:
        return None if self.evaluation is None else self.evaluation.result

    @property
    def compare_result(self) -> dict[str, Any] | None:
        return None if self.evaluation is None else self.evaluation.compare

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
                yield DataTable(id="plan-tiers", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="plan-compare", zebra_stripes=True)
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

    # loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        super().reload()
        if self.scenario is None:
            path = self.app.scenario_path or default_scenario()
            if path is None:
                self.query_one("#plan-title", Static).update("Plan — no scenario: press o to open one")
                return
            self.load(path, "main")
        else:
            self.recompute()  # the catalog may have changed

    def load(self, path: Path, slot: str) -> None:
        """Read a scenario file into the form ("main") or beside it ("compare")."""
        self.query_one("#plan").loading = True
        self.read_scenario(path, slot)

    @work(thread=True, exclusive=False, group="plan", name="load scenario", exit_on_error=False)
    def read_scenario(self, path: Path, slot: str) -> None:
        from planner.projection import scenario

        self.post_message(self.Loaded(scenario.load(path, self.app.catalog), slot))

    @on(Loaded)
    def loaded(self, m: Loaded) -> None:
        self.query_one("#plan").loading = False
        if m.slot == "compare":
            self.compare = m.scenario
        else:
            self.scenario = m.scenario

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "plan" and event.state == WorkerState.ERROR:
            self.query_one("#plan").loading = False  # the app's funnel says why

    def watch_scenario(self, scen: Scenario | None) -> None:
        if scen is not None:
            self.build_form(scen)
            self.recompute()

    def watch_compare(self) -> None:
        self.recompute()

    def build_form(self, scen: Scenario) -> None:
        box = self.query_one("#workloads", Grid)  # one grid, no container per field: fewer widgets, faster switches
        box.remove_children()
        widgets: list[Widget] = []
        for i, w in enumerate(scen.workloads):
            widgets.append(Label(f"workload {w.name} · {w.model}", classes="form-head"))
            for key, label in FIELDS:
                widgets += [
                    Label(label, classes="field-label"),
                    Input(str(getattr(w, key)), id=f"w{i}-{key}", classes="wl"),
                ]
        box.mount_all(widgets)

    # the form ---------------------------------------------------------------------------------
    @staticmethod
    def checked(field: Input, key: str, *, blank_ok: bool = False) -> Decimal | object | None:
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
    def workload_changed(self, event: Input.Changed) -> None:
        if self.scenario is None or event.input.id is None:
            return
        i, key = event.input.id[1:].split("-", 1)
        value = self.checked(event.input, key)
        if value is _INVALID:
            return
        w = self.scenario.workloads[int(i)]
        if getattr(w, key) != value:
            setattr(w, key, value)
            self.recompute()

    @on(Input.Changed, ".whatif")
    def what_if_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("whatif-")
        value = self.checked(event.input, key, blank_ok=True)
        if value is _INVALID or not (value is None or isinstance(value, Decimal)):
            return
        self.what_if[key] = value
        self.recompute()

    def evaluate(self, scen: Scenario) -> dict[str, Any]:
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
            result = self.evaluate(self.scenario)
            compared = self.evaluate(self.compare) if self.compare is not None else None
        except PlannerError as exc:
            self.notify(str(exc), title="cannot evaluate", severity="error")
            return
        self.evaluation = Evaluation(result, compared)

    # rendering --------------------------------------------------------------------------------
    def watch_evaluation(self, e: Evaluation | None) -> None:
        if e is None:
            return
        r = e.result
        self.query_one("#plan-title", Static).update(f"Plan — {r['scenario']} ({Path(r['file']).name})")
        self.query_one("#plan-cost", Static).update(
            f"Monthly cost [b]{usd(r['monthly_cost_usd'])}[/b]  [dim]{D.SOURCE_ESTIMATE}: scenario × {D.SOURCE_CATALOG} prices[/dim]"
        )
        self.query_one("#plan-tier", Static).update(
            f"Recommended tier [b]{r['recommended_tier']}[/b]  [dim]{r['reason']}[/dim]"
        )
        self.show_tiers(r)
        self.show_compare(r, e.compare)
        peaks = "; ".join(
            f"{g['name']} peak RPM {count(g['peak']['rpm'])} ITPM {count(g['peak']['itpm'])} "
            f"OTPM {count(g['peak']['otpm'])}"
            for g in r["groups"]
        )
        self.query_one("#plan-sources", Static).update(
            f"{peaks}\nsources: traffic = scenario ({D.SOURCE_ESTIMATE}); prices and limits = {D.SOURCE_CATALOG} at {r['at']}"
        )

    def show_tiers(self, r: dict[str, Any]) -> None:
        table = self.query_one("#plan-tiers", DataTable)
        table.clear()
        for g in r["groups"]:
            for t in g["tiers"]:
                h = t["headroom"]
                fits = {True: "fits", False: "no", None: "unknown"}[t["fits"]]
                table.add_row(
                    g["name"],
                    t["tier"],
                    pct(h["rpm"]),
                    pct(h["itpm"]),
                    pct(h["otpm"]),
                    t["binding"] or UNKNOWN,
                    fits,
                    self.cap_text(t["tier"], t["monthly_spend_cap_usd"]),
                    key=f"{g['group']}:{t['tier']}",
                )

    def show_compare(self, r: dict[str, Any], other: dict[str, Any] | None) -> None:
        table = self.query_one("#plan-compare", DataTable)
        table.display = other is not None
        if other is None:
            return
        plans = [r, other]
        table.clear(columns=True)
        table.add_columns("", *(p["scenario"] for p in plans))
        table.border_title = "Side by side (estimate)"
        for row in self.compare_rows(plans):
            table.add_row(*row)

    def cap_text(self, tier_id: str, cap: Decimal | None) -> str:
        if cap is not None:
            return usd(cap)
        tier = self.app.catalog.tier(tier_id, self.app.today)
        return "none" if tier is not None and tier.unlimited else UNKNOWN

    @staticmethod
    def compare_rows(plans: list[dict[str, Any]]) -> list[tuple[str, ...]]:
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
        self.app.push_screen(OpenPathDialog("Open a scenario", current), self.opened)

    def action_compare(self) -> None:
        from planner.tui.screens.dialogs import OpenPathDialog

        start = str(self.scenario.path.with_name("launch-cheaper.toml")) if self.scenario else ""
        self.app.push_screen(OpenPathDialog("Compare with scenario", start), self.opened_to_compare)

    def opened(self, path: Path | None) -> None:
        if path is not None:
            self.load(path, "main")

    def opened_to_compare(self, path: Path | None) -> None:
        if path is not None:
            self.load(path, "compare")

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

    def export_payload(self) -> dict[str, Any] | None:
        if self.result is None:
            return None
        return self.result if self.compare_result is None else {"scenarios": [self.result, self.compare_result]}
