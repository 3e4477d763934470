"""The cost engine: exact Decimals, whole-request bands, cache TTLs, batch, residency, fast mode."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from planner.catalog import Catalog, Usage, load_catalog, price_usage

D = Decimal
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_plain_request_is_exact_per_category(cat):
    usage = Usage(input_tokens=12_000, output_tokens=800, cache_write_5m=1000, cache_write_1h=2000, cache_read=80_000)
    r = price_usage(cat, "claude-sonnet-4-6", usage, NOW)
    assert r.priced and r.model == "claude-sonnet-4-6" and r.band == "standard"
    assert r.breakdown == {
        "input": D("0.036"),  # 12,000 x $3
        "cache_write_5m": D("0.00375"),  # 1,000 x $3.75
        "cache_write_1h": D("0.012"),  # 2,000 x $6
        "cache_read": D("0.024"),  # 80,000 x $0.30
        "output": D("0.012"),  # 800 x $15
        "web_search": D(0),
    }
    assert r.total == D("0.08775")
    assert all(isinstance(v, Decimal) for v in r.breakdown.values())


def test_one_hour_writes_cost_more_than_five_minute_writes(cat):
    five = price_usage(cat, "claude-opus-4-5", Usage(cache_write_5m=1_000_000), NOW)
    hour = price_usage(cat, "claude-opus-4-5", Usage(cache_write_1h=1_000_000), NOW)
    assert (five.total, hour.total) == (D("6.25"), D(10))


@pytest.mark.parametrize(
    "usage, band, total",
    [
        # prompt exactly at the threshold: standard prices
        (Usage(input_tokens=200_000, output_tokens=10_000), "standard", D("0.6") + D("0.15")),
        # one token above: EVERY token at the band, output included
        (Usage(input_tokens=200_001, output_tokens=10_000), "long-context", D("1.200006") + D("0.225")),
        # cache reads and writes count toward the threshold, and are then billed at band prices
        (Usage(input_tokens=1, cache_read=150_000, cache_write_5m=50_000, output_tokens=0), "long-context",
         D("0.000006") + D("0.09") + D("0.375")),
    ],
)  # fmt: skip
def test_whole_request_long_context_rule(cat, usage, band, total):
    r = price_usage(cat, "claude-sonnet-4-5", usage, NOW)
    assert (r.band, r.total) == (band, total)


def test_haiku_5_5_band_at_100k(cat):
    at = price_usage(cat, "claude-haiku-5-5", Usage(input_tokens=100_000, output_tokens=1000), NOW)
    above = price_usage(cat, "claude-haiku-5-5", Usage(input_tokens=100_001, output_tokens=1000), NOW)
    assert (at.band, at.total) == ("standard", D("0.01") + D("0.0005"))
    assert (above.band, above.total) == ("over-100k", D("0.0500005") + D("0.0025"))


def test_band_depends_on_date_for_4_6(cat):
    usage = Usage(input_tokens=300_000)
    assert price_usage(cat, "claude-opus-4-6", usage, date(2026, 3, 1)).total == D(3)  # $10 band
    assert price_usage(cat, "claude-opus-4-6", usage, date(2026, 4, 1)).total == D("1.5")  # premium dropped


def test_prompt_tokens_override_for_aggregates(cat):
    # many small requests aggregated: the band is per request, not on the sum
    r = price_usage(cat, "claude-sonnet-4-5", Usage(input_tokens=1_000_000), NOW, prompt_tokens=5000)
    assert (r.band, r.total) == ("standard", D(3))


def test_batch_discounts_every_token_category_but_not_web_search(cat):
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cache_write_5m=1_000_000, cache_read=1_000_000,
                  web_search_requests=1000, batch=True)  # fmt: skip
    r = price_usage(cat, "claude-haiku-4-5", usage, NOW)
    assert r.breakdown["input"] == D("0.5") and r.breakdown["output"] == D("2.5")
    assert r.breakdown["cache_write_5m"] == D("0.625") and r.breakdown["cache_read"] == D("0.05")
    assert r.breakdown["web_search"] == D(10)


def test_batch_stacks_with_the_long_context_band(cat):
    r = price_usage(cat, "claude-sonnet-4-5", Usage(input_tokens=1_000_000, batch=True), NOW)
    assert (r.band, r.total) == ("long-context", D(3))


def test_us_residency_multiplies_every_token_category(cat):
    usage = Usage(
        input_tokens=1_000_000, output_tokens=1_000_000, cache_read=1_000_000, web_search_requests=1000, geo="us"
    )
    r = price_usage(cat, "claude-opus-4-6", usage, NOW)
    assert (r.breakdown["input"], r.breakdown["output"], r.breakdown["cache_read"]) == (D("5.5"), D("27.5"), D("0.55"))
    assert r.breakdown["web_search"] == D(10) and not r.warnings


def test_residency_on_an_older_model_warns_and_prices_at_base(cat):
    r = price_usage(cat, "claude-sonnet-4-5", Usage(input_tokens=100_000, geo="us"), NOW)
    assert r.total == D("0.3")
    assert r.warnings and "'us'" in r.warnings[0] and "claude-sonnet-4-5-20250929" in r.warnings[0]
    assert price_usage(cat, "claude-sonnet-4-5", Usage(input_tokens=1, geo="global"), NOW).warnings == []


def test_fast_mode_uses_fast_prices_and_derives_cache_prices(cat):
    usage = Usage(
        input_tokens=1_000_000, output_tokens=1_000_000, cache_write_5m=1_000_000, cache_read=1_000_000, fast=True
    )
    r = price_usage(cat, "claude-opus-4-6", usage, date(2026, 2, 20))
    # $30/$150, 5m write 1.25x and read 0.1x of the fast input; no long-context charge
    assert r.breakdown == {
        "input": D(30), "cache_write_5m": D("37.5"), "cache_write_1h": D(0), "cache_read": D(3),
        "output": D(150), "web_search": D(0),
    }  # fmt: skip
    big = price_usage(cat, "claude-opus-4-6", Usage(input_tokens=300_000, fast=True), date(2026, 2, 20))
    assert (big.band, big.total) == ("standard", D(9))
    # Opus 5.5 reads at 0.05x: the ratio comes from the model, not a global 0.1x
    r55 = price_usage(cat, "claude-opus-5-5", Usage(cache_read=1_000_000, fast=True, geo="us"), NOW)
    assert r55.total == D("0.44")  # $8 x 0.05 x 1.1


def test_fast_without_a_published_price_warns(cat):
    r = price_usage(cat, "claude-opus-4-7", Usage(input_tokens=1_000_000, fast=True), NOW)
    assert r.total == D(5) and "fast mode has no published price" in r.warnings[0]


def test_fast_and_batch_together_warn(cat):
    r = price_usage(cat, "claude-opus-5", Usage(input_tokens=1_000_000, fast=True, batch=True), NOW)
    assert r.total == D(10) and any("Batch" in w for w in r.warnings)


def test_web_search_is_ten_dollars_per_thousand(cat):
    r = price_usage(cat, "claude-haiku-5-5", Usage(web_search_requests=3), NOW)
    assert r.total == D("0.03") and r.breakdown["web_search"] == D("0.03")


def test_uncached_total_bills_cache_tokens_as_plain_input(cat):
    r = price_usage(cat, "claude-sonnet-4-6", Usage(input_tokens=1000, cache_read=99_000, output_tokens=100), NOW)
    assert r.total == D("0.003") + D("0.0297") + D("0.0015")
    assert r.uncached_total == D("0.3") + D("0.0015")


def test_unknown_model_is_unpriced_never_zero(cat):
    r = price_usage(cat, "claude-sonet-9", Usage(input_tokens=1000), NOW)
    assert (r.priced, r.total, r.model, r.entry) == (False, None, None, None)
    assert "claude-sonet-9" in r.reason


def test_usage_before_the_first_price_is_unpriced(cat):
    r = price_usage(cat, "claude-haiku-5-5", Usage(input_tokens=1000), date(2026, 1, 1))
    assert (r.priced, r.total, r.model) == (False, None, "claude-haiku-5-5")
    assert "2026-10-07" in r.reason


def test_cost_result_json_shape(cat):
    r = price_usage(cat, "claude-sonnet-5-5", Usage(cache_read=1_000_000), date(2026, 10, 1))
    data = r.to_json()
    assert data["cost_usd"] == D("0.2") and data["effective"] == "2026-09-22" and data["band"] == "standard"
    assert set(data["breakdown"]) == {"input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search"}
