"""Application JSONL, batch results, Admin usage/cost reports and CSV: good files and bad input."""

import json
import os
from decimal import Decimal

import pytest

from planner.usage import batch, cost_report, csv_import, messages_api, usage_report


def resolve(m):
    return m if m.startswith("claude") else None


def jsonl(tmp_path, name, objs):
    p = tmp_path / name
    p.write_text("".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs))
    return p


# --- messages -----------------------------------------------------------------------------

U = {
    "input_tokens": 100,
    "output_tokens": 20,
    "cache_read_input_tokens": 50,
    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 30},
}


def test_messages_timestamp_keys_and_totals(tmp_path):
    p = jsonl(
        tmp_path,
        "app.jsonl",
        [
            {"ts": "2026-11-01T00:00:00Z", "id": "msg_a", "model": "claude-sonnet-5-5", "usage": U},
            {"timestamp": 1793491200, "model": "claude-haiku-5-5", "usage": U},  # epoch seconds
            {"created_at": 1793491200500, "model": "claude-haiku-5-5", "usage": U},  # epoch ms
            {"time": "2026-11-01 00:00:00+00:00", "model": "gpt-x", "usage": U},
        ],
    )
    r = messages_api.parse(p, resolve=resolve)
    assert r.problems == []
    assert [x.ts_ms for x in r.records] == [1793491200000, 1793491200000, 1793491200500, 1793491200000]
    assert sum(x.input_tokens for x in r.records) == 400 and sum(x.cache_write_1h for x in r.records) == 120
    assert r.records[0].dedup_key == "msg_a" and r.records[1].dedup_key is None
    assert r.records[3].model is None and r.records[3].model_raw == "gpt-x"  # unknown stays unknown


def test_messages_without_timestamp_need_default(tmp_path):
    p = jsonl(tmp_path, "resp.jsonl", [{"id": "msg_1", "type": "message", "model": "claude-opus-5-5", "usage": U}])
    r = messages_api.parse(p, resolve=resolve)
    assert r.records == [] and r.problems[0].reason == messages_api.NO_TIMESTAMP and r.problems[0].line == 1
    r = messages_api.parse(p, resolve=resolve, options={"default_ts": "2026-11-02T00:00:00Z"})
    assert r.records[0].ts_ms == 1793577600000


def test_messages_openai_usage_cached_not_double_counted(tmp_path):
    p = jsonl(
        tmp_path,
        "oa.jsonl",
        [
            {
                "ts": 1793491200,
                "model": "gpt-5",
                "usage": {
                    "prompt_tokens": 1000,
                    "completion_tokens": 40,
                    "prompt_tokens_details": {"cached_tokens": 600},
                },
            }
        ],
    )
    rec = messages_api.parse(p, resolve=resolve).records[0]
    assert (rec.input_tokens, rec.cache_read, rec.output_tokens, rec.prompt_tokens) == (400, 600, 40, 1000)


