"""`planner prices`, `planner limits` and `planner cost` through planner.cli.main."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from decimal import Decimal

import pytest

from planner.cli import main

D = Decimal


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cost_json_is_exact(capsys):
    code, out, err = run(
        capsys, "cost", "--model", "claude-sonnet-4-5", "--input", "200001", "--output", "1000",
        "--cache-write-1h", "0", "--web-searches", "2", "--at", "2026-11-01", "--format", "json",
    )  # fmt: skip
    assert code == 0 and err == ""
    data = json.loads(out, parse_float=Decimal)
    assert data["model"] == "claude-sonnet-4-5-20250929"
    assert data["band"] == "long-context"
    assert data["breakdown"] == {
        "input": D("1.200006"), "cache_write_5m": 0, "cache_write_1h": 0, "cache_read": 0,
        "output": D("0.0225"), "web_search": D("0.02"),
    }  # fmt: skip
    assert data["cost_usd"] == D("1.242506")
    assert '"cost_usd": 1.242506,' in out  # a plain exact JSON number, not a string or a float artefact
    assert data["effective"] == "2025-09-29" and data["source"].startswith("https://")


def test_cost_table_shows_breakdown_and_source(capsys):
    code, out, _ = run(
        capsys, "cost", "-m", "claude-opus-4-6", "--input", "1000", "--output", "500", "--at", "2026-11-01"
    )
    assert code == 0
    assert "0.005" in out and "0.0125" in out and "0.0175" in out and "effective 2026-09-20" in out


def test_cost_warnings_go_to_stderr(capsys):
    code, out, err = run(capsys, "cost", "-m", "claude-haiku-4-5", "--input", "10", "--geo", "us", "--format", "json")
    assert code == 0 and "inference_geo 'us'" in err
    assert json.loads(out)["warnings"]


def test_cost_unknown_model_fails_with_suggestions(capsys):
    code, out, err = run(capsys, "cost", "--model", "claude-sonet-4-5", "--input", "10")
    assert code == 2 and out == ""
    assert "claude-sonet-4-5" in err and "did you mean" in err and "claude-sonnet-4-5-20250929" in err


def test_cost_rejects_negative_counts(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cost", "--model", "claude-haiku-4-5", "--input", "-5"])
    assert exit_info.value.code == 2
    assert "must not be negative" in capsys.readouterr().err


def test_prices_lists_every_model_with_all_five_prices(capsys):
    from planner.catalog import load_catalog

    code, out, _ = run(capsys, "prices", "--format", "csv", "--at", "2026-11-01")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["model"] for r in rows} == set(load_catalog().models)
    for row in rows:
        assert all(row[k] for k in ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "source"))
    opus = next(r for r in rows if r["model"] == "claude-opus-5-5")
    assert (opus["cache_read"], opus["fast_text"], opus["residency_text"]) == ("0.2", "8/40", "us ×1.1")


def test_prices_json_for_one_model_shows_history(capsys):
    code, out, _ = run(capsys, "prices", "--model", "sonnet-5-5", "--format", "json")
    assert code == 0
    models = json.loads(out, parse_float=Decimal)["models"]
    assert [(m["effective"], m["cache_read"]) for m in models] == [("2026-09-22", D("0.2")), ("2026-10-07", D("0.1"))]


def test_prices_set_writes_the_override_file_and_marks_the_row(capsys, config_dir):
    code, out, _ = run(capsys, "prices", "set", "claude-sonnet-4-6", "input", "2.40")
    assert code == 0 and "overrides.toml" in out
    written = tomllib.loads((config_dir / "overrides.toml").read_text())
    assert written == {"models": {"claude-sonnet-4-6": {"price": {"input": "2.40"}}}}
    code, out, err = run(capsys, "prices", "--model", "claude-sonnet-4-6", "--format", "json")
    rows = json.loads(out, parse_float=Decimal)["models"]
    assert err == "" and all(r["overridden"] and r["input"] == D("2.40") for r in rows)
    code, out, _ = run(capsys, "cost", "-m", "claude-sonnet-4-6", "--input", "1000000", "--format", "json")
    assert json.loads(out, parse_float=Decimal)["cost_usd"] == D("2.4")


def test_prices_set_refuses_a_bad_value_and_writes_nothing(capsys, config_dir):
    code, _, err = run(capsys, "prices", "set", "claude-sonnet-4-6", "input", "cheap")
    assert code == 2 and "input" in err and "expected a decimal" in err
    assert not (config_dir / "overrides.toml").exists()
    code, _, err = run(capsys, "prices", "set", "claude-nope", "input", "1")
    assert code == 2 and "unknown model 'claude-nope'" in err


def test_set_never_overwrites_a_malformed_file(capsys, config_dir):
    config_dir.mkdir(parents=True)
    path = config_dir / "overrides.toml"
    path.write_text("[models.x\n")
    code, _, err = run(capsys, "prices", "set", "claude-sonnet-4-6", "input", "2")
    assert code == 2 and f"{path}:1:" in err and "not overwritten" in err
    assert path.read_text() == "[models.x\n"
    # and the commands still work on the bundled catalog, warning about the file
    code, out, err = run(capsys, "cost", "-m", "claude-haiku-4-5", "--input", "1000000", "--format", "json")
    assert code == 0 and f"warning: {path}:1:" in err and json.loads(out)["cost_usd"] == 1


def test_set_writes_the_single_pricing_file(capsys, tmp_path, config_dir):
    target = tmp_path / "team.toml"
    code, _, _ = run(capsys, "limits", "set", "sonnet-4x", "custom", "itpm", "8000000", "--pricing", str(target))
    assert code == 0 and not (config_dir / "overrides.toml").exists()
    assert tomllib.loads(target.read_text()) == {"limits": {"sonnet-4x": {"custom": {"itpm": 8_000_000}}}}
    code, out, _ = run(capsys, "--pricing", str(target), "limits", "--tier", "custom", "--format", "json")
    rows = json.loads(out)["limits"]
    assert [(r["group"], r["itpm"], r["rpm"], r["overridden"]) for r in rows] == [("sonnet-4x", 8_000_000, None, True)]


def test_limits_set_refuses_zero_and_unknown_names(capsys, config_dir):
    for argv, needle in [
        (("sonnet-4x", "build", "rpm", "0"), "positive"),
        (("sonnet-9x", "build", "rpm", "10"), "unknown model group"),
        (("sonnet-4x", "gold", "rpm", "10"), "unknown tier"),
    ]:
        code, _, err = run(capsys, "limits", "set", *argv)
        assert code == 2 and needle in err
    assert not (config_dir / "overrides.toml").exists()


def test_limits_json_keeps_unknown_as_null(capsys):
    code, out, _ = run(capsys, "limits", "--tier", "build", "--at", "2026-11-01", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [t["id"] for t in data["tiers"]] == ["build"] and data["tiers"][0]["monthly_spend_cap"] == 1000
    by_group = {r["group"]: r for r in data["limits"]}
    assert (by_group["opus-5-5"]["rpm"], by_group["haiku-5-5"]["itpm"]) == (None, None)
    assert by_group["opus-4x"]["itpm"] == 5_000_000


def test_limits_table_for_the_2025_tiers(capsys):
    code, out, _ = run(capsys, "limits", "--at", "2025-09-01", "--tier", "tier4")
    assert code == 0 and "monthly spend cap $5,000" in out and "2,000,000" in out


def test_limits_tier_not_in_force(capsys):
    code, _, err = run(capsys, "limits", "--tier", "tier1", "--at", "2026-11-01")
    assert code == 2 and "not in force" in err
