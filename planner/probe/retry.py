"""Retries for calls that carry a key (reference §3-§6): which outcomes are retried, how long to
wait, and the loops (sync and async) that do it. The sleep, clock and randomness are passed in so
tests never wait.

- A 429 is the answer, not a failure: never retried. 400, 401, 403 and 404 are never retried.
- 408, 409, 5xx (529 included) and transport errors (timeouts, refused connections) are retried
  with bounded exponential backoff and jitter, honouring `retry-after-ms`, `retry-after` (when
  0 < s <= 60) and `x-should-retry`.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from planner.probe.headers import parse_headers

DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
NEVER_RETRY = frozenset({400, 401, 403, 404, 429})


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def transport_reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (connection refused or host unreachable)"
    return f"connection error ({type(exc).__name__})"


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
        retries.append(f"{transport_reason(exc)}, retried after {delay:.2f} s")
        return delay
    return None


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
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
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    sleep: Callable[[float], Any] = asyncio.sleep,
    clock: Callable[[], datetime] = utcnow,
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
