"""Broken stores, a full disk: mid-import (a small tmpfs, root only; and in-process, with the
writer raising SQLite's "database or disk is full"), and under `prices set` (ENOSPC from the
atomic writer). Each is one line and exit 2 that says "disk full" (with what the import still
needs), the store or file is left consistent, and once space is freed the next import gives the
exact totals of a clean one. The WAL is checkpointed in bounded steps, so it no longer grows to
the size of everything imported.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from stores_support import (
    SAMPLES,
    TIMESTAMP,
    can_mount,
    check_one_line,
    fill,
    planner_env,
    remount,
    report_json,
    run_planner,
    small_fs,
)

from planner.cli import main
from planner.ingest import pipeline
from planner.store import writer

IMPORT = ["import", str(SAMPLES), "--timestamp", TIMESTAMP]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A clean import of the samples: the totals every recovered store must equal."""
    tmp = tmp_path_factory.mktemp("clean")
    env = planner_env(tmp)
    db = tmp / "clean.db"
    ran = run_planner(["--db", str(db), *IMPORT], env)
    assert ran.code == 0, ran.err
    return {by: report_json(db, env, "--by", by) for by in ("day", "model")}


def totals(db: Path, env: dict[str, str]) -> dict:
    return {by: report_json(db, env, "--by", by) for by in ("day", "model")}


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small file system")
def test_disk_full_mid_import_on_a_small_file_system_then_exact_totals(tmp_path: Path, clean: dict) -> None:
    env = planner_env(tmp_path)
    with small_fs("512k") as mnt:
        db = mnt / "planner.db"
        ran = run_planner(["--db", str(db), *IMPORT], env)
        line = check_one_line(ran, 2, str(db), "disk full", "this import needs about", "run the import again")
        assert "database or disk is full" not in line.split(": ", 2)[1][:20]  # said plainly, not SQLite's words
        # every later command works, or says why in one line
        for args in (["report"], ["headroom"], ["doctor"]):
            later = run_planner(["--db", str(db), *args], env)
            assert "Traceback" not in later.err
            if later.code not in (0, 1):
                check_one_line(later, 2)
        remount(mnt, "size=16m")
        assert integrity(db) == "ok"
        ran = run_planner(["--db", str(db), *IMPORT], env)
        assert ran.code == 0, ran.err
        assert totals(db, env) == clean
        assert run_planner(["--db", str(db), "doctor"], env).code == 0


def test_a_disk_io_error_on_a_full_disk_is_called_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the hostile run's import filled the disk, every command failed to grow SQLite's WAL
    index and said only "disk I/O error" (reproduced by hand on a 40 MB tmpfs with the 1.4 GB
    benchmark tree: a 42 MB WAL). An I/O error with no room left is now called a full disk."""
    from planner.store import connection

    db = tmp_path / "planner.db"
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 4874  # type: ignore[attr-defined]  # SQLITE_IOERR_SHMSIZE
    monkeypatch.setattr(connection, "free_space", lambda path: 0)
    line = str(connection.explain(db, error))
    assert line.startswith(f"{db}: disk full (disk I/O error; 0 bytes free") and "free some space" in line
    monkeypatch.setattr(connection, "free_space", lambda path: 10 << 30)
    line = str(connection.explain(db, error))
    assert "disk I/O error" in line and "disk full" not in line and "planner doctor" in line


def test_disk_full_injected_at_the_writer_then_exact_totals(
    tmp_path: Path, clean: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    db = tmp_path / "planner.db"
    monkeypatch.setattr(pipeline, "TXN_FILES", 2)  # several commits before the disk fills
    calls = {"n": 0}
    add_rows = writer.ImportWriter.add_rows

    def full(self: writer.ImportWriter, rows: list, slots: list | None) -> tuple[int, int]:
        calls["n"] += 1
        if calls["n"] == 7:
            raise sqlite3.OperationalError("database or disk is full")
        return add_rows(self, rows, slots)

    monkeypatch.setattr(writer.ImportWriter, "add_rows", full)
    assert main(["--db", str(db), *IMPORT, "--quiet"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "Traceback" not in err[0]
    assert "disk full" in err[0] and "this import needs about" in err[0] and "are kept" in err[0]
    monkeypatch.setattr(writer.ImportWriter, "add_rows", add_rows)
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    kept = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
    conn.close()
    assert kept >= 2, "the files committed before the disk filled are kept"
    assert main(["--db", str(db), *IMPORT, "--quiet"]) == 0
    capsys.readouterr()
    assert totals(db, planner_env(tmp_path)) == clean


def test_the_wal_is_checkpointed_in_bounded_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With checkpoints only at the end, the WAL held every page each commit wrote: 2.5 MB for a
    0.7 MB store of the samples (one file per transaction here). Now it stays below the store."""
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(writer, "CHECKPOINT_BYTES", 64 << 10, raising=False)
    monkeypatch.setattr(pipeline, "TXN_FILES", 1)
    db = tmp_path / "planner.db"
    wal = db.with_name(db.name + "-wal")
    sizes: list[int] = []
    commit = writer.ImportWriter.commit

    def measured(self: writer.ImportWriter, *args: object, **kwargs: object) -> None:
        commit(self, *args, **kwargs)  # type: ignore[arg-type]
        sizes.append(wal.stat().st_size if wal.exists() else 0)

    monkeypatch.setattr(writer.ImportWriter, "commit", measured)
    assert main(["--db", str(db), *IMPORT, "--quiet"]) == 0
    assert len(sizes) > 10
    assert max(sizes) < db.stat().st_size, (max(sizes), db.stat().st_size)


OVERRIDE = '[models.claude-haiku-4-5.price]\ninput = "1.5"\n'


def set_price(value: str) -> list[str]:
    return ["prices", "set", "claude-haiku-4-5", "output", value]


def test_prices_set_on_a_full_disk_is_one_line_and_the_file_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "overrides.toml").write_text(OVERRIDE)
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(config))
    import planner.atomic

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(planner.atomic.os, "fsync", no_space)
    assert main(set_price("7.5")) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "Traceback" not in err[0]
    assert "overrides.toml: not written: disk full" in err[0] and "left as it was" in err[0]
    assert (config / "overrides.toml").read_text() == OVERRIDE
    assert [p.name for p in config.iterdir()] == ["overrides.toml"], "a temporary file was left behind"


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small file system")
def test_prices_set_on_a_really_full_disk(tmp_path: Path) -> None:
    with small_fs("64k") as mnt:
        env = planner_env(tmp_path, PLANNER_CONFIG_DIR=str(mnt))
        (mnt / "overrides.toml").write_text(OVERRIDE)
        fill(mnt)
        ran = run_planner(set_price("7.5"), env)
        check_one_line(ran, 2, "overrides.toml: not written", "disk full", "left as it was")
        assert (mnt / "overrides.toml").read_text() == OVERRIDE
        assert sorted(p.name for p in mnt.iterdir()) == ["filler", "overrides.toml"]
        (mnt / "filler").unlink()
        ran = run_planner(set_price("7.5"), env)
        assert ran.code == 0, ran.err
        assert 'output = "7.5"' in (mnt / "overrides.toml").read_text()
