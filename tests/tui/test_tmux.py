"""The real dashboard in a real terminal: start `planner` in tmux, wait for the overview, switch to
every screen by key, open the command palette, quit. Skipped where tmux is not installed."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tmux, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]

ROOT = Path(__file__).resolve().parents[2]
SCREENS = (
    ("2", "planner — Usage"),
    ("3", "planner — Limits"),
    ("4", "planner — Pricing"),
    ("5", "planner — Plan"),
    ("1", "planner — Overview"),
)


def tmux(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30)


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session).stdout


def wait_for(session: str, text: str, timeout: float = 40.0) -> str:
    end = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < end:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{shown}")


def test_dashboard_in_tmux(tmp_path):
    planner = Path(sys.executable).parent / "planner"
    assert planner.exists(), planner
    session = f"planner-test-{uuid.uuid4().hex[:8]}"
    env = {
        "PLANNER_CONFIG_DIR": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = (
        f"cd {shlex.quote(str(ROOT))} && env -u ANTHROPIC_API_KEY -u NO_COLOR {exports} "
        f"{shlex.quote(str(planner))} --db {shlex.quote(str(tmp_path / 'tmp.db'))}; "
        f"echo planner-exited-$?; sleep 30"
    )
    started = tmux("new", "-d", "-s", session, "-x", "120", "-y", "40", command)
    assert started.returncode == 0, started.stderr
    try:
        shown = wait_for(session, "Month to date")
        assert "planner — Overview" in shown
        wait_for(session, "sample data: press i to import your own")
        for key, title in SCREENS:
            tmux("send-keys", "-t", session, key)
            wait_for(session, title)
        tmux("send-keys", "-t", session, "C-p")
        wait_for(session, "Search for commands")
        tmux("send-keys", "-t", session, "Escape")
        end = time.monotonic() + 10
        while "Search for commands" in screen(session) and time.monotonic() < end:
            time.sleep(0.2)
        assert "Search for commands" not in screen(session)
        tmux("send-keys", "-t", session, "q")
        wait_for(session, "planner-exited-0", timeout=15)
    finally:
        tmux("kill-session", "-t", session)
    assert os.path.exists(tmp_path / "tmp.db")
