"""Generate realistic Claude Code transcript trees for the import benchmarks.

Writes `OUT/projects/<slug>/<session-uuid>.jsonl` and sub-agent transcripts
`OUT/projects/<slug>/<session-uuid>/subagents/agent-<id>.jsonl`, laid out like Claude Code's own
files (see /work/shared/reference/usage-log-formats.md): user lines carrying big tool results (most
of the bytes), assistant responses written as several streaming snapshots of one message
(same message.id + requestId, smaller output_tokens first), summaries, file-history snapshots,
`<synthetic>` and API-error lines, a few requestId-less responses (gateways), 1h and 5m cache
writes, some responses from old versions without the `cache_creation` split, a sprinkle of web
searches, and Sonnet 4.5 sessions whose prompts grow past 200K tokens (long-context pricing).

The output is a pure function of the arguments (no clock, no global random state), so two runs
with the same seed give byte-identical trees and benchmark figures can be reproduced.

    python bench/gen_claude_code.py --preset big --out bench/data/big        # ~1.4 GB, ~1.1M lines
    python bench/gen_claude_code.py --lines 2000 --seed 7 --out /tmp/tiny
    python bench/gen_claude_code.py --append-percent 1 --out bench/data/big  # grow 1% for incremental runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

PRESETS = {"big": (1_400_000_000, 1_100_000), "medium": (140_000_000, 110_000), "small": (14_000_000, 11_000)}
DEFAULT_AVG_LINE_BYTES = 1_270  # 1.4 GB / 1.1M lines, the shape asked for by issue 3
MANIFEST = ".bench-manifest.json"  # hidden, outside projects/: no importer looks at it

# (model, share of sessions, context limit before compaction, cache TTL mix)
# Claude Code writes most of its cache with the 1h TTL; sub-agents often use Haiku.
MODELS = [
    ("claude-sonnet-4-6", 0.22, 180_000),
    ("claude-opus-4-8", 0.18, 180_000),
    ("claude-sonnet-4-5-20250929", 0.12, 180_000),
    ("claude-sonnet-4-5-20250929@1m", 0.08, 520_000),  # 1M beta: prompts grow past 200K
    ("claude-opus-4-5-20251101", 0.10, 180_000),
    ("claude-sonnet-5-5", 0.22, 180_000),
    ("claude-haiku-4-5-20251001", 0.08, 150_000),
]
SUBAGENT_MODEL = "claude-haiku-4-5-20251001"
# Sonnet 5.5 sessions start after this day: its price table in the catalog begins around then,
# and the window still straddles its cache-read price cut of 2026-10-07.
SONNET_55_FROM = datetime(2026, 9, 28, tzinfo=UTC)
VERSIONS = ["2.0.31", "2.0.42", "2.0.55", "2.1.3", "2.1.12"]
OLD_VERSION = "1.0.98"  # wrote cache_creation_input_tokens without the 5m/1h split
BRANCHES = ["main", "main", "main", "feat/import", "fix/pricing", "dev"]
WORDS = [
    "the",
    "import",
    "store",
    "file",
    "line",
    "token",
    "cache",
    "model",
    "request",
    "session",
    "project",
    "parser",
    "report",
    "error",
    "value",
    "def",
    "return",
    "self",
    "if",
    "else",
    "for",
    "in",
    "import",
    "from",
    "class",
    "none",
    "true",
    "false",
    "with",
    "as",
    "async",
    "await",
    "yield",
    "config",
    "path",
    "json",
    "record",
    "usage",
    "price",
    "limit",
    "window",
    "minute",
    "hour",
    "daily",
    "total",
    "input",
    "output",
    "read",
    "write",
]
TOOLS = ["Read", "Bash", "Grep", "Edit", "Glob", "Write", "WebFetch", "Task"]
TOOL_WEIGHTS = [30, 25, 14, 14, 6, 4, 4, 3]


class Text:
    """Cheap pseudo-text: slices of one big deterministic corpus, so tool results cost no RNG per byte."""

    def __init__(self, rng: random.Random) -> None:
        lines = []
        for i in range(40_000):
            n = rng.randint(3, 14)
            indent = " " * (4 * rng.randint(0, 3))
            lines.append(f"{i + 1:>6}\t{indent}" + " ".join(rng.choice(WORDS) for _ in range(n)))
        self.corpus = "\n".join(lines)

    def take(self, rng: random.Random, n: int) -> str:
        n = max(1, min(n, len(self.corpus) - 1))
        start = rng.randrange(0, len(self.corpus) - n)
        return self.corpus[start : start + n]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_size(text: str) -> int:
    units = {"K": 10**3, "M": 10**6, "G": 10**9}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_id(rng: random.Random, prefix: str, n: int = 24) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


class Writer:
    """Counts lines and bytes written, and sets each file's mtime to its last timestamp."""

    def __init__(self) -> None:
        self.lines = 0
        self.bytes = 0
        self.files: set[str] = set()

    def write(self, path: Path, lines: list[str], last_ms: int, mode: str = "w") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(lines).encode()
        with open(path, mode + "b", buffering=1 << 20) as f:
            f.write(data)
        os.utime(path, (last_ms / 1000, last_ms / 1000))
        self.lines += len(lines)
        self.bytes += len(data)
        self.files.add(str(path))


