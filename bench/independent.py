"""An independent reading and pricing of a Claude Code tree, to check planner and ccusage against.

It shares no code with planner: its own scan (plain `json`), its own dedup (the rule in
/work/shared/reference/usage-log-formats.md §1) and its own price table, copied by hand from
/work/shared/reference/anthropic-api.md §1.2-1.3 for the models bench/gen_claude_code.py writes.

Pricing rules applied per request:
- 5m writes at 1.25x input, 1h writes at 2x input (`cache_creation.ephemeral_*`; without the
  split the whole `cache_creation_input_tokens` counts as 5m);
- long context (Sonnet 4.5): when input + writes + reads > 200K, *every* token of that request,
  output included, is billed at the long-context rates (the whole-request rule);
- prices in force at the request's UTC timestamp (Sonnet 5.5 cache reads: $0.20 -> $0.10 on 2026-10-07);
- web search at $10 per 1,000.

It also computes what ccusage's known rules would give (`ccusage_rules`), so each difference from
ccusage can be named and sized rather than guessed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

MTOK = D(1_000_000)
WEB_SEARCH = D("0.01")  # per search
LONG_CONTEXT_ABOVE = 200_000


@dataclass(frozen=True)
class Price:
    input: D
    write_5m: D
    write_1h: D
    read: D
    output: D


def _p(i: str, w5: str, w1: str, r: str, o: str) -> Price:
    return Price(D(i), D(w5), D(w1), D(r), D(o))


# model -> list of (effective UTC day, standard price, long-context price or None); newest last
PRICES: dict[str, list[tuple[str, Price, Price | None]]] = {
    "claude-sonnet-4-6": [("2026-02-17", _p("3", "3.75", "6", "0.30", "15"), None)],
    "claude-opus-4-8": [("2026-05-28", _p("5", "6.25", "10", "0.50", "25"), None)],
    "claude-opus-4-5-20251101": [("2025-11-24", _p("5", "6.25", "10", "0.50", "25"), None)],
    "claude-haiku-4-5-20251001": [("2025-10-01", _p("1", "1.25", "2", "0.10", "5"), None)],
    "claude-sonnet-4-5-20250929": [
        ("2025-09-29", _p("3", "3.75", "6", "0.30", "15"), _p("6", "7.50", "12", "0.60", "22.50"))
    ],
    "claude-sonnet-5-5": [
        ("2026-09-01", _p("2", "2.50", "4", "0.20", "10"), None),
        ("2026-10-07", _p("2", "2.50", "4", "0.10", "10"), None),
    ],
}

TOKEN_KEYS = ("input_tokens", "cache_write_5m", "cache_write_1h", "cache_read", "output_tokens")


@dataclass
class Req:
    model: str
    day: str  # UTC
    input_tokens: int
    cache_write_5m: int
    cache_write_1h: int
    cache_read: int
    output_tokens: int
    web: int
    sidechain: bool

    @property
    def prompt(self) -> int:
        return self.input_tokens + self.cache_write_5m + self.cache_write_1h + self.cache_read

    @property
    def total(self) -> int:
        return self.prompt + self.output_tokens


def jsonl_files(root: Path) -> list[Path]:
    out = []
    for dirpath, _dirs, files in os.walk(root / "projects"):
        out.extend(Path(dirpath) / f for f in files if f.endswith(".jsonl"))
    return sorted(out)


def _req(d: dict) -> Req:
    msg = d["message"]
    u = msg["usage"]
    writes = u.get("cache_creation_input_tokens") or 0
    split = u.get("cache_creation")
    w5, w1 = (
        (split.get("ephemeral_5m_input_tokens", 0), split.get("ephemeral_1h_input_tokens", 0)) if split else (writes, 0)
    )
    return Req(
        msg["model"],
        d["timestamp"][:10],
        u.get("input_tokens") or 0,
        w5,
        w1,
        u.get("cache_read_input_tokens") or 0,
        u.get("output_tokens") or 0,
        (u.get("server_tool_use") or {}).get("web_search_requests") or 0,
        bool(d.get("isSidechain")),
    )


def scan(root: Path) -> tuple[list[Req], list[Req]]:
    """(requests under planner's dedup rule, the extra lines ccusage 20 also counts).

    ccusage keeps one line per message.id + requestId, as we do, but a response logged without
    requestId is not deduplicated in a main session file: each of its streaming snapshots counts
    (observed on its output; in sub-agent files it counts them once).
    """
    best: dict[tuple, Req] = {}
    no_id: list[Req] = []  # no message.id: never deduplicated, by either rule
    lines_without_request_id: dict[tuple, list[Req]] = {}
    for path in jsonl_files(root):
        main_file = "subagents" not in path.parts
        with open(path, "rb") as f:
            for line in f:
                if b'"usage"' not in line or b'"assistant"' not in line:  # tool results are most bytes: skip unparsed
                    continue
                d = json.loads(line)
                if d.get("type") != "assistant" or d["message"].get("model") == "<synthetic>":
                    continue
                r = _req(d)
                mid, rid = d["message"].get("id"), d.get("requestId")
                if mid is None:
                    no_id.append(r)
                    continue
                key = (mid, rid) if rid else (mid,)
                old = best.get(key)
                if (
                    old is None
                    or (old.sidechain and not r.sidechain)
                    or (old.sidechain == r.sidechain and r.total > old.total)
                ):
                    best[key] = r
                if not rid and main_file:
                    lines_without_request_id.setdefault(key, []).append(r)
    extra = [r for key, rs in lines_without_request_id.items() for r in rs if r is not best[key]]
    return list(best.values()) + no_id, extra


def price_of(model: str, day: str) -> tuple[Price, Price | None] | None:
    entries = PRICES.get(model)
    if not entries:
        return None
    found = None
    for eff, std, lc in entries:
        if day >= eff:
            found = (std, lc)
    return found


def cost(
    r: Req, *, whole_request_long_context: bool = True, h1_as_5m: bool = False, web_search: bool = True
) -> D | None:
    """Exact cost of one request; None when the model is not in PRICES (unknown is not zero)."""
    p = price_of(r.model, r.day)
    if p is None:
        return None
    std, lc = p
    w1_std = std.write_5m if h1_as_5m else std.write_1h

    def at(price: Price, w1: D, n_in: int, n5: int, n1: int, n_rd: int, n_out: int) -> D:
        return (n_in * price.input + n5 * price.write_5m + n1 * w1 + n_rd * price.read + n_out * price.output) / MTOK

    if lc is not None and whole_request_long_context and r.prompt > LONG_CONTEXT_ABOVE:
        usd = at(
            lc,
            lc.write_5m if h1_as_5m else lc.write_1h,
            r.input_tokens,
            r.cache_write_5m,
            r.cache_write_1h,
            r.cache_read,
            r.output_tokens,
        )
    elif lc is not None and not whole_request_long_context:
        # ccusage's rule: each token category on its own, tokens past 200K of that category at the premium
        usd = D(0)
        w1_lc = lc.write_5m if h1_as_5m else lc.write_1h
        for n, s, lc_price in (
            (r.input_tokens, std.input, lc.input),
            (r.cache_write_5m, std.write_5m, lc.write_5m),
            (r.cache_write_1h, w1_std, w1_lc),
            (r.cache_read, std.read, lc.read),
            (r.output_tokens, std.output, lc.output),
        ):
            usd += (min(n, LONG_CONTEXT_ABOVE) * s + max(0, n - LONG_CONTEXT_ABOVE) * lc_price) / MTOK
    else:
        usd = at(std, w1_std, r.input_tokens, r.cache_write_5m, r.cache_write_1h, r.cache_read, r.output_tokens)
    return usd + r.web * WEB_SEARCH if web_search else usd


def totals(reqs: list[Req], **rules) -> dict[str, dict]:
    """Per model: requests, tokens by category, cost (None if any request is unpriced), long-context requests."""
    out: dict[str, dict] = {}
    for r in reqs:
        t = out.setdefault(
            r.model,
            {
                "requests": 0,
                **dict.fromkeys(TOKEN_KEYS, 0),
                "web_search_requests": 0,
                "cost_usd": D(0),
                "long_context_requests": 0,
            },
        )
        t["requests"] += 1
        for k in TOKEN_KEYS:
            t[k] += getattr(r, k)
        t["web_search_requests"] += r.web
        t["long_context_requests"] += int(
            r.prompt > LONG_CONTEXT_ABOVE
            and price_of(r.model, r.day) is not None
            and price_of(r.model, r.day)[1] is not None
        )
        c = cost(r, **rules)
        t["cost_usd"] = None if (c is None or t["cost_usd"] is None) else t["cost_usd"] + c
    return out
