"""What an API key may be and where it may go. Pure rules, no I/O: `planner.probe.client` applies
them in the one constructor every key-sending call goes through (`make_client`).

- A key comes from the environment only (`ANTHROPIC_API_KEY`, `ANTHROPIC_ADMIN_KEY`). Surrounding
  whitespace (a pasted newline) is stripped; a key with a non-ASCII character, inner whitespace or a
  control character is refused with one line that names the position, never the key.
- A base URL is http(s) with a host and no credentials; plain http only to a loopback host.
- Text shown to a user holds at most the last 4 characters of a long key (`mask_key`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from planner.errors import PlannerError

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_KEY_ENV = "ANTHROPIC_API_KEY"
ADMIN_KEY_ENV = "ANTHROPIC_ADMIN_KEY"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


def mask_key(key: str | None) -> str:
    """At most the last 4 characters, and only of a key long enough that they reveal nothing."""
    if not key:
        return "(none)"
    return "…" + key[-4:] if len(key) >= 20 else "…"


def clean_key(raw: str | None, env_var: str = API_KEY_ENV, *, purpose: str | None = None) -> str:
    """`raw` without surrounding whitespace; PlannerError (one line, no part of the key) when it is
    empty or holds a character an HTTP header cannot carry as-is."""
    key = (raw or "").strip()
    if not key:
        if purpose:
            raise PlannerError(
                f"{purpose} needs {env_var} in the environment (keys are read from the environment only)"
            )
        raise PlannerError(f"no API key: set {env_var} in the environment (keys are read from the environment only)")
    for i, ch in enumerate(key, 1):
        if not ch.isascii():
            raise PlannerError(
                f"{env_var} has a non-ASCII character at position {i} of {len(key)} "
                "(often a typographic dash or quote from copying); paste the key again"
            )
        if not ch.isprintable() or ch.isspace():
            raise PlannerError(
                f"{env_var} has whitespace or a control character at position {i} of {len(key)}; paste the key again"
            )
    return key


def read_key(env_var: str = API_KEY_ENV, env: Mapping[str, str] = os.environ, *, purpose: str | None = None) -> str:
    """The key in `env[env_var]`, cleaned by `clean_key`."""
    return clean_key(env.get(env_var), env_var, purpose=purpose)


require_key = read_key  # the name the probe command has always used


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; PlannerError for anything a key must not go to:
    a scheme other than http(s), no host, credentials in the URL, or plain http to a host that
    is not loopback."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlannerError(f"base URL must be http(s)://host[:port]: {base_url!r}")
    if parts.username or parts.password:
        raise PlannerError("base URL must not carry credentials (keys come from the environment only)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise PlannerError(
            f"refusing to send an API key over plain http to {parts.hostname}: use https "
            "(plain http is allowed only to a loopback host)"
        )
    return base_url.strip().rstrip("/")


def resolve_base_url(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """`explicit`, else `ANTHROPIC_BASE_URL`, else the public API; checked by `check_base_url`."""
    return check_base_url(explicit or env.get(BASE_URL_ENV) or DEFAULT_BASE_URL)


def host_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts.netloc or base_url
