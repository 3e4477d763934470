"""The one way an API key leaves the process (`make_client` -> `KeyedClient`), and the probe call
built on it: one tiny Messages (or count_tokens) request whose response headers are the live rate
limits of that model's group (`probe`, and `aprobe` for the dashboard's event loop).

Every command that sends a key builds its client here: `planner probe`, `planner tokens
--calibrate` (`planner.tokens.count_tokens`), `planner limits --live` and `planner import
--admin-usage` (`planner.probe.admin.get_pages`), and the dashboard's probe (`aprobe`). The client:
- takes the key from the environment (or from a caller that read it there), stripped of surrounding
  whitespace, refused with one line when it holds a non-ASCII or control character;
- sends it only to the checked base URL: https, or plain http to a loopback host; no redirect is
  followed; for plain http no proxy from the environment is used either (a proxy would see the key);
- gives each call an overall deadline (connect, send and the whole response), not only a limit
  per read, so a server that trickles bytes cannot hold a command for ever.
The outside world (an httpx client, sleep, clock, randomness) is passed in so tests never wait.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from planner.errors import PlannerError
from planner.probe.keys import (
    ADMIN_KEY_ENV,
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    check_base_url,
    clean_key,
    host_of,
    mask_key,
    read_key,
    require_key,
    resolve_base_url,
)
from planner.probe.result import DEFAULT_TIMEOUT, SPEND_CAP_CODE, ProbeResult, first_of_next_month, interpret
from planner.probe.retry import (
    DEFAULT_MAX_RETRIES,
    Attempted,
    asend_with_retries,
    retry_delay,
    send_with_retries,
    should_retry,
    utcnow,
)

if TYPE_CHECKING:
    from planner.catalog import Catalog

__all__ = [  # the names callers have always imported from here, beside the constructor
    "ADMIN_KEY_ENV",
    "ANTHROPIC_VERSION",
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENDPOINTS",
    "SPEND_CAP_CODE",
    "Attempted",
    "DeadlineExceeded",
    "KeyedClient",
    "ProbeResult",
    "api_headers",
    "aprobe",
    "asend_with_retries",
    "check_base_url",
    "clean_key",
    "first_of_next_month",
    "host_of",
    "interpret",
    "make_client",
    "mask_key",
    "probe",
    "probe_body",
    "probe_request",
    "read_key",
    "require_key",
    "resolve_base_url",
    "retry_delay",
    "send_with_retries",
    "should_retry",
]

ANTHROPIC_VERSION = "2023-06-01"
PROBE_PROMPT = "Hi"
ENDPOINTS = {"messages": "/v1/messages", "count_tokens": "/v1/messages/count_tokens"}


class DeadlineExceeded(httpx.TimeoutException):
    """The call's overall deadline passed before the whole response arrived."""


def api_headers(api_key: str) -> dict[str, str]:
    return {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}


