"""How the dashboard shows numbers: money to the cent (exports keep the exact Decimal), counts
with k/M suffixes, unknown as an em dash (never 0)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

UNKNOWN = "—"
CENT = Decimal("0.01")


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
