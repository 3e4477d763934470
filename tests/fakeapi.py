"""A fake Anthropic API on 127.0.0.1 for the probe, admin and dashboard tests.

Real HTTP (a `ThreadingHTTPServer` on an ephemeral loopback port, in a daemon thread), token
buckets that refill continuously, realistic headers, and a script of canned replies.

    from fakeapi import FakeAnthropic, FakeClock, reply   # tests/ is on sys.path under pytest (no __init__.py)

    clock = FakeClock()                                   # optional; default is time.time
    with FakeAnthropic(rpm=50, itpm=50_000, otpm=10_000, clock=clock, api_key="sk-ant-test") as api:
        api.base_url                                      # "http://127.0.0.1:PORT"
        api.enqueue(reply.overloaded(), reply.ok())       # consumed one per POST /v1/messages*
        ...
        api.requests                                      # list[Received]: method, path, query, headers (lower-case keys), body
        clock.advance(30)                                 # buckets refill at limit/60 per second

Default behaviour of `POST /v1/messages` (no script left): check `x-api-key` (when `api_key` is set;
else any key is accepted), check the model (when `known_models` is set: 404 otherwise), take 1 from
the request bucket, the prompt's input tokens (chars/4 + 8) from the input bucket and `max_tokens`
from the output bucket; 429 `rate_limit_error` with `retry-after` when a bucket is short, else 200
with a Messages body and `usage`. Headers: `anthropic-ratelimit-{requests,input-tokens,
output-tokens,tokens}-{limit,remaining,reset}` (RFC 3339 resets, token remaining rounded to the
nearest thousand, `tokens-*` = input + output combined), `request-id`, `anthropic-organization-id`.
`POST /v1/messages/count_tokens` has its own request bucket (`count_tokens_rpm`) and returns only
`anthropic-ratelimit-requests-*` (set `count_tokens_headers=False` for none).

Scripted replies (`reply.*`, all `Reply` objects; `headers="full" | "partial" | "none"` picks the
limit headers added to it):
    reply.ok(headers="partial")          200; partial = only requests-* and output-tokens-* (the 2025 capture)
    reply.rate_limited(retry_after=30)   429 rate_limit_error; drains the request bucket (remaining 0);
                                         retry_after=None: no retry-after header
    reply.spend_cap()                    429 with error.details.error_code enforced_spend_limit_reached, no retry-after
    reply.overloaded(retry_after=None)   529 overloaded_error
    reply.server_error(should_retry=True)  500 api_error with x-should-retry
    reply.slow(seconds)                  waits before answering (use with a short client timeout)
    reply.drip(interval)                 headers at once, then the body one byte every `interval` s
                                         (no single read waits long: only an overall deadline stops it)
    reply.error(status)                  400/401/403/404 with the documented error type
    reply.redirect(location)             307 to another URL (a client must not follow it with the key)
    Reply(status, body, headers=..., extra_headers={...}, delay=0, path=None)   anything else;
        path limits a reply to one endpoint ("/v1/messages" or "/v1/messages/count_tokens").

Admin endpoints (need `x-api-key` == `admin_key` when it is set):
    GET /v1/organizations/rate_limits                 pages of `rate_limit_groups` (default: a
        realistic Build-tier set), `limit` per page (default `admin_page_size`=2), `page` token;
        {"data": [...], "has_more": bool, "next_page": str | None}
    GET /v1/organizations/usage_report/messages       pages of `usage_buckets` (default: 3 hourly
        buckets), same pagination; records the query (group_by[] etc.) in `requests`.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeClock:
    """A settable clock (epoch seconds) shared by the fake server and the test."""

    def __init__(self, start: float | datetime = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)):
        self.t = start.timestamp() if isinstance(start, datetime) else float(start)

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


class Bucket:
    """A token bucket that refills continuously at `capacity` per minute (the API's algorithm)."""

    def __init__(self, capacity: int, clock: Callable[[], float]):
        self.capacity = capacity
        self.clock = clock
        self.level = float(capacity)
        self.at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self.at) * self.capacity / 60.0)
        self.at = now

    def available(self) -> float:
        self._refill()
        return self.level

    def take(self, n: float) -> None:
        self._refill()
        self.level -= n

    def drain(self) -> None:
        self._refill()
        self.level = 0.0

    def seconds_until(self, n: float) -> float:
        """Seconds until `n` is available."""
        self._refill()
        return max(0.0, (n - self.level) * 60.0 / self.capacity)

    def seconds_to_full(self) -> float:
        return self.seconds_until(self.capacity)