class KeyedClient:
    """An HTTP client bound to one checked base URL and one clean key. Build it with `make_client`.

    `post`/`get` block; `apost` awaits (in the caller's event loop). One instance is used either
    blocking or awaiting, from one thread. Without an injected client, blocking calls run on a
    private event loop so that `asyncio.timeout` bounds the whole call; an injected client (tests
    pass an `httpx.MockTransport`) brings its own transport and is not closed here.
    """

    def __init__(
        self,
        *,
        key: str,
        key_env: str,
        base_url: str,
        timeout: float,
        client: httpx.Client | httpx.AsyncClient | None,
    ) -> None:
        self.key_env = key_env
        self.base_url = base_url
        self.host = host_of(base_url)
        self.timeout = timeout
        self._key = key
        self._injected = client
        self._own: httpx.AsyncClient | None = None
        self._runner: asyncio.Runner | None = None
        self._http_timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    @property
    def masked_key(self) -> str:
        return mask_key(self._key)

    def scrub(self, text: str) -> str:
        """`text` with the key replaced by its masked suffix (an error body may echo the key)."""
        return text.replace(self._key, self.masked_key)

    def _url(self, path: str) -> str:
        if not path.startswith("/") or "://" in path:
            raise ValueError(f"a path under the base URL is expected, got {path!r}")
        return self.base_url + path

    def _headers(self, *, body: bool) -> dict[str, str]:
        headers = api_headers(self._key)
        if not body:
            headers.pop("content-type")
        return headers

    def _own_client(self) -> httpx.AsyncClient:
        if self._own is None:
            self._own = httpx.AsyncClient(
                timeout=self._http_timeout,
                follow_redirects=False,
                # Proxies and certificate settings from the environment apply to https only: a
                # proxy for plain http (loopback) would receive the key in clear text.
                trust_env=urlsplit(self.base_url).scheme == "https",
            )
        return self._own

    async def _send(self, client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
        try:
            async with asyncio.timeout(self.timeout):
                return await client.send(request, follow_redirects=False)
        except TimeoutError:
            raise DeadlineExceeded(f"no complete response within {self.timeout:g} s", request=request) from None

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = self._url(path)
        headers = self._headers(body="json" in kw)
        if isinstance(self._injected, httpx.Client):
            request = self._injected.build_request(method, url, headers=headers, timeout=self._http_timeout, **kw)
            return self._injected.send(request, follow_redirects=False)
        client = self._injected if isinstance(self._injected, httpx.AsyncClient) else self._own_client()
        request = client.build_request(method, url, headers=headers, **kw)
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self._send(client, request))

    def post(self, path: str, *, json: Any) -> httpx.Response:
        return self._call("POST", path, json=json)

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self._call("GET", path, params=params)

    async def apost(self, path: str, *, json: Any) -> httpx.Response:
        if isinstance(self._injected, httpx.Client):
            raise TypeError("apost needs an httpx.AsyncClient, not an httpx.Client")
        if self._runner is not None:
            raise RuntimeError("this KeyedClient is used blocking; build another for an event loop")
        client = self._injected or self._own_client()
        request = client.build_request("POST", self._url(path), headers=self._headers(body=True), json=json)
        return await self._send(client, request)

    def close(self) -> None:
        """Close what blocking calls opened (awaiting users call `aclose`)."""
        if self._runner is not None:
            if self._own is not None:
                self._runner.run(self._own.aclose())
                self._own = None
            self._runner.close()
            self._runner = None

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()
            self._own = None

    def __enter__(self) -> KeyedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> KeyedClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def make_client(
    base_url: str | None = None,
    *,
    key_env: str = API_KEY_ENV,
    api_key: str | None = None,
    purpose: str | None = None,
    env: Mapping[str, str] = os.environ,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.Client | httpx.AsyncClient | None = None,
) -> KeyedClient:
    """The one constructor for a client that sends a key. The key is `api_key` when the caller
    already read it from the environment, else `env[key_env]`; the base URL is `base_url`, else
    `ANTHROPIC_BASE_URL`, else the public API. `timeout` is each call's overall deadline in
    seconds. PlannerError (one line, exit 2, no part of the key) before any connection when the
    key is missing or malformed or the URL breaks the rules (see `planner.probe.keys`)."""
    key = clean_key(env.get(key_env) if api_key is None else api_key, key_env, purpose=purpose)
    checked = resolve_base_url(base_url, env)
    return KeyedClient(key=key, key_env=key_env, base_url=checked, timeout=timeout, client=client)


# --- the probe --------------------------------------------------------------------------------


def probe_body(model: str, endpoint: str) -> dict[str, Any]:
    """The JSON body of a probe: a one-word prompt, and max_tokens 1 for Messages."""
    if endpoint not in ENDPOINTS:
        raise PlannerError(f"unknown endpoint {endpoint!r}: use messages or count_tokens")
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": PROBE_PROMPT}]}
    if endpoint == "messages":
        body["max_tokens"] = 1
    return body


def probe_request(model: str, endpoint: str, base_url: str) -> tuple[str, dict[str, Any]]:
    """(URL, JSON body) of a probe."""
    return base_url + ENDPOINTS.get(endpoint, ""), probe_body(model, endpoint)


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
    clock: Callable[[], datetime] = utcnow,
    catalog: Catalog | None = None,
    rand: Callable[[], float] = random.random,
) -> ProbeResult:
    """One probe of `model`'s group. Never raises for an HTTP outcome; PlannerError for a bad
    base URL, endpoint or key. `sleep` waits between retries (default time.sleep)."""
    sleep = time.sleep if sleep is None else sleep
    body = probe_body(model, endpoint)
    with make_client(base_url, api_key=api_key, timeout=timeout, client=client) as keyed:
        done = send_with_retries(
            lambda: keyed.post(ENDPOINTS[endpoint], json=body),
            max_retries=max_retries,
            sleep=sleep,
            clock=clock,
            rand=rand,
        )
    return interpret(
        done,
        model=model,
        endpoint=endpoint,
        base_url=keyed.base_url,
        api_key=api_key.strip(),
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
    clock: Callable[[], datetime] = utcnow,
    catalog: Catalog | None = None,
    rand: Callable[[], float] = random.random,
) -> ProbeResult:
    """`probe` for an event loop (the dashboard's async worker)."""
    body = probe_body(model, endpoint)
    async with make_client(base_url, api_key=api_key, timeout=timeout, client=client) as keyed:
        done = await asend_with_retries(
            lambda: keyed.apost(ENDPOINTS[endpoint], json=body),
            max_retries=max_retries,
            sleep=sleep,
            clock=clock,
            rand=rand,
        )
    return interpret(
        done,
        model=model,
        endpoint=endpoint,
        base_url=keyed.base_url,
        api_key=api_key.strip(),
        clock=clock,
        catalog=catalog,
        timeout=timeout,
    )
