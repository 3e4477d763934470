"""Probe calls: one tiny Messages (or count_tokens) request whose response headers are the live
rate limits of that model's group. httpx, sync (`probe`) and async (`aprobe`, for the dashboard).

Rules (issue 4, reference §3-§6):
- A 429 is the answer, not a failure: it is recorded (remaining 0, reset, retry_after_s) and never
  retried. The spend-cap 429 (`error.details.error_code` = `enforced_spend_limit_reached`, no
  retry-after) is recognised and explained.
- 408, 409, 5xx (529 included) and connection errors/timeouts are retried with bounded
  exponential backoff and jitter, honouring `retry-after-ms`, `retry-after` (when 0 < s <= 60) and
  `x-should-retry`. 400, 401, 403 and 404 are never retried.
- The key goes only to the configured base URL: redirects are not followed, and plain http is
  refused unless the host is loopback. The key is never put in a result, a warning or an error.
The outside world (client, sleep, clock, randomness) is passed in so tests never wait.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from planner.errors import PlannerError
from planner.probe.headers import DIMENSIONS, ROUNDING_NOTE, HeaderSnapshot, parse_headers

DEFAULT_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"
PROBE_PROMPT = "Hi"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
NEVER_RETRY = frozenset({400, 401, 403, 404, 429})
SPEND_CAP_CODE = "enforced_spend_limit_reached"
ENDPOINTS = {"messages": "/v1/messages", "count_tokens": "/v1/messages/count_tokens"}
API_KEY_ENV = "ANTHROPIC_API_KEY"
ADMIN_KEY_ENV = "ANTHROPIC_ADMIN_KEY"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- keys and base URLs ---------------------------------------------------------------------


def mask_key(key: str | None) -> str:
    """At most the last 4 characters, and only of a key long enough that they reveal nothing."""
    if not key:
        return "(none)"
    return "…" + key[-4:] if len(key) >= 20 else "…"


def require_key(env_var: str = API_KEY_ENV, env: Mapping[str, str] = os.environ) -> str:
    key = (env.get(env_var) or "").strip()
    if not key:
        raise PlannerError(f"no API key: set {env_var} in the environment (keys are read from the environment only)")
    return key


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; PlannerError for anything a key must not go to:
    a scheme other than http(s), no host, or plain http to a host that is not loopback."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlannerError(f"base URL must be http(s)://host[:port]: {base_url!r}")
    if parts.username or parts.password:
        raise PlannerError("base URL must not carry credentials (keys come from the environment only)")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise PlannerError(
            f"refusing to send an API key over plain http to {parts.hostname}: use https "
            "(plain http is allowed only to a loopback host)"
        )
    return base_url.strip().rstrip("/")


def resolve_base_url(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    return check_base_url(explicit or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL)


def host_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts.netloc or base_url


def api_headers(api_key: str) -> dict[str, str]:
    return {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}


# --- retries --------------------------------------------------------------------------------


def should_retry(status: int, x_should_retry: bool | None) -> bool:
    if status in NEVER_RETRY:
        return False
    if x_should_retry is not None:
        return x_should_retry
    return status in (408, 409) or status >= 500


def retry_delay(retry_number: int, retry_after_s: float | None, rand: Callable[[], float] = random.random) -> float:
    """The server's retry-after when 0 < s <= 60, else min(0.5 × 2^n, 8) × (1 - 0.25 × jitter)."""
    if retry_after_s is not None and 0 < retry_after_s <= MAX_RETRY_AFTER:
        return retry_after_s
    return min(INITIAL_RETRY_DELAY * 2**retry_number, MAX_RETRY_DELAY) * (1 - 0.25 * rand())


@dataclass
class Attempted:
    """The last response (or transport error) after retries, and what happened on the way."""

    response: httpx.Response | None
    error: httpx.HTTPError | None
    attempts: int
    retries: list[str] = field(default_factory=list)  # "HTTP 529, retried after 0.45 s"


def _step(
    resp: httpx.Response | None,
    exc: Exception | None,
    attempt: int,
    max_retries: int,
    now: datetime,
    rand: Callable[[], float],
    retries: list[str],
) -> float | None:
    """Seconds to wait before the next attempt, or None to stop."""
    if attempt > max_retries:
        return None
    if resp is not None:
        snap = parse_headers(resp.headers, now=now)
        if not should_retry(resp.status_code, snap.should_retry):
            return None
        delay = retry_delay(attempt - 1, snap.retry_after_s, rand)
        retries.append(f"HTTP {resp.status_code}, retried after {delay:.2f} s")
        return delay
    if isinstance(exc, httpx.TransportError):
        delay = retry_delay(attempt - 1, None, rand)
        retries.append(f"{_transport_reason(exc)}, retried after {delay:.2f} s")
        return delay
    return None


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] = time.sleep,
    clock: Callable[[], datetime] = _utcnow,
    rand: Callable[[], float] = random.random,
) -> Attempted:
    retries: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        resp, exc = None, None
        try:
            resp = send()
        except httpx.HTTPError as e:
            exc = e
        delay = _step(resp, exc, attempt, max_retries, clock(), rand, retries)
        if delay is None:
            return Attempted(resp, exc, attempt, retries)
        sleep(delay)


