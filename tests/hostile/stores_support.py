"""Helpers of the broken-store cases (tests/hostile/test_stores_*.py): a real store to break, ways
to break it (damaged pages, read-only, a small file system), the real `planner` in a subprocess
with its time and peak memory, and the checks every case makes.

Peak memory: a child forked from pytest starts with pytest's memory counted (Linux keeps a
process's peak RSS across exec), so a small Python process forks and execs planner and reports
the `wait4` rusage of that grandchild, which includes the import's parse workers it waited for.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import planner
from planner import paths

# The planner under test: the one pytest imported (a checkout, or another on PYTHONPATH).
ROOT = Path(planner.__file__).resolve().parents[1]
SAMPLES = paths.sample_logs_dir()
TIMESTAMP = "2026-11-19T02:00:00Z"  # the samples' batch results carry no time of their own
MAX_SECONDS = 60.0  # any case; the machine is shared, so generous
MAX_MB = 400.0

# Forks and execs `python -m planner ARGS`, waits with wait4, writes {"rc", "maxrss_kb"} as JSON to
# the file named by argv[1]; exits with planner's code.
_MEASURE = r"""
import json, os, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    # /proc/self/exe: as another user the interpreter's path may not be searchable
    exe = "/proc/self/exe" if os.path.exists("/proc/self/exe") else sys.executable
    os.execv(exe, [sys.executable, "-m", "planner", *argv])
_, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(out, "w") as fh:
    json.dump({"rc": code, "maxrss_kb": usage.ru_maxrss}, fh)
sys.exit(code if code >= 0 else 128 - code)
"""


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def planner_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A private environment: its own config and data folders; no user overrides, no keys."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    env = {
        **keep,
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config-home"),
        "PLANNER_CONFIG_DIR": str(tmp / "config"),
        "PYTHONIOENCODING": "utf-8",
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def run_planner(
    args: Sequence[str], env: dict[str, str], *, user: int | None = None, timeout: float = MAX_SECONDS
) -> Ran:
    """The real `planner ARGS` in a subprocess (as `user` when given), measured."""
    fd, report = tempfile.mkstemp(prefix="planner-measure-", suffix=".json")
    os.close(fd)
    os.chmod(report, 0o666)
    started = time.perf_counter()
    # setpriv rather than subprocess's user=: here the latter could not exec the interpreter
    drop = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    try:
        done = subprocess.run(
            [*drop, sys.executable, "-c", _MEASURE, report, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/",
        )
        seconds = time.perf_counter() - started
        try:
            measured = json.loads(Path(report).read_text() or "{}")
        except ValueError:
            measured = {}
    finally:
        os.unlink(report)
    ran = Ran(done.returncode, done.stdout, done.stderr, seconds, measured.get("maxrss_kb", 0) / 1024)
    if figures := os.environ.get("PLANNER_STORES_FIGURES"):  # one JSON line per run, for the closing figures
        with open(figures, "a") as fh:
            fh.write(
                json.dumps({"args": list(args)[:4], "seconds": round(seconds, 3), "peak_mb": round(ran.peak_mb, 1)})
                + "\n"
            )
    return ran


def check_one_line(ran: Ran, code: int, *words: str) -> str:
    """Every case: the exit code, exactly one line on stderr, no traceback, words in it, bounded
    time and memory. Returns the line."""
    assert ran.code == code, (ran.code, ran.out[-2000:], ran.err[-2000:])
    assert "Traceback" not in ran.err and "Traceback" not in ran.out, ran.err
    assert len(ran.err_lines) == 1, ran.err
    line = ran.err_lines[0]
    for word in words:
        assert word in line, (word, line)
    assert ran.seconds < MAX_SECONDS, ran.seconds
    assert ran.peak_mb < MAX_MB, ran.peak_mb
    return line


# --- stores ----------------------------------------------------------------------------------


def import_samples(db: Path, env: dict[str, str], *logs: Path) -> Ran:
    ran = run_planner(["--db", str(db), "import", *(str(p) for p in logs or [SAMPLES]), "--timestamp", TIMESTAMP], env)
    assert ran.code == 0, ran.err
    return ran


_BUILT: dict[str, Path] = {}


def sample_store(dest: Path, env: dict[str, str]) -> Path:
    """A store holding the bundled samples at `dest` (built once per test run, then copied)."""
    built = _BUILT.get("samples")
    if built is None or not built.exists():
        folder = Path(tempfile.mkdtemp(prefix="planner-hostile-stores-"))
        atexit.register(shutil.rmtree, folder, True)
        built = folder / "samples.db"
        import_samples(built, env)
        checkpoint(built)
        _BUILT["samples"] = built
    shutil.copy(built, dest)
    return dest


def checkpoint(db: Path) -> None:
    """Everything in the main file, no WAL left (so the file alone is the store)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(db: Path) -> dict[str, str | None]:
    """Hashes of the store's files: the main file and its WAL (an empty or missing WAL is the same
    store), to compare before and after a case."""
    wal = db.with_name(db.name + "-wal")
    return {
        "db": digest(db) if db.exists() else None,
        "wal": digest(wal) if wal.exists() and wal.stat().st_size else None,
    }


def pages_of(db: Path) -> dict[str, list[int]]:
    """Page numbers of each table and index (SQLite's dbstat), to damage a chosen one."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out: dict[str, list[int]] = {}
        for name, page in conn.execute("SELECT name, pageno FROM dbstat ORDER BY pageno"):
            out.setdefault(str(name), []).append(int(page))
        return out
    finally:
        conn.close()


def page_size(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def damage(db: Path, page: int, *, offset: int = 0, length: int = 100, byte: bytes = b"\xff") -> None:
    """Overwrite `length` bytes of a page (1-based) from `offset`: its header at 0."""
    size = page_size(db)
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * size + offset)
        fh.write(byte * length)


def report_json(db: Path, env: dict[str, str], *extra: str) -> dict:
    ran = run_planner(["--db", str(db), "report", "--format", "json", *extra], env)
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


# --- file systems ----------------------------------------------------------------------------


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def small_fs(size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "600k"), mounted for the test (root only: callers skip otherwise)."""
    where = Path(tempfile.mkdtemp(prefix="planner-small-fs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        where.rmdir()
        raise OSError(f"mount failed: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True, capture_output=True)


def fill(where: Path) -> None:
    """Use up the file system's free space: zeros until ENOSPC, in big then small writes."""
    with open(where / "filler", "wb", buffering=0) as fh:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                continue


NOBODY = 65534


def can_drop_to_nobody() -> bool:
    """Root can run the case as an unprivileged user, for whom a 0444 file is read-only; and that
    user must be able to load planner with this interpreter (a virtualenv under a 0700 folder,
    such as mktemp's, is out of its reach)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv") is not None):
        return False
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = subprocess.run(
        [*drop, sys.executable, "-c", "import msgspec, httpx, planner.cli"], capture_output=True, cwd="/", timeout=60
    )
    return probe.returncode == 0


def shared_dir() -> Path:
    """A folder the unprivileged user can use (pytest's tmp folders are 0700); removed by the caller."""
    folder = Path(tempfile.mkdtemp(prefix="planner-hostile-stores-"))
    os.chmod(folder, 0o755)
    return folder
