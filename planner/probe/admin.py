"""Admin API reads (need `ANTHROPIC_ADMIN_KEY`, an `sk-ant-admin…` key): the configured rate limits
(`planner limits --live`, shown by `planner.views.limits`) and the Messages usage report pages
(`planner import --admin-usage`).

Response shapes, read defensively because the reference (§2.7, §5.1) documents them only in part:
- `GET /v1/organizations/rate_limits`: a list page `{"data": [...], "has_more", "next_page"}`. Each
  entry is a group with `group_type` (model_group | batch | files | skills | token_count |
  web_search; `type` is accepted too), `models` (list of ids, or null) and `limits`, a list of
  `{"type": "requests_per_minute" | "input_tokens_per_minute" | "output_tokens_per_minute" | ...,
  "value": int}` (a plain `{type: value}` mapping is accepted too). Pagination follows `next_page`
  (sent back as `page`); a page with `has_more` and `last_id` but no `next_page` is followed with
  `after_id`, the convention of Anthropic's other list endpoints.
- `GET /v1/organizations/usage_report/messages`: `{"data": [bucket...], "has_more", "next_page"}`.
The admin key goes only to the configured base URL (same rules as the probe) and never into
output, files or errors.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from planner.errors import PlannerError
from planner.probe.client import (
    ADMIN_KEY_ENV,
    DEFAULT_MAX_RETRIES,
    host_of,
    make_client,
    mask_key,
    send_with_retries,
)

RATE_LIMITS_PATH = "/v1/organizations/rate_limits"
USAGE_REPORT_PATH = "/v1/organizations/usage_report/messages"
USAGE_GROUP_BY = ("model", "service_tier", "context_window", "workspace_id", "api_key_id")
BUCKET_LIMITS = {"1m": 1440, "1h": 168, "1d": 31}  # max buckets per page for each width
LIMIT_TYPES = {"requests_per_minute": "rpm", "input_tokens_per_minute": "itpm", "output_tokens_per_minute": "otpm"}
MAX_PAGES = 10_000


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _fail(resp: httpx.Response, what: str, api_key: str) -> PlannerError:
    kind = message = None
    try:
        err = resp.json().get("error")
        if isinstance(err, dict):
            kind, message = err.get("type"), err.get("message")
    except (ValueError, AttributeError):
        pass
    detail = f" ({kind}: {message})" if kind and message else (f" ({kind})" if kind else "")
    status = resp.status_code
    if status == 401:
        text = f"{what}: the Admin API rejected {ADMIN_KEY_ENV} (HTTP 401){detail}; it needs an Admin key (sk-ant-admin...)"
    elif status == 403:
        text = f"{what}: {ADMIN_KEY_ENV} has no permission for this (HTTP 403){detail}"
    elif status == 404:
        text = f"{what}: not found at {host_of(str(resp.request.url))} (HTTP 404){detail}"
    elif status == 429:
        after = resp.headers.get("retry-after")
        text = f"{what}: rate limited by the Admin API (HTTP 429){detail}" + (
            f"; retry after {after} s" if after else ""
        )
    elif 300 <= status < 400:
        text = f"{what}: HTTP {status} redirect not followed, so the key is not sent elsewhere"
    else:
        text = f"{what}: HTTP {status}{detail}"
    return PlannerError(text.replace(api_key, mask_key(api_key)) if api_key else text)


def get_pages(
    path: str,
    params: dict[str, Any],
    *,
    api_key: str,
    base_url: str,
    client: httpx.Client | None = None,
    what: str = "Admin API",
    progress: Callable[[int, int], Any] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    timeout: float = 30.0,
    max_retries: int = DEFAULT_MAX_RETRIES,
    rand: Callable[[], float] = random.random,
) -> list[dict]:
    """GET every page of a list endpoint; PlannerError (one line, no key) on any failure."""
    if not api_key:
        raise PlannerError(f"{what} needs an Admin API key in {ADMIN_KEY_ENV} (sk-ant-admin...)")
    keyed = make_client(base_url, key_env=ADMIN_KEY_ENV, api_key=api_key, timeout=timeout, client=client)
    base_url = keyed.base_url
    pages: list[dict] = []
    items = 0
    cursor: dict[str, str] = {}
    seen: set[tuple] = set()
    try:
        while True:
            query = {**params, **cursor}
            done = send_with_retries(
                partial(keyed.get, path, params=query),
                max_retries=max_retries,
                sleep=sleep,
                rand=rand,
            )
            resp = done.response
            if resp is None:
                reason = type(done.error).__name__ if done.error is not None else "no response"
                raise PlannerError(
                    f"{what}: could not reach {host_of(base_url)} ({reason}) after {done.attempts} attempt(s)"
                )
            if resp.status_code != 200:
                raise _fail(resp, what, api_key)
            try:
                page = resp.json()
            except ValueError:
                raise PlannerError(f"{what}: the response from {host_of(base_url)} is not JSON") from None
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise PlannerError(f'{what}: unexpected response shape (no "data" list)')
            pages.append(page)
            items += len(page["data"])
            if progress is not None:
                progress(len(pages), items)
            cursor = _next_cursor(page)
            if not cursor:
                return pages
            key = tuple(sorted(cursor.items()))
            if key in seen or len(pages) >= MAX_PAGES:
                raise PlannerError(
                    f"{what}: pagination does not advance (page token repeated); stopped after {len(pages)} pages"
                )
            seen.add(key)
    finally:
        keyed.close()


def _next_cursor(page: dict) -> dict[str, str]:
    nxt = page.get("next_page")
    if isinstance(nxt, str) and nxt:
        return {"page": nxt}
    if page.get("has_more") and isinstance(page.get("last_id"), str):
        return {"after_id": page["last_id"]}
    return {}


# --- configured rate limits -------------------------------------------------------------------


def fetch_rate_limits(
    *,
    api_key: str,
    base_url: str,
    client: httpx.Client | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    page_size: int = 1000,
) -> list[dict]:
    """Every rate-limit group entry of the organisation, all pages."""
    pages = get_pages(
        RATE_LIMITS_PATH,
        {"limit": page_size},
        api_key=api_key,
        base_url=base_url,
        client=client,
        what="rate limits",
        sleep=sleep,
    )
    return [e for p in pages for e in p["data"] if isinstance(e, dict)]


def limit_values(raw: Any) -> dict[str, int]:
    """{limit type: value} from an entry's `limits` (a list of {"type", "value"} or a mapping);
    entries that are not a whole number are left out."""
    out: dict[str, int] = {}
    pairs = (
        raw.items()
        if isinstance(raw, dict)
        else (
            ((x.get("type") or x.get("name"), x.get("value", x.get("limit"))) for x in raw if isinstance(x, dict))
            if isinstance(raw, list)
            else ()
        )
    )
    for kind, value in pairs:
        if isinstance(kind, str) and isinstance(value, int) and not isinstance(value, bool):
            out[kind] = value
    return out


# --- usage report -----------------------------------------------------------------------------


def fetch_usage_report(
    since: datetime,
    until: datetime | None,
    *,
    api_key: str,
    base_url: str,
    client: httpx.Client | None = None,
    bucket_width: str = "1h",
    progress: Callable[[int, int], Any] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
) -> list[dict]:
    """Every page of `usage_report/messages` from `since` (to `until`, or now), grouped by model,
    service tier, context window, workspace and API key. `progress(pages, buckets)` after each page."""
    if bucket_width not in BUCKET_LIMITS:
        raise PlannerError(f"bucket width must be one of {', '.join(BUCKET_LIMITS)}: {bucket_width!r}")
    params: dict[str, Any] = {
        "starting_at": _iso(since),
        "bucket_width": bucket_width,
        "limit": BUCKET_LIMITS[bucket_width],
        "group_by[]": list(USAGE_GROUP_BY),
    }
    if until is not None:
        params["ending_at"] = _iso(until)
    return get_pages(
        USAGE_REPORT_PATH,
        params,
        api_key=api_key,
        base_url=base_url,
        client=client,
        what="usage report",
        progress=progress,
        sleep=sleep,
    )


def write_usage_pages(pages: list[dict], dest: Path) -> Path:
    """The pages as one JSON list (the shape `planner.usage.usage_report.parse` reads), written
    atomically. Holds only what the API returned: no key, no headers."""
    from planner.atomic import write_atomic

    dest = Path(dest)
    write_atomic(dest, json.dumps(pages, separators=(",", ":")).encode())
    return dest
