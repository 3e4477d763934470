"""One pass of alerting: claim the new crossings, then deliver every pending one, oldest first.

Several levels of one rule crossing in the same pass (a first run in the middle of the month at
85%) fire once, at the highest level; the lower ones are recorded as superseded, never sent.
A channel that fails is retried on later passes with a backoff (1, 2, 4 ... minutes, at most an
hour), and every failure is an event: an alert is never lost silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from planner.alerts.channels import ChannelError
from planner.alerts.rules import Alert
from planner.store import alerts as state

BACKOFF_MS = 60_000
MAX_BACKOFF_MS = 3_600_000


class Channel(Protocol):
    name: str

    def send(self, body: Mapping[str, Any]) -> int: ...


@dataclass
class Event:
    """One line of `planner watch` output."""

    event: str  # alert | delivered | failed | unavailable | imported | probed | note | error | started | stopped
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "at": self.at.isoformat().replace("+00:00", "Z"), **self.fields}

    def line(self) -> str:
        stamp = self.at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {self.event:<11} {self.text}".rstrip()


def backoff_ms(failed_passes: int) -> int:
    return min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** max(0, failed_passes - 1))


def run_pass(
    store: Any,
    alerts: Iterable[Alert],
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime],
) -> list[Event]:
    """Claim `alerts` (those not claimed before fire), then deliver what is pending and due."""
    now = clock()
    now_ms = int(now.timestamp() * 1000)
    events: list[Event] = []
    alerts = list(alerts)
    best: dict[tuple[str, str, str], Alert] = {}
    for a in alerts:
        k = (a.rule, a.kind, a.period)
        if k not in best or a.rank > best[k].rank:
            best[k] = a
    names = sorted(channels)
    for a in sorted(best.values(), key=lambda x: x.key):
        if not state.claim(store, a.key, a.body(), names, now_ms):
            continue
        # the lower levels crossed in the same pass: recorded, never sent (only when `a` is new)
        for x in alerts:
            if (x.rule, x.kind, x.period) == (a.rule, a.kind, a.period) and x.rank < a.rank:
                state.claim(store, x.key, x.body(), (), now_ms, status="superseded")
        events.append(Event("alert", now, a.body(), a.text.removeprefix("planner: ")))
    for p in state.pending(store, names, now_ms):
        channel = channels[p.channel]
        label = f"{p.key[0]} {p.key[1]} {p.key[2]} {p.key[3]}"
        try:
            attempts = channel.send(p.body)
        except ChannelError as exc:
            total = p.attempts + _attempts_of(channel)
            retry = now_ms + backoff_ms(total // _attempts_of(channel))  # by failed passes
            state.failed(store, p.key, p.channel, _attempts_of(channel), str(exc), retry)
            retry_at = datetime.fromtimestamp(retry / 1000, UTC)
            events.append(
                Event(
                    "failed",
                    clock(),
                    {
                        **_key_fields(p.key),
                        "channel": p.channel,
                        "error": str(exc),
                        "attempts": total,
                        "retry_at": retry_at,
                    },
                    f"{p.channel} {label}: {exc}; kept, retried after {retry_at.strftime('%H:%M:%SZ')}",
                )
            )
            continue
        state.delivered(store, p.key, p.channel, attempts, int(clock().timestamp() * 1000))
        events.append(
            Event(
                "delivered",
                clock(),
                {**_key_fields(p.key), "channel": p.channel, "attempts": p.attempts + attempts},
                f"{p.channel} {label}" + (f" (attempt {p.attempts + attempts})" if p.attempts + attempts > 1 else ""),
            )
        )
    return events


def _attempts_of(channel: Any) -> int:
    return max(1, int(getattr(channel, "attempts", 1)))


def _key_fields(key: state.Key) -> dict[str, str]:
    return dict(zip(("rule", "kind", "level", "period"), key, strict=True))
