"""Budget statuses and capacity readings -> alerts (pure). One alert per crossing: a rule, a kind,
a level and a period; `text` is the one line every channel shows (Slack reads the `text` field)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from planner.projection.budgets import BudgetStatus


@dataclass(frozen=True)
class Alert:
    rule: str  # "budget:<name>" | "capacity:<group>:<dimension>"
    kind: str  # "spent" | "forecast" | "live-share" | "peak-share" | "months-to-bind"
    level: str  # canonical text of the level crossed
    period: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.rule, self.kind, self.level, self.period)

    @property
    def rank(self) -> Decimal:
        return Decimal(self.level)

    def body(self) -> dict[str, Any]:
        """What a webhook receives (and the command's PLANNER_ALERT_JSON)."""
        return {
            "text": self.text,
            "rule": self.rule,
            "kind": self.kind,
            "level": Decimal(self.level),
            "period": self.period,
            **self.fields,
        }


def _usd(value: Decimal) -> str:
    return f"${value:,.2f}"


def _pct(level: Decimal) -> str:
    return f"{level * 100:.0f}%"


def budget_alerts(statuses: Iterable[BudgetStatus]) -> list[Alert]:
    out = []
    for st in statuses:
        b = st.budget
        over = f", over on {st.over_on.isoformat()}" if st.over_on else ""
        where = f"{b.scope.label}, {st.period}"
        fields = {
            "budget": b.name,
            "scope": b.scope.label,
            "amount": b.amount_usd,
            "spent": st.spent,
            "projected": st.projected.quantize(Decimal("0.01")),
            "projected_range": [st.low.quantize(Decimal("0.01")), st.high.quantize(Decimal("0.01"))],
            "over_on": st.over_on,
            "as_of": st.today,
            "currency": "USD",
        }
        for c in st.crossed:
            if c.kind == "spent":
                text = (
                    f"planner: budget {b.name!r} ({where}) crossed {_pct(c.level)}: {_usd(st.spent)} of "
                    f"{_usd(b.amount_usd)} spent; projected {_usd(st.projected)}{over}"
                )
            else:
                text = (
                    f"planner: budget {b.name!r} ({where}) projected to reach {_pct(c.level)}: "
                    f"{_usd(st.projected)} of {_usd(b.amount_usd)} by {st.end.isoformat()} "
                    f"(spent {_usd(st.spent)} so far){over}"
                )
            if st.warnings:
                text += f" [{st.warnings[0]}]"
            out.append(Alert(f"budget:{b.name}", c.kind, str(c.level), st.period, text, fields))
    return out


@dataclass(frozen=True)
class LiveShare:
    """A probe's reading of one limit: how much of it was in use when the probe ran."""

    group: str
    dimension: str  # header dimension: requests, input_tokens, output_tokens, tokens
    used: float  # fraction of the limit in use, [0, 1]
    limit: int
    remaining: int
    observed_at: datetime


def live_share_alerts(readings: Iterable[LiveShare], share: Decimal) -> list[Alert]:
    out = []
    for r in readings:
        if r.used < float(share):
            continue
        day = r.observed_at.date().isoformat()
        text = (
            f"planner: {r.group} {r.dimension.replace('_', ' ')} at {r.used:.0%} of the per-minute limit "
            f"({r.remaining:,} of {r.limit:,} left, live probe {r.observed_at.strftime('%Y-%m-%d %H:%MZ')})"
        )
        fields = {
            "group": r.group,
            "dimension": r.dimension,
            "used_share": round(r.used, 4),
            "limit": r.limit,
            "remaining": r.remaining,
            "observed_at": r.observed_at,
            "source": "live header",
        }
        out.append(Alert(f"capacity:{r.group}:{r.dimension}", "live-share", str(share), day, text, fields))
    return out


@dataclass(frozen=True)
class PeakShare:
    """Per-minute demand against a limit (imported log against the catalog or a live limit)."""

    group: str
    dimension: str  # rpm | itpm | otpm
    peak: float
    limit: int
    tier: str  # a tier id, or "live"
    months_to_bind: float | str | None  # float, "already", "never", None = unknown


def peak_alerts(
    readings: Iterable[PeakShare], share: Decimal, horizon_months: Decimal | None, today: date
) -> list[Alert]:
    out = []
    for r in readings:
        ratio = r.peak / r.limit if r.limit else None
        base = {
            "group": r.group,
            "dimension": r.dimension,
            "peak": round(r.peak, 3),
            "limit": r.limit,
            "tier": r.tier,
            "source": "imported log (per-minute peaks) against "
            + ("a live limit" if r.tier == "live" else "the catalog"),
        }
        where = f"{r.group} {r.dimension.upper()}"
        if ratio is not None and ratio >= float(share):
            text = (
                f"planner: {where} peaked at {ratio:.0%} of the {r.tier} limit "
                f"({r.peak:,.0f} of {r.limit:,} per minute)"
            )
            out.append(
                Alert(
                    f"capacity:{r.group}:{r.dimension}",
                    "peak-share",
                    str(share),
                    today.isoformat(),
                    text,
                    {**base, "used_share": round(ratio, 4)},
                )
            )
        m = r.months_to_bind
        if horizon_months is not None and isinstance(m, float) and m < float(horizon_months):
            text = (
                f"planner: {where} binds the {r.tier} limit in {m:.1f} months at the expected growth "
                f"(under the {horizon_months}-month horizon)"
            )
            out.append(
                Alert(
                    f"capacity:{r.group}:{r.dimension}",
                    "months-to-bind",
                    str(horizon_months),
                    f"{today.year}-{today.month:02d}",
                    text,
                    {**base, "months_to_bind": round(m, 2)},
                )
            )
    return out
