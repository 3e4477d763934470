"""`planner statusline` (issue 16, item 5): the line for a recorded Claude Code payload, garbage on
stdin, an empty or broken store (exit 0, a short fallback), the cache, and how little it imports."""

import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from planner import paths
from planner.cli import main

SAMPLES = paths.sample_logs_dir()
ROOT = Path(__file__).resolve().parents[1]
AT = "2026-11-20T12:10:00Z"
# What Claude Code sends a statusline command (recorded shape; 2.x adds fields, all optional here).
PAYLOAD = {
    "hook_event_name": "Status",
    "session_id": "4f0c7a52-5b7e-4d0e-9b8e-0a3c2d1e9f10",
    "transcript_path": "/home/maya/.claude/projects/-home-maya-src-infra/4f0c7a52.jsonl",
    "cwd": "/home/maya/src/infra",
    "model": {"id": "claude-sonnet-4-6", "display_name": "Sonnet 4.6"},
    "workspace": {"current_dir": "/home/maya/src/infra", "project_dir": "/home/maya/src/infra"},
    "version": "2.0.14",
    "output_style": {"name": "default"},
    "cost": {"total_cost_usd": 0.42, "total_duration_ms": 180000, "total_api_duration_ms": 2300},
    "context_window": {"context_window_size": 200000, "total_input_tokens": 15234},
}


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "planner.db"))
    return tmp_path


def line(capsys, monkeypatch, stdin: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["statusline", "--at", AT, *argv])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def _cli(capsys, *argv):
    code = main(list(argv))
    capsys.readouterr()
    return code


def _report_total(capsys, since: str, until: str) -> Decimal:
    main(["report", "--since", since, "--until", until, "--format", "json"])
    return Decimal(str(json.loads(capsys.readouterr().out, parse_float=Decimal)["totals"]["cost_usd"]))


def _probe(db: Path, group: str, observed: datetime, remaining: int) -> None:
    from planner.probe.headers import DimensionLimit
    from planner.probe.history import save_snapshot
    from planner.store import Store

    result = SimpleNamespace(
        observed_at=observed,
        host="api.anthropic.com",
        endpoint="messages",
        model="claude-sonnet-4-6",
        group=group,
        status="ok",
        http_status=200,
        request_id="req_1",
        snapshot=SimpleNamespace(
            limits={"requests": DimensionLimit(1000, 900), "input_tokens": DimensionLimit(400_000, remaining)}
        ),
        retry_after_s=None,
        tier=None,
        cost_usd=None,
        warnings=[],
    )
    with Store(db) as s:
        save_snapshot(s, result)


