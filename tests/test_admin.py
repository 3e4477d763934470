"""Admin API reads against the loopback fake: configured rate limits with pagination and tier
matching (`planner limits --live`), and usage-report pages written for the importer."""

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fakeapi import FakeAnthropic

from planner.catalog import load_catalog
from planner.cli import main
from planner.errors import PlannerError
from planner.probe import admin
from planner.usage import usage_report
from planner.usage.detect import detect_format
from planner.views.limits import configured_rows

ADMIN = "sk-ant-admin01-ADMINTEST-0123456789-QRST"
NOV = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def api():
    with FakeAnthropic(admin_key=ADMIN) as fake:
        yield fake


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PLANNER_DB", str(tmp_path / "planner.db"))
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ADMIN)
    return tmp_path


def test_rate_limits_follow_pagination(api):
    entries = admin.fetch_rate_limits(api_key=ADMIN, base_url=api.base_url)
    assert len(entries) == 5
    gets = [r for r in api.requests if r.path == "/v1/organizations/rate_limits"]
    assert len(gets) == 3  # page size 2 in the fake
    assert [r.query.get("page") for r in gets] == [None, ["2"], ["4"]]
    assert all(r.headers["x-api-key"] == ADMIN for r in gets)


def test_limit_rows_match_the_catalog():
    rows = configured_rows(FakeAnthropic().rate_limit_groups, load_catalog(), NOV)
    opus, sonnet, haiku, batch, count = rows
    assert (opus["group"], opus["rpm"], opus["itpm"], opus["otpm"], opus["tier"]) == (
        "opus-4x",
        5000,
        5_000_000,
        1_000_000,
        "build",
    )
    assert sonnet["group"] == "sonnet-4x" and sonnet["tier"] == "build" and sonnet["mismatches"] == []
    assert haiku["tier"] == "custom" and haiku["mismatches"] == ["ITPM: live 6,000,000 vs build 5,000,000 (catalog)"]
    assert batch["group_type"] == "batch" and batch["group"] is None and batch["rpm"] == 2000 and batch["tier"] is None
    assert count["group_type"] == "token_count" and count["rpm"] == 10_000


def test_defensive_shapes():
    entries = [
        {
            "type": "model_group",
            "models": ["claude-sonnet-4-6"],
            "limits": {
                "requests_per_minute": 1000,
                "input_tokens_per_minute": 2_000_000,
                "output_tokens_per_minute": 400_000,
                "weird": "x",
            },
        },
        {
            "group_type": "model_group",
            "models": ["claude-future-9"],
            "limits": [{"type": "requests_per_minute", "value": 7}, {"name": "batch_queue", "limit": 5}, "junk"],
        },
        {"group_type": "files"},
    ]
    rows = configured_rows(entries, load_catalog(), NOV)
    assert rows[0]["tier"] == "start" and rows[0]["other"] == {}
    assert rows[1]["group"] is None and rows[1]["rpm"] == 7 and rows[1]["other"] == {"batch_queue": 5}
    assert rows[1]["mismatches"] == ["not in the catalog: claude-future-9"]
    assert rows[2]["rpm"] is None and rows[2]["models"] == []


def test_after_id_pagination_and_a_repeated_token():
    calls = []

    def handler(request):
        calls.append(dict(request.url.params))
        if "after_id" not in request.url.params:
            return httpx.Response(200, json={"data": [{"group_type": "batch"}], "has_more": True, "last_id": "g1"})
        return httpx.Response(200, json={"data": [{"group_type": "files"}], "has_more": False, "last_id": "g2"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    entries = admin.fetch_rate_limits(api_key=ADMIN, base_url="https://api.example", client=client)
    assert [e["group_type"] for e in entries] == ["batch", "files"] and calls[1]["after_id"] == "g1"

    loop = httpx.Client(
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"data": [], "has_more": True, "next_page": "same"})
        )
    )
    with pytest.raises(PlannerError, match="does not advance"):
        admin.fetch_rate_limits(api_key=ADMIN, base_url="https://api.example", client=loop)


