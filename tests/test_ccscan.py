"""The compiled transcript scanner gives exactly what the Python reference gives, line for line.

It is a fast path only: anything it is unsure of goes back to the reference. These tests compare
the two on the samples, on a generated tree, on hand-made edge cases for each of its decisions,
and on thousands of randomly damaged lines.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import sys
from pathlib import Path

import pytest
from ccscan_cases import CASES, line

from planner.usage import claude_code, detect

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    claude_code._fast is None and shutil.which("cc") is None,
    reason="the compiled scanner is not built here (no C compiler)",
)


def test_the_extension_is_built_where_a_compiler_is():
    assert claude_code._fast is not None, "planner.usage._ccscan did not build: see setup.py"


def resolve(model: str) -> str | None:
    return model.upper() if model.startswith("claude") else None


def both(path: Path, monkeypatch, start_offset: int = 0, **options):
    """(compiled, reference) results for one file, as comparable tuples."""

    def run():
        r = claude_code.parse(path, start_offset=start_offset, resolve=resolve, options={"compact": True, **options})
        return r.rows, r.problems, r.skipped, r.end_line, r.end_offset

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(claude_code, "_fast", None)
        reference = run()
    return fast, reference


def assert_same(path: Path, monkeypatch, start_offset: int = 0, **options):
    fast, reference = both(path, monkeypatch, start_offset, **options)
    assert fast[0] == reference[0], f"{path}: rows differ"
    assert fast[1:] == reference[1:], f"{path}: problems, skips or end differ"
    return fast


def test_samples_and_a_generated_tree(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_gen_cc", ROOT / "bench" / "gen_claude_code.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen
    spec.loader.exec_module(gen)
    assert gen.main(["--lines", "3000", "--seed", "11", "--out", str(tmp_path), "--quiet"]) == 0
    files = [f for f in detect.walk(str(tmp_path)) if f.endswith(".jsonl")]
    files += [str(p) for p in (ROOT / "sample_logs").rglob("*.jsonl") if "claude" in str(p)]
    rows = 0
    for f in files:
        rows += len(assert_same(Path(f), monkeypatch)[0])
    assert len(files) > 10 and rows > 300


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_decision_matches_the_reference(case, tmp_path, monkeypatch):
    text = CASES[case]
    before = json.dumps(line(message__id="msg_a", requestId="req_a"))
    after = json.dumps(line(message__id="msg_z", requestId="req_z", message__usage__output_tokens=1))
    p = tmp_path / "projects" / "-p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    p.write_bytes(f"{before}\n{text}\n{after}\n".encode("utf-8", "surrogateescape"))
    rows, _problems, _skipped, end_line, _ = assert_same(p, monkeypatch)
    assert end_line == 3
    assert rows[0][18] == 1  # the neighbours are never lost
    assert "msg_z:req_z" in [r[19] for r in rows]


def test_streaming_copies_and_sidechain_replays_collapse_the_same_way(tmp_path, monkeypatch):
    lines = []
    for i in range(50):
        for out in (1, 7, 30 + i):  # streaming snapshots: the last one is the largest
            lines.append(json.dumps(line(message__id=f"m{i}", requestId=f"r{i}", message__usage__output_tokens=out)))
        if i % 3 == 0:  # a sub-agent replay, larger, which must still lose to the main copy
            lines.append(
                json.dumps(
                    line(message__id=f"m{i}", requestId=f"r{i}", isSidechain=True, message__usage__output_tokens=999)
                )
            )
        if i % 5 == 0:  # a copy the compiled scanner leaves to the reference (an escaped id)
            lines.append(
                json.dumps(line(message__id=f"m{i}", requestId=f"r{i}", message__usage__output_tokens=500)).replace(
                    f'"m{i}"', '"' + "".join(f"\\u{ord(c):04x}" for c in f"m{i}") + '"'
                )
            )
    p = tmp_path / "projects" / "-p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    p.write_text("\n".join(lines) + "\n")
    rows = assert_same(p, monkeypatch)[0]
    assert len(rows) == 50
    outs = {r[19]: r[7] for r in rows}
    assert outs["m0:r0"] == 500 and outs["m1:r1"] == 31 and outs["m3:r3"] == 33 and not any(r[20] for r in rows)


_NOISE = [
    b'"',
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"0",
    b"7",
    b"-",
    b".",
    b"e",
    b"\x01",
    b"\xff",
    b" ",
    b"n",
    b"null",
    b"\\u",
    b"\\ud83d",
    b'"usage"',
    b"\n",
]


def test_randomly_damaged_lines_match_the_reference(tmp_path, monkeypatch):
    rnd = random.Random(20261123)
    good = [
        json.dumps(
            line(
                message__id=f"msg_{i}",
                requestId=f"req_{i % 40}",
                isSidechain=i % 7 == 0,
                message__usage__output_tokens=i,
            ),
            separators=(",", ":"),
        ).encode()
        for i in range(120)
    ]
    p = tmp_path / "projects" / "-p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    checked = 0
    for _round in range(150):
        lines = []
        for raw in rnd.sample(good, 40):
            b = bytearray(raw)
            for _ in range(rnd.choice((0, 1, 1, 2, 3))):
                at = rnd.randrange(len(b))
                op = rnd.random()
                if op < 0.45:
                    b[at : at + 1] = rnd.choice(_NOISE)
                elif op < 0.7:
                    b.insert(at, rnd.choice(_NOISE)[0])
                elif op < 0.85:
                    del b[at : at + rnd.randint(1, 12)]
                else:
                    n = rnd.randint(1, 20)
                    b[at:at] = b[at : at + n]
            lines.append(bytes(b))
        p.write_bytes(b"\n".join(lines) + b"\n")
        assert_same(p, monkeypatch)
        checked += len(lines)
    assert checked == 6000


def test_incremental_reads_number_lines_the_same_way(tmp_path, monkeypatch):
    p = tmp_path / "projects" / "-p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    first = "\n".join(json.dumps(line(message__id=f"m{i}")) for i in range(5)) + "\n"
    p.write_text(first + json.dumps(line(message__id="m9")) + "\n")
    rows, _problems, _skipped, end_line, _end = assert_same(p, monkeypatch, len(first.encode()), start_line=5)
    assert end_line == 6 and [r[18] for r in rows] == [6]


def test_the_reference_can_be_forced_from_the_environment():
    import os
    import subprocess

    code = "from planner.usage import claude_code; print(claude_code._fast is None)"
    env = {**os.environ, "PLANNER_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_compiled_layout_is_the_python_one():
    """The C scan fills rows by the column names it exposes: they must be planner.usage.rows'."""
    from planner.usage import rows

    assert claude_code._fast.RECORD_COLUMNS == rows.RECORD_COLUMNS


def test_compiled_rows_hold_each_column_by_name_and_type(tmp_path):
    from planner.usage import rows

    p = tmp_path / "projects" / "-p" / "s.jsonl"
    p.parent.mkdir(parents=True)
    p.write_text(json.dumps(line(isSidechain=True)) + "\n")
    got = claude_code.parse(p, resolve=resolve, options={"compact": True}).rows
    assert len(got) == 1 and len(got[0]) == len(rows.RECORD)
    for (name, types), value in zip(rows.RECORD, got[0], strict=True):
        assert isinstance(value, types), (name, value)
    rec = dict(zip(rows.RECORD_COLUMNS, got[0], strict=True))
    assert rec["model"] == "CLAUDE-SONNET-4-6" and rec["cache_write_1h"] == 40 and rec["cache_read"] == 200
    assert rec["source"] == str(p) and rec["line"] == 1 and rec["dedup_key"] == "msg_1:req_1"
    assert rec["sidechain"] is True and rec["session"] == "s-1" and rec["fmt"] == "claude-code"
