"""What a probe call means: `ProbeResult` (the `planner probe --format json` contract) and
`interpret`, which turns the final response (or transport error) into a status, an explanation,
the probe's cost from the catalog and the tier its live limits match. No network.

A 429 is an answer: `rate_limited` with the exhausted dimensions, or `spend_cap` (the
`enforced_spend_limit_reached` error code, no retry-after), explained. No text of a result holds
the key: an error body that echoes it is scrubbed to the masked suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from planner.probe.headers import DIMENSIONS, ROUNDING_NOTE, DimensionLimit, HeaderSnapshot, parse_headers
from planner.probe.keys import API_KEY_ENV, host_of, mask_key
from planner.probe.retry import Attempted, transport_reason, utcnow

if TYPE_CHECKING:
    from planner.catalog import Catalog

SPEND_CAP_CODE = "enforced_spend_limit_reached"
DEFAULT_TIMEOUT = 10.0


@dataclass
class ProbeResult:
    model: str
    group: str | None
    status: str  # "ok" | "rate_limited" | "spend_cap" | "error"
    http_status: int | None
    request_id: str | None
    observed_at: datetime
    snapshot: HeaderSnapshot | None
    retry_after_s: float | None
    explanation: str
    cost_usd: Decimal | None  # from the catalog; 0 when the call is not billed; None = unknown
    tier: str | None  # inferred from the live limits; "custom"; None = cannot tell
    warnings: list[str] = field(default_factory=list)
    endpoint: str = "messages"
    host: str = ""
    attempts: int = 1
    tier_reason: str = ""
    tier_mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cost_source: str = "catalog"

    @property
    def limits(self) -> dict[str, DimensionLimit]:
        return self.snapshot.limits if self.snapshot is not None else {}

    def to_json(self) -> dict[str, Any]:
        """The `planner probe --format json` contract (issue 4.6), then extra keys."""
        limits = self.limits
        return {
            "model": self.model,
            "status": self.status,
            "request_id": self.request_id,
            "observed_at": self.observed_at.isoformat().replace("+00:00", "Z"),
            "limits": {
                d: (limits[d].to_json() if d in limits else {"limit": None, "remaining": None, "reset": None})
                for d in DIMENSIONS
            },
            "retry_after_s": self.retry_after_s,
            "tier": self.tier,
            "cost_usd": self.cost_usd,
            "warnings": list(self.warnings),
            "group": self.group,
            "endpoint": self.endpoint,
            "host": self.host,
            "http_status": self.http_status,
            "explanation": self.explanation,
            "attempts": self.attempts,
            "tier_reason": self.tier_reason,
            "tier_mismatches": list(self.tier_mismatches),
            "notes": list(self.notes),
            "sources": {
                "limits": "live header",
                "cost_usd": self.cost_source,
                "tier": "catalog (limits.toml) vs live header",
            },
        }


def _error_body(resp: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """(error.type, error.message, error.details.error_code) from an error body, if it has one."""
    try:
        data = resp.json()
    except ValueError:
        return None, None, None
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return None, None, None
    details = err.get("details")
    if not isinstance(details, dict):
        details = {}
    kind, msg, code = err.get("type"), err.get("message"), details.get("error_code")
    return (
        kind if isinstance(kind, str) else None,
        msg if isinstance(msg, str) else None,
        code if isinstance(code, str) else None,
    )


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def interpret(
    done: Attempted,
    *,
    model: str,
    endpoint: str,
    base_url: str,
    api_key: str,
    clock: Callable[[], datetime] = utcnow,
    catalog: Catalog | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ProbeResult:
    """Turn the final response (or transport error) into a ProbeResult: status, explanation,
    cost from the catalog, tier inferred from the limits."""
    if catalog is None:
        from planner.catalog import load_catalog

        catalog = load_catalog()
    now = clock()
    group = catalog.group_of(model)
    warnings = list(done.retries)
    notes: list[str] = []
    if catalog.resolve(model) is None:
        warnings.append(f"{model} is not in the catalog: no group, price or tier to compare")
    result = ProbeResult(
        model=model,
        group=group,
        status="error",
        http_status=None,
        request_id=None,
        observed_at=now,
        snapshot=None,
        retry_after_s=None,
        explanation="",
        cost_usd=None,
        tier=None,
        warnings=warnings,
        endpoint=endpoint,
        host=host_of(base_url),
        attempts=done.attempts,
        notes=notes,
    )
    resp = done.response
    if resp is None:
        reason = transport_reason(done.error) if done.error is not None else "no response"
        if isinstance(done.error, httpx.TimeoutException):
            reason = f"timed out after {timeout:g} s"
        result.explanation = f"{reason} ({result.host}), after {done.attempts} attempt(s)"
        result.cost_source = "no response"
        return _scrub(result, api_key)

    snap = parse_headers(resp.headers, now=now)
    result.snapshot = snap
    result.http_status = resp.status_code
    result.request_id = snap.request_id
    result.retry_after_s = snap.retry_after_s
    warnings.extend(snap.warnings)
    if any(d.rounded for d in snap.limits.values()):
        notes.append(ROUNDING_NOTE)
    kind, message, code = _error_body(resp) if resp.status_code >= 300 else (None, None, None)
    status = resp.status_code
    result.cost_usd, result.cost_source = Decimal(0), "not billed"
    if status == 200:
        result.status = "ok"
        if endpoint == "messages":
            result.cost_usd, result.cost_source = _probe_cost(resp, catalog, model, now, warnings)
        else:
            result.cost_source = "free (count_tokens)"
        result.explanation = "ok"
    elif status == 429 and code == SPEND_CAP_CODE:
        result.status = "spend_cap"
        resume = first_of_next_month(now.date())
        result.explanation = (
            f"monthly spend cap of your usage tier reached: requests are refused until "
            f"00:00 UTC on {resume.isoformat()} (the 1st of next month); retrying will not help"
        )
    elif status == 429:
        result.status = "rate_limited"
        empty = [d for d, lim in snap.limits.items() if lim.remaining == 0]
        what = (
            f"{', '.join(empty)} exhausted"
            if empty
            else "no header shows a dimension at 0 remaining (possibly an acceleration limit)"
        )
        wait = f"retry after {snap.retry_after_s:g} s" if snap.retry_after_s is not None else "no retry-after header"
        result.explanation = f"rate limited (429): {what}; {wait}"
    else:
        result.explanation = _explain_error(status, kind, message, model, resp, done.attempts)
        if status >= 500 or status in (408, 409):
            result.cost_usd, result.cost_source = None, "server error"

    if endpoint == "count_tokens":
        seen = ", ".join(snap.headers_seen) if snap.headers_seen else "no rate-limit headers"
        notes.append(
            f"count_tokens returned {seen}; these describe the token-counting limiter, "
            f"which is independent of the Messages limits"
        )
    elif result.status in ("ok", "rate_limited") and snap.limits and group is not None:
        from planner.probe.infer import infer_tier

        match = infer_tier(catalog, group, snap.limits, now)
        result.tier, result.tier_reason, result.tier_mismatches = match.tier, match.reason, list(match.mismatches)
    elif result.status in ("ok", "rate_limited") and not snap.limits:
        warnings.append("the response carried no anthropic-ratelimit-* headers: live limits unknown")
    return _scrub(result, api_key)


def _explain_error(
    status: int, kind: str | None, message: str | None, model: str, resp: httpx.Response, attempts: int
) -> str:
    detail = f" ({kind}: {message})" if kind and message else (f" ({kind})" if kind else "")
    if 300 <= status < 400:
        where = host_of(resp.headers.get("location", "")) or "another URL"
        return f"HTTP {status} redirect to {where} not followed, so the key is not sent there"
    if status == 400:
        return f"bad request{detail}"
    if status == 401:
        return f"bad API key: the server rejected {API_KEY_ENV}{detail}"
    if status == 402:
        return f"billing problem{detail}"
    if status == 403:
        return f"no access to {model} with this key{detail}"
    if status == 404:
        return f"unknown model {model} (or no access to it){detail}"
    if status == 529:
        return f"API overloaded (529) after {attempts} attempt(s){detail}"
    if status >= 500:
        return f"server error HTTP {status} after {attempts} attempt(s){detail}"
    return f"HTTP {status}{detail}"


def _probe_cost(
    resp: httpx.Response, catalog: Catalog, model: str, at: datetime, warnings: list[str]
) -> tuple[Decimal | None, str]:
    from planner.catalog import Usage, price_usage

    try:
        data = resp.json()
        u = data.get("usage") or {}
        cc = u.get("cache_creation") or {}
        w5 = cc.get("ephemeral_5m_input_tokens")
        w1 = cc.get("ephemeral_1h_input_tokens")
        if w5 is None and w1 is None:
            w5, w1 = u.get("cache_creation_input_tokens") or 0, 0
        usage = Usage(
            input_tokens=int(u.get("input_tokens") or 0),
            output_tokens=int(u.get("output_tokens") or 0),
            cache_write_5m=int(w5 or 0),
            cache_write_1h=int(w1 or 0),
            cache_read=int(u.get("cache_read_input_tokens") or 0),
        )
        if not u:
            raise ValueError("no usage object")
    except (ValueError, TypeError, AttributeError) as exc:
        warnings.append(f"probe cost unknown: response body has no readable usage ({exc})")
        return None, "no usage in the response"
    cost = price_usage(catalog, model, usage, at)
    if not cost.priced:
        warnings.append(f"probe cost unknown: {cost.reason}")
        return None, "unpriced model"
    return cost.total, "catalog"


def _scrub(result: ProbeResult, api_key: str) -> ProbeResult:
    """Belt and braces: no text of a result may contain the key (an error body could echo it)."""
    if api_key:
        mask = mask_key(api_key)
        result.explanation = result.explanation.replace(api_key, mask)
        result.warnings = [w.replace(api_key, mask) for w in result.warnings]
        result.notes = [n.replace(api_key, mask) for n in result.notes]
    return result
