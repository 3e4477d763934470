"""`planner plan` on the example scenarios: the JSON contract, compare, --budget exit 3."""

import json
from pathlib import Path

import pytest

from planner.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def _config(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))


@pytest.mark.parametrize("name", ["launch.toml", "launch-cheaper.toml", "batch-heavy.toml"])
def test_json_contract_on_examples(capsys, name):
    assert main(["plan", str(EXAMPLES / name), "--at", "2026-11-22", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert {"scenario", "monthly_cost_usd", "workloads", "groups", "recommended_tier"} <= set(plan)
    assert plan["monthly_cost_usd"] > 0
    for w in plan["workloads"]:
        assert {"name", "model", "monthly_cost_usd"} <= set(w) and set(w["peak"]) == {"rpm", "itpm", "otpm"}
    for g in plan["groups"]:
        assert {"group", "peak", "tiers"} <= set(g)
        for t in g["tiers"]:
            assert {"tier", "headroom", "binding", "fits"} <= set(t) and set(t["headroom"]) == {"rpm", "itpm", "otpm"}
    assert plan["recommended_tier"] in {"evaluation", "start", "build", "scale", "custom"}


def test_launch_example_figures(capsys):
    main(["plan", str(EXAMPLES / "launch.toml"), "--at", "2026-11-22", "--format", "json"])
    plan = json.loads(capsys.readouterr().out)
    chat = plan["workloads"][0]
    # 1.5M requests/month × (1200×3 + 1200×3.75 + 6800×0.30 + 400×15)/MTok = 1.5M × $0.01614
    assert chat["monthly_cost_usd"] == 24210
    assert chat["peak"] == {"rpm": 104.167, "itpm": 250000, "otpm": 41666.667}
    # $26.9k/month is over Start's $500 and Build's $1000 caps
    assert plan["recommended_tier"] == "scale" and "> cap $1000" in plan["reason"]


def test_compare_table_has_both_scenarios(capsys):
    assert main(["plan", str(EXAMPLES / "launch.toml"), "--compare", str(EXAMPLES / "launch-cheaper.toml")]) == 0
    out = capsys.readouterr().out
    assert "launch-cheaper" in out and "recommended tier" in out


def test_budget_exceeded_exits_3(capsys):
    assert main(["plan", str(EXAMPLES / "launch.toml"), "--at", "2026-11-22", "--budget", "26922.38"]) == 3
    assert "> budget $26922.38" in capsys.readouterr().err
    assert main(["plan", str(EXAMPLES / "launch.toml"), "--at", "2026-11-22", "--budget", "26922.39"]) == 0


def test_missing_file_is_one_clear_line(capsys, tmp_path):
    assert main(["plan", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml: cannot read scenario" in capsys.readouterr().err
