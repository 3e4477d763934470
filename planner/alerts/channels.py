"""Where alerts go: a webhook (JSON POST, Slack-compatible `text`), a shell command (the alert in
environment variables) and a desktop notification (notify-send or osascript, when present).

Each channel's `send(body)` returns the attempts it took, or raises `ChannelError` with a message
safe to print: a webhook URL is shown as scheme://host/… (Slack's path is its secret), and the
command runs without the ANTHROPIC_*_KEY variables in its environment. A webhook retries within one
send with exponential backoff (honouring Retry-After up to a minute) on timeouts, connection
errors, 408, 425, 429 and 5xx; other 4xx answers are not retried (the request itself is wrong).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from planner.errors import PlannerError

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
SECRET_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_AUTH_TOKEN")


class ChannelError(Exception):
    """A delivery failed; str() is one line without secrets."""


class Unavailable(Exception):
    """The channel cannot work on this machine (no notifier installed)."""


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "") + "/…"


def check_webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlannerError(f"not a webhook URL: {redact_url(url)} (use https://host/path)")
    return url


def _body_bytes(body: Mapping[str, Any]) -> bytes:
    from planner.report import to_json

    return to_json(dict(body), indent=None).encode("utf-8")


@dataclass
class Webhook:
    url: str
    attempts: int = 4
    base_delay: float = 1.0
    timeout: float = 10.0
    client: Any = None  # an httpx.Client (tests pass one with a MockTransport); None = a new one
    sleep: Callable[[float], Any] = time.sleep
    name: str = field(default="webhook", init=False)

    def __post_init__(self) -> None:
        check_webhook_url(self.url)

    def send(self, body: Mapping[str, Any]) -> int:
        import httpx

        client = self.client or httpx.Client(timeout=self.timeout, follow_redirects=False)
        data = _body_bytes(body)
        why = "not sent"
        try:
            for attempt in range(1, self.attempts + 1):
                wait = self.base_delay * 2 ** (attempt - 1)
                try:
                    resp = client.post(self.url, content=data, headers={"content-type": "application/json"})
                except httpx.HTTPError as exc:
                    why = type(exc).__name__
                else:
                    if 200 <= resp.status_code < 300:
                        return attempt
                    why = f"HTTP {resp.status_code}"
                    if resp.status_code not in RETRYABLE:
                        raise ChannelError(f"{redact_url(self.url)}: {why} (not retried: the receiver refused it)")
                    wait = _retry_after(resp.headers.get("retry-after"), wait)
                if attempt < self.attempts:
                    self.sleep(wait)
        finally:
            if self.client is None:
                client.close()
        raise ChannelError(f"{redact_url(self.url)}: {why} after {self.attempts} attempts")


def _retry_after(value: str | None, default: float) -> float:
    try:
        return min(60.0, max(0.0, float(value))) if value else default
    except ValueError:
        return default


def alert_env(body: Mapping[str, Any], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The command's environment: the caller's, minus API keys, plus PLANNER_ALERT_<FIELD> for
    every plain field of the alert and PLANNER_ALERT_JSON for all of it."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in SECRET_ENV}
    for k, v in body.items():
        if v is None or isinstance(v, (str, int, float, Decimal)) or hasattr(v, "isoformat"):
            text = "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
            env[f"PLANNER_ALERT_{k.upper()}"] = text
    env["PLANNER_ALERT_JSON"] = _body_bytes(body).decode("utf-8")
    return env


@dataclass
class Command:
    command: str
    attempts: int = 2
    timeout: float = 30.0
    sleep: Callable[[float], Any] = time.sleep
    name: str = field(default="command", init=False)

    def send(self, body: Mapping[str, Any]) -> int:
        why = "not run"
        for attempt in range(1, self.attempts + 1):
            try:
                done = subprocess.run(
                    self.command,
                    shell=True,
                    env=alert_env(body),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired:
                why = f"timed out after {self.timeout:g} s"
            except OSError as exc:
                why = exc.strerror or type(exc).__name__
            else:
                if done.returncode == 0:
                    return attempt
                last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
                why = f"exit {done.returncode}" + (f": {last[0][:200]}" if last[0] else "")
            if attempt < self.attempts:
                self.sleep(2.0 * attempt)
        raise ChannelError(f"command: {why} after {self.attempts} attempts")


@dataclass
class Desktop:
    """notify-send (Linux, BSD) or osascript (macOS). `which` is injectable for tests."""

    which: Callable[[str], str | None] = shutil.which
    platform: str = sys.platform
    timeout: float = 10.0
    name: str = field(default="desktop", init=False)

    def argv(self, title: str, text: str) -> list[str]:
        if self.platform == "darwin" and (osa := self.which("osascript")):
            # the text goes in as an argument, never spliced into the script
            return [
                osa,
                "-e",
                "on run argv",
                "-e",
                "display notification (item 2 of argv) with title (item 1 of argv)",
                "-e",
                "end run",
                title,
                text,
            ]
        if notify := self.which("notify-send"):
            return [notify, "--app-name=planner", title, text]
        raise Unavailable("no desktop notifier on this machine (notify-send on Linux, osascript on macOS)")

    def check(self) -> None:
        self.argv("planner", "")

    def send(self, body: Mapping[str, Any]) -> int:
        try:
            argv = self.argv("planner", str(body.get("text", "")))
        except Unavailable as exc:
            raise ChannelError(str(exc)) from None
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ChannelError(f"desktop: {type(exc).__name__}") from None
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1:] or [""]
            raise ChannelError(f"desktop: exit {done.returncode} {last[0][:200]}".strip())
        return 1
