"""Broken stores, what to do: `planner doctor --salvage` replaces a damaged store by a new one with
everything that reads back, keeping the damaged file beside it. Damaged indexes or slots lose
nothing (the reports equal the healthy store's); damaged rows mean importing the logs again,
which gives the exact totals; probe snapshots, which exist nowhere else, are kept.

SQLite's own `.recover` needs the sqlite_dbpage table, which common builds (Debian's) lack; this
works with any SQLite.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from stores_support import (
    SAMPLES,
    TIMESTAMP,
    damage,
    digest,
    pages_of,
    planner_env,
    run_planner,
    sample_store,
    state,
)

KEY = "sk-ant-api03-SALVAGE-abcdefghijklmnop-4321"
REPORTS = (["--by", "day"], ["--by", "model"], ["--by", "project"])


def reports(db: Path, env: dict[str, str]) -> list[object]:
    out = []
    for by in REPORTS:
        ran = run_planner(["--db", str(db), "report", "--format", "json", *by], env)
        assert ran.code == 0, ran.err
        out.append(json.loads(ran.out))
    return out


def kept_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("healthy")
    env = planner_env(tmp)
    db = sample_store(tmp / "planner.db", env)
    return {"db": db, "reports": reports(db, env), "pages": pages_of(db)}


@pytest.mark.parametrize("target", ["sqlite_autoindex_usage_1", "slots"])
def test_salvage_loses_nothing_when_only_derived_pages_are_damaged(healthy: dict, tmp_path: Path, target: str) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    pages = healthy["pages"][target]
    damage(db, pages[len(pages) // 2])
    damaged = digest(db)
    ran = run_planner(["--db", str(db), "doctor"], env)
    assert ran.code == 1 and "--salvage" in ran.out and "every row" in ran.out
    ran = run_planner(["--db", str(db), "doctor", "--salvage"], env)
    assert ran.code == 0 and not ran.err.strip(), ran.err
    assert "kept usage: 4,498 rows" in ran.out
    [aside] = kept_files(tmp_path)
    assert digest(aside) == damaged, "the damaged file is kept as it was"
    assert run_planner(["--db", str(db), "doctor"], env).code == 0
    assert reports(db, env) == healthy["reports"]
    ran = run_planner(["--db", str(db), "import", str(SAMPLES), "--timestamp", TIMESTAMP, "--json"], env)
    assert ran.code == 0 and json.loads(ran.out)["new"] == 0  # every file's import state was kept
    assert reports(db, env) == healthy["reports"]


def test_salvage_keeps_probe_history_and_the_logs_import_again_exactly(healthy: dict, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the loopback fake API
    from fakeapi import FakeAnthropic

    env = planner_env(tmp_path, ANTHROPIC_API_KEY=KEY)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    with FakeAnthropic(api_key=KEY) as api:
        for model in ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-haiku-4-5"):
            ran = run_planner(["--db", str(db), "probe", "--model", model, "--base-url", api.base_url], env)
            assert ran.code == 0, ran.err
    conn = sqlite3.connect(db)
    probes = conn.execute("SELECT * FROM probe_snapshots ORDER BY id").fetchall()
    conn.close()
    assert len(probes) == 3
    pages = healthy["pages"]["usage"]
    damage(db, pages[len(pages) // 2])
    ran = run_planner(["--db", str(db), "doctor", "--salvage", "--format", "json"], env)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["copied"] == {"probe_snapshots": 3}
    assert set(out["lost"]) == {"sources", "dims", "usage", "billed", "problems"}
    assert out["import_again"] == [str(SAMPLES / d) for d in ("admin", "app", "batch", "claude-code", "csv")]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT * FROM probe_snapshots ORDER BY id").fetchall() == probes
    conn.close()
    ran = run_planner(["--db", str(db), "import", *out["import_again"], "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    assert reports(db, env) == healthy["reports"]


def test_salvage_of_a_damaged_list_of_tables_gives_a_store_to_import_into(healthy: dict, tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    damage(db, 1, offset=100, length=4000)
    ran = run_planner(["--db", str(db), "doctor", "--salvage"], env)
    assert ran.code == 0 and "import your logs again" in ran.out, ran.err
    assert run_planner(["--db", str(db), "doctor"], env).code == 0
    ran = run_planner(["--db", str(db), "import", str(SAMPLES), "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    assert reports(db, env) == healthy["reports"]


def test_salvage_of_a_healthy_store_changes_nothing(healthy: dict, tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "planner.db"
    shutil.copy(healthy["db"], db)
    before = state(db)
    ran = run_planner(["--db", str(db), "doctor", "--salvage"], env)
    assert ran.code == 0 and "no damage found" in ran.out
    assert state(db) == before and kept_files(tmp_path) == []
