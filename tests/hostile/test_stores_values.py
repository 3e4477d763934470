"""Hostile numbers in the catalog's files: a price of 1e300, NaN, infinity, 10^30, a negative or
a 40-place one, through `prices set` and through an override file written by hand. `prices set`
refuses them in one line (exit 2) naming the value and the allowed range, writing nothing; an
override file holding one is not applied and named in one warning, and every figure stays the
bundled catalog's. Before, 1e300 was written and every later cost ended in decimal.InvalidOperation.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from stores_support import check_one_line, planner_env, run_planner, sample_store

from planner.catalog import Usage, load_catalog, price_usage

BAD = ["1e300", "1E+300", "nan", "NaN", "inf", "-Infinity", "1000000000000000000000000000000", "-1", "1e-40"]
COST = ["cost", "--model", "claude-haiku-4-5", "--input", "1200", "--output", "80", "--format", "json"]


@pytest.mark.parametrize("value", BAD)
def test_prices_set_refuses_a_value_out_of_range(tmp_path: Path, value: str) -> None:
    env = planner_env(tmp_path)
    ran = run_planner(["prices", "set", "--", "claude-haiku-4-5", "input", value], env)
    check_one_line(ran, 2, "price.input", "expected a number from 0 to 1,000,000,000", repr(value), "not written")
    assert not (tmp_path / "config" / "overrides.toml").exists()


@pytest.mark.parametrize(
    "text",
    [
        'input = "1e300"',
        "input = 1e300",
        'input = "NaN"',
        "input = inf",
        "input = 1_000_000_000_000_000_000_000_000_000_000",
    ],
)
def test_an_override_file_with_a_hostile_price_is_named_and_not_applied(tmp_path: Path, text: str) -> None:
    env = planner_env(tmp_path)
    reference = run_planner(COST, env)
    assert reference.code == 0, reference.err
    config = tmp_path / "config"
    config.mkdir()
    (config / "overrides.toml").write_text(f"[models.claude-haiku-4-5.price]\n{text}\n")
    ran = run_planner(COST, env)
    line = check_one_line(ran, 0, "overrides.toml:2", "expected a number from 0 to 1,000,000,000")
    assert line.startswith("warning: ")
    assert json.loads(ran.out) == json.loads(reference.out)  # the bundled price, exactly


def test_a_report_with_a_hostile_override_keeps_the_catalogs_totals(tmp_path: Path) -> None:
    env = planner_env(tmp_path)
    db = sample_store(tmp_path / "planner.db", env)
    args = ["--db", str(db), "report", "--by", "model", "--format", "json"]
    reference = run_planner(args, env)
    assert reference.code == 0, reference.err
    config = tmp_path / "config"
    config.mkdir()
    (config / "overrides.toml").write_text('[models.claude-sonnet-4-6.price]\noutput = "1e300"\n')
    ran = run_planner(args, env)
    check_one_line(ran, 0, "overrides.toml:2")
    assert json.loads(ran.out) == json.loads(reference.out)


def test_a_huge_token_count_is_priced_exactly() -> None:
    """Rounding a total past 10^28 to whole dollars raised decimal.InvalidOperation."""
    catalog = load_catalog()
    day = date(2026, 11, 1)
    entry = catalog.price_at("claude-haiku-4-5", day)
    assert entry is not None
    for tokens in (10**30, 10**40):
        result = price_usage(catalog, "claude-haiku-4-5", Usage(input_tokens=tokens), day)
        assert result.total == Decimal(tokens) * entry.input / 1_000_000
