"""Claude Code transcript parsing: exact totals, the dedup rules, every kind of bad input."""

import json

import pytest

from planner.errors import PlannerError
from planner.usage import claude_code
from planner.usage.reading import INCOMPLETE_LAST_LINE, SourceVanished


def assistant(
    mid="msg_1",
    req="req_1",
    out=100,
    ts="2026-11-01T10:00:05.123Z",
    model="claude-sonnet-4-6",
    side=False,
    usage=None,
    **extra,
):
    u = usage or {
        "input_tokens": 10,
        "output_tokens": out,
        "cache_creation_input_tokens": 3000,
        "cache_read_input_tokens": 5000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
    }
    line = {
        "parentUuid": "p",
        "isSidechain": side,
        "sessionId": "sess-1",
        "message": {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "hi"}],
            "usage": u,
        },
        "requestId": req,
        "type": "assistant",
        "uuid": "u",
        "timestamp": ts,
        **extra,
    }
    if mid is None:
        del line["message"]["id"]
    if req is None:
        del line["requestId"]
    return json.dumps(line, separators=(",", ":"))


@pytest.fixture(autouse=True, params=["compiled", "python"])
def scanner(request, monkeypatch):
    """Every test here runs on the compiled scanner (when built) and on the Python reference."""
    if request.param == "python":
        monkeypatch.setattr(claude_code, "_fast", None)
    elif claude_code._fast is None:
        pytest.skip("the compiled scanner is not built (no C compiler at install)")
    return request.param


USER = json.dumps(
    {
        "type": "user",
        "sessionId": "sess-1",
        "message": {"role": "user", "content": "x" * 5000},
        "timestamp": "2026-11-01T10:00:00.000Z",
    }
)
SUMMARY = json.dumps({"type": "summary", "summary": "s", "leafUuid": "l"})


def write(tmp_path, lines, name="projects/-home-me-app/abc.jsonl", end="\n"):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(("\n".join(lines) + end).encode() if isinstance(lines[0], str) else b"\n".join(lines) + end.encode())
    return p


def parse(p, **kw):
    return claude_code.parse(p, resolve=lambda m: m.upper() if m.startswith("claude") else None, **kw)


def test_good_file_exact_totals_and_fields(tmp_path):
    no_split = {
        "input_tokens": 7,
        "output_tokens": 50,
        "cache_creation_input_tokens": 400,
        "cache_read_input_tokens": 0,
        "server_tool_use": {"web_search_requests": 2},
        "service_tier": "priority",
        "speed": "fast",
        "inference_geo": "us",
    }
    p = write(
        tmp_path,
        [SUMMARY, USER, assistant(), USER, assistant("msg_2", "req_2", usage=no_split, ts="2026-11-01T10:01:00Z")],
    )
    r = parse(p)
    assert r.problems == [] and len(r.records) == 2
    a, b = r.records
    assert (a.input_tokens, a.cache_write_5m, a.cache_write_1h, a.cache_read, a.output_tokens) == (
        10,
        1000,
        2000,
        5000,
        100,
    )
    assert a.ts_ms == 1793527205123 and a.model == "CLAUDE-SONNET-4-6" and a.model_raw == "claude-sonnet-4-6"
    assert (a.project, a.session, a.dedup_key, a.line, a.fmt) == (
        "-home-me-app",
        "sess-1",
        "msg_1:req_1",
        3,
        "claude-code",
    )
    # no TTL split: the whole write is 5-minute
    assert (b.cache_write_5m, b.cache_write_1h, b.web_search_requests) == (400, 0, 2)
    assert (b.service_tier, b.speed, b.geo, b.line, b.ts_ms) == ("priority", "fast", "us", 5, 1793527260000)
    assert r.end_offset == p.stat().st_size


def test_dedup_largest_wins_over_first(tmp_path):
    p = write(tmp_path, [assistant(out=3), assistant(out=250), assistant(out=40)])
    r = parse(p)
    assert [x.output_tokens for x in r.records] == [250]
    assert r.records[0].line == 2
    assert r.skipped[claude_code.SKIP_DUPLICATE] == 2


def test_dedup_non_sidechain_copy_wins(tmp_path):
    p = write(tmp_path, [assistant(side=True, out=100), assistant(side=False, out=100)])
    r = parse(p)
    assert len(r.records) == 1 and r.records[0].sidechain is False


def test_dedup_keys_missing_request_id_and_missing_message_id(tmp_path):
    p = write(
        tmp_path,
        [
            assistant(req=None, out=5),
            assistant(req=None, out=9),
            assistant(mid=None, out=1),
            assistant(mid=None, out=1),
        ],
    )
    r = parse(p)
    keyed = [x for x in r.records if x.dedup_key]
    assert [(x.dedup_key, x.output_tokens) for x in keyed] == [("msg_1", 9)]
    assert len([x for x in r.records if x.dedup_key is None]) == 2  # no message.id: never merged


