"""Rate-limit response headers -> plain data. Pure functions: no I/O, no clock of their own.

Two families are read, each optional (partial header sets happen in practice, reference §3.1):
- Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
  with RFC 3339 resets; `anthropic-priority-*` and `anthropic-fast-*` (same shape); `retry-after`,
  `retry-after-ms`, `x-should-retry`, `request-id`, `anthropic-organization-id`, `anthropic-workspace-id`.
  Anthropic rounds remaining *token* counts to the nearest thousand (`DimensionLimit.rounded`).
- OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` whose resets are Go-style
  durations (`12ms`, `6m0s`, `1h2m3.5s`; a bare number is read as seconds, as Azure sends).

A malformed value becomes a warning naming the header and the value is None (unknown), never an
exception and never 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

DIMENSIONS = ("requests", "input_tokens", "output_tokens", "tokens")
ROUNDING_NOTE = "Anthropic rounds remaining token counts to the nearest thousand"


@dataclass(frozen=True)
class DimensionLimit:
    limit: int | None = None
    remaining: int | None = None
    reset: datetime | None = None  # absolute, aware UTC: when the bucket is full again
    rounded: bool = False  # remaining is rounded (Anthropic token dimensions)

    def used_fraction(self) -> float | None:
        """(limit - remaining) / limit, clamped to [0, 1]; None when either is unknown."""
        if self.limit is None or self.remaining is None or self.limit <= 0:
            return None
        return min(1.0, max(0.0, (self.limit - self.remaining) / self.limit))

    def seconds_to_reset(self, now: datetime) -> float | None:
        return None if self.reset is None else max(0.0, (self.reset - now).total_seconds())

    def to_json(self) -> dict:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset": None if self.reset is None else self.reset.isoformat().replace("+00:00", "Z"),
        }


@dataclass
class HeaderSnapshot:
    family: str | None  # "anthropic" | "openai" | None (no limit headers)
    limits: dict[str, DimensionLimit] = field(default_factory=dict)  # keys from DIMENSIONS
    priority: dict[str, DimensionLimit] = field(default_factory=dict)  # input_tokens / output_tokens
    fast: dict[str, DimensionLimit] = field(default_factory=dict)
    retry_after_s: float | None = None
    request_id: str | None = None
    organization_id: str | None = None
    workspace_id: str | None = None
    should_retry: bool | None = None  # x-should-retry; None when absent
    warnings: list[str] = field(default_factory=list)
    headers_seen: list[str] = field(default_factory=list)  # rate-limit header names present (sorted)


def parse_headers(headers: Mapping[str, str], *, now: datetime) -> HeaderSnapshot:
    """Parse one response's headers. `now` turns OpenAI durations and HTTP-date retry-after into
    absolute times / seconds; it must be aware."""
    h = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    warnings: list[str] = []
    snap = HeaderSnapshot(family=None, warnings=warnings)
    snap.headers_seen = sorted(
        k for k in h if k.startswith(("anthropic-ratelimit-", "anthropic-priority-", "anthropic-fast-", "x-ratelimit-"))
    )

    for dim in DIMENSIONS:
        d = _anthropic_dim(
            h, f"anthropic-ratelimit-{dim.replace('_', '-')}", rounded=dim != "requests", warnings=warnings
        )
        if d is not None:
            snap.limits[dim] = d
    for prefix, target in (("anthropic-priority", snap.priority), ("anthropic-fast", snap.fast)):
        for dim in ("input_tokens", "output_tokens"):
            d = _anthropic_dim(h, f"{prefix}-{dim.replace('_', '-')}", rounded=True, warnings=warnings)
            if d is not None:
                target[dim] = d
    if snap.limits or snap.priority or snap.fast:
        snap.family = "anthropic"
    else:
        for dim in ("requests", "tokens"):
            d = _openai_dim(h, dim, now, warnings)
            if d is not None:
                snap.limits[dim] = d
        if snap.limits:
            snap.family = "openai"

    snap.retry_after_s = retry_after_seconds(h, now=now, warnings=warnings)
    snap.request_id = h.get("request-id") or h.get("x-request-id") or None
    snap.organization_id = h.get("anthropic-organization-id") or None
    snap.workspace_id = h.get("anthropic-workspace-id") or None
    if "x-should-retry" in h:
        value = h["x-should-retry"].lower()
        if value in ("true", "false"):
            snap.should_retry = value == "true"
        else:
            warnings.append(f"x-should-retry: not true/false: {h['x-should-retry']!r}")
    return snap


def retry_after_seconds(
    headers: Mapping[str, str], *, now: datetime, warnings: list[str] | None = None
) -> float | None:
    """`retry-after-ms` (milliseconds), else `retry-after` as seconds or as an HTTP date.
    `headers` must have lower-case keys (or be case-insensitive, like httpx.Headers)."""
    warnings = warnings if warnings is not None else []
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            value = float(ms) / 1000
            if value >= 0 and value == value and value != float("inf"):
                return value
        except ValueError:
            pass
        warnings.append(f"retry-after-ms: not a number of milliseconds: {ms!r}")
    if (text := headers.get("retry-after")) is not None:
        try:
            value = float(text)
            if value >= 0 and value == value and value != float("inf"):
                return value
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - now).total_seconds())
            except (TypeError, ValueError, IndexError):
                pass
        warnings.append(f"retry-after: neither seconds nor an HTTP date: {text!r}")
    return None


def _int(h: Mapping[str, str], name: str, warnings: list[str]) -> int | None:
    text = h.get(name)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        try:  # "1000.0" happens behind some proxies; a whole float is fine
            f = float(text)
            if f != int(f):
                raise ValueError
            value = int(f)
        except (ValueError, OverflowError):
            warnings.append(f"{name}: not a whole number: {text!r}")
            return None
    if value < 0:
        warnings.append(f"{name}: negative: {text!r}")
        return None
    return value


def _rfc3339(h: Mapping[str, str], name: str, warnings: list[str]) -> datetime | None:
    text = h.get(name)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        warnings.append(f"{name}: not an RFC 3339 time: {text!r}")
        return None
    if value.tzinfo is None:
        warnings.append(f"{name}: no time zone in {text!r}; read as UTC")
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _anthropic_dim(h: Mapping[str, str], prefix: str, *, rounded: bool, warnings: list[str]) -> DimensionLimit | None:
    names = [f"{prefix}-limit", f"{prefix}-remaining", f"{prefix}-reset"]
    if not any(n in h for n in names):
        return None
    limit = _int(h, names[0], warnings)
    remaining = _int(h, names[1], warnings)
    reset = _rfc3339(h, names[2], warnings)
    return DimensionLimit(limit, remaining, reset, rounded=rounded and remaining is not None)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Go-style duration (`12ms`, `6m0s`, `1h2m3.5s`) or a bare number of seconds -> seconds.
    ValueError when it is neither."""
    t = text.strip()
    if not t:
        raise ValueError("empty duration")
    try:
        value = float(t)
    except ValueError:
        pos, total = 0, 0.0
        for m in _DURATION_PART.finditer(t):
            if m.start() != pos:
                raise ValueError(f"bad duration {text!r}") from None
            total += float(m.group(1)) * _UNIT_S[m.group(2)]
            pos = m.end()
        if pos != len(t) or pos == 0:
            raise ValueError(f"bad duration {text!r}") from None
        return total
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"bad duration {text!r}")
    return value


def _openai_dim(h: Mapping[str, str], dim: str, now: datetime, warnings: list[str]) -> DimensionLimit | None:
    names = [f"x-ratelimit-limit-{dim}", f"x-ratelimit-remaining-{dim}", f"x-ratelimit-reset-{dim}"]
    if not any(n in h for n in names):
        return None
    reset = None
    if (text := h.get(names[2])) is not None:
        try:
            reset = now + timedelta(seconds=parse_duration(text))
        except ValueError:
            warnings.append(f"{names[2]}: not a duration such as 6m0s: {text!r}")
    return DimensionLimit(_int(h, names[0], warnings), _int(h, names[1], warnings), reset, rounded=False)