def test_messages_bad_lines_errors_and_duplicates(tmp_path):
    good = {
        "ts": 1793491200,
        "id": "msg_d",
        "model": "claude-haiku-5-5",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    bigger = dict(good, usage={"input_tokens": 1, "output_tokens": 9})
    p = jsonl(
        tmp_path,
        "m.jsonl",
        [
            good,
            '{"ts": 1, "model": "claude',
            {"type": "error", "error": {}},
            {"ts": 1793491200, "model": "claude-haiku-5-5", "usage": {"input_tokens": [1]}},
            {"ts": "yesterday", "model": "claude-haiku-5-5", "usage": U},
            bigger,
            {"hello": 1},
        ],
    )
    r = messages_api.parse(p, resolve=resolve)
    assert [(x.output_tokens, x.line) for x in r.records] == [(9, 6)]
    assert [(x.line, x.reason.split(":")[0]) for x in r.problems] == [
        (2, "invalid JSON"),
        (4, "wrong JSON type"),
        (5, "bad timestamp 'yesterday'"),
    ]
    assert r.skipped == {messages_api.SKIP_ERROR: 1, messages_api.SKIP_NO_USAGE: 1, messages_api.SKIP_DUPLICATE: 1}


# --- batch ---------------------------------------------------------------------------------


def batch_line(cid, kind="succeeded", out=10):
    if kind != "succeeded":
        return {"custom_id": cid, "result": {"type": kind}}
    return {
        "custom_id": cid,
        "result": {
            "type": "succeeded",
            "message": {
                "id": f"msg_{cid}",
                "model": "claude-haiku-4-5",
                "usage": {"input_tokens": 100, "output_tokens": out},
            },
        },
    }


def test_batch_results(tmp_path):
    p = jsonl(
        tmp_path,
        "results.jsonl",
        [
            batch_line("a"),
            batch_line("b", out=5),
            batch_line("c", "errored"),
            batch_line("d", "expired"),
            batch_line("e", "canceled"),
            {"custom_id": "f"},
        ],
    )
    os.utime(p, (1793491200, 1793491200))
    r = batch.parse(p, resolve=resolve)
    assert [(x.dedup_key, x.service_tier, x.output_tokens, x.ts_ms) for x in r.records] == [
        ("a:msg_a", "batch", 10, 1793491200000),
        ("b:msg_b", "batch", 5, 1793491200000),
    ]
    assert r.skipped["errored result (no charge)"] == 1 and r.skipped["canceled result (no charge)"] == 1
    assert r.skipped[batch.NOTE_MTIME] == 2  # says where the time came from
    assert r.problems[0].line == 6
    r = batch.parse(p, resolve=resolve, options={"default_ts": 1793577600})
    assert r.records[0].ts_ms == 1793577600000 and batch.NOTE_MTIME not in r.skipped


# --- Admin usage report --------------------------------------------------------------------

RESULT = {
    "uncached_input_tokens": 1000,
    "cache_creation": {"ephemeral_1h_input_tokens": 5, "ephemeral_5m_input_tokens": 7},
    "cache_read_input_tokens": 300,
    "output_tokens": 200,
    "server_tool_use": {"web_search_requests": 1},
    "model": "claude-opus-4-8",
    "service_tier": "standard",
    "context_window": "200k-1M",
    "workspace_id": "wrk_1",
    "api_key_id": None,
    "inference_geo": "us",
}


def page(start, end, *results):
    return {"data": [{"starting_at": start, "ending_at": end, "results": list(results)}], "has_more": False}


def test_usage_report_one_page_list_and_jsonl(tmp_path):
    p1 = page("2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z", RESULT, dict(RESULT, model=None))
    p2 = page("2026-11-01T01:00:00Z", "2026-11-01T02:00:00Z", RESULT)
    one = tmp_path / "one.json"
    one.write_text(json.dumps(p1, indent=2))
    r = usage_report.parse(one, resolve=resolve)
    a, b = r.records
    assert (a.kind, a.requests, a.bucket_seconds, a.ts_ms) == ("bucket", 0, 3600, 1793491200000)
    assert (
        a.input_tokens,
        a.cache_write_1h,
        a.cache_write_5m,
        a.cache_read,
        a.output_tokens,
        a.web_search_requests,
    ) == (1000, 5, 7, 300, 200, 1)
    assert (a.context_window, a.workspace, a.geo, a.model) == ("200k-1M", "wrk_1", "us", "claude-opus-4-8")
    assert (b.model_raw, b.model) == (usage_report.UNGROUPED_MODEL, None)
    assert a.dedup_key != b.dedup_key
    many = tmp_path / "many.json"
    many.write_text(json.dumps([p1, p2]))
    assert len(usage_report.parse(many, resolve=resolve).records) == 3
    lines = jsonl(tmp_path, "pages.jsonl", [p1, p2, p1])  # a page saved twice adds nothing
    r = usage_report.parse(lines, resolve=resolve)
    assert len(r.records) == 3 and r.skipped == {usage_report.SKIP_DUPLICATE: 2}


def test_usage_report_bad_values(tmp_path):
    p = jsonl(
        tmp_path,
        "bad.jsonl",
        [
            page(
                "2026-11-01T00:00:00Z",
                "2026-11-02T00:00:00Z",
                dict(RESULT, output_tokens="9"),
                dict(RESULT, uncached_input_tokens=-1),
                RESULT,
            ),
            "{nope",
            {"data": 3},
        ],
    )
    r = usage_report.parse(p, resolve=resolve)
    assert len(r.records) == 1 and r.records[0].bucket_seconds == 86400
    reasons = [(x.line, x.reason) for x in r.problems]
    assert reasons[0][0] == 1 and "data[0].results[0].output_tokens: wrong JSON type" in reasons[0][1]
    assert "negative data[0].results[1].uncached_input_tokens" in reasons[1][1]
    assert reasons[2][0] == 2 and "invalid JSON" in reasons[2][1]
    assert reasons[3] == (3, 'not a report page (no "data" list)')


# --- Admin cost report ---------------------------------------------------------------------


def test_cost_report_cents_to_exact_dollars(tmp_path):
    rows = [
        {
            "amount": "123.45",
            "currency": "USD",
            "cost_type": "tokens",
            "model": "claude-sonnet-5-5",
            "token_type": "output_tokens",
            "service_tier": "standard",
            "workspace_id": "w",
        },
        {"amount": "0.0001", "currency": "USD", "cost_type": "web_search", "model": None},
        {"amount": 1.5, "currency": "USD"},
        {"amount": "abc"},
    ]
    p = tmp_path / "cost.json"
    p.write_text(json.dumps(page("2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z", *rows)))
    r = cost_report.parse(p, resolve=resolve)
    assert [(b.day, b.amount_usd, b.model, b.token_type) for b in r.billed] == [
        ("2026-11-03", "1.2345", "claude-sonnet-5-5", "output_tokens"),
        ("2026-11-03", "0.000001", None, None),
    ]
    assert Decimal(r.billed[0].amount_usd) == Decimal("1.2345")
    assert "decimal string" in r.problems[0].reason and "not a decimal number" in r.problems[1].reason
    assert r.records == []


# --- CSV -----------------------------------------------------------------------------------


def csv_file(tmp_path, text):
    p = tmp_path / "u.csv"
    p.write_text(text)
    return p


def test_csv_usage_with_synonyms_and_unknown_columns(tmp_path):
    p = csv_file(
        tmp_path,
        "Date,Model,Input Tokens,cache_write_1h,Cache Read Tokens,Output Tokens,Team\n"
        '2026-11-01,claude-opus-4-8,"1,000",10,20,30,blue\n'
        "2026-11-02,claude-opus-4-8,5,0,0,abc,red\n"
        "2026-11-03T10:00:00Z,claude-opus-4-8,7,0,0,1,red\n",
    )
    r = csv_import.parse(p, resolve=resolve)
    a, b = r.records
    assert (a.input_tokens, a.cache_write_1h, a.cache_read, a.output_tokens) == (1000, 10, 20, 30)
    assert (a.kind, a.bucket_seconds, a.requests, a.line) == ("bucket", 86400, 0, 2)
    assert (b.kind, b.requests, b.line) == ("request", 1, 4)
    assert r.problems[0].line == 3 and "output_tokens: 'abc'" in r.problems[0].reason
    assert any("Team" in k for k in r.skipped)  # reported, never guessed


def test_csv_mapping_overrides(tmp_path):
    p = csv_file(tmp_path, "when,engine,in,out\n2026-11-01,claude-haiku-5-5,5,6\n")
    r = csv_import.parse(p, resolve=resolve)
    assert r.records == [] and "no date/timestamp column" in r.problems[0].reason
    r = csv_import.parse(
        p,
        resolve=resolve,
        options={"mapping": {"when": "ts", "engine": "model", "in": "input_tokens", "out": "output_tokens"}},
    )
    assert [(x.input_tokens, x.output_tokens) for x in r.records] == [(5, 6)] and r.skipped == {}
    r = csv_import.parse(p, resolve=resolve, options={"mapping": {"when": "tstamp"}})
    assert "unknown fields ['tstamp']" in r.problems[0].reason


def test_csv_cost_export_becomes_billed(tmp_path):
    p = csv_file(
        tmp_path,
        "Date,Model,Workspace,Cost (USD)\n2026-11-01,claude-sonnet-5-5,Default,$12.3456\n"
        "2026-11-02,claude-sonnet-5-5,Default,n/a\n",
    )
    r = csv_import.parse(p, resolve=resolve)
    assert [(b.day, b.amount_usd, b.workspace) for b in r.billed] == [("2026-11-01", "12.3456", "Default")]
    assert r.records == [] and r.problems[0].line == 3


def test_csv_invalid_utf8_and_short_rows(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"Date,Model,Input Tokens\n2026-11-01,claude-x,1\n2026-11-02,claude-\xff,2\n")
    r = csv_import.parse(p, resolve=resolve)
    assert r.records == [] and r.problems[0].line == 3 and "invalid UTF-8" in r.problems[0].reason
    p.write_bytes(b"Date,Model,Input Tokens\n2026-11-01,claude-x\n2026-11-01,claude-x,4\n")
    r = csv_import.parse(p, resolve=resolve)
    assert [x.input_tokens for x in r.records] == [4] and r.problems[0].line == 2


@pytest.mark.parametrize("mod", [messages_api, batch, usage_report, cost_report, csv_import])
def test_every_format_empty_and_binary(tmp_path, mod):
    p = tmp_path / "f"
    p.write_bytes(b"")
    r = mod.parse(p, resolve=resolve)
    assert (r.records, r.billed, r.problems) == ([], [], [])
    p.write_bytes(b"PK\x03\x04\x00\x00" * 50)
    r = mod.parse(p, resolve=resolve)
    assert r.records == [] and "binary" in r.problems[0].reason