class Session:
    """One transcript (a main session or a sub-agent run) and the conversation state it grows."""

    def __init__(
        self,
        gen: Generator,
        rng: random.Random,
        *,
        slug: str,
        cwd: str,
        session_id: str,
        model_key: str,
        start_ms: int,
        version: str,
        branch: str,
        sidechain: bool,
        agent_id: str | None = None,
    ) -> None:
        self.gen, self.rng = gen, rng
        self.slug, self.cwd, self.session_id = slug, cwd, session_id
        self.model = model_key.split("@")[0]
        self.limit = dict((m, lim) for m, _, lim in MODELS).get(model_key, 150_000)
        self.ts = start_ms
        self.version, self.branch = version, branch
        self.sidechain, self.agent_id = sidechain, agent_id
        self.parent: str | None = None
        self.context = rng.randint(12_000, 22_000)  # system prompt + tools, cached on the first turn
        if self.limit > 200_000:  # 1M-context sessions load big codebases: prompts start near 200K
            self.context = rng.randint(120_000, 260_000)
        self.first = True
        r = rng.random()
        self.ttl = "1h" if r < 0.75 else "5m"
        if sidechain and rng.random() < 0.5:
            self.ttl = "5m"
        self.lines: list[str] = []

    def base(self, kind: str) -> dict:
        d = {
            "parentUuid": self.parent,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session_id,
            "version": self.version,
            "gitBranch": self.branch,
        }
        if self.agent_id:
            d["agentId"] = self.agent_id
        if kind != "assistant":  # Claude Code writes an assistant line's type after its message
            d["type"] = kind
        return d

    def emit(self, d: dict) -> None:
        self.lines.append(json.dumps(d, separators=(",", ":")) + "\n")
        if "uuid" in d:
            self.parent = d["uuid"]

    def tick(self, lo: int, hi: int) -> int:
        self.ts += self.rng.randint(lo, hi)
        return self.ts

    def user_prompt(self) -> None:
        rng = self.rng
        d = self.base("user")
        text = self.gen.text.take(rng, rng.randint(40, 1_500))
        d.update(
            message={"role": "user", "content": text}, uuid=new_uuid(rng), timestamp=iso(self.tick(20_000, 600_000))
        )
        self.emit(d)
        self.pending = max(20, len(text) // 4)

    def tool_result(self, tool: str) -> None:
        rng = self.rng
        size = self.gen.tool_result_size(rng, tool)
        content = self.gen.text.take(rng, size)
        d = self.base("user")
        tid = new_id(rng, "toolu_01", 22)
        d.update(
            message={
                "role": "user",
                "content": [
                    {"tool_use_id": tid, "type": "tool_result", "content": content, "is_error": rng.random() < 0.03}
                ],
            },
            uuid=new_uuid(rng),
            timestamp=iso(self.tick(300, 40_000)),
            toolUseResult={"stdout": content[:200], "stderr": "", "interrupted": False, "isImage": False},
        )
        self.emit(d)
        self.pending = max(10, size // 4)

    def usage(self, out_tokens: int, inp: int, write: int, read: int, web: int) -> dict:
        u = {"input_tokens": inp, "cache_creation_input_tokens": write, "cache_read_input_tokens": read}
        if self.version != OLD_VERSION:
            u["cache_creation"] = {
                "ephemeral_5m_input_tokens": write if self.ttl == "5m" else 0,
                "ephemeral_1h_input_tokens": write if self.ttl == "1h" else 0,
            }
        u["output_tokens"] = out_tokens
        if web:
            u["server_tool_use"] = {"web_search_requests": web, "web_fetch_requests": 0}
        u["service_tier"] = "standard"
        return u

    def assistant(self, *, tool: str | None) -> None:
        rng, gen = self.rng, self.gen
        if self.context + self.pending > self.limit:  # auto-compaction: context restarts small
            self.context = rng.randint(15_000, 30_000)
            self.first = True
        if self.first:
            inp, write, read = rng.randint(3, 12), self.context + self.pending, 0
            self.first = False
        else:
            inp, write, read = rng.randint(1, 8), self.pending, self.context
        if rng.random() < 0.02:  # a cache miss: the whole prompt is written again
            write, read = write + read, 0
        out = min(32_000, int(rng.lognormvariate(math.log(260), 1.0)) + 1)
        web = rng.randint(1, 3) if (tool == "WebFetch" and rng.random() < 0.5) else 0
        self.context += write + out
        gen.stats.add(self.model, inp, write, read, out, self.ttl, self.version == OLD_VERSION, web)

        msg_id = new_id(rng, "msg_01", 22)
        req_id = None if rng.random() < 0.005 else new_id(rng, "req_011C", 22)
        blocks = []
        if rng.random() < 0.2:
            blocks.append(
                {
                    "type": "thinking",
                    "thinking": gen.text.take(rng, rng.randint(30, 250)),
                    "signature": new_id(rng, "Eq", 80),
                }
            )
        blocks.append({"type": "text", "text": gen.text.take(rng, rng.randint(20, 200))})
        if tool:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": new_id(rng, "toolu_01", 22),
                    "name": tool,
                    "input": {
                        "command" if tool == "Bash" else "file_path": self.gen.text.take(rng, rng.randint(20, 120))
                    },
                }
            )
        # Streaming snapshots: one line per content block; all but the last carry a partial
        # output count, the last the final one (the dedup rule must keep the largest).
        self.tick(1_500, 30_000)
        for i, block in enumerate(blocks):
            final = i == len(blocks) - 1
            o = out if final else min(out, rng.randint(1, 12) * (i + 1))
            d = self.base("assistant")
            d["message"] = {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": [block],
                "stop_reason": ("tool_use" if tool else "end_turn") if final else None,
                "stop_sequence": None,
                "usage": self.usage(o, inp, write, read, web),
            }
            if req_id:
                d["requestId"] = req_id
            d.update(type="assistant", uuid=new_uuid(rng), timestamp=iso(self.ts + 40 * i))
            self.emit(d)
        self.ts += 40 * len(blocks)

    def synthetic(self) -> None:
        rng = self.rng
        d = self.base("assistant")
        error = rng.random() < 0.5
        d["message"] = {
            "id": new_uuid(rng),
            "model": "<synthetic>",
            "role": "assistant",
            "stop_reason": "stop_sequence",
            "stop_sequence": "",
            "type": "message",
            "usage": {
                "input_tokens": 0,
                "output_tokens": 0,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "server_tool_use": {"web_search_requests": 0},
                "service_tier": None,
            },
            "content": [{"type": "text", "text": "API Error: 529 Overloaded" if error else "No response requested."}],
        }
        d.update(type="assistant", uuid=new_uuid(rng), timestamp=iso(self.tick(100, 2_000)))
        if error:
            d["isApiErrorMessage"] = True
        self.emit(d)

    def file_snapshot(self) -> None:
        rng = self.rng
        mid = new_uuid(rng)
        backups = {
            f"{self.cwd}/src/mod_{rng.randint(1, 400)}.py": {
                "backupFileName": new_id(rng, "", 16) + "@v" + str(rng.randint(1, 9)),
                "version": rng.randint(1, 9),
                "backupTime": iso(self.ts),
            }
            for _ in range(rng.randint(0, 6))
        }
        self.emit(
            {
                "type": "file-history-snapshot",
                "messageId": mid,
                "snapshot": {"messageId": mid, "trackedFileBackups": backups, "timestamp": iso(self.ts)},
                "isSnapshotUpdate": rng.random() < 0.3,
            }
        )

    def turn(self) -> None:
        """A user prompt and the agent loop it starts: tool calls, results, a closing answer."""
        rng = self.rng
        if not self.sidechain and rng.random() < 0.5:
            self.file_snapshot()
        self.user_prompt()
        for _ in range(int(rng.expovariate(1 / 6)) + 1):
            tool = rng.choices(TOOLS, TOOL_WEIGHTS)[0]
            if tool == "Task" and (self.sidechain or not self.gen.allow_subagents):
                tool = "Read"
            self.assistant(tool=tool)
            if tool == "Task":
                self.gen.subagent(self)
            self.tool_result(tool)
        self.assistant(tool=None)
        if rng.random() < 0.02:
            self.synthetic()


