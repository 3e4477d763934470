"""Broken stores, locked: another writer holds the store longer than the busy timeout (5 s). The
import waits that long, then exits 2 with one line saying who holds it and for how long, keeps
nothing half-written, and the next import once the lock is gone gives the exact totals. Readers
are never blocked (WAL).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from stores_support import SAMPLES, TIMESTAMP, check_one_line, planner_env, run_planner, sample_store, state


def test_a_store_locked_past_the_busy_timeout_is_one_line_then_imports_exactly(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = sample_store(tmp_path / "planner.db", env)
    log = tmp_path / "new.jsonl"
    log.write_text((SAMPLES / "app" / "requests.jsonl").read_text().replace('"id":"', '"id":"lock-'))
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    ran = run_planner(["--db", str(reference), "import", str(log), "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    before = state(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        ran = run_planner(["--db", str(db), "import", str(log), "--timestamp", TIMESTAMP], env)
        check_one_line(ran, 2, str(db), "locked by another process", "for more than 5 s")
        assert 4.5 < ran.seconds < 30, ran.seconds  # the busy timeout, then out
        readers = run_planner(["--db", str(db), "report", "--format", "json"], env)
        assert readers.code == 0, readers.err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert state(db) == before
    ran = run_planner(["--db", str(db), "import", str(log), "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    for by in ("day", "model"):
        got = run_planner(["--db", str(db), "report", "--by", by, "--format", "json"], env)
        want = run_planner(["--db", str(reference), "report", "--by", by, "--format", "json"], env)
        assert json.loads(got.out) == json.loads(want.out)
