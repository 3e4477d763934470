"""Regenerate the bundled sample logs: one realistic month (2026-10-22 .. 2026-11-20) of one org.

    .venv/bin/python sample_logs/make_samples.py

Deterministic (fixed seed), so the committed files only change when this script does. What each
file holds and how they fit together is in sample_logs/README.md. The cost report is priced with
the bundled catalog from the same tokens, so `planner report --reconcile` matches it.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = datetime(2026, 10, 22, tzinfo=UTC)
DAYS = 30  # ends 2026-11-20
ORG = "org_01HSAMPLEACME"
WS = {
    "prod": "wrkspc_01PROD7Q",
    "research": "wrkspc_01RSRCH2K",
    "sandbox": "wrkspc_01SBOX9D",
    "claude-code": "wrkspc_01CCODE4M",
}
rng = random.Random(20261120)
# (day, model, workspace, service_tier) -> token totals; the cost report is priced from this
BILLED: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def uid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rid(prefix: str, n: int = 24) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789") for _ in range(n))


def bill(day: str, model: str, ws: str, tier: str, **tokens: int) -> None:
    row = BILLED[(day, model, ws, tier)]
    for k, v in tokens.items():
        row[k] += v


def jl(obj: dict) -> str:
    """One compact JSON line, as Claude Code and most apps write them."""
    return json.dumps(obj, separators=(",", ":"))


def dump(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


# --- Claude Code transcripts ---------------------------------------------------------------

PROJECTS = {
    "-home-maya-src-billing-service": "/home/maya/src/billing-service",
    "-home-maya-src-web-dashboard": "/home/maya/src/web-dashboard",
    "-home-maya-src-infra": "/home/maya/src/infra",
}
CC_MODELS = ["claude-sonnet-4-6"] * 6 + ["claude-opus-4-8"] * 3 + ["claude-haiku-4-5"]
PROMPTS = [
    "Add a retry with backoff to the invoice sync job",
    "Why does the dashboard test fail on CI?",
    "Refactor the webhook handler into smaller functions",
    "Write a migration for the usage table",
    "Explain this stack trace",
    "Bump the Terraform provider and fix the plan diff",
]


def cc_usage(rng_: random.Random, first: bool) -> dict:
    read = 0 if first else rng_.randint(18_000, 95_000)
    w1h = rng_.randint(8_000, 22_000) if first else rng_.choice([0, 0, rng_.randint(300, 4_000)])
    return {
        "input_tokens": rng_.randint(3, 40),
        "cache_creation_input_tokens": w1h,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": w1h},
        "output_tokens": rng_.randint(60, 2_400),
        "service_tier": "standard",
    }


def cc_session(
    slug: str, day: datetime, turns: int, synthetic: bool, subagent: bool
) -> tuple[str, list[str], list[str]]:
    """(session id, main transcript lines, sub-agent lines)."""
    sid, cwd = uid(), PROJECTS[slug]
    model = rng.choice(CC_MODELS)
    t = day + timedelta(hours=rng.randint(8, 16), minutes=rng.randint(0, 59))
    base = {"cwd": cwd, "sessionId": sid, "version": "2.3.14", "gitBranch": "main", "userType": "external"}
    lines = [jl({"type": "summary", "summary": rng.choice(PROMPTS), "leafUuid": uid()})]
    sub: list[str] = []
    parent = None
    for turn in range(turns):
        u = uid()
        text = rng.choice(PROMPTS) if turn == 0 else "Tool result: " + "ok " * rng.randint(5, 60)
        lines.append(
            jl(
                {
                    "parentUuid": parent,
                    "isSidechain": False,
                    **base,
                    "type": "user",
                    "message": {"role": "user", "content": text},
                    "uuid": u,
                    "timestamp": iso(t),
                }
            )
        )
        t += timedelta(seconds=rng.randint(3, 40), milliseconds=rng.randint(0, 999))
        usage = cc_usage(rng, turn == 0)
        msg_id, req = rid("msg_01"), rid("req_011C")
        day_s = t.strftime("%Y-%m-%d")
        bill(
            day_s,
            model,
            "claude-code",
            "standard",
            input=usage["input_tokens"],
            w1h=usage["cache_creation"]["ephemeral_1h_input_tokens"],
            read=usage["cache_read_input_tokens"],
            output=usage["output_tokens"],
        )
        # Streaming: a partial snapshot (small output_tokens) first, then the final line.
        for final in (False, True):
            uu = dict(usage, output_tokens=usage["output_tokens"] if final else rng.randint(1, 12))
            a = uid()
            lines.append(
                jl(
                    {
                        "parentUuid": u,
                        "isSidechain": False,
                        **base,
                        "message": {
                            "id": msg_id,
                            "type": "message",
                            "role": "assistant",
                            "model": model,
                            "content": [{"type": "text", "text": "Done." if final else "Looking"}],
                            "stop_reason": "end_turn" if final else None,
                            "usage": uu,
                        },
                        "requestId": req,
                        "type": "assistant",
                        "uuid": a,
                        "timestamp": iso(t),
                    }
                )
            )
            parent = a
        if turn == 2 and subagent:
            sub = cc_subagent(base, t)
        t += timedelta(seconds=rng.randint(20, 300))
    if synthetic:
        lines.append(
            jl(
                {
                    "parentUuid": parent,
                    "isSidechain": False,
                    **base,
                    "message": {
                        "id": uid(),
                        "type": "message",
                        "role": "assistant",
                        "model": "<synthetic>",
                        "content": [{"type": "text", "text": "No response requested."}],
                        "usage": {"input_tokens": 0, "output_tokens": 0},
                    },
                    "type": "assistant",
                    "uuid": uid(),
                    "timestamp": iso(t),
                }
            )
        )
    return sid, lines, sub


def cc_subagent(base: dict, t: datetime) -> list[str]:
    """A Task sub-agent run on Haiku (sidechain lines, written to subagents/agent-*.jsonl)."""
    out = []
    for _ in range(4):
        usage = cc_usage(rng, False)
        t += timedelta(seconds=rng.randint(2, 15))
        bill(
            t.strftime("%Y-%m-%d"),
            "claude-haiku-4-5",
            "claude-code",
            "standard",
            input=usage["input_tokens"],
            w1h=usage["cache_creation"]["ephemeral_1h_input_tokens"],
            read=usage["cache_read_input_tokens"],
            output=usage["output_tokens"],
        )
        out.append(
            jl(
                {
                    "parentUuid": uid(),
                    "isSidechain": True,
                    **base,
                    "agentId": "a3f9c2e1",
                    "message": {
                        "id": rid("msg_01"),
                        "type": "message",
                        "role": "assistant",
                        "model": "claude-haiku-4-5",
                        "content": [{"type": "text", "text": "Found 3 callers."}],
                        "usage": usage,
                    },
                    "requestId": rid("req_011C"),
                    "type": "assistant",
                    "uuid": uid(),
                    "timestamp": iso(t),
                }
            )
        )
    return out


def make_claude_code() -> None:
    root = HERE / "claude-code" / "projects"
    days = sorted(rng.sample(range(DAYS), 14))
    for i, d in enumerate(days):
        slug = list(PROJECTS)[i % len(PROJECTS)]
        sid, lines, sub = cc_session(
            slug, START + timedelta(days=d), rng.randint(6, 16), synthetic=(i == 5), subagent=(i == 9)
        )
        dump(root / slug / f"{sid}.jsonl", lines)
        if sub:
            dump(root / slug / sid / "subagents" / "agent-a3f9c2e1.jsonl", sub)


# --- the production app's own request log --------------------------------------------------

APP_MODELS = [("claude-sonnet-5-5", 0.55), ("claude-haiku-5-5", 0.35), ("claude-opus-5-5", 0.10)]


def make_app() -> None:
    lines = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        weekend = day.weekday() >= 5
        n = rng.randint(40, 70) if weekend else rng.randint(130, 190)
        # Business hours with a lunch-time burst: per-minute peaks worth planning for.
        times = []
        for _ in range(n):
            hour = rng.choice([9, 10, 10, 11, 11, 12, 13, 14, 14, 15, 16, 17, 20])
            times.append(day + timedelta(hours=hour, minutes=rng.randint(0, 59), seconds=rng.random() * 60))
        burst = day + timedelta(hours=12, minutes=rng.randint(0, 50))
        times += [burst + timedelta(seconds=rng.random() * 60) for _ in range(rng.randint(8, 25) if not weekend else 0)]
        for t in sorted(times):
            model = rng.choices([m for m, _ in APP_MODELS], [w for _, w in APP_MODELS])[0]
            read = rng.choice([0, rng.randint(1_500, 6_000)])
            w5 = 0 if read else rng.randint(1_500, 6_000)
            usage = {
                "input_tokens": rng.randint(200, 3_500),
                "cache_creation_input_tokens": w5,
                "cache_read_input_tokens": read,
                "output_tokens": rng.randint(80, 1_200),
            }
            if rng.random() < 0.04:
                usage["server_tool_use"] = {"web_search_requests": rng.randint(1, 3)}
            bill(
                t.strftime("%Y-%m-%d"),
                model,
                "prod",
                "standard",
                input=usage["input_tokens"],
                w5=w5,
                read=read,
                output=usage["output_tokens"],
                search=usage.get("server_tool_use", {}).get("web_search_requests", 0),
            )
            lines.append(
                json.dumps(
                    {
                        "ts": iso(t),
                        "id": rid("msg_01"),
                        "model": model,
                        "route": rng.choice(["/chat", "/summarize", "/classify"]),
                        "usage": usage,
                        "latency_ms": rng.randint(400, 9_000),
                    },
                    separators=(",", ":"),
                )
            )
    # The app crashed mid-write once: a truncated line (a bad line the import reports by number;
    # Anthropic still billed that request, so reconcile shows the small gap).
    cut = len(lines) * 2 // 3
    lines[cut] = lines[cut][: len(lines[cut]) // 2]
    dump(HERE / "app" / "requests.jsonl", lines)


# --- nightly batch jobs ---------------------------------------------------------------------


def make_batch() -> None:
    lines = []
    day = START + timedelta(days=DAYS - 2)
    for i in range(48):
        cid = f"nightly-digest-{i:03d}"
        kind = "succeeded" if i % 16 else ("expired" if i == 16 else "errored")
        if kind != "succeeded":
            res = (
                {"type": kind}
                if kind == "expired"
                else {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {"type": "invalid_request_error", "message": "prompt is too long"},
                    },
                }
            )
        else:
            model = "claude-haiku-4-5" if i % 3 else "claude-sonnet-5-5"
            usage = {
                "input_tokens": rng.randint(2_000, 12_000),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": rng.randint(200, 900),
                "service_tier": "batch",
            }
            bill(
                day.strftime("%Y-%m-%d"),
                model,
                "prod",
                "batch",
                input=usage["input_tokens"],
                output=usage["output_tokens"],
            )
            res = {
                "type": "succeeded",
                "message": {
                    "id": rid("msg_01"),
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": "Digest..."}],
                    "stop_reason": "end_turn",
                    "usage": usage,
                },
            }
        lines.append(jl({"custom_id": cid, "result": res}))
    dump(HERE / "batch" / "results.jsonl", lines)


# --- the Research workspace: known only from the Admin usage report, and the Console CSV ------


def make_usage_report() -> None:
    pages, page = [], []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        results = []
        for model in ("claude-opus-4-8", "claude-sonnet-4-6"):
            if day.weekday() >= 5 and model == "claude-opus-4-8":
                continue
            k = 3 if model == "claude-sonnet-4-6" else 1
            r = {
                "uncached_input_tokens": k * rng.randint(90_000, 260_000),
                "cache_creation": {
                    "ephemeral_1h_input_tokens": 0,
                    "ephemeral_5m_input_tokens": k * rng.randint(20_000, 60_000),
                },
                "cache_read_input_tokens": k * rng.randint(150_000, 700_000),
                "output_tokens": k * rng.randint(30_000, 90_000),
                "server_tool_use": {"web_search_requests": rng.randint(0, 6)},
                "model": model,
                "service_tier": "standard",
                "context_window": "0-200k",
                "workspace_id": WS["research"],
                "api_key_id": None,
                "inference_geo": None,
            }
            bill(
                day.strftime("%Y-%m-%d"),
                model,
                "research",
                "standard",
                input=r["uncached_input_tokens"],
                w5=r["cache_creation"]["ephemeral_5m_input_tokens"],
                read=r["cache_read_input_tokens"],
                output=r["output_tokens"],
                search=r["server_tool_use"]["web_search_requests"],
            )
            results.append(r)
        page.append(
            {
                "starting_at": day.strftime("%Y-%m-%dT00:00:00Z"),
                "ending_at": (day + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z"),
                "results": results,
            }
        )
        if len(page) == 15:  # two saved pages, as a paginated fetch returns them
            pages.append(page)
            page = []
    out = [{"data": p, "has_more": i == 0, "next_page": "page_2" if i == 0 else None} for i, p in enumerate(pages)]
    path = HERE / "admin" / "usage_report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")


def make_csv() -> None:
    """The Sandbox workspace's Console usage export (daily rows, the Console's column names)."""
    path = HERE / "csv" / "console_usage.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "Date",
                "Model",
                "Workspace",
                "Input Tokens",
                "Cache Write Tokens",
                "Cache Read Tokens",
                "Output Tokens",
                "Web Searches",
            ]
        )
        for d in range(0, DAYS, 2):
            day = (START + timedelta(days=d)).strftime("%Y-%m-%d")
            model = "claude-haiku-5-5" if d % 4 else "claude-sonnet-5-5"
            row = [
                rng.randint(20_000, 90_000),
                rng.randint(0, 15_000),
                rng.randint(0, 40_000),
                rng.randint(5_000, 25_000),
            ]
            bill(day, model, "sandbox", "standard", input=row[0], w5=row[1], read=row[2], output=row[3])
            w.writerow([day, model, "Sandbox", *row, 0])


# --- what Anthropic billed ------------------------------------------------------------------

TOKEN_TYPES = {
    "input": "uncached_input_tokens",
    "cache_write_5m": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
    "cache_read": "cache_read_input_tokens",
    "output": "output_tokens",
}


def make_cost_report() -> None:
    from planner.catalog import Usage, load_catalog, price_usage

    catalog = load_catalog()
    by_day: dict[str, list[dict]] = defaultdict(list)
    for (day, model, ws, tier), tok in sorted(BILLED.items()):
        usage = Usage(
            input_tokens=tok["input"],
            output_tokens=tok["output"],
            cache_write_5m=tok["w5"],
            cache_write_1h=tok["w1h"],
            cache_read=tok["read"],
            web_search_requests=tok["search"],
            batch=tier == "batch",
        )
        # Every sample request is under 200K prompt tokens: the standard band.
        cost = price_usage(catalog, model, usage, datetime.fromisoformat(day + "T12:00:00+00:00"), prompt_tokens=1)
        for key, usd in cost.breakdown.items():
            if not usd:
                continue
            cents = (usd * 100).quantize(Decimal("0.01"))
            by_day[day].append(
                {
                    "amount": str(cents),
                    "currency": "USD",
                    "cost_type": "web_search" if key == "web_search" else "tokens",
                    "description": None,
                    "model": model,
                    "service_tier": tier,
                    "token_type": TOKEN_TYPES.get(key),
                    "context_window": "0-200k",
                    "inference_geo": None,
                    "workspace_id": WS[ws],
                }
            )
    data = [
        {
            "starting_at": f"{day}T00:00:00Z",
            "ending_at": (datetime.fromisoformat(day) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z"),
            "results": rows,
        }
        for day, rows in sorted(by_day.items())
    ]
    (HERE / "admin" / "cost_report.json").write_text(
        json.dumps({"data": data, "has_more": False, "next_page": None}, indent=1) + "\n"
    )


def main() -> None:
    make_claude_code()
    make_app()
    make_batch()
    make_usage_report()
    make_csv()
    make_cost_report()


if __name__ == "__main__":
    main()