_DRIP = "x-fake-drip"  # carries Reply.drip from the reply to `_send`; never sent


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; None -> the default body for the status
    headers: str = "full"  # limit headers to add: "full" | "partial" | "none"
    extra_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    drip: float = 0.0  # seconds between the body's bytes (0: all at once)
    path: str | None = None  # only for this endpoint; None = any POST /v1/messages*


def _err(kind: str, message: str, **details: Any) -> dict:
    error: dict[str, Any] = {"type": kind, "message": message}
    if details:
        error["details"] = details
    return {"type": "error", "error": error, "request_id": "req_" + uuid.uuid4().hex[:24]}


_ERRORS = {
    400: ("invalid_request_error", "max_tokens: Field required"),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low"),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "model: not found"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}


class reply:
    @staticmethod
    def ok(headers: str = "full", **kw: Any) -> Reply:
        return Reply(200, headers=headers, **kw)

    @staticmethod
    def rate_limited(retry_after: float | None = 30, **kw: Any) -> Reply:
        extra = {"retry-after": str(retry_after)} if retry_after is not None else {}
        extra["x-should-retry"] = "true"
        extra.update(kw.pop("extra_headers", {}))
        body = _err(
            "rate_limit_error",
            "This request would exceed the rate limit for your organization of 50 requests per minute.",
        )
        return Reply(429, body, extra_headers=extra, **{"headers": "exhausted", **kw})

    @staticmethod
    def spend_cap(**kw: Any) -> Reply:
        body = _err(
            "rate_limit_error",
            "You have reached your monthly spend limit for your usage tier.",
            error_code="enforced_spend_limit_reached",
        )
        return Reply(429, body, **kw)

    @staticmethod
    def overloaded(retry_after: float | None = None, **kw: Any) -> Reply:
        extra = {"retry-after": str(retry_after)} if retry_after is not None else {}
        extra.update(kw.pop("extra_headers", {}))
        return Reply(529, _err(*_ERRORS[529]), headers="none", extra_headers=extra, **kw)

    @staticmethod
    def server_error(should_retry: bool | None = True, status: int = 500, **kw: Any) -> Reply:
        extra = {} if should_retry is None else {"x-should-retry": "true" if should_retry else "false"}
        extra.update(kw.pop("extra_headers", {}))
        kind, msg = _ERRORS.get(status, ("api_error", "Internal server error"))
        return Reply(status, _err(kind, msg), headers="none", extra_headers=extra, **kw)

    @staticmethod
    def slow(seconds: float, **kw: Any) -> Reply:
        return Reply(200, delay=seconds, **kw)

    @staticmethod
    def drip(interval: float, **kw: Any) -> Reply:
        return Reply(200, drip=interval, **kw)

    @staticmethod
    def error(status: int, message: str | None = None, **kw: Any) -> Reply:
        kind, default = _ERRORS.get(status, ("invalid_request_error", "error"))
        return Reply(status, _err(kind, message or default), headers="none", **kw)

    @staticmethod
    def redirect(location: str, **kw: Any) -> Reply:
        return Reply(307, {}, headers="none", extra_headers={"location": location}, **kw)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any  # decoded JSON or None


def default_rate_limit_groups() -> list[dict]:
    """A Build-tier organisation (limits.toml, Start/Build/Scale era) in the Admin API's shape."""

    def lim(rpm, itpm, otpm):
        return [
            {"type": "requests_per_minute", "value": rpm},
            {"type": "input_tokens_per_minute", "value": itpm},
            {"type": "output_tokens_per_minute", "value": otpm},
        ]

    return [
        {
            "group_type": "model_group",
            "models": ["claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6"],
            "limits": lim(5_000, 5_000_000, 1_000_000),
        },
        {
            "group_type": "model_group",
            "models": ["claude-sonnet-4-6", "claude-sonnet-4-5"],
            "limits": lim(5_000, 5_000_000, 1_000_000),
        },
        {"group_type": "model_group", "models": ["claude-haiku-4-5"], "limits": lim(5_000, 6_000_000, 1_000_000)},
        {"group_type": "batch", "models": None, "limits": [{"type": "requests_per_minute", "value": 2_000}]},
        {"group_type": "token_count", "models": None, "limits": [{"type": "requests_per_minute", "value": 10_000}]},
    ]


def default_usage_buckets() -> list[dict]:
    rows = []
    for hour in range(3):
        rows.append(
            {
                "starting_at": f"2026-11-20T{hour:02d}:00:00Z",
                "ending_at": f"2026-11-20T{hour + 1:02d}:00:00Z",
                "results": [
                    {
                        "uncached_input_tokens": 1000 * (hour + 1),
                        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 200},
                        "cache_read_input_tokens": 5000,
                        "output_tokens": 300 * (hour + 1),
                        "server_tool_use": {"web_search_requests": 0},
                        "api_key_id": "apikey_01",
                        "workspace_id": "wrkspc_01",
                        "model": "claude-sonnet-4-6",
                        "service_tier": "standard",
                        "context_window": "0-200k",
                        "inference_geo": None,
                    }
                ],
            }
        )
    return rows