def test_admin_errors_are_one_line_without_the_key(api):
    with pytest.raises(PlannerError) as exc:
        admin.fetch_rate_limits(api_key="sk-ant-admin01-WRONG-000000000000", base_url=api.base_url)
    assert "ANTHROPIC_ADMIN_KEY" in str(exc.value) and "HTTP 401" in str(exc.value)
    assert "WRONG" not in str(exc.value)
    with pytest.raises(PlannerError, match="plain http"):
        admin.fetch_rate_limits(api_key=ADMIN, base_url="http://admin.example.com")
    with pytest.raises(PlannerError, match="ANTHROPIC_ADMIN_KEY"):
        admin.fetch_rate_limits(api_key="", base_url=api.base_url)


def test_server_errors_are_retried():
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "x"}})
        return httpx.Response(200, json={"data": [], "has_more": False, "next_page": None})

    sleeps = []
    admin.fetch_rate_limits(
        api_key=ADMIN,
        base_url="https://api.example",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=sleeps.append,
    )
    assert len(calls) == 2 and len(sleeps) == 1


def test_limits_live_command_table_and_json(env, api, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    assert main(["limits", "--live"]) == 0
    text = capsys.readouterr().out
    assert "Configured rate limits (Admin API)" in text and "Opus 4.x" in text and "build" in text
    assert "Haiku 4.5: ITPM: live 6,000,000 vs build 5,000,000 (catalog)" in text
    assert "key …QRST" in text and ADMIN not in text
    assert main(["limits", "--live", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "admin api" and len(out["groups"]) == 5
    assert out["groups"][0]["tier"] == "build" and out["groups"][0]["models"][0] == "claude-opus-4-8"


def test_limits_live_without_admin_key(env, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    assert main(["limits", "--live"]) == 2
    err = capsys.readouterr().err
    assert "ANTHROPIC_ADMIN_KEY" in err and len(err.strip().splitlines()) == 1


def test_usage_report_pages_query_and_file(api, tmp_path):
    progress = []
    pages = admin.fetch_usage_report(
        datetime(2026, 11, 20, tzinfo=UTC),
        datetime(2026, 11, 21, tzinfo=UTC),
        api_key=ADMIN,
        base_url=api.base_url,
        progress=lambda p, b: progress.append((p, b)),
    )
    assert len(pages) == 2 and progress == [(1, 2), (2, 3)]
    first = next(r for r in api.requests if r.path == "/v1/organizations/usage_report/messages")
    assert first.query["starting_at"] == ["2026-11-20T00:00:00Z"] and first.query["ending_at"] == [
        "2026-11-21T00:00:00Z"
    ]
    assert first.query["bucket_width"] == ["1h"] and first.query["limit"] == ["168"]
    assert first.query["group_by[]"] == ["model", "service_tier", "context_window", "workspace_id", "api_key_id"]
    dest = admin.write_usage_pages(pages, tmp_path / "admin" / "usage.json")
    assert dest.exists() and ADMIN not in dest.read_text()
    assert detect_format(dest) == "usage-report"
    result = usage_report.parse(dest, resolve=load_catalog().resolve)
    assert result.problems == [] and len(result.records) == 3
    assert sum(r.input_tokens for r in result.records) == 6000 and sum(r.output_tokens for r in result.records) == 1800
    assert {r.bucket_seconds for r in result.records} == {3600}


def test_usage_report_rejects_a_bad_bucket_width():
    with pytest.raises(PlannerError, match="bucket width"):
        admin.fetch_usage_report(NOV, None, api_key=ADMIN, base_url="https://api.example", bucket_width="2h")


def test_import_admin_usage_end_to_end(env, api, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(env / "data"))
    monkeypatch.setenv("HOME", str(env))
    rc = main(["import", "--admin-usage", "--since", "2026-11-20", "--base-url", api.base_url])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    files = list(Path(env).rglob("usage-report-*.json"))
    assert len(files) == 1 and ADMIN not in files[0].read_text()
    assert ADMIN not in cap.out + cap.err
