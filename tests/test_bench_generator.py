"""The benchmark generator writes valid Claude Code trees of the promised shape, deterministically."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


gen = _load("gen_claude_code")
independent = _load("independent")


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tree")
    assert gen.main(["--lines", "2000", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    return out


def _lines(root: Path):
    for path in sorted((root / "projects").rglob("*.jsonl")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            yield path, n, json.loads(line)


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((root / "projects").rglob("*.jsonl")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_layout_and_line_kinds(tree: Path) -> None:
    mains = list((tree / "projects").glob("*/*.jsonl"))
    subs = list((tree / "projects").glob("*/*/subagents/agent-*.jsonl"))
    assert mains and subs
    for sub in subs:  # a sub-agent file sits under its parent session's directory
        assert (sub.parent.parent.parent / f"{sub.parent.parent.name}.jsonl").exists()
    kinds, models, bytes_by = Counter(), Counter(), Counter()
    for path, _n, d in _lines(tree):
        kinds[d["type"]] += 1
        bytes_by[d["type"]] += len(json.dumps(d))
        if d["type"] == "assistant":
            models[d["message"]["model"]] += 1
            assert d["isSidechain"] == ("subagents" in path.parts)
            for field in ("uuid", "parentUuid", "sessionId", "cwd", "version", "gitBranch", "timestamp"):
                assert field in d
            assert {"id", "type", "role", "model", "content", "usage"} <= d["message"].keys()
    assert {"user", "assistant", "summary", "file-history-snapshot"} <= kinds.keys()
    assert "<synthetic>" in models
    assert len(models) >= 5 and "claude-sonnet-4-5-20250929" in models
    assert bytes_by["user"] > bytes_by["assistant"] * 0.8  # tool results carry a large share of the bytes


def test_streaming_snapshots_grow_and_share_their_key(tree: Path) -> None:
    by_key: dict[tuple, list[int]] = {}
    without_request_id = 0
    ttls = Counter()
    for _path, _n, d in _lines(tree):
        if d["type"] != "assistant" or d["message"]["model"] == "<synthetic>":
            continue
        u = d["message"]["usage"]
        by_key.setdefault((d["message"]["id"], d.get("requestId")), []).append(u["output_tokens"])
        without_request_id += "requestId" not in d
        split = u.get("cache_creation")
        if split is None:
            ttls["unsplit"] += 1
        else:
            ttls["1h"] += split["ephemeral_1h_input_tokens"] > 0
            ttls["5m"] += split["ephemeral_5m_input_tokens"] > 0
    multi = [outs for outs in by_key.values() if len(outs) > 1]
    assert len(multi) > len(by_key) // 3
    assert all(outs[-1] == max(outs) for outs in multi)  # the final snapshot is the largest
    assert any(outs[0] < outs[-1] for outs in multi)
    assert without_request_id > 0
    assert ttls["1h"] > ttls["5m"] > 0


def test_manifest_totals_equal_an_independent_scan(tree: Path) -> None:
    manifest = json.loads((tree / gen.MANIFEST).read_text())
    reqs, _ccusage_extra = independent.scan(tree)
    found = independent.totals(reqs)
    assert manifest["lines"] >= 2000
    assert set(found) == set(manifest["models"])
    for model, t in manifest["models"].items():
        for key in (
            "requests",
            "input_tokens",
            "cache_write_5m",
            "cache_write_1h",
            "cache_read",
            "output_tokens",
            "web_search_requests",
        ):
            assert found[model][key] == t[key], (model, key)
        assert found[model]["cost_usd"] is not None and found[model]["cost_usd"] > 0


def test_deterministic_for_a_seed(tree: Path, tmp_path: Path) -> None:
    assert gen.main(["--lines", "2000", "--seed", "3", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert _digest(tmp_path / "a") == _digest(tree)
    assert gen.main(["--lines", "2000", "--seed", "4", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert _digest(tmp_path / "b") != _digest(tree)


def test_append_percent_only_appends(tmp_path: Path) -> None:
    root = tmp_path / "t"
    gen.main(["--lines", "2000", "--seed", "5", "--out", str(root), "--quiet"])
    before = {p: p.read_bytes() for p in (root / "projects").rglob("*.jsonl")}
    lines_before = json.loads((root / gen.MANIFEST).read_text())["lines"]
    gen.main(["--append-percent", "1", "--out", str(root), "--quiet"])
    after = {p: p.read_bytes() for p in (root / "projects").rglob("*.jsonl")}
    assert after.keys() == before.keys()
    grown = [p for p in after if after[p] != before[p]]
    assert grown and all(after[p].startswith(before[p]) for p in grown)
    added = sum(after[p].count(b"\n") - before[p].count(b"\n") for p in grown)
    assert lines_before // 100 <= added <= lines_before // 100 + 200
    manifest = json.loads((root / gen.MANIFEST).read_text())
    assert manifest["lines"] == lines_before + added
    reqs, _ = independent.scan(root)
    assert independent.totals(reqs)["claude-opus-4-8"]["requests"] == manifest["models"]["claude-opus-4-8"]["requests"]
