"""`planner watch` (issue 16, item 3): --once exit codes, incremental import, JSON lines, alerts
through a loopback webhook, Admin usage and probes from the fake API, and a clean stop on SIGINT
and SIGTERM of the real command."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeapi import FakeAnthropic
from receiver import Receiver

from planner import paths
from planner.cli import main

SAMPLES = paths.sample_logs_dir()
ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-20T12:00:00Z"  # the samples' last full day is Nov 20


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "planner.db"))
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "ANTHROPIC_BASE_URL", "CLAUDE_CONFIG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no real ~/.claude is imported
    return tmp_path


def _events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_once_exit_codes_and_json_lines(env, capsys):
    app = str(SAMPLES / "app")
    # nothing set: imports the log, says there are no budgets, exit 0
    code, out, _ = run(capsys, "watch", "--once", "--path", app, "--at", AT, "-f", "json")
    events = _events(out)
    assert code == 0 and [e["event"] for e in events] == ["imported", "note", "note"]
    assert events[0]["new"] > 4000
    run(capsys, "budget", "set", "team", "30")
    with Receiver() as rx:
        argv = ("watch", "--once", "--path", app, "--at", AT, "--webhook", rx.url, "-f", "json")
        code, out, _ = run(capsys, *argv)
        events = _events(out)
        kinds = [e["event"] for e in events]
        # the import is incremental: nothing new the second time, so no "imported" line
        assert code == 3 and "imported" not in kinds and kinds.count("alert") == 2 and kinds.count("delivered") == 2
        spent = next(e for e in events if e["event"] == "alert" and e["kind"] == "spent")
        assert spent["level"] == 1 and spent["budget"] == "team" and spent["period"] == "2026-11"
        assert len(rx.delivered) == 2
        # the same crossing on a second run: nothing, exit 0
        code, out, _ = run(capsys, *argv)
        assert code == 0 and [e["event"] for e in _events(out)] == ["note"]
        assert len(rx.delivered) == 2


def test_once_a_failed_delivery_exits_1_and_is_sent_by_a_later_run(env, capsys):
    run(capsys, "import", str(SAMPLES / "app"))
    run(capsys, "budget", "set", "team", "30", "--no-forecast")
    with Receiver([503] * 4) as rx:
        argv = ["watch", "--once", "--no-import", "--no-capacity", "--webhook", rx.url]
        code, out, _ = run(capsys, *argv, "--at", AT)
        assert code == 1 and " failed " in out and "SECRET" not in out and rx.delivered == []
        code, out, _ = run(capsys, *argv, "--at", "2026-11-20T12:00:30Z")
        assert code == 0 and out == ""  # not due yet (backoff): no request, no line
        code, out, _ = run(capsys, *argv, "--at", "2026-11-20T12:05:00Z")
        assert code == 0 and " delivered " in out and " alert " not in out
        assert len(rx.delivered) == 1 and rx.delivered[0]["level"] == 1


@pytest.mark.parametrize(
    "argv, words",
    [
        (("--webhook", "ftp://x/y"), "not a webhook URL"),
        (("--tier", "tier9"), "unknown tier 'tier9'"),
        (("--share", "lots"), "--share: not a positive number"),
        (("--interval", "0"), "must be above 0 seconds"),
    ],
)
def test_once_errors_are_one_line(env, capsys, argv, words):
    code, _, err = run(capsys, "watch", "--once", "--no-import", *argv)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_command_channel_and_settings_defaults(env, capsys):
    run(capsys, "import", str(SAMPLES / "app"))
    run(capsys, "budget", "set", "team", "30", "--levels", "1", "--no-forecast")
    out_file = env / "alerts.txt"
    cfg = env / "config" / "settings.toml"
    with cfg.open("a") as fh:
        fh.write(
            f'\n[alerts]\ncommand = "printf \'%s\\\\n\' \\"$PLANNER_ALERT_BUDGET $PLANNER_ALERT_LEVEL\\" >> {out_file}"\n'
        )
    code, out, err = run(capsys, "watch", "--once", "--no-import", "--no-capacity", "--at", AT)
    assert code == 3, err
    assert out_file.read_text() == "team 1\n"
    assert " delivered   command " in out


def test_admin_usage_and_probes_from_the_fake_api(env, capsys, monkeypatch):
    admin_key = "sk-ant-admin01-secret-never-shown-XYZ"
    api_key = "sk-ant-api03-secret-never-shown-ABC"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", admin_key)
    monkeypatch.setenv("ANTHROPIC_API_KEY", api_key)
    with FakeAnthropic(rpm=1, admin_key=admin_key, api_key=api_key) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code, out, err = run(
            capsys, "watch", "--once", "--path", str(env / "none"), "--probe-every", "60", "-f", "json"
        )
        events = _events(out)
    by = {e["event"]: e for e in events}
    assert by["imported"]["new"] == 3  # the fake's three hourly buckets
    assert by["probed"]["status"] == "ok"
    # one request of an RPM of 1 left none: the live probe shows the limit fully in use
    alert = next(e for e in events if e["event"] == "alert" and e["kind"] == "live-share")
    assert alert["dimension"] == "requests" and alert["used_share"] == 1
    assert code == 3
    assert admin_key not in out + err and api_key not in out + err
    saved = list((env / "admin").glob("watch-usage-report-*.json"))
    assert saved and all(admin_key not in p.read_text() for p in saved)


def _spawn(env_dir: Path, *extra: str) -> subprocess.Popen:
    environ = {
        **os.environ,
        "PLANNER_CONFIG_DIR": str(env_dir / "config"),
        "PLANNER_DB": str(env_dir / "planner.db"),
        "HOME": str(env_dir / "home"),
    }
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_ADMIN_KEY", "CLAUDE_CONFIG_DIR"):
        environ.pop(var, None)
    return subprocess.Popen(
        [sys.executable, "-m", "planner", "watch", "--interval", "0.2", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        cwd=ROOT,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_stops_cleanly_on_a_signal(tmp_path, sig):
    proc = _spawn(tmp_path, "--path", str(SAMPLES / "app"), "--format", "json")
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(json.loads(line))
            if lines[-1]["event"] == "imported":
                break
        time.sleep(0.5)  # a few more passes, importing nothing new
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in lines]
    assert proc.returncode == 0 and "Traceback" not in err
    assert kinds[0] == "started" and kinds[-1] == "stopped" and kinds.count("imported") == 1


def test_the_service_examples_in_docs_run_planner_watch():
    import configparser
    import plistlib

    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.read_string((ROOT / "docs" / "examples" / "planner-watch.service").read_text())
    assert "planner watch" in unit["Service"]["ExecStart"] and unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "default.target"
    plist = plistlib.loads((ROOT / "docs" / "examples" / "dev.planner.watch.plist").read_bytes())
    assert plist["ProgramArguments"][1] == "watch" and plist["KeepAlive"] == {"SuccessfulExit": False}
