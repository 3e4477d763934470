"""Demand peaks: minute buckets, rolling windows at their boundaries, cache-aware ITPM, buckets."""

from datetime import UTC, datetime

import pytest

from planner.catalog import load_catalog
from planner.projection import demand

T0 = int(datetime(2026, 11, 2, 10, 0, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def row(minute, model="claude-sonnet-4-6", req=1, inp=0, cw5=0, cw1h=0, cread=0, out=0, bucket=0):
    return (T0 + minute * 60_000, model, req, inp, cw5, cw1h, cread, out, bucket)


def test_itpm_excludes_cache_reads_for_sonnet_4x(catalog):
    got = demand.peaks([row(0, req=2, inp=100, cw5=10, cw1h=5, cread=1000, out=7)], catalog)["sonnet-4x"]
    assert got.itpm.max == 115 and got.otpm.max == 7 and got.rpm.max == 2
    assert got.cache_reads_count is False


def test_itpm_includes_cache_reads_for_haiku_3_5(catalog):
    got = demand.peaks([row(0, model="claude-3-5-haiku-20241022", inp=100, cw5=10, cread=1000)], catalog)
    assert got["haiku-3-5"].itpm.max == 1110 and got["haiku-3-5"].cache_reads_count is True


def test_models_of_one_group_share_a_minute_and_unknown_models_are_kept(catalog):
    rows = [row(0, inp=10), row(0, model="claude-sonnet-4-5-20250929", inp=5), row(1, model="mystery-1", inp=3)]
    got = demand.peaks(rows, catalog)
    assert got["sonnet-4x"].itpm.max == 15 and got["sonnet-4x"].rpm.max == 2
    assert got["unknown:mystery-1"].itpm.max == 3


def test_percentiles_nearest_rank_over_active_minutes_and_busiest_hour(catalog):
    # 100 active minutes with 1..100 requests: p99 = 99, p95 = 95; max at minute 99.
    rows = [row(i, req=i + 1) for i in range(100)]
    p = demand.peaks(rows, catalog)["sonnet-4x"].rpm
    assert (p.max, p.p99, p.p95) == (100, 99, 95)
    assert p.at_ms == T0 + 99 * 60_000
    # Hour 10:00 holds minutes 0..59 (1..60 requests) = 1830; 11:00 holds 61..100 = 3220.
    assert p.busiest_hour_ms == T0 + 3_600_000 and p.busiest_hour_avg == pytest.approx(3220 / 60)


def test_bucket_rows_give_token_rates_and_no_rpm(catalog):
    hourly = row(0, req=600, inp=6000, out=1200, bucket=3600)
    got = demand.peaks([hourly], catalog)["sonnet-4x"]
    assert got.rpm is None
    assert got.itpm.max == 100 and got.otpm.max == 20
    assert got.sources == ["bucket 3600s"]


def test_rolling_window_boundaries(catalog):
    t = T0 + 30_000  # mid-minute: the rolling window is not the clock minute
    apart = demand.rolling_peaks(
        [(t, "claude-sonnet-4-6", 10, 0, 0, 0, 1), (t + 60_000, "claude-sonnet-4-6", 20, 0, 0, 0, 1)], catalog
    )
    assert apart["sonnet-4x"]["rpm"] == (1, t) and apart["sonnet-4x"]["itpm"] == (20, t + 60_000)
    together = demand.rolling_peaks(
        [(t, "claude-sonnet-4-6", 10, 0, 0, 0, 1), (t + 59_999, "claude-sonnet-4-6", 20, 0, 0, 0, 1)], catalog
    )
    assert together["sonnet-4x"]["rpm"] == (2, t) and together["sonnet-4x"]["itpm"] == (30, t)


def test_rolling_window_counts_cache_reads_only_where_they_count(catalog):
    reqs = [(T0, "claude-sonnet-4-6", 10, 1, 2, 100, 0), (T0, "claude-3-5-haiku-20241022", 10, 1, 2, 100, 0)]
    got = demand.rolling_peaks(reqs, catalog)
    assert got["sonnet-4x"]["itpm"][0] == 13 and got["haiku-3-5"]["itpm"][0] == 113
