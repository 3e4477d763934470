"""Spend forecast: month to date, trailing run rate, p10/p90 range, what-ifs. All Decimal."""

from datetime import date, timedelta
from decimal import Decimal

from planner.catalog import load_catalog
from planner.projection import spend


def test_forecast_run_rate_and_range():
    today = date(2026, 11, 20)  # 10 days left in November
    daily = [(today - timedelta(days=i), Decimal(10 * i)) for i in range(1, 8)]  # 10..70 over the last 7 days
    daily += [(today, Decimal("5")), (date(2026, 10, 31), Decimal("999"))]  # October is not month to date
    f = spend.forecast(daily, today)
    mtd = Decimal(5) + sum(Decimal(10 * i) for i in range(1, 8))  # 285
    assert f.month_to_date == mtd
    assert f.run_rate == Decimal(40) and f.days_left == 10
    assert f.projected == mtd + Decimal(400)
    assert f.low == mtd + Decimal(100) and f.high == mtd + Decimal(700)  # p10 = 10, p90 = 70
    assert "7 days" in f.method and "p10/p90" in f.method


def test_missing_days_count_as_no_spend():
    f = spend.forecast([(date(2026, 11, 19), Decimal("7"))], date(2026, 11, 20))
    assert f.run_rate == Decimal(1)


def test_what_if_batch():
    assert spend.what_if_batch(Decimal(100), Decimal("0.4"), Decimal("0.5")) == Decimal(80)


def test_what_if_cache_hit_rate():
    entry = load_catalog().price_at("claude-sonnet-4-6", date(2026, 11, 1))
    # 1000 requests × (1000 input × $3 + 0.5×10000 read × $0.30 + 0.5×10000 write × $3.75) / MTok
    got = spend.what_if_cache(
        entry, requests=1000, input_tokens=1000, prefix_tokens=10000, output_tokens=0, hit_rate=Decimal("0.5")
    )
    assert got == Decimal(1000) * (Decimal(3000) + Decimal(1500) + Decimal(18750)) / Decimal(1_000_000)


def test_check_budget_gate():
    import pytest

    from planner.errors import BudgetExceeded

    today = date(2026, 11, 20)
    daily = [(today - timedelta(days=i), Decimal(10)) for i in range(1, 8)]  # mtd 70, +10/day × 10 = 170
    assert spend.check_budget(daily, today, Decimal(170)).projected == Decimal(170)
    with pytest.raises(BudgetExceeded) as err:
        spend.check_budget(daily, today, Decimal("169.99"))
    assert err.value.exit_code == 3 and "$170.00 > budget $169.99" in str(err.value)
