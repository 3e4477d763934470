"""Live probes as a view: one round of probe results (a row per model and rate-limit dimension,
the tier each matches, the probe's cost) and, across rounds of `planner probe --watch`, the trend
of each remaining value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.probe.client import ProbeResult

DIM_LABELS = {
    "requests": "requests/min",
    "input_tokens": "input tokens/min",
    "output_tokens": "output tokens/min",
    "tokens": "tokens/min (in+out)",
}


class ProbeWatch:
    """Rounds of probes: counts for the summary line and the previous remaining values for the
    trend column."""

    def __init__(self) -> None:
        self.rounds = 0
        self.counts: dict[str, int] = {}
        self.previous: dict[tuple[str, str], int | None] = {}
        self.current: dict[tuple[str, str], int | None] = {}
        self.failed_last = False

    def add(self, results: Sequence[Any]) -> None:
        """Results of one round (ProbeResult, or anything with model, status and limits)."""
        self.rounds += 1
        self.previous, self.current = self.current, {}
        for r in results:
            self.counts[r.status] = self.counts.get(r.status, 0) + 1
            for dim, lim in r.limits.items():
                self.current[(r.model, dim)] = lim.remaining
        self.failed_last = any(r.status == "error" for r in results)

    def trend(self, model: str, dim: str) -> str:
        """The change in remaining since the previous round: "" in the first, "?" when unknown."""
        if self.rounds < 2:
            return ""
        before, now = self.previous.get((model, dim)), self.current.get((model, dim))
        if before is None or now is None:
            return "?"
        return "=" if now == before else f"{now - before:+,}"

    def trends(self, results: Sequence[ProbeResult]) -> dict[tuple[str, str], str]:
        return {(r.model, d): self.trend(r.model, d) for r in results for d in r.limits}

    def summary(self, word: str) -> str:
        total = sum(self.counts.values())
        parts = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(self.counts.items())) or "none"
        return f"{word} after {self.rounds} round(s): {total} probe(s) ({parts}); snapshots saved in the database"


@dataclass(frozen=True)
class ProbeRound:
    """One round of probes. `key_mask` is the masked key (never the key); `round` and `trends` are
    set when watching."""

    results: list[ProbeResult]
    key_mask: str
    round: int | None = None
    trends: dict[tuple[str, str], str] = field(default_factory=dict)

    def to_json(self) -> Any:
        """`planner probe --format json`: one object, or a list for several models."""
        if len(self.results) == 1:
            return self.results[0].to_json()
        return [r.to_json() for r in self.results]

    def to_table(self, *, text: bool = True) -> Table:
        rows: list[dict[str, Any]] = []
        notes: list[str] = []
        general: dict[str, None] = {}  # notes shared by every probe, once, in order
        for r in self.results:
            dims = [d for d in ("requests", "input_tokens", "output_tokens", "tokens") if d in r.limits]
            for d in dims:
                lim = r.limits[d]
                used = lim.used_fraction()
                rows.append(
                    {
                        "model": r.model,
                        "status": r.status,
                        "dimension": DIM_LABELS[d],
                        "limit": lim.limit,
                        "remaining": lim.remaining,
                        "used": None if used is None else f"{used:.1%}",
                        "reset": resets_in(lim.seconds_to_reset(r.observed_at)),
                        "trend": self.trends.get((r.model, d), ""),
                    }
                )
            if not dims:
                rows.append({"model": r.model, "status": r.status, "dimension": "(no limit headers)"})
            http = f"HTTP {r.http_status}" if r.http_status else "no response"
            why = "" if r.explanation == "ok" else f"; {r.explanation}"
            notes.append(
                f"{r.model} ({r.group or 'group unknown'}): {r.status}, {http}{why}"
                + (f"; request {r.request_id}" if r.request_id else "")
            )
            if r.tier is not None or r.tier_reason:
                notes.append(f"  tier: {r.tier or 'unknown'} ({r.tier_reason})")
            notes.extend(f"  live vs catalog: {m}" for m in r.tier_mismatches)
            cost = "unknown" if r.cost_usd is None else f"${r.cost_usd}"
            notes.append(f"  probe cost: {cost} ({r.cost_source})")
            notes.extend(f"  warning: {w}" for w in r.warnings)
            general.update(dict.fromkeys(r.notes))
        notes.extend(general)
        first = self.results[0]
        notes.append(
            f"source: live headers from {first.host} at {first.observed_at.isoformat(timespec='seconds')} "
            f"(key {self.key_mask}); — = header not sent (unknown)"
        )
        columns = [
            Column("model", "Model"),
            Column("status", "Status"),
            Column("dimension", "Dimension"),
            Column("limit", "Limit", "right"),
            Column("remaining", "Remaining", "right"),
            Column("used", "Used", "right"),
            Column("reset", "Full in", "right"),
        ]
        title = f"Live rate limits ({first.endpoint})"
        if self.round is not None:
            columns.append(Column("trend", "Trend", "right"))
            title += f", round {self.round}"
        return Table(columns, rows, title=title, notes=notes)


def resets_in(seconds: float | None) -> str | None:
    """Seconds until a limit is full again, for reading: "42 s", "6m 00s"."""
    if seconds is None:
        return None
    s = math.ceil(seconds)
    return f"{s} s" if s < 60 else f"{s // 60}m {s % 60:02d}s"