def test_synthetic_and_api_error_lines_are_skipped_with_reason(tmp_path):
    p = write(
        tmp_path, [assistant(model="<synthetic>"), assistant("m2", "r2", isApiErrorMessage=True), assistant("m3", "r3")]
    )
    r = parse(p)
    assert len(r.records) == 1 and r.problems == []
    assert r.skipped[claude_code.SKIP_SYNTHETIC] == 1 and r.skipped[claude_code.SKIP_API_ERROR] == 1


def test_subagent_file_session_and_project(tmp_path):
    p = write(tmp_path, [assistant(side=True)], name="projects/-home-me-app/sess-9/subagents/agent-1.jsonl")
    r = parse(p)
    assert r.records[0].project == "-home-me-app" and r.records[0].sidechain is True


@pytest.mark.parametrize(
    "bad, reason",
    [
        (assistant("m9", "r9")[:-40], "invalid JSON"),  # cut after its usage key (a cut before it hides the line)
        (assistant("m9", "r9", usage={"input_tokens": "12", "output_tokens": 1}), "wrong JSON type"),
        (assistant("m9", "r9", usage={"input_tokens": -5, "output_tokens": 1}), "negative input_tokens"),
        (assistant("m9", "r9", usage={"input_tokens": 1, "output_tokens": 2 * 10**9}), "absurd output_tokens"),
        (assistant("m9", "r9", ts=""), "no timestamp"),
        (assistant("m9", "r9", ts="2026-13-45T10:00:00.000Z"), "bad timestamp"),
    ],
)
def test_bad_line_is_reported_and_good_lines_kept(tmp_path, bad, reason):
    p = write(tmp_path, [assistant("m1", "r1"), USER, bad, assistant("m2", "r2")])
    r = parse(p)
    assert [x.dedup_key for x in r.records] == ["m1:r1", "m2:r2"]
    assert len(r.problems) == 1
    assert r.problems[0].line == 3 and reason in r.problems[0].reason and r.problems[0].kind == "bad"


def test_invalid_utf8_in_a_used_field(tmp_path):
    bad = assistant("m9", "r9", model="claude-X").encode().replace(b"claude-X", b"claude-\xff")
    p = write(tmp_path, [assistant("m1", "r1").encode(), bad, assistant("m2", "r2").encode()])
    r = parse(p)
    assert len(r.records) == 2 and r.problems[0].line == 2 and "UTF-8" in r.problems[0].reason


def test_binary_file_is_a_file_level_problem(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_bytes(b"\x00\x01\x02" * 100 + b"\n")
    r = parse(p)
    assert r.records == [] and r.problems[0].line == 0 and "binary" in r.problems[0].reason


def test_empty_file(tmp_path):
    p = tmp_path / "e.jsonl"
    p.write_bytes(b"")
    r = parse(p)
    assert (r.records, r.problems, r.end_offset) == ([], [], 0)


def test_vanished_file_raises_a_clear_error(tmp_path):
    with pytest.raises(SourceVanished) as info:
        parse(tmp_path / "gone.jsonl")
    assert isinstance(info.value, PlannerError) and isinstance(info.value, FileNotFoundError)
    assert "vanished" in str(info.value)


def test_truncated_last_line_is_not_consumed_then_read_when_complete(tmp_path):
    full = assistant("m2", "r2", out=77)
    p = write(tmp_path, [assistant("m1", "r1"), USER, full[:60]], end="")
    r = parse(p)
    assert len(r.records) == 1
    assert [(x.line, x.reason, x.kind) for x in r.problems] == [(3, INCOMPLETE_LAST_LINE, "skipped")]
    assert r.end_offset == len(assistant("m1", "r1")) + 1 + len(USER) + 1
    with open(p, "ab") as f:
        f.write(full[60:].encode() + b"\n")
    r2 = parse(p, start_offset=r.end_offset, options={"start_line": 2})
    assert [(x.dedup_key, x.output_tokens, x.line) for x in r2.records] == [("m2:r2", 77, 3)]
    assert r2.problems == [] and r2.end_offset == p.stat().st_size
    # without start_line the line numbers are counted from the file
    r3 = parse(p, start_offset=r.end_offset)
    assert r3.records[0].line == 3


def test_project_of_paths(tmp_path):
    from pathlib import Path

    assert claude_code.project_of(Path("/h/projects/x/.claude/projects/slug/a.jsonl")) == "slug"
    assert claude_code.project_of(Path("/h/projects/slug/s/subagents/agent-1.jsonl")) == "slug"
    assert claude_code.project_of(Path("/h/logs/a.jsonl")) is None
