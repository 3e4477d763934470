"""`planner probe` end to end against the loopback fake API: table, JSON contract, snapshots in
the database, --watch with trend and Ctrl-C, and the missing-key exit."""

import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fakeapi import FakeAnthropic, FakeClock, reply

from planner.catalog import load_catalog
from planner.cli import main
from planner.cli import probe as probe_cmd
from planner.probe import history
from planner.views.probe import ProbeWatch

KEY = "sk-ant-api03-CLITEST-abcdefghijklmnop-9876"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "planner.db"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def api():
    # a frozen server clock: buckets do not refill between probes, so remaining values are exact
    with FakeAnthropic(rpm=1000, itpm=2_000_000, otpm=400_000, api_key=KEY, clock=FakeClock()) as fake:
        yield fake


def test_json_contract(env, api, capsys):
    rc = main(["probe", "--model", "claude-sonnet-4-6", "--base-url", api.base_url, "--format", "json"])
    raw = capsys.readouterr().out
    out = json.loads(raw)
    assert rc == 0
    assert {
        "model",
        "status",
        "request_id",
        "observed_at",
        "limits",
        "retry_after_s",
        "tier",
        "cost_usd",
        "warnings",
    } <= set(out)
    assert out["model"] == "claude-sonnet-4-6" and out["status"] == "ok" and out["request_id"].startswith("req_")
    assert set(out["limits"]) == {"requests", "input_tokens", "output_tokens", "tokens"}
    assert out["limits"]["requests"]["limit"] == 1000 and out["limits"]["requests"]["remaining"] == 999
    assert out["limits"]["input_tokens"] == {
        "limit": 2_000_000,
        "remaining": 2_000_000,
        "reset": out["limits"]["input_tokens"]["reset"],
    }
    datetime.fromisoformat(out["limits"]["requests"]["reset"].replace("Z", "+00:00"))
    assert out["tier"] == "start" and out["retry_after_s"] is None and out["warnings"] == []
    # 16 input tokens × $3/MTok + 1 output × $15/MTok, an exact JSON number
    assert out["cost_usd"] == 0.000063 and '"cost_usd": 0.000063' in raw
    assert out["sources"]["limits"] == "live header" and out["sources"]["cost_usd"] == "catalog"


def test_table_and_snapshot_saved(env, api, capsys):
    rc = main(["probe", "--model", "claude-sonnet-4-6", "--base-url", api.base_url])
    text = capsys.readouterr().out
    assert rc == 0
    assert "requests/min" in text and "input tokens/min" in text and "0.1%" in text
    assert "tier: start" in text and "probe cost: $0.000063 (catalog)" in text
    assert "rounds remaining token counts" in text and "key …9876" in text
    rows = history.snapshots(sqlite3.connect(env / "planner.db"))
    assert len(rows) == 1 and rows[0].group == "sonnet-4x" and rows[0].limits["requests"].limit == 1000
    assert rows[0].cost_usd == Decimal("0.000063") and rows[0].host == api.base_url.split("//")[1]