class FakeAnthropic:
    def __init__(
        self,
        *,
        rpm: int = 50,
        itpm: int = 50_000,
        otpm: int = 10_000,
        count_tokens_rpm: int = 100,
        clock: Callable[[], float] | None = None,
        api_key: str | None = None,
        admin_key: str | None = None,
        known_models: set[str] | None = None,
        count_tokens_headers: bool = True,
        organization_id: str = "org-fake-0001",
    ):
        self.clock = clock or time.time
        self.requests_bucket = Bucket(rpm, self.clock)
        self.input_bucket = Bucket(itpm, self.clock)
        self.output_bucket = Bucket(otpm, self.clock)
        self.count_tokens_bucket = Bucket(count_tokens_rpm, self.clock)
        self.api_key = api_key
        self.admin_key = admin_key
        self.known_models = known_models
        self.count_tokens_headers = count_tokens_headers
        self.organization_id = organization_id
        self.rate_limit_groups = default_rate_limit_groups()
        self.usage_buckets = default_usage_buckets()
        self.admin_page_size = 2
        self.requests: list[Received] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fakeapi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # --- request handling ----------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append(Received(h.command, parts.path, parse_qs(parts.query), headers, body))
        if h.command == "POST" and parts.path in ("/v1/messages", "/v1/messages/count_tokens"):
            status, payload, out = self._messages(parts.path, headers, body)
        elif h.command == "GET" and parts.path == "/v1/organizations/rate_limits":
            status, payload, out = self._admin(headers, parse_qs(parts.query), self.rate_limit_groups)
        elif h.command == "GET" and parts.path == "/v1/organizations/usage_report/messages":
            status, payload, out = self._admin(headers, parse_qs(parts.query), self.usage_buckets)
        else:
            status, payload, out = 404, _err("not_found_error", f"no route {h.command} {parts.path}"), {}
        self._send(h, status, payload, out)

    def _send(self, h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        drip = float(headers.pop(_DRIP, 0))
        try:
            h.send_response(status)
            h.send_header("content-type", "application/json")
            h.send_header("content-length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            if not drip:
                h.wfile.write(data)
                return
            h.wfile.flush()
            for i in range(len(data)):
                if self._stop.wait(drip):
                    return
                h.wfile.write(data[i : i + 1])
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            for i, r in enumerate(self._script):
                if r.path is None or r.path == path:
                    del self._script[i]
                    return r
        return None

    def _messages(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        count = path.endswith("count_tokens")
        base = {"request-id": "req_" + uuid.uuid4().hex[:24], "anthropic-organization-id": self.organization_id}
        scripted = self._next_reply(path)
        if scripted is not None:
            if scripted.delay:
                self._stop.wait(scripted.delay)
            status = scripted.status
            payload = scripted.body
            if payload is None:
                payload = (
                    self._ok_body(body, count) if status == 200 else _err(*_ERRORS.get(status, ("api_error", "error")))
                )
            with self._lock:
                if status == 200:
                    self._consume(body, count)
                if scripted.headers == "exhausted":
                    (self.count_tokens_bucket if count else self.requests_bucket).drain()
                limit_headers = self._limit_headers(
                    count, "full" if scripted.headers == "exhausted" else scripted.headers
                )
            out = {**base, **limit_headers, **scripted.extra_headers}
            if scripted.drip:
                out[_DRIP] = str(scripted.drip)
            return status, payload, out
        if self.api_key is not None and headers.get("x-api-key") != self.api_key:
            return 401, _err(*_ERRORS[401]), base
        model = (body or {}).get("model") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not model or not isinstance(body.get("messages"), list):
            return 400, _err("invalid_request_error", "model and messages are required"), base
        if not count and not isinstance(body.get("max_tokens"), int):
            return 400, _err(*_ERRORS[400]), base
        if self.known_models is not None and model not in self.known_models:
            return 404, _err("not_found_error", f"model: {model}"), base
        with self._lock:
            need = self._need(body, count)
            short = [(b, n) for b, n in need if b.available() < n]
            if short:
                wait = max(b.seconds_until(n) for b, n in short)
                out = {
                    **base,
                    **self._limit_headers(count, "full"),
                    "retry-after": str(max(1, math.ceil(wait))),
                    "x-should-retry": "true",
                }
                return 429, _err("rate_limit_error", "This request would exceed your rate limit."), out
            self._consume(body, count)
            return 200, self._ok_body(body, count), {**base, **self._limit_headers(count, "full")}

    @staticmethod
    def _input_tokens(body: Any) -> int:
        text = json.dumps((body or {}).get("messages", [])) if isinstance(body, dict) else ""
        return 8 + len(text) // 4

    def _need(self, body: Any, count: bool) -> list[tuple[Bucket, float]]:
        if count:
            return [(self.count_tokens_bucket, 1)]
        max_tokens = body.get("max_tokens", 1) if isinstance(body, dict) else 1
        return [
            (self.requests_bucket, 1),
            (self.input_bucket, self._input_tokens(body)),
            (self.output_bucket, max_tokens if isinstance(max_tokens, int) else 1),
        ]

    def _consume(self, body: Any, count: bool) -> None:
        for b, n in self._need(body, count):
            b.take(n)

    def _ok_body(self, body: Any, count: bool) -> dict:
        n = self._input_tokens(body)
        if count:
            return {"input_tokens": n}
        model = body.get("model") if isinstance(body, dict) else None
        return {
            "id": "msg_" + uuid.uuid4().hex[:24],
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "Hi"}],
            "stop_reason": "max_tokens",
            "stop_sequence": None,
            "usage": {
                "input_tokens": n,
                "output_tokens": 1,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "service_tier": "standard",
            },
        }

    def _rfc3339(self, seconds_from_now: float) -> str:
        t = self.clock() + math.ceil(seconds_from_now)
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _dim(self, name: str, bucket: Bucket, rounded: bool) -> dict[str, str]:
        level = max(0.0, bucket.available())
        remaining = int(round(level, -3)) if rounded else int(level)
        prefix = f"anthropic-ratelimit-{name}"
        return {
            f"{prefix}-limit": str(bucket.capacity),
            f"{prefix}-remaining": str(min(remaining, bucket.capacity)),
            f"{prefix}-reset": self._rfc3339(bucket.seconds_to_full()),
        }

    def _limit_headers(self, count: bool, which: str) -> dict[str, str]:
        if which == "none":
            return {}
        if count:
            if not self.count_tokens_headers:
                return {}
            return self._dim("requests", self.count_tokens_bucket, False)
        out = self._dim("requests", self.requests_bucket, False)
        out.update(self._dim("output-tokens", self.output_bucket, True))
        if which == "partial":
            return out
        out.update(self._dim("input-tokens", self.input_bucket, True))
        total = max(0.0, self.input_bucket.available()) + max(0.0, self.output_bucket.available())
        out.update(
            {
                "anthropic-ratelimit-tokens-limit": str(self.input_bucket.capacity + self.output_bucket.capacity),
                "anthropic-ratelimit-tokens-remaining": str(int(round(total, -3))),
                "anthropic-ratelimit-tokens-reset": self._rfc3339(
                    max(self.input_bucket.seconds_to_full(), self.output_bucket.seconds_to_full())
                ),
            }
        )
        return out

    def _admin(
        self, headers: dict[str, str], query: dict[str, list[str]], items: list
    ) -> tuple[int, Any, dict[str, str]]:
        base = {"request-id": "req_" + uuid.uuid4().hex[:24]}
        if self.admin_key is not None and headers.get("x-api-key") != self.admin_key:
            return 401, _err(*_ERRORS[401]), base
        try:
            start = int(query.get("page", ["0"])[0])
            size = int(query.get("limit", [str(self.admin_page_size)])[0])
        except ValueError:
            return 400, _err("invalid_request_error", "page/limit: not a number"), base
        size = min(size, self.admin_page_size) if self.admin_page_size else size
        chunk = items[start : start + size]
        more = start + size < len(items)
        return 200, {"data": chunk, "has_more": more, "next_page": str(start + size) if more else None}, base
