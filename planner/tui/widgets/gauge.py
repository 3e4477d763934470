"""Headroom gauges of one model group: peak against limit per dimension, the binding one marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.widgets import Static

from planner.tui.format import UNKNOWN, count, pct

if TYPE_CHECKING:
    from planner.tui.data import GroupGauge

DIMS = (("rpm", "RPM"), ("itpm", "ITPM"), ("otpm", "OTPM"))


def bar(ratio: float | None, width: int = 12) -> str:
    if ratio is None:
        return "?" * width
    filled = min(width, round(min(ratio, 1.0) * width))
    return "█" * filled + "░" * (width - filled)


def gauge_lines(g: GroupGauge) -> list[str]:
    """Plain lines (no markup) for tests and exports: 'RPM  12.3 / 50  ████░░ 25%'."""
    out = []
    for key, label in DIMS:
        dh = g.dims[key]
        limit = UNKNOWN if dh.limit is None else count(dh.limit)
        out.append(
            f"{label:<4} {count(dh.peak):>6} / {limit:<6} {bar(dh.ratio)} {pct(dh.ratio):>5}"
            + ("  binding" if key == g.binding else "")
        )
    return out


class GroupGaugePanel(Static):
    """One group's gauges; `gauge` is a planner.tui.data.GroupGauge."""

    def __init__(self, gauge: GroupGauge, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gauge = gauge
        self.border_title = gauge.name
        against = "live header" if gauge.source == "live header" else f"catalog {gauge.tier}"
        self.border_subtitle = f"limits: {against}"

    def render(self) -> Content:
        g = self.gauge
        parts = []
        for (key, _), line in zip(DIMS, gauge_lines(g), strict=True):
            dh = g.dims[key]
            style = "$text-muted"
            if dh.ratio is not None and dh.ratio >= 1:
                style = "bold $error"
            elif key == g.binding:
                style = "bold $warning"
            parts.append(Content.styled(line, style))
        fits = {True: "fits", False: "does NOT fit", None: "cannot confirm (a limit is unknown)"}[g.fits]
        parts.append(Content.styled(f"{fits}; peaks from {g.peak_source}", "$text-muted italic"))
        return Content("\n").join(parts)