class Stats:
    """Totals of what was generated, per model, so the tests (and humans) can check importers."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, int]] = {}

    def add(self, model: str, inp: int, write: int, read: int, out: int, ttl: str, old: bool, web: int) -> None:
        m = self.models.setdefault(
            model,
            {
                "requests": 0,
                "input_tokens": 0,
                "cache_write_5m": 0,
                "cache_write_1h": 0,
                "cache_read": 0,
                "output_tokens": 0,
                "web_search_requests": 0,
            },
        )
        m["requests"] += 1
        m["input_tokens"] += inp
        m["cache_write_1h" if (ttl == "1h" and not old) else "cache_write_5m"] += write
        m["cache_read"] += read
        m["output_tokens"] += out
        m["web_search_requests"] += web


class Generator:
    def __init__(self, seed: int, avg_line_bytes: float, end: datetime, days: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.text = Text(random.Random(seed ^ 0x5EED))
        self.avg_line_bytes = avg_line_bytes
        self.end_ms = int(end.timestamp() * 1000)
        self.start_ms = self.end_ms - days * 86_400_000
        self.tool_scale = 1.0  # tuned as we go so the average line hits avg_line_bytes
        self.stats = Stats()
        self.writer = Writer()
        self.allow_subagents = True
        self.pending_files: list[tuple[Path, list[str], int]] = []
        users = ["dana", "li", "sam"]
        names = [
            "api-server",
            "billing",
            "planner",
            "web-frontend",
            "infra",
            "ml-pipeline",
            "docs-site",
            "mobile-app",
            "data-etl",
            "auth-service",
            "search",
            "cli-tools",
            "notebooks",
            "sdk-python",
        ]
        self.projects = []
        for i, name in enumerate(names):
            cwd = f"/home/{users[i % 3]}/work/{name}"
            self.projects.append((cwd.replace("/", "-").replace(".", "-"), cwd))

    def tool_result_size(self, rng: random.Random, tool: str) -> int:
        base = {
            "Read": 3_000,
            "Bash": 1_200,
            "Grep": 900,
            "Glob": 300,
            "Edit": 250,
            "Write": 120,
            "WebFetch": 5_000,
            "Task": 1_500,
        }[tool]
        size = int(rng.lognormvariate(math.log(base), 1.1) * self.tool_scale)
        if tool == "Read" and rng.random() < 0.01:
            size *= 20  # a whole big file read now and then: the long tail
        return max(20, min(size, 600_000))

    def subagent(self, parent: Session) -> None:
        rng = parent.rng
        agent = new_id(rng, "", 8).lower()
        model = SUBAGENT_MODEL if rng.random() < 0.6 else parent.model
        s = Session(
            self,
            rng,
            slug=parent.slug,
            cwd=parent.cwd,
            session_id=parent.session_id,
            model_key=model,
            start_ms=parent.ts + 500,
            version=parent.version,
            branch=parent.branch,
            sidechain=True,
            agent_id=agent,
        )
        for _ in range(rng.randint(1, 3)):
            s.turn()
        parent.ts = s.ts + 1_000
        path = self.root / "projects" / parent.slug / parent.session_id / "subagents" / f"agent-{agent}.jsonl"
        self.pending_files.append((path, s.lines, s.ts))

    def session(self, root: Path) -> None:
        rng = self.rng
        slug, cwd = rng.choice(self.projects)
        r, acc = rng.random(), 0.0
        model_key = MODELS[-1][0]
        for m, share, _ in MODELS:
            acc += share
            if r < acc:
                model_key = m
                break
        lo = self.start_ms
        if model_key.startswith("claude-sonnet-5-5"):
            lo = max(lo, int(SONNET_55_FROM.timestamp() * 1000))
        start = rng.randint(lo, self.end_ms - 6 * 3_600_000)
        version = OLD_VERSION if rng.random() < 0.05 else rng.choice(VERSIONS)
        s = Session(
            self,
            rng,
            slug=slug,
            cwd=cwd,
            session_id=new_uuid(rng),
            model_key=model_key,
            start_ms=start,
            version=version,
            branch=rng.choice(BRANCHES),
            sidechain=False,
        )
        if rng.random() < 0.3:  # summaries of earlier conversations sit at the top of resumed sessions
            for _ in range(rng.randint(1, 3)):
                s.emit(
                    {
                        "type": "summary",
                        "summary": " ".join(rng.choice(WORDS) for _ in range(6)).capitalize(),
                        "leafUuid": new_uuid(rng),
                    }
                )
        for _ in range(int(rng.expovariate(1 / 9)) + 1):
            s.turn()
        self.pending_files.insert(0, (root / "projects" / slug / f"{s.session_id}.jsonl", s.lines, s.ts))

    def run(self, root: Path, target_lines: int | None, target_bytes: int | None, progress: bool) -> None:
        self.root = root
        w = self.writer
        while True:
            if target_lines is not None and w.lines >= target_lines:
                break
            if target_lines is None and target_bytes is not None and w.bytes >= target_bytes:
                break
            self.pending_files = []
            self.session(root)
            for path, lines, last in self.pending_files:
                w.write(path, lines, last)
            # Steer tool-result sizes so bytes per line converges on the target average.
            if w.lines:
                ratio = (self.avg_line_bytes * w.lines) / max(1, w.bytes)
                self.tool_scale = max(0.05, min(20.0, self.tool_scale * ratio**0.5))
            if progress and len(w.files) % 200 < len(self.pending_files):
                print(f"\r{w.lines:,} lines  {w.bytes / 1e6:,.0f} MB  {len(w.files):,} files", end="", file=sys.stderr)
        if progress:
            print(file=sys.stderr)


def read_manifest(root: Path) -> dict:
    try:
        return json.loads((root / MANIFEST).read_text())
    except FileNotFoundError:
        sys.exit(f"{root / MANIFEST} not found: --append-percent grows a tree this script generated")


def append(root: Path, percent: float, progress: bool) -> dict:
    """Append `percent`% more lines to existing session files: new turns of the most recent sessions."""
    man = read_manifest(root)
    rounds = man.get("append_rounds", 0) + 1
    gen = Generator(
        man["seed"] * 1_000 + rounds, man["avg_line_bytes"], datetime.fromisoformat(man["end"]), man["days"]
    )
    gen.allow_subagents = False  # appended turns stay in the files that exist
    gen.tool_scale = man.get("tool_scale", 1.0)
    rng = gen.rng
    mains = sorted(p for p in (root / "projects").glob("*/*.jsonl"))
    # The sessions still running are the newest ones: pick among the latest 5% by mtime.
    mains.sort(key=lambda p: p.stat().st_mtime)
    recent = mains[-max(1, len(mains) // 20) :]
    want = max(1, int(man["lines"] * percent / 100))
    while gen.writer.lines < want:
        path = rng.choice(recent)
        last = json.loads(tail_line(path, want_type="assistant"))
        s = Session(
            gen,
            rng,
            slug=path.parent.name,
            cwd=last["cwd"],
            session_id=last["sessionId"],
            model_key=last["message"]["model"],
            start_ms=int(datetime.fromisoformat(last["timestamp"].replace("Z", "+00:00")).timestamp() * 1000) + 60_000,
            version=last["version"],
            branch=last["gitBranch"],
            sidechain=False,
        )
        s.parent, s.first = last["uuid"], False
        s.context = (
            last["message"]["usage"]["cache_read_input_tokens"]
            + last["message"]["usage"]["cache_creation_input_tokens"]
        )
        for _ in range(rng.randint(1, 3)):
            s.turn()
        gen.writer.write(path, s.lines, s.ts, mode="a")
    man.update(lines=man["lines"] + gen.writer.lines, bytes=man["bytes"] + gen.writer.bytes, append_rounds=rounds)
    for model, t in gen.stats.models.items():
        m = man["models"].setdefault(model, dict.fromkeys(t, 0))
        for k, v in t.items():
            m[k] = m.get(k, 0) + v
    man["last_append"] = {"lines": gen.writer.lines, "bytes": gen.writer.bytes, "files": len(gen.writer.files)}
    (root / MANIFEST).write_text(json.dumps(man, indent=1, sort_keys=True))
    if progress:
        print(
            f"appended {gen.writer.lines:,} lines ({gen.writer.bytes / 1e6:.1f} MB) to {len(gen.writer.files)} files",
            file=sys.stderr,
        )
    return man


def tail_line(path: Path, want_type: str) -> str:
    """The last line of `path` whose type is `want_type` (read from the end: files can be large)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        chunk = 1 << 16
        while True:
            start = max(0, size - chunk)
            f.seek(start)
            lines = f.read(size - start).splitlines()
            for line in reversed(lines[1:] if start else lines):
                d = json.loads(line)
                if d.get("type") == want_type and d.get("message", {}).get("model") not in (None, "<synthetic>"):
                    return line.decode()
            if start == 0:
                raise ValueError(f"{path}: no {want_type} line")
            chunk *= 4


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", required=True, type=Path, help="directory to create (a Claude config dir: holds projects/)")
    p.add_argument(
        "--preset", choices=sorted(PRESETS), help="big = ~1.4 GB and ~1.1M lines (the issue-3 benchmark tree)"
    )
    p.add_argument("--size", help="target size, e.g. 1.4G, 200M")
    p.add_argument("--lines", type=int, help="target number of lines")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--end", default="2026-11-20", help="day the history ends (UTC); it spans --days before it")
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--append-percent", type=float, help="append this %% more lines to an existing generated tree")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.append_percent is not None:
        man = append(a.out, a.append_percent, not a.quiet)
        print(json.dumps(man["last_append"]))
        return 0
    size = parse_size(a.size) if a.size else None
    lines = a.lines
    if a.preset:
        size, lines = size or PRESETS[a.preset][0], lines or PRESETS[a.preset][1]
    if size is None and lines is None:
        p.error("give --preset, --size or --lines")
    avg = size / lines if (size and lines) else DEFAULT_AVG_LINE_BYTES
    if (a.out / "projects").exists() and any((a.out / "projects").iterdir()):
        p.error(f"{a.out}/projects is not empty: choose a new --out")
    end = datetime.fromisoformat(a.end).replace(tzinfo=UTC) + timedelta(days=1)
    gen = Generator(a.seed, avg, end, a.days)
    gen.run(a.out, lines, size, not a.quiet)
    man = {
        "seed": a.seed,
        "end": end.isoformat(),
        "days": a.days,
        "avg_line_bytes": avg,
        "tool_scale": gen.tool_scale,
        "lines": gen.writer.lines,
        "bytes": gen.writer.bytes,
        "files": len(gen.writer.files),
        "models": gen.stats.models,
    }
    (a.out / MANIFEST).write_text(json.dumps(man, indent=1, sort_keys=True))
    print(json.dumps({k: man[k] for k in ("lines", "bytes", "files")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
