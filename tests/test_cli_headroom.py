"""`planner headroom`: demand from imported logs against every tier, live limits when probed."""

import json

import pytest

from planner import paths
from planner.catalog import load_catalog
from planner.cli import main
from planner.store import Store
from planner.views.demand import store_peaks

SAMPLES = paths.sample_logs_dir()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "planner.db"
    monkeypatch.setenv("PLANNER_DB", str(path))
    run(capsys, "import", str(SAMPLES), "--timestamp", "2026-11-19T02:00:00Z")
    return path


def test_json_peaks_are_the_stores_rolling_peaks_and_every_tier_is_listed(db, capsys):
    code, out, _ = run(capsys, "headroom", "--format", "json", "--growth", "0.1")
    data = json.loads(out)
    assert code == 0
    cat = load_catalog()
    expected = store_peaks(Store(db), cat)
    assert {g["group"] for g in data["groups"]} == set(expected)
    for g in data["groups"]:
        for dim in ("itpm", "otpm"):
            assert g["peaks"][dim]["max"] == getattr(expected[g["group"]], dim).max
        tiers = [t["tier"] for t in g["tiers"]]
        assert "build" in tiers and "scale" in tiers
        assert all(t["source"] == "catalog" for t in g["tiers"])
    sonnet = next(g for g in data["groups"] if g["group"] == "sonnet-4x")
    build = next(t for t in sonnet["tiers"] if t["tier"] == "build")
    assert build["fits"] is True and build["dimensions"]["itpm"]["limit"] == 5_000_000
    assert isinstance(build["dimensions"]["itpm"]["months_to_bind"], float)
    # a group whose limits the catalog does not know is "cannot confirm", never "fits"
    unknown = [
        t
        for g in data["groups"]
        for t in g["tiers"]
        if any(t["dimensions"][d]["limit"] is None for d in ("rpm", "itpm", "otpm"))
    ]
    assert unknown and all(t["fits"] is None for t in unknown)
    assert data["recommended_tier"] == "custom" and "cannot confirm" in data["reason"]
    assert data["forecast"]["month_to_date"] > 0


def test_a_probe_snapshot_adds_live_limits(db, monkeypatch, capsys):
    from fakeapi import FakeAnthropic

    with FakeAnthropic(rpm=50, itpm=40_000, otpm=8_000) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-test-key-0000")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code, _, _ = run(capsys, "probe", "--model", "claude-sonnet-4-6")
        assert code == 0
    code, out, _ = run(capsys, "headroom", "--format", "json", "--tier", "build")
    sonnet = next(g for g in json.loads(out)["groups"] if g["group"] == "sonnet-4x")
    live = [t for t in sonnet["tiers"] if t["source"] == "live header"]
    assert len(live) == 1 and live[0]["dimensions"]["itpm"]["limit"] == 40_000
    assert [t["tier"] for t in sonnet["tiers"] if t["source"] == "catalog"] == ["build"]


def test_table_says_where_figures_come_from(db, capsys):
    code, out, _ = run(capsys, "headroom")
    assert code == 0 and "peaks: imported log" in out and "(estimate)" in out and "catalog" in out


def test_unknown_tier_and_empty_store(db, tmp_path, capsys):
    code, _, err = run(capsys, "headroom", "--tier", "platinum")
    assert code == 2 and "unknown tier" in err
    code, _, err = run(capsys, "headroom", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "planner import" in err