def test_recorded_payload_on_the_samples(env, capsys, monkeypatch):
    assert _cli(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z") == 0
    _cli(capsys, "budget", "set", "team", "300")
    _cli(capsys, "budget", "set", "sonnet", "100", "--scope", "group:sonnet-4x")
    _cli(capsys, "budget", "set", "opus", "5", "--scope", "group:opus-4x")  # tighter, but not this session's group
    _probe(env / "planner.db", "sonnet-4x", datetime(2026, 11, 20, 12, 6, tzinfo=UTC), 248_000)
    code, out = line(capsys, monkeypatch, json.dumps(PAYLOAD))
    assert code == 0 and out.count("\n") == 1
    today = _report_total(capsys, "2026-11-20", "2026-11-20")
    # from the hour before the current 15-minute slot to that slot's end (12:15; a replay has rows
    # after 12:10, a live store has none), per hour since 11:00
    hour = _report_total(capsys, "2026-11-20T11:00:00Z", "2026-11-20T12:14:59.999Z")
    rate = hour / (Decimal(70) / 60)
    parts = out.strip().split(" · ")
    assert parts[0] == f"${today:,.2f} today"
    assert parts[1] == f"${rate:,.2f}/h"
    # the tightest budget for a Sonnet session is the Sonnet group's (160 projected of 100), not Opus's
    main(["budget", "list", "--today", "2026-11-20", "--format", "json"])
    listed = {b["name"]: b for b in json.loads(capsys.readouterr().out, parse_float=Decimal)["budgets"]}
    sonnet = listed["sonnet"]
    assert parts[2] == f"Nov ${sonnet['projected_usd']:,.0f}/$100 sonnet over {sonnet['over_on'][5:]}"
    assert parts[3] == "sonnet-4x 62% left 4m ago"  # 248,000 of 400,000 input tokens, probed at 12:06
    assert len(out.strip()) < 90


def test_garbage_empty_and_broken_never_fail(env, capsys, monkeypatch):
    # no database at all
    assert line(capsys, monkeypatch, json.dumps(PAYLOAD)) == (0, "planner: no usage imported yet (planner import)\n")
    # an empty store
    _cli(capsys, "budget", "set", "team", "300")
    from planner.store import Store

    Store(env / "planner.db").close()
    assert line(capsys, monkeypatch, "")[1].startswith("planner: no usage imported yet")
    # garbage on stdin: the line without the session's model
    _cli(capsys, "import", str(SAMPLES / "app"))
    for garbage in ("\x00\xff not json {", "[1, 2]", '{"model": 42}', ""):
        code, out = line(capsys, monkeypatch, garbage)
        assert code == 0 and " today · " in out and "left" not in out
    # a database that is not one: a short fallback, exit 0
    (env / "planner.db").write_bytes(b"not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (env / ("planner.db" + suffix)).unlink(missing_ok=True)
    code, out = line(capsys, monkeypatch, json.dumps(PAYLOAD), "--no-cache")
    assert code == 0 and out.startswith("planner: no figures (")


def test_the_cache_answers_until_the_store_changes(env, capsys, monkeypatch):
    from planner.alerts import status

    _cli(capsys, "import", str(SAMPLES / "app"))
    first = line(capsys, monkeypatch, json.dumps(PAYLOAD))[1]
    assert (env / "planner.db.statusline.json").exists()

    def boom(*a, **k):
        raise AssertionError("computed again")

    monkeypatch.setattr(status, "compute", boom)
    assert line(capsys, monkeypatch, json.dumps(PAYLOAD))[1] == first  # from the cache
    _cli(capsys, "import", str(SAMPLES / "claude-code"))  # the store changed: computed again
    assert line(capsys, monkeypatch, json.dumps(PAYLOAD))[1].startswith("planner: no figures (AssertionError)")


def test_the_fast_path_skips_the_parser_and_heavy_imports(env, capsys, monkeypatch):
    from planner.cli import entry

    _cli(capsys, "import", str(SAMPLES / "app"))
    monkeypatch.setattr(entry, "build_parser", lambda: (_ for _ in ()).throw(AssertionError("parser built")))
    assert line(capsys, monkeypatch, json.dumps(PAYLOAD))[0] == 0  # warms the cache
    probe = (
        "import io, json, sys; sys.stdin = io.StringIO(json.dumps({'model': {'id': 'claude-sonnet-4-6'}})); "
        f"from planner.cli import main; main(['statusline', '--at', '{AT}']); "
        "heavy = [m for m in ('planner.catalog', 'planner.store', 'planner.ledger', 'httpx', 'textual', 'decimal', "
        "'sqlite3', 'argparse._SubParsersAction') if m in sys.modules]; print('HEAVY', heavy)"
    )
    env_vars = {
        "PLANNER_CONFIG_DIR": str(env / "config"),
        "PLANNER_DB": str(env / "planner.db"),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env_vars)
    assert done.returncode == 0 and " today · " in done.stdout
    heavy = done.stdout.split("HEAVY", 1)[1].strip()
    assert all(m not in heavy for m in ("planner.catalog", "planner.store", "planner.ledger", "httpx", "textual"))


def test_help_still_goes_through_the_parser(env, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["statusline", "--help"])
    assert exc.value.code == 0 and "statusLine" in capsys.readouterr().out


def test_burn_rate_window_falls_on_the_slot_grid():
    from planner.alerts.status import hour_window

    now = datetime(2026, 11, 20, 12, 10, 7, tzinfo=UTC)
    assert hour_window(now) == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
    assert now - hour_window(now) < timedelta(minutes=75)
