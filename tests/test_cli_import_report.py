"""`planner import` and `planner report` as a user runs them: summaries, exit codes, the JSON contract."""

import json
from decimal import Decimal

import pytest

from planner import paths
from planner.catalog import Usage, load_catalog, price_usage
from planner.cli import main

SAMPLES = paths.sample_logs_dir()
FIELDS = (
    "requests",
    "input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "web_search_requests",
    "cost_usd",
)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))  # no user overrides leak in
    path = tmp_path / "planner.db"
    monkeypatch.setenv("PLANNER_DB", str(path))
    return path


def test_import_samples_summary_names_the_bad_line(db, capsys):
    code, out, _ = run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    assert code == 0
    assert "5,297 new" in out and "1 bad lines" in out
    assert f"{SAMPLES / 'app' / 'requests.jsonl'}:2825: invalid JSON" in out
    code, out, _ = run(capsys, "import", str(SAMPLES), "--strict")
    assert code == 0 and "0 new" in out  # nothing read again, so nothing bad this time
    assert db.exists()


def test_strict_exits_1_on_bad_lines(db, tmp_path, capsys):
    log = tmp_path / "app.jsonl"
    log.write_text(
        '{"ts":"2026-11-01T00:00:00Z","id":"a","model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1}}\n{oops\n'
    )
    code, out, _ = run(capsys, "import", str(log), "--strict")
    assert code == 1 and f"{log}:2:" in out


def test_import_json_lists_every_file(db, capsys):
    code, out, _ = run(capsys, "import", str(SAMPLES / "claude-code"), "--json")
    data = json.loads(out)
    assert code == 0 and data["new"] == 151 and data["bad"] == 0  # 147 repeated lines collapsed
    assert len(data["files"]) == 15 and all(f["format"] == "claude-code" for f in data["files"])


def test_unrelated_directory_is_a_clear_error(db, tmp_path, capsys):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "notes.txt").write_text("hello\n")
    code, _, err = run(capsys, "import", str(d))
    assert code == 2 and "no usage logs found" in err and "not a recognised usage log" in err


def test_no_claude_code_dir_is_a_clear_error(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nowhere"))
    code, _, err = run(capsys, "import")
    assert code == 2 and "no Claude Code directory found" in err


def test_import_finds_claude_code_via_env(db, monkeypatch, capsys):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(SAMPLES / "claude-code"))
    code, out, _ = run(capsys, "import")
    assert code == 0 and "151 new" in out


def test_report_json_contract_and_exact_cost(db, capsys):
    run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    code, out, _ = run(capsys, "report", "--by", "model", "--format", "json")
    data = json.loads(out, parse_float=Decimal)
    assert code == 0 and set(data) >= {"rows", "totals", "unpriced_models"}
    for row in [*data["rows"], data["totals"]]:
        assert all(f in row for f in FIELDS)
        assert isinstance(row["cost_usd"], Decimal)
    assert all("key" in r for r in data["rows"])
    assert data["unpriced_models"] == []
    assert sum(r["cost_usd"] for r in data["rows"]) == data["totals"]["cost_usd"]
    assert data["totals"]["requests"] == 4431
    # the Claude Code part priced record by record with the cost engine equals the report's rows
    from planner.usage import claude_code

    cat = load_catalog()
    expected = Decimal(0)
    for f in sorted((SAMPLES / "claude-code").rglob("*.jsonl")):
        for r in claude_code.parse(f, resolve=lambda m: x.id if (x := cat.resolve(m)) else None).records:
            u = Usage(
                r.input_tokens, r.output_tokens, r.cache_write_5m, r.cache_write_1h, r.cache_read, r.web_search_requests
            )
            expected += price_usage(cat, r.model, u, r.ts).total
    only = str(db) + ".cc"
    run(capsys, "import", str(SAMPLES / "claude-code"), "--db", only)
    code, out, _ = run(capsys, "report", "--format", "json", "--db", only)
    assert json.loads(out, parse_float=Decimal)["totals"]["cost_usd"] == expected == Decimal("8.5923745")


def test_report_by_tier_project_week_and_csv(db, capsys):
    run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    _, out, _ = run(capsys, "report", "--by", "tier", "--format", "json")
    tiers = {r["key"]: r["requests"] for r in json.loads(out)["rows"]}
    assert tiers["batch"] == 45
    _, out, _ = run(capsys, "report", "--by", "project", "--format", "json")
    keys = {r["key"] for r in json.loads(out)["rows"]}
    assert "-home-maya-src-infra" in keys
    _, out, _ = run(capsys, "report", "--by", "week", "--format", "csv")
    assert out.splitlines()[0].startswith("key,requests,") and "\n2026-W47," in out


def test_report_reconcile_and_budget(db, capsys):
    run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    code, out, _ = run(capsys, "report", "--reconcile", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["matched"] == data["total"] - 1
    code, _, err = run(capsys, "report", "--budget", "100")
    assert code == 3 and "projected month-end spend" in err
    code, _, _ = run(capsys, "report", "--budget", "100000")
    assert code == 0


def test_report_without_a_store_says_import_first(db, capsys):
    code, _, err = run(capsys, "report")
    assert code == 2 and "planner import" in err


def test_report_unknown_time_zone(db, capsys):
    run(capsys, "import", str(SAMPLES / "csv"))
    code, _, err = run(capsys, "report", "--tz", "Mars/Olympus")
    assert code == 2 and "unknown time zone" in err


def test_import_admin_usage_from_the_fake_api(db, tmp_path, monkeypatch, capsys):
    from fakeapi import FakeAnthropic

    admin_key = "sk-ant-admin01-secret-never-shown-XYZ"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", admin_key)
    with FakeAnthropic(admin_key=admin_key) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code, out, err = run(capsys, "import", "--admin-usage", "--since", "2026-11-20")
        assert code == 0 and "3 new" in out
        query = next(r for r in api.requests if r.path.endswith("usage_report/messages")).query
        assert "model" in query.get("group_by[]", [])
        code, out, err = run(capsys, "import", "--admin-usage", "--since", "2026-11-20")
        assert code == 0  # the same buckets fetched again: stored once (checked in the totals below)
    assert admin_key not in out + err
    assert admin_key.encode() not in db.read_bytes()
    saved = list((tmp_path / "data").rglob("usage-report-*.json"))
    assert saved and all(admin_key not in p.read_text() for p in saved)
    _, out, _ = run(capsys, "report", "--format", "json")
    totals = json.loads(out)["totals"]
    assert totals["input_tokens"] == 6000 and totals["output_tokens"] == 1800 and totals["requests"] == 0


def test_import_admin_usage_needs_since_and_key(db, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    code, _, err = run(capsys, "import", "--admin-usage")
    assert code == 2 and "--since" in err
    code, _, err = run(capsys, "import", "--admin-usage", "--since", "2026-11-01")
    assert code == 2 and "ANTHROPIC_ADMIN_KEY" in err


def test_report_what_if_json(db, capsys):
    run(capsys, "import", str(SAMPLES / "claude-code"))
    code, out, _ = run(capsys, "report", "--what-if-batch", "50%", "--format", "json")
    data = json.loads(out, parse_float=Decimal)
    assert code == 0 and data["source"] == "estimate" and data["batch_share"] == Decimal("0.5")
    assert data["totals"]["actual_usd"] == Decimal("8.5923745")
    assert data["totals"]["what_if_usd"] == data["totals"]["actual_usd"] * Decimal("0.75")  # half of it at 50% off
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--what-if-cache-hit", "1.5"])
    assert exit_.value.code == 2 and "between 0 and 1" in capsys.readouterr().err
