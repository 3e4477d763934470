"""The API keys never appear in any output: stdout, stderr, the database (with its WAL) or exported
files, on success and on every failure path. At most a masked 4-character suffix is shown."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fakeapi import FakeAnthropic, reply

from planner.cli import main

SECRET = "Zq8xW3vLr5Tn0pYk2HmB7cJdQ4sF"
KEY = "sk-ant-api03-" + SECRET
ADMIN_SECRET = "Hy6pR2wK9mXc4VbN1tLs8QzE3jGa"
ADMIN = "sk-ant-admin01-" + ADMIN_SECRET


def leaks(text: str | bytes) -> list[str]:
    """Any 8-character window of either secret part (the masked suffix is 4 characters)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    found = []
    for secret in (SECRET, ADMIN_SECRET):
        found += [secret[i : i + 8] for i in range(len(secret) - 7) if secret[i : i + 8] in text]
    return found


def db_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "db" / "planner.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def api():
    with FakeAnthropic(rpm=1000, itpm=2_000_000, otpm=400_000, api_key=KEY, admin_key=ADMIN) as fake:
        yield fake


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SCRIPTS = [
    [],
    [reply.rate_limited()],
    [reply.spend_cap()],
    [reply.error(401)],
    [reply.error(403)],
    [reply.error(404)],
    [reply.error(400, f"echo {KEY}")],
    [reply.overloaded()] * 3,
    [reply.ok(headers="partial")],
    [reply.redirect("https://elsewhere.example/v1/messages")],
]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_probe_outputs_and_database_hold_no_key(env, api, capsys, monkeypatch, fmt):
    monkeypatch.setattr("time.sleep", lambda s: None)  # retry pauses (529 ×3) without waiting
    outputs = []
    for script in SCRIPTS:
        api.enqueue(*script)
        main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "--format", fmt])
        cap = capsys.readouterr()
        outputs.append(cap.out + cap.err)
    main(["probe", "--base-url", f"http://127.0.0.1:{_closed_port()}", "--format", fmt])
    cap = capsys.readouterr()
    outputs.append(cap.out + cap.err)
    text = "\n".join(outputs)
    assert "rate_limited" in text and "spend_cap" in text  # the runs really happened
    assert leaks(text) == []
    if fmt == "table":
        assert "key …Q4sF" in text  # the masked suffix, at most
    assert (env / "db" / "planner.db").exists()
    assert leaks(db_bytes(env / "db")) == []
    # the server did receive the key: the test is not vacuous
    assert api.requests[0].headers["x-api-key"] == KEY


def test_probe_in_a_real_process(env, api):
    """A separate process (real stdout/stderr, any traceback would land there)."""
    run_env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for args in (["--format", "json"], ["--watch", "0.01", "--count", "2"]):
        proc = subprocess.run(
            [sys.executable, "-m", "planner", "probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, *args],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert leaks(proc.stdout + proc.stderr) == []
    assert (
        json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "planner",
                    "probe",
                    "-m",
                    "claude-sonnet-4-6",
                    "--base-url",
                    api.base_url,
                    "-f",
                    "json",
                ],
                env=run_env,
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout
        )["status"]
        == "ok"
    )
    assert leaks(db_bytes(env / "db")) == []


def test_admin_commands_and_exported_files_hold_no_key(env, api, capsys, monkeypatch):
    assert main(["import", "--admin-usage", "--since", "2026-11-20", "--base-url", api.base_url]) == 0
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    assert main(["limits", "--live"]) == 0
    assert main(["limits", "--live", "--format", "json"]) == 0
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-" + ADMIN_SECRET[::-1])  # a wrong key: the 401 path
    assert main(["limits", "--live"]) == 2
    cap = capsys.readouterr()
    assert "HTTP 401" in cap.err
    assert leaks(cap.out + cap.err) == [] and ADMIN_SECRET[::-1][:8] not in cap.out + cap.err
    exported = list((env / "data").rglob("*.json"))
    assert exported and all(leaks(p.read_bytes()) == [] for p in exported)
    assert leaks(db_bytes(env / "db")) == []
    assert any(r.headers.get("x-api-key") == ADMIN for r in api.requests)
