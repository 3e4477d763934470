"""Numbers for reading (the dashboard and the views' text tables): money to the cent (JSON and CSV
keep the exact Decimal), counts with k/M/B suffixes, unknown as an em dash (never 0), and the plain
lines of a headroom gauge."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from planner.views.overview import GroupGauge

UNKNOWN = "—"
CENT = Decimal("0.01")
GAUGE_DIMS = (("rpm", "RPM"), ("itpm", "ITPM"), ("otpm", "OTPM"))


def usd(value: Decimal | None) -> str:
    if value is None:
        return UNKNOWN
    q = value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return f"-${-q:,}" if q < 0 else f"${q:,}"


def count(value: float | int | Decimal | None) -> str:
    if value is None:
        return UNKNOWN
    x = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}" if x != int(x) else f"{int(x)}"


def pct(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.0%}"


def plain(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def bar(ratio: float | None, width: int = 12) -> str:
    if ratio is None:
        return "?" * width
    filled = min(width, round(min(ratio, 1.0) * width))
    return "█" * filled + "░" * (width - filled)


def gauge_lines(g: GroupGauge) -> list[str]:
    """One line per dimension: 'RPM  12.3 / 50  ████░░ 25%', the binding one marked."""
    out = []
    for key, label in GAUGE_DIMS:
        dh = g.dims[key]
        limit = UNKNOWN if dh.limit is None else count(dh.limit)
        out.append(
            f"{label:<4} {count(dh.peak):>6} / {limit:<6} {bar(dh.ratio)} {pct(dh.ratio):>5}"
            + ("  binding" if key == g.binding else "")
        )
    return out
