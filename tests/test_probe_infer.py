"""Tier inference: live limits matched against limits.toml, or "custom" with the differences."""

from datetime import date

import pytest

from planner.catalog import load_catalog
from planner.probe.headers import DimensionLimit
from planner.probe.infer import infer_tier, observed_limits

NOV = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def dl(rpm=None, itpm=None, otpm=None):
    out = {}
    if rpm is not None:
        out["requests"] = DimensionLimit(rpm, rpm)
    if itpm is not None:
        out["input_tokens"] = DimensionLimit(itpm, itpm)
    if otpm is not None:
        out["output_tokens"] = DimensionLimit(otpm, otpm)
    return out


def test_exact_match_names_the_tier(catalog):
    m = infer_tier(catalog, "sonnet-4x", dl(1000, 2_000_000, 400_000), NOV)
    assert m.tier == "start" and m.mismatches == [] and m.compared == ("rpm", "itpm", "otpm")
    assert m.reason == "live RPM/ITPM/OTPM equal Start (start) for Sonnet 4.x"


def test_scale(catalog):
    assert infer_tier(catalog, "opus-4x", dl(10_000, 10_000_000, 2_000_000), NOV).tier == "scale"


def test_old_tier_system_by_date(catalog):
    m = infer_tier(catalog, "sonnet-4x", dl(1000, 450_000, 90_000), date(2026, 5, 1))
    assert m.tier == "tier2"


def test_partial_limits_compare_what_is_there(catalog):
    m = infer_tier(catalog, "sonnet-4x", dl(rpm=5000, otpm=1_000_000), NOV)
    assert m.tier == "build" and m.compared == ("rpm", "otpm")
    assert "compared RPM/OTPM only" in m.reason


def test_negotiated_limits_are_custom_with_mismatches(catalog):
    m = infer_tier(catalog, "sonnet-4x", dl(10_000, 20_000_000, 2_000_000), NOV)
    assert m.tier == "custom"
    assert m.mismatches == ["ITPM: live 20,000,000 vs scale 10,000,000 (catalog)"]
    assert "above the catalog" in m.reason and "nearest tier scale" in m.reason


def test_workspace_limit_below_the_catalog(catalog):
    m = infer_tier(catalog, "sonnet-4x", dl(1000, 1_000_000, 400_000), NOV)
    assert m.tier == "custom" and m.mismatches == ["ITPM: live 1,000,000 vs start 2,000,000 (catalog)"]
    assert "below the catalog" in m.reason


def test_no_published_limits(catalog):
    m = infer_tier(catalog, "haiku-5-5", dl(1000, 2_000_000, 400_000), NOV)
    assert m.tier is None and "no published limits for Haiku 5.5" in m.reason


def test_no_live_limits(catalog):
    m = infer_tier(catalog, "sonnet-4x", {}, NOV)
    assert m.tier is None and m.reason == "no live RPM/ITPM/OTPM limit to compare"


def test_only_the_tokens_header_cannot_be_matched(catalog):
    m = infer_tier(catalog, "sonnet-4x", {"tokens": DimensionLimit(2_400_000, 0)}, NOV)
    assert m.tier is None


def test_plain_ints_are_accepted():
    assert observed_limits({"rpm": 5, "itpm": None, "output_tokens": 7, "tokens": 9, "x": 1}) == {"rpm": 5, "otpm": 7}
    assert observed_limits({"requests": DimensionLimit(None, 3)}) == {}
