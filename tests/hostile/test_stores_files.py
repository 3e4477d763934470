"""Broken stores, wrong files: `--db ""`, `--db` in a missing folder, a folder, a FIFO, a text
file, another program's SQLite database, a store from a newer planner. Each is refused with one
line and exit 2, and nothing is created or written (the file's sha256 is unchanged).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from stores_support import (
    SAMPLES,
    TIMESTAMP,
    check_one_line,
    digest,
    planner_env,
    run_planner,
    sample_store,
    state,
)

READERS = (["report"], ["headroom"], ["doctor"])
WRITERS = (["import", str(SAMPLES / "app")],)


def test_an_empty_db_path_is_refused(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    for args in (*READERS, *WRITERS):
        check_one_line(run_planner(["--db", "", *args], env), 2, "--db: empty path")
    assert not (tmp_path / "data").exists(), "fell back to the default location"


def test_a_db_in_a_missing_folder_is_refused_and_not_created(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "typo" / "deeper" / "planner.db"
    for args in (*READERS, *WRITERS):
        check_one_line(run_planner(["--db", str(db), *args], env), 2, str(db.parent), "does not exist")
    assert not (tmp_path / "typo").exists()
    # The default location (no --db) is still created when missing.
    ran = run_planner(["import", str(SAMPLES / "app"), "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    assert (tmp_path / "data" / "planner" / "planner.db").is_file()


def test_a_db_under_a_file_is_refused(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    (tmp_path / "afile").write_text("x")
    for args in (*READERS, *WRITERS):
        check_one_line(run_planner(["--db", str(tmp_path / "afile" / "p.db"), *args], env), 2, "is not a folder")
    assert (tmp_path / "afile").read_text() == "x"


def test_a_folder_as_the_db_is_refused(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    for args in (*READERS, *WRITERS):
        check_one_line(run_planner(["--db", str(folder), *args], env), 2, str(folder), "is a folder")
    assert list(folder.iterdir()) == []


def test_a_fifo_as_the_db_is_refused_at_once(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: SQLite would hang on it."""
    env = planner_env(tmp_path)
    fifo = tmp_path / "planner.db"
    os.mkfifo(fifo)
    for args in (*READERS, *WRITERS):
        started = time.monotonic()
        ran = run_planner(["--db", str(fifo), *args], env, timeout=20)
        check_one_line(ran, 2, "not a regular file")
        assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    "content",
    [b"this is not sqlite\n" * 200, b"SQLite format 2\x00" + b"\x00" * 4000, b"\x00" * 4096, b"x"],
    ids=["text", "other-header", "zeros", "one-byte"],
)
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    env = planner_env(tmp_path)
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    before = digest(db)
    for args in (*WRITERS, ["report"], ["headroom"]):
        check_one_line(run_planner(["--db", str(db), *args], env), 2, str(db), "not a planner database")
    ran = run_planner(["--db", str(db), "doctor"], env)
    check_one_line(ran, 2, "not a planner database")
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("notes")) == ["notes.db"]


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    """Before, planner added its tables to it (user_version 0 looked like a new store)."""
    env = planner_env(tmp_path)
    db = tmp_path / "firefox-places.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places(url) VALUES ('https://example.com')")
    conn.commit()
    conn.close()
    before = digest(db)
    for args in (*WRITERS, ["report"], ["headroom"]):
        check_one_line(run_planner(["--db", str(db), *args], env), 2, "not a planner database", "moz_places")
    assert digest(db) == before
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["moz_places"]
    conn.close()


def test_a_store_from_a_newer_planner_is_one_line_for_every_command(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = sample_store(tmp_path / "planner.db", env)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    before = state(db)
    for args in (*WRITERS, ["report"], ["headroom"], ["report", "--by", "model"]):
        check_one_line(run_planner(["--db", str(db), *args], env), 2, "newer planner", "schema 99")
    ran = run_planner(["--db", str(db), "doctor", "--format", "json"], env)
    assert ran.code == 0 and "Traceback" not in ran.err  # not damaged: the advice says to upgrade
    assert '"schema_version": 99' in ran.out and "upgrade planner" in ran.out
    assert state(db) == before
