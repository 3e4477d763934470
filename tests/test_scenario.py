"""Scenario parsing and evaluation: hand-computed cost, batch share, both TTLs, peaks, errors."""

from datetime import date
from decimal import Decimal

import pytest

from planner.catalog import load_catalog
from planner.errors import PlannerError
from planner.projection import scenario

AT = date(2026, 11, 22)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def write(tmp_path, body, name="s.toml"):
    path = tmp_path / name
    path.write_text(body)
    return path


WL = """
[scenario]
name = "t"
days_per_month = 30
[[workload]]
name = "chat"
model = "claude-sonnet-4-6"
requests_per_day = 1440
peak_to_average = 2.0
input_tokens = 1000
cached_prefix_tokens = 10000
cache_hit_rate = 0.8
output_tokens = 100
"""


def evaluate(tmp_path, catalog, extra=""):
    return scenario.evaluate(scenario.load(write(tmp_path, WL + extra), catalog), catalog, AT)


def test_cost_with_5m_ttl(tmp_path, catalog):
    plan = evaluate(tmp_path, catalog, 'cache_ttl = "5m"\n')
    w = plan["workloads"][0]
    # per request: 1000×3 + 2000 writes×3.75 + 8000 reads×0.30 + 100×15 = 3000+7500+2400+1500 = 14400 $/MTok-units
    assert w["cost_per_request_usd"] == Decimal("0.0144")
    assert w["monthly_cost_usd"] == Decimal("0.0144") * 1440 * 30 == Decimal("622.08")
    assert w["breakdown_usd"]["cache_write_5m"] == Decimal("0.0075") * 1440 * 30
    assert plan["monthly_cost_usd"] == Decimal("622.08")


def test_cost_with_1h_ttl(tmp_path, catalog):
    w = evaluate(tmp_path, catalog, 'cache_ttl = "1h"\n')["workloads"][0]
    # writes at $6: 2000×6 = 12000 -> 3000+12000+2400+1500 = 18900
    assert w["cost_per_request_usd"] == Decimal("0.0189") and "cache_write_1h" in w["breakdown_usd"]


def test_batch_share_discount_and_peaks(tmp_path, catalog):
    w = evaluate(tmp_path, catalog, "batch_share = 0.25\n")["workloads"][0]
    # 25% at half price: factor 1 - 0.25×0.5 = 0.875
    assert w["monthly_cost_usd"] == Decimal("622.08") * Decimal("0.875")
    # peak RPM = 1440/1440 × 2 × 0.75 = 1.5; ITPM = 1.5 × (1000 + 2000 writes); OTPM = 1.5 × 100
    assert w["peak"] == {"rpm": Decimal("1.5"), "itpm": Decimal(4500), "otpm": Decimal(150)}
    assert w["batch_requests_per_day"] == Decimal(360)


def test_cache_reads_count_in_itpm_for_haiku_3_5(tmp_path, catalog):
    plan = evaluate(tmp_path, catalog)
    body = WL.replace("claude-sonnet-4-6", "claude-3-5-haiku-20241022")
    w = scenario.evaluate(scenario.load(write(tmp_path, body), catalog), catalog, AT)["workloads"][0]
    assert w["peak"]["itpm"] == 2 * (1000 + 2000 + 8000)  # reads count for this group
    assert plan["workloads"][0]["peak"]["itpm"] == 2 * (1000 + 2000)


def test_groups_sum_workloads_and_tiers_have_headroom(tmp_path, catalog):
    body = WL + "[[workload]]" + WL.split("[[workload]]")[1].replace('"chat"', '"chat2"')
    plan = scenario.evaluate(scenario.load(write(tmp_path, body), catalog), catalog, AT)
    (group,) = plan["groups"]
    assert group["group"] == "sonnet-4x" and group["peak"]["rpm"] == 4
    build = next(t for t in group["tiers"] if t["tier"] == "build")
    assert build["headroom"]["rpm"] == pytest.approx(1 - 4 / 5000) and build["fits"] is True


def test_growth_gives_months_to_bind(tmp_path, catalog):
    plan = evaluate(tmp_path, catalog, "growth_per_month = 1.0\n")
    build = next(t for t in plan["groups"][0]["tiers"] if t["tier"] == "build")
    # RPM 2 vs 5000 doubling monthly: log2(2500) = 11.29 months
    assert build["dimensions"]["rpm"]["months_to_bind"] == pytest.approx(11.2877, abs=1e-3)


def test_prompt_file_estimates_prefix_relative_to_scenario(tmp_path, catalog):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "sys.txt").write_text("word " * 400)
    body = WL.replace("cached_prefix_tokens = 10000\n", 'prompt_file = "p/sys.txt"\n')
    s = scenario.load(write(tmp_path, body), catalog)
    assert 300 < s.workloads[0].cached_prefix_tokens < 700
    assert s.workloads[0].prefix_source.startswith("estimate from p/sys.txt")


@pytest.mark.parametrize(
    "change, message",
    [
        (("cache_hit_rate = 0.8", "cache_hit_rate = 1.5"), "cache_hit_rate: must be between 0 and 1"),
        (("output_tokens = 100", 'output_tokens = "many"'), "output_tokens: expected a number"),
        (('name = "chat"', 'name = "chat"\ncolour = 1'), "unknown field 'colour'"),
        (("requests_per_day = 1440\n", ""), "missing requests_per_day"),
        (("output_tokens = 100", 'output_tokens = 100\ncache_ttl = "2h"'), 'cache_ttl: must be "5m" or "1h"'),
        (("claude-sonnet-4-6", "claude-nope-9"), "unknown model 'claude-nope-9'"),
        (("[[workload]]", "[[workload"), "not valid TOML"),
    ],
)
def test_bad_scenarios_name_file_and_field(tmp_path, catalog, change, message):
    path = write(tmp_path, WL.replace(*change))
    with pytest.raises(PlannerError) as err:
        scenario.evaluate(scenario.load(path, catalog), catalog, AT)
    assert message in str(err.value) and str(path) in str(err.value)


def test_scenario_tier_is_checked(tmp_path, catalog):
    plan = scenario.evaluate(
        scenario.load(write(tmp_path, WL.replace('name = "t"', 'name = "t"\ntier = "start"')), catalog), catalog, AT
    )
    # $622.08/month is over Start's $500 cap although its limits hold the peaks
    assert plan["checked_tier"] == {"tier": "start", "fits": True, "within_spend_cap": False}
    with pytest.raises(PlannerError, match="unknown tier 'gold'"):
        scenario.evaluate(
            scenario.load(write(tmp_path, WL.replace('name = "t"', 'name = "t"\ntier = "gold"')), catalog), catalog, AT
        )