async def asend_with_retries(
    send: Callable[[], Any],
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] = asyncio.sleep,
    clock: Callable[[], datetime] = _utcnow,
    rand: Callable[[], float] = random.random,
) -> Attempted:
    retries: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        resp, exc = None, None
        try:
            resp = await send()
        except httpx.HTTPError as e:
            exc = e
        delay = _step(resp, exc, attempt, max_retries, clock(), rand, retries)
        if delay is None:
            return Attempted(resp, exc, attempt, retries)
        waited = sleep(delay)
        if inspect.isawaitable(waited):
            await waited


def _transport_reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (connection refused or host unreachable)"
    return f"connection error ({type(exc).__name__})"


# --- the probe result -----------------------------------------------------------------------


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
    def limits(self) -> dict:
        return self.snapshot.limits if self.snapshot is not None else {}

    def to_json(self) -> dict:
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


# --- the probe itself -----------------------------------------------------------------------


def probe_request(model: str, endpoint: str, base_url: str) -> tuple[str, dict]:
    if endpoint not in ENDPOINTS:
        raise PlannerError(f"unknown endpoint {endpoint!r}: use messages or count_tokens")
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": PROBE_PROMPT}]}
    if endpoint == "messages":
        body["max_tokens"] = 1
    return base_url + ENDPOINTS[endpoint], body


def _prepare(model: str, api_key: str, base_url: str, endpoint: str, timeout: float):
    """What probe and aprobe send: (checked base URL, URL, body, headers, timeout)."""
    if not api_key:
        raise PlannerError(f"no API key: set {API_KEY_ENV}")
    base_url = check_base_url(base_url)
    url, body = probe_request(model, endpoint, base_url)
    return base_url, url, body, api_headers(api_key), httpx.Timeout(timeout, connect=min(timeout, 5.0))


def probe(
    model: str,
    *,
    api_key: str,
    base_url: str = DEFAULT_BASE_URL,
    endpoint: str = "messages",
    client: httpx.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] | None = None,
    clock: Callable[[], datetime] = _utcnow,
    catalog: Any = None,
    rand: Callable[[], float] = random.random,
) -> ProbeResult:
    """One probe of `model`'s group. Never raises for an HTTP outcome; PlannerError for a bad
    base URL, endpoint or missing key. `sleep` waits between retries (default time.sleep)."""
    sleep = time.sleep if sleep is None else sleep
    base_url, url, body, headers, to = _prepare(model, api_key, base_url, endpoint, timeout)
    own = client is None
    client = client or httpx.Client(timeout=to, follow_redirects=False)
    try:
        done = send_with_retries(
            lambda: client.post(url, headers=headers, json=body, timeout=to, follow_redirects=False),
            max_retries=max_retries,
            sleep=sleep,
            clock=clock,
            rand=rand,
        )
    finally:
        if own:
            client.close()
    return interpret(
        done,
        model=model,
        endpoint=endpoint,
        base_url=base_url,
        api_key=api_key,
        clock=clock,
        catalog=catalog,
        timeout=timeout,
    )


async def aprobe(
    model: str,
    *,
    api_key: str,
    base_url: str = DEFAULT_BASE_URL,
    endpoint: str = "messages",
    client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] = asyncio.sleep,
    clock: Callable[[], datetime] = _utcnow,
    catalog: Any = None,
    rand: Callable[[], float] = random.random,
) -> ProbeResult:
    """`probe` for an event loop (the dashboard's async worker)."""
    base_url, url, body, headers, to = _prepare(model, api_key, base_url, endpoint, timeout)
    own = client is None
    client = client or httpx.AsyncClient(timeout=to, follow_redirects=False)
    try:
        done = await asend_with_retries(
            lambda: client.post(url, headers=headers, json=body, timeout=to, follow_redirects=False),
            max_retries=max_retries,
            sleep=sleep,
            clock=clock,
            rand=rand,
        )
    finally:
        if own:
            await client.aclose()
    return interpret(
        done,
        model=model,
        endpoint=endpoint,
        base_url=base_url,
        api_key=api_key,
        clock=clock,
        catalog=catalog,
        timeout=timeout,
    )


def _error_body(resp: httpx.Response) -> tuple[str | None, str | None, str | None]:
    """(error.type, error.message, error.details.error_code) from an error body, if it has one."""
    try:
        data = resp.json()
    except ValueError:
        return None, None, None
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return None, None, None
    details = err.get("details") if isinstance(err.get("details"), dict) else {}
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
    clock: Callable[[], datetime] = _utcnow,
    catalog: Any = None,
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
        reason = _transport_reason(done.error) if done.error is not None else "no response"
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
    resp: httpx.Response, catalog: Any, model: str, at: datetime, warnings: list[str]
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
