"""Broken stores, read-only: the file (0444), its folder (0555), or the whole file system (a
read-only mount). Commands that write (import, probe) exit 2 with one line saying so, before any
work (the probe is never sent), and the store is left as it was; reading commands still read a
read-only file.

File modes mean nothing to root, so as root the cases run as `nobody` (and the mount case needs
root); run as another user they run as that user.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from stores_support import (
    NOBODY,
    SAMPLES,
    can_drop_to_nobody,
    can_mount,
    check_one_line,
    planner_env,
    remount,
    run_planner,
    sample_store,
    shared_dir,
    small_fs,
    state,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the loopback fake API
from fakeapi import FakeAnthropic

KEY = "sk-ant-api03-READONLY-abcdefghijklmnop-1234"


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder the case's user can reach, owned by it."""
    where = shared_dir()
    try:
        yield where
    finally:
        for p in (where, *where.rglob("*")):
            if p.is_dir():
                os.chmod(p, 0o755)
        shutil.rmtree(where, ignore_errors=True)


@pytest.fixture
def api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(api_key=KEY) as fake:
        yield fake


def as_user() -> int | None:
    return NOBODY if can_drop_to_nobody() else None


def setup(folder: Path) -> tuple[Path, Path, dict[str, str]]:
    env = planner_env(folder, ANTHROPIC_API_KEY=KEY)
    db = sample_store(folder / "planner.db", env)
    log = folder / "new.jsonl"
    log.write_text((SAMPLES / "app" / "requests.jsonl").read_text().replace('"id":"', '"id":"ro-'))
    if as_user() is not None:
        for p in (folder, *folder.rglob("*")):
            os.chown(p, NOBODY, NOBODY)
    return db, log, env


def writers(db: Path, log: Path, api: FakeAnthropic) -> list[list[str]]:
    return [
        ["--db", str(db), "import", str(log)],
        ["--db", str(db), "probe", "--model", "claude-haiku-4-5", "--base-url", api.base_url],
    ]


def test_a_read_only_file_refuses_writes_in_one_line_and_still_reads(folder: Path, api: FakeAnthropic) -> None:
    db, log, env = setup(folder)
    reference = run_planner(["--db", str(db), "report", "--format", "json"], env, user=as_user())
    assert reference.code == 0, reference.err
    os.chmod(db, 0o444)
    before = state(db)
    for args in writers(db, log, api):
        check_one_line(run_planner(args, env, user=as_user()), 2, str(db), "read-only")
    assert api.requests == [], "the probe was sent although its snapshot could not be saved"
    ran = run_planner(["--db", str(db), "report", "--format", "json"], env, user=as_user())
    assert ran.code == 0 and ran.out == reference.out
    assert state(db) == before


def test_a_read_only_folder_refuses_writes_in_one_line(folder: Path, api: FakeAnthropic) -> None:
    """The file is writable, but SQLite cannot create the -wal and -shm files beside it: the line
    says what to make writable (before, only "read-only; choose another")."""
    db, log, env = setup(folder)
    before = state(db)
    os.chmod(folder, 0o555)
    for args in writers(db, log, api):
        check_one_line(run_planner(args, env, user=as_user()), 2, str(db), "read-only", "folder writable")
    ran = run_planner(["--db", str(db), "report"], env, user=as_user())
    assert "Traceback" not in ran.err
    if ran.code != 0:
        check_one_line(ran, 2, str(db))
    assert api.requests == []
    assert state(db) == before


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a read-only file system")
def test_a_read_only_file_system_refuses_writes_in_one_line(tmp_path: Path, api: FakeAnthropic) -> None:
    env = planner_env(tmp_path, ANTHROPIC_API_KEY=KEY)
    log = tmp_path / "new.jsonl"
    log.write_text((SAMPLES / "app" / "requests.jsonl").read_text().replace('"id":"', '"id":"ro-'))
    with small_fs("4m") as mnt:
        db = sample_store(mnt / "planner.db", env)
        before = state(db)
        remount(mnt, "ro")
        for args in writers(db, log, api):
            check_one_line(run_planner(args, env), 2, str(db), "read-only")
        ran = run_planner(["--db", str(db), "report"], env)
        assert "Traceback" not in ran.err
        if ran.code != 0:
            check_one_line(ran, 2, str(db))
        assert api.requests == []
        assert state(db) == before
