"""Headroom, months to bind, live vs catalog limits, and tier choice at the margin."""

import math
from datetime import date
from decimal import Decimal

import pytest

from planner.catalog import load_catalog
from planner.projection import headroom, tiers

AT = date(2026, 11, 22)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_dimension_ratio_headroom_and_months_to_bind():
    d = headroom.dimension(500, 1000, growth=0.1)
    assert d.ratio == 0.5 and d.headroom == 0.5
    assert d.months_to_bind == pytest.approx(math.log(2) / math.log(1.1))  # 7.27 months
    over = headroom.dimension(1500, 1000, growth=0.1)
    assert over.ratio == 1.5 and over.headroom == 0.0 and over.months_to_bind == "already"
    assert headroom.dimension(1000, 1000).months_to_bind == "already"
    assert headroom.dimension(10, 1000, growth=0).months_to_bind == "never"
    assert headroom.dimension(10, 1000, growth=-0.1).months_to_bind == "never"
    unknown = headroom.dimension(10, None)
    assert unknown.ratio is None and unknown.headroom is None and unknown.months_to_bind is None


def test_binding_dimension_and_unknown_limit(catalog):
    gh = headroom.for_limits(
        "g", "t", {"rpm": 10, "itpm": 900, "otpm": 10}, {"rpm": 100, "itpm": 1000, "otpm": None}, "catalog"
    )
    assert gh.binding == "itpm" and gh.fits is None and "OTPM limit unknown" in gh.notes


def test_live_limits_are_used_and_named(catalog):
    rows = headroom.headroom(
        {"sonnet-4x": {"rpm": 100, "itpm": 1000, "otpm": 100}},
        catalog,
        AT,
        live={"sonnet-4x": {"rpm": 200, "itpm": 2000, "otpm": 400}},
    )
    live = rows[0]
    assert live.tier == "live" and live.source == "live header" and live.dims["rpm"].headroom == 0.5
    build = next(r for r in rows if r.tier == "build")
    assert build.source == "catalog" and build.dims["rpm"].limit == 5000


def _build_limits(catalog):
    return catalog.limits_at("sonnet-4x", "build", AT)


def test_tier_at_the_rate_margin(catalog):
    start = catalog.limits_at("sonnet-4x", "start", AT)
    exactly = start.rpm / 1.2  # peak × 1.2 == limit: fits
    rec = tiers.recommend({"sonnet-4x": {"rpm": exactly, "itpm": 0, "otpm": 0}}, Decimal(0), catalog, AT)
    assert rec.tier == "start", rec.reason
    one_over = (start.rpm + 1) / 1.2
    rec = tiers.recommend({"sonnet-4x": {"rpm": one_over, "itpm": 0, "otpm": 0}}, Decimal(0), catalog, AT)
    assert rec.tier == "build"
    assert "RPM peak" in rec.rejected["start"] and "× 1.2 >" in rec.rejected["start"]


def test_tier_at_the_spend_cap(catalog):
    cap = catalog.tier("start", AT).monthly_spend_cap
    low = {"sonnet-4x": {"rpm": 1, "itpm": 1, "otpm": 1}}
    assert tiers.recommend(low, cap, catalog, AT).tier == "start"
    rec = tiers.recommend(low, cap + Decimal("0.01"), catalog, AT)
    assert rec.tier == "build" and f"> cap ${cap}" in rec.rejected["start"]


def test_custom_when_nothing_fits_and_unknown_limits_cannot_confirm(catalog):
    huge = {"sonnet-4x": {"rpm": 10**9, "itpm": 1, "otpm": 1}}
    rec = tiers.recommend(huge, Decimal(1), catalog, AT)
    assert rec.tier == "custom" and "no published tier fits" in rec.reason
    # Opus 5: Start publishes 1000 RPM; Build and Scale publish none, so they cannot be confirmed.
    rec = tiers.recommend({"opus-5": {"rpm": 1000, "itpm": 1, "otpm": 1}}, Decimal(1), catalog, AT)
    assert rec.tier == "custom"
    assert "RPM peak 1k × 1.2 > 1k" in rec.rejected["start"]
    assert "limit unknown, cannot confirm" in rec.rejected["build"]


def test_live_limits_from_a_header_snapshot():
    from types import SimpleNamespace as NS

    from planner.probe.history import live_dims

    snap = NS(limits={"requests": NS(limit=50), "input_tokens": NS(limit=30000)})
    assert live_dims(snap.limits) == {"rpm": 50, "itpm": 30000, "otpm": None}