def test_several_models_give_a_json_list(env, api, capsys):
    main(["probe", "-m", "claude-sonnet-4-6", "-m", "claude-opus-4-8", "--base-url", api.base_url, "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [o["model"] for o in out] == ["claude-sonnet-4-6", "claude-opus-4-8"]
    assert [o["limits"]["requests"]["remaining"] for o in out] == [999, 998]  # one bucket in the fake


def test_default_model_is_the_cheapest_current_haiku(env, api, capsys):
    main(["probe", "--base-url", api.base_url, "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "claude-haiku-5-5" == probe_cmd.default_model(load_catalog(), datetime.now(UTC))
    assert out["tier"] is None  # no published Haiku 5.5 limits to compare with
    assert Decimal(str(out["cost_usd"])) == Decimal("0.0000021")  # 16 × $0.10 + 1 × $0.50 per MTok


def test_rate_limited_is_exit_0_with_the_answer(env, api, capsys):
    api.enqueue(reply.rate_limited(retry_after=7))
    rc = main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["status"] == "rate_limited" and out["retry_after_s"] == 7.0
    assert out["limits"]["requests"]["remaining"] == 0


def test_error_is_exit_1(env, api, capsys):
    api.enqueue(reply.error(403))
    rc = main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url])
    assert rc == 1 and "no access to claude-sonnet-4-6" in capsys.readouterr().out


def test_count_tokens_endpoint(env, api, capsys):
    main(["probe", "-m", "claude-sonnet-4-6", "--endpoint", "count_tokens", "--base-url", api.base_url, "-f", "json"])
    out = json.loads(capsys.readouterr().out)
    assert out["endpoint"] == "count_tokens" and out["cost_usd"] == 0 and out["tier"] is None
    assert any("token-counting limiter" in n for n in out["notes"])
    assert api.requests[-1].path == "/v1/messages/count_tokens"


def test_watch_trend_and_count(env, api, capsys, monkeypatch):
    pauses = []
    monkeypatch.setattr(probe_cmd, "_sleep", pauses.append)
    rc = main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "--watch", "5", "--count", "3"])
    cap = capsys.readouterr()
    assert rc == 0 and pauses == [5.0, 5.0] and len(api.requests) == 3
    assert "round 3" in cap.out and "Trend" in cap.out
    assert "    -1" in cap.out  # the trend column: one request fewer each round (frozen server clock)
    assert "done after 3 round(s): 3 probe(s) (3 ok)" in cap.err
    assert len(history.snapshots(sqlite3.connect(env / "planner.db"))) == 3


def test_watch_waits_at_least_the_retry_after_of_a_429(env, capsys, monkeypatch):
    pauses = []
    monkeypatch.setattr(probe_cmd, "_sleep", pauses.append)
    with FakeAnthropic(rpm=1000, itpm=2_000_000, otpm=400_000, clock=FakeClock()) as api:  # frozen: no refill
        api.enqueue(reply.rate_limited(retry_after=45))
        rc = main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "--watch", "5", "--count", "3"])
    # the drained bucket answers 429 again with the fake's own retry-after (1 s), so then 5 s
    assert rc == 0 and pauses == [45.0, 5.0]
    assert "(3 rate limited)" in capsys.readouterr().err


def test_watch_stops_cleanly_on_ctrl_c(env, api, capsys, monkeypatch):
    calls = []

    def interrupt(seconds):
        calls.append(seconds)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(probe_cmd, "_sleep", interrupt)
    rc = main(["probe", "-m", "claude-sonnet-4-6", "--base-url", api.base_url, "--watch", "1", "-f", "json"])
    cap = capsys.readouterr()
    lines = [json.loads(line) for line in cap.out.splitlines()]
    assert rc == 0 and len(lines) == 2 and all(o["status"] == "ok" for o in lines)
    assert cap.err.strip() == "stopped after 2 round(s): 2 probe(s) (2 ok); snapshots saved in the database"


def test_watch_trend_values():
    w = ProbeWatch()

    class R:
        def __init__(self, remaining):
            from planner.probe.headers import DimensionLimit

            self.model, self.status = "m", "ok"
            self.limits = {"requests": DimensionLimit(50, remaining)}

    w.add([R(40)])
    assert w.trend("m", "requests") == ""
    w.add([R(38)])
    assert w.trend("m", "requests") == "-2"
    w.add([R(38)])
    assert w.trend("m", "requests") == "="
    w.add([R(1040)])
    assert w.trend("m", "requests") == "+1,002" and w.trend("m", "input_tokens") == "?"


def test_no_key_exits_2_naming_the_variable(env, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    rc = main(["probe"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "ANTHROPIC_API_KEY" in err


def test_plain_http_to_a_remote_host_is_refused(env, capsys):
    rc = main(["probe", "--base-url", "http://api.example.com"])
    assert rc == 2 and "refusing to send an API key over plain http" in capsys.readouterr().err


def test_base_url_from_environment(env, api, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    assert main(["probe", "-m", "claude-sonnet-4-6", "-f", "json"]) == 0
    assert len(api.requests) == 1


def test_unknown_model_warns_and_still_probes(env, api, capsys):
    rc = main(["probe", "-m", "claude-sonet-4-6", "--base-url", api.base_url, "-f", "json"])
    cap = capsys.readouterr()
    assert rc == 0 and "not in the catalog" in cap.err and "did you mean" in cap.err
    assert json.loads(cap.out)["group"] is None
