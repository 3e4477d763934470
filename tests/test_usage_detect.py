"""Format detection, discovery of files under directories, and Claude Code's config directories."""

from pathlib import Path

import pytest

from planner.usage import detect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


@pytest.mark.parametrize(
    "rel, fmt",
    [
        ("app/requests.jsonl", "messages"),
        ("batch/results.jsonl", "batch"),
        ("admin/usage_report.json", "usage-report"),
        ("admin/cost_report.json", "cost-report"),
        ("csv/console_usage.csv", "csv"),
    ],
)
def test_detects_each_sample(rel, fmt):
    assert detect.detect_format(SAMPLES / rel) == fmt


def test_detects_claude_code_from_a_user_first_line(tmp_path):
    p = tmp_path / "s.log"
    p.write_text(
        '{"parentUuid":null,"isSidechain":false,"cwd":"/x","sessionId":"s1","type":"user",'
        '"message":{"role":"user","content":"' + "y" * 100_000 + '"}}\n'
    )
    assert detect.detect_format(p) == "claude-code"


@pytest.mark.parametrize(
    "content", [b"", b"\n\n", b"\x00\x01binary", b"hello world\n", b'{"name": "x"}\n', b"a,b,c\n1,2,3\n"]
)
def test_not_usage_logs(tmp_path, content):
    p = tmp_path / "f.txt"
    p.write_bytes(content)
    assert detect.detect_format(p) is None


def test_discover_tree_with_subagents_and_unrelated_files(tmp_path):
    proj = tmp_path / "projects" / "-home-me-app"
    (proj / "sess1" / "subagents").mkdir(parents=True)
    line = '{"type":"assistant","sessionId":"sess1","message":{"usage":{}}}\n'
    (proj / "sess1.jsonl").write_text(line)
    (proj / "sess1" / "subagents" / "agent-7.jsonl").write_text(line)
    (proj / "empty.jsonl").write_text("")
    (proj / "notes.md").write_text("# hi")
    (proj / "core.bin").write_bytes(b"\x00" * 64)
    (proj / "todo.txt").write_text("buy milk\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.jsonl").write_text(line)
    d = detect.discover([tmp_path, tmp_path / "missing"])
    assert sorted(p.name for p, f in d.files if f == "claude-code") == ["agent-7.jsonl", "sess1.jsonl"]
    reasons = {p.name: why for p, why in d.skipped}
    assert "empty" in reasons["empty.jsonl"] and "binary" in reasons["core.bin"]
    assert "not a usage log" in reasons["notes.md"] and "not a recognised" in reasons["todo.txt"]
    assert reasons["missing"] == "no such file or directory"


def test_discover_forced_format(tmp_path):
    p = tmp_path / "odd.log"
    p.write_text("hello\n")
    assert detect.discover([p], fmt="messages").files == [(p, "messages")]
    with pytest.raises(Exception, match="unknown format"):
        detect.discover([p], fmt="nope")


def test_discover_samples_finds_every_format():
    d = detect.discover([SAMPLES])
    fmts = {f for _, f in d.files}
    assert fmts == set(detect.FORMATS)
    assert any("subagents" in str(p) for p, f in d.files if f == "claude-code")


def test_claude_code_dirs_from_env(tmp_path):
    cfg = tmp_path / "cfg"
    (cfg / "projects").mkdir(parents=True)
    bare = tmp_path / "other" / "projects"
    bare.mkdir(parents=True)
    env = {"CLAUDE_CONFIG_DIR": f"{cfg}, {bare},{tmp_path / 'nothing'}", "HOME": str(tmp_path)}
    assert detect.claude_code_dirs(env) == [cfg / "projects", bare]


def test_claude_code_dirs_defaults(tmp_path):
    (tmp_path / ".claude" / "projects").mkdir(parents=True)
    (tmp_path / ".config" / "claude" / "projects").mkdir(parents=True)
    assert detect.claude_code_dirs({"HOME": str(tmp_path)}) == [
        tmp_path / ".config" / "claude" / "projects",
        tmp_path / ".claude" / "projects",
    ]
    assert detect.claude_code_dirs({"HOME": str(tmp_path / "nobody")}) == []
