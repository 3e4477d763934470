"""How fast can plain Python import a Claude Code tree? A floor to judge planner's importer against.

    .venv/bin/python bench/floor_import.py bench/data/big [--db /tmp/floor.db]

Not planner code and not a second importer: the least work any importer must do (read every
byte, decode the assistant lines with msgspec, dedup by message.id + requestId keeping the
largest, insert one row per request into SQLite in one transaction per file), timed stage by
stage. If planner's cold import is far above this, the difference is overhead worth finding.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

import msgspec


class Split(msgspec.Struct):
    ephemeral_5m_input_tokens: int = 0
    ephemeral_1h_input_tokens: int = 0


class Usage(msgspec.Struct):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation: Split | None = None


class Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    usage: Usage | None = None


class Line(msgspec.Struct):
    type: str = ""
    timestamp: str = ""
    requestId: str | None = None
    isSidechain: bool = False
    message: Message | None = None


USER_PREFIX = b'"type":"user"'  # user lines name their type before the (huge) message: skip unparsed


def main(argv: list[str]) -> int:
    root = Path(argv[0])
    db = Path(argv[argv.index("--db") + 1]) if "--db" in argv else Path("/tmp/floor.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE r (key TEXT PRIMARY KEY, ts TEXT, model TEXT, inp INT, w5 INT, w1 INT, rd INT, out INT, side INT) WITHOUT ROWID"
    )
    dec = msgspec.json.Decoder(Line)
    stages = {"list": 0.0, "read": 0.0, "decode": 0.0, "insert": 0.0}
    t = time.perf_counter()
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root / "projects") for f in fs if f.endswith(".jsonl"))
    stages["list"] = time.perf_counter() - t
    rows = 0
    upsert = (
        "INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET inp=excluded.inp, w5=excluded.w5, "
        "w1=excluded.w1, rd=excluded.rd, out=excluded.out, side=excluded.side "
        "WHERE excluded.inp+excluded.w5+excluded.w1+excluded.rd+excluded.out > r.inp+r.w5+r.w1+r.rd+r.out"
    )
    for path in files:
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            data = f.read()
        t1 = time.perf_counter()
        best: dict[str, tuple] = {}
        for line in data.split(b"\n"):
            if not line or USER_PREFIX in line[:400]:
                continue
            d = dec.decode(line)
            m = d.message
            if d.type != "assistant" or m is None or m.usage is None or m.model == "<synthetic>":
                continue
            u = m.usage
            w5, w1 = (
                (u.cache_creation.ephemeral_5m_input_tokens, u.cache_creation.ephemeral_1h_input_tokens)
                if u.cache_creation
                else (u.cache_creation_input_tokens, 0)
            )
            row = (
                f"{m.id}:{d.requestId}",
                d.timestamp,
                m.model,
                u.input_tokens,
                w5,
                w1,
                u.cache_read_input_tokens,
                u.output_tokens,
                d.isSidechain,
            )
            old = best.get(row[0])
            if old is None or sum(row[3:8]) > sum(old[3:8]):
                best[row[0]] = row
        t2 = time.perf_counter()
        with conn:
            conn.executemany(upsert, best.values())
        t3 = time.perf_counter()
        rows += len(best)
        stages["read"] += t1 - t0
        stages["decode"] += t2 - t1
        stages["insert"] += t3 - t2
    total = sum(stages.values())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = conn.execute("SELECT count(*) FROM r").fetchone()[0]
    print(
        " ".join(f"{k} {v:.2f}s" for k, v in stages.items())
        + f"  total {total:.2f}s  rows {n:,}  peak RSS {rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
