"""Shared plumbing for the benchmarks: timing subprocesses, describing the machine, saving results.

Wall time and peak RSS of a command come from GNU time (`/usr/bin/time -v`), the same way for
planner and for ccusage, so the two are measured alike.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
# BENCH_PLANNER="cmd args" benchmarks another planner (an installed one, another checkout).
PLANNER = (
    os.environ["BENCH_PLANNER"].split()
    if os.environ.get("BENCH_PLANNER")
    else [str(REPO / ".venv" / "bin" / "python"), "-m", "planner"]
    if (REPO / ".venv").exists()
    else [sys.executable, "-m", "planner"]
)


@dataclass
class Run:
    wall_s: float
    rss_mb: float
    stdout: str
    stderr: str
    returncode: int


def timed(cmd: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> Run:
    """Run `cmd` under GNU time; wall clock from our side, peak RSS from GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full_env = {**os.environ, **(env or {})}
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name, *cmd], env=full_env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        rss_kb = 0
        for line in tf.read().splitlines():
            if "Maximum resident set size" in line:
                rss_kb = int(line.split(":")[1])
    if check and p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return Run(wall, rss_kb / 1024, p.stdout, p.stderr, p.returncode)


def warm_cache(root: Path) -> float:
    """Read every file once so every contender starts with the tree in the page cache."""
    total = 0
    for dirpath, _d, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                while chunk := fh.read(1 << 22):
                    total += len(chunk)
    return total / 1e6


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "load_avg_at_start": os.getloadavg(),
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _default(o):
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o))


def save(name: str, results: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, default=_default))
    (OUT / f"{name}-latest.json").write_text(path.read_text())
    return path


def table(rows: list[tuple], headers: tuple[str, ...]) -> str:
    cells = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    body = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in cells
    ]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])
