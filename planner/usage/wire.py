"""The Messages API's `usage` object and message, as logs carry them (also Claude Code's and batch
results'), decoded with msgspec; and the checks every token count goes through."""

from __future__ import annotations

import msgspec

from planner.usage.records import UsageRecord

# One request cannot carry more than this many tokens in one category (the largest context
# window is 1M; a billion means a corrupt or hand-edited line, not usage).
MAX_TOKENS = 10**9


class CacheCreation(msgspec.Struct, gc=False):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class ServerToolUse(msgspec.Struct, gc=False):
    web_search_requests: int | None = None


class PromptDetails(msgspec.Struct, gc=False):
    cached_tokens: int | None = None


class WireUsage(msgspec.Struct, gc=False):
    """The API's `usage` object as logged (named apart from `planner.catalog.Usage`, what is priced)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUse | None = None
    service_tier: str | None = None
    speed: str | None = None
    inference_geo: str | None = None
    # OpenAI-style usage, accepted by the application-log importer
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: PromptDetails | None = None


class ApiMessage(msgspec.Struct, gc=False):
    """The part of a Messages API response object an importer needs."""

    id: str | None = None
    model: str | None = None
    usage: WireUsage | None = None


def check_count(name: str, value: int | None) -> int:
    """A token or request count: None is 0 (the API omits empty fields); negative or absurd is bad."""
    if value is None:
        return 0
    if value < 0:
        raise ValueError(f"negative {name} ({value})")
    if value > MAX_TOKENS:
        raise ValueError(f"absurd {name} ({value} > {MAX_TOKENS:,} in one request)")
    return value


def fill_usage(rec: UsageRecord, u: WireUsage) -> UsageRecord:
    """Copy a `usage` object's counts and modifiers into `rec`; ValueError names a bad field."""
    cc = u.cache_creation
    if cc is not None and (cc.ephemeral_5m_input_tokens is not None or cc.ephemeral_1h_input_tokens is not None):
        # The TTL split replaces the total when present (1h writes cost 2x input, not 1.25x).
        rec.cache_write_5m = check_count("cache_creation.ephemeral_5m_input_tokens", cc.ephemeral_5m_input_tokens)
        rec.cache_write_1h = check_count("cache_creation.ephemeral_1h_input_tokens", cc.ephemeral_1h_input_tokens)
    else:
        # No split logged: the API's documented default TTL is 5 minutes (an assumption).
        rec.cache_write_5m = check_count("cache_creation_input_tokens", u.cache_creation_input_tokens)
    if u.input_tokens is None and u.prompt_tokens is not None:
        # OpenAI style: cached tokens are INCLUDED in prompt_tokens; split them out, never add twice.
        prompt = check_count("prompt_tokens", u.prompt_tokens)
        cached = check_count(
            "prompt_tokens_details.cached_tokens",
            u.prompt_tokens_details.cached_tokens if u.prompt_tokens_details else None,
        )
        if cached > prompt:
            raise ValueError(f"cached_tokens ({cached}) > prompt_tokens ({prompt})")
        rec.input_tokens = prompt - cached
        rec.cache_read = cached
        rec.output_tokens = check_count("completion_tokens", u.completion_tokens)
    else:
        rec.input_tokens = check_count("input_tokens", u.input_tokens)
        rec.cache_read = check_count("cache_read_input_tokens", u.cache_read_input_tokens)
        rec.output_tokens = check_count("output_tokens", u.output_tokens)
    if u.server_tool_use is not None:
        rec.web_search_requests = check_count("web_search_requests", u.server_tool_use.web_search_requests)
    if u.service_tier:
        rec.service_tier = u.service_tier
    if u.speed:
        rec.speed = u.speed
    if u.inference_geo:
        rec.geo = u.inference_geo
    return rec
