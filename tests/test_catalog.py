"""The bundled catalog against the reference tables, model resolution, effective dates, limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from planner.catalog import Catalog, CatalogError, load_catalog
from planner.catalog import catalog as catalog_module

D = Decimal
NOW = datetime(2026, 11, 1, tzinfo=UTC)

# Reference section 1.2, typed from the reference (not from models.toml):
# id: (input, 5m write, 1h write, cache read, output, batch input, batch output)
REFERENCE = {
    "claude-fable-5-1": ("10", "12.50", "20", "0.25", "50", "5", "25"),
    "claude-mythos-5-1": ("10", "12.50", "20", "0.25", "50", "5", "25"),
    "claude-fable-5": ("10", "12.50", "20", "1", "50", "5", "25"),
    "claude-mythos-5": ("10", "12.50", "20", "1", "50", "5", "25"),
    "claude-opus-5-5": ("4", "5", "8", "0.20", "20", "2", "10"),
    "claude-opus-5": ("5", "6.25", "10", "0.50", "25", "2.50", "12.50"),
    "claude-opus-4-8": ("5", "6.25", "10", "0.50", "25", "2.50", "12.50"),
    "claude-opus-4-7": ("5", "6.25", "10", "0.50", "25", "2.50", "12.50"),
    "claude-opus-4-6": ("5", "6.25", "10", "0.50", "25", "2.50", "12.50"),
    "claude-opus-4-5-20251101": ("5", "6.25", "10", "0.50", "25", "2.50", "12.50"),
    "claude-opus-4-1-20250805": ("15", "18.75", "30", "1.50", "75", "7.50", "37.50"),
    "claude-opus-4-20250514": ("15", "18.75", "30", "1.50", "75", "7.50", "37.50"),
    "claude-sonnet-5-5": ("2", "2.50", "4", "0.10", "10", "1", "5"),
    "claude-sonnet-5": ("2", "2.50", "4", "0.20", "10", "1", "5"),
    "claude-sonnet-4-6": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-sonnet-4-5-20250929": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-sonnet-4-20250514": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-3-7-sonnet-20250219": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-3-5-sonnet-20241022": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-3-5-sonnet-20240620": ("3", "3.75", "6", "0.30", "15", "1.50", "7.50"),
    "claude-haiku-5-5": ("0.10", "0.125", "0.20", "0.01", "0.50", "0.05", "0.25"),
    "claude-haiku-4-5-20251001": ("1", "1.25", "2", "0.10", "5", "0.50", "2.50"),
    "claude-3-5-haiku-20241022": ("0.80", "1", "1.60", "0.08", "4", "0.40", "2"),
    "claude-3-opus-20240229": ("15", "18.75", "30", "1.50", "75", "7.50", "37.50"),
    "claude-3-haiku-20240307": ("0.25", "0.30", "0.50", "0.03", "1.25", "0.125", "0.625"),
}
NEW_TOKENIZER = {
    "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-opus-5-5", "claude-sonnet-5",
    "claude-sonnet-5-5", "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1",
    "claude-haiku-5-5",
}  # fmt: skip


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_every_reference_model_and_nothing_else(cat):
    assert set(cat.models) == set(REFERENCE)
    assert cat.resolve("claude-mythos-preview") is None  # no published price: left out on purpose


@pytest.mark.parametrize("model_id", sorted(REFERENCE))
def test_prices_match_the_reference_table(cat, model_id):
    inp, w5, w1, read, out, batch_in, batch_out = map(D, REFERENCE[model_id])
    entry = cat.price_at(model_id, NOW)
    assert (entry.input, entry.cache_write_5m, entry.cache_write_1h, entry.cache_read, entry.output) == (
        inp, w5, w1, read, out,
    )  # fmt: skip
    assert (entry.input * (1 - entry.batch_discount), entry.output * (1 - entry.batch_discount)) == (
        batch_in,
        batch_out,
    )
    assert entry.web_search_per_1k == D(10)
    assert entry.source.startswith("https://")
    assert all(isinstance(getattr(entry, f), Decimal) for f in ("input", "output", "cache_read"))


def test_haiku_3_does_not_follow_the_multipliers(cat):
    entry = cat.price_at("claude-3-haiku-20240307", NOW)
    assert entry.cache_write_5m != entry.input * D("1.25") and entry.cache_read == D("0.03")


@pytest.mark.parametrize("model_id", sorted(REFERENCE))
def test_tokenizer_generation(cat, model_id):
    model = cat.models[model_id]
    if model_id in NEW_TOKENIZER:
        assert (model.tokenizer, model.token_factor) == ("claude-v2", D("1.30"))
    else:
        assert (model.tokenizer, model.token_factor) == ("claude-v1", D("1.0"))


def test_bands_and_residency_where_the_reference_says(cat):
    assert cat.band_thresholds() == [100_000, 200_000]
    s45 = cat.price_at("claude-sonnet-4-5", NOW).bands[0]
    assert (s45.above, s45.input, s45.output, s45.cache_write_5m, s45.cache_write_1h, s45.cache_read) == (
        200_000, D(6), D("22.50"), D("7.50"), D(12), D("0.60"),
    )  # fmt: skip
    h55 = cat.price_at("claude-haiku-5-5", NOW).bands[0]
    assert (h55.above, h55.input, h55.output, h55.cache_read) == (100_000, D("0.50"), D("2.50"), D("0.05"))
    # 1.1x us residency on 4.6 and later only
    assert cat.price_at("claude-opus-4-6", NOW).residency == {"us": D("1.1")}
    assert cat.price_at("claude-sonnet-4-6", NOW).residency == {"us": D("1.1")}
    assert cat.price_at("claude-opus-4-5", NOW).residency == {}
    assert cat.price_at("claude-haiku-4-5", NOW).residency == {}


@pytest.mark.parametrize(
    "model_id, at, fast",
    [
        ("claude-opus-4-6", date(2026, 2, 20), ("30", "150")),
        ("claude-opus-4-8", NOW, ("10", "50")),
        ("claude-opus-5", NOW, ("10", "50")),
        ("claude-opus-5-5", NOW, ("8", "40")),
        ("claude-opus-4-7", NOW, None),
        ("claude-sonnet-4-6", NOW, None),
    ],
)
def test_fast_prices(cat, model_id, at, fast):
    entry = cat.price_at(model_id, at)
    got = None if entry.fast_input is None else (entry.fast_input, entry.fast_output)
    assert got == (None if fast is None else tuple(map(D, fast)))


def test_effective_dates_pick_the_entry_in_force(cat):
    assert cat.price_at("claude-sonnet-5-5", date(2026, 10, 6)).cache_read == D("0.20")
    assert cat.price_at("claude-sonnet-5-5", date(2026, 10, 7)).cache_read == D("0.10")
    # the 4.6 long-context premium was dropped in March 2026
    assert cat.price_at("claude-opus-4-6", date(2026, 3, 1)).bands
    assert not cat.price_at("claude-opus-4-6", date(2026, 4, 1)).bands
    assert cat.price_at("claude-sonnet-4-6", datetime(2026, 3, 20, 23, 59, tzinfo=UTC)).bands
    assert cat.price_at("claude-haiku-5-5", date(2026, 10, 6)) is None  # before any price: unknown, not 0
    assert cat.price_at("no-such-model", NOW) is None


@pytest.mark.parametrize(
    "given, canonical",
    [
        # Anthropic ids: dated, undated, -latest, old-style, case
        ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"),
        ("claude-3-opus-latest", "claude-3-opus-20240229"),
        ("claude-4-opus-20250514", "claude-opus-4-20250514"),
        ("claude-opus-4-0", "claude-opus-4-20250514"),
        ("Claude-Haiku-4-5", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-4-5[1m]", "claude-sonnet-4-5-20250929"),
        # Bedrock, with and without cross-region prefixes
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4-20250514"),
        ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet-20250219"),
        ("apac.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001"),
        ("global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5-20251101"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        # Vertex
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-20241022"),
        ("claude-3-5-sonnet@20240620", "claude-3-5-sonnet-20240620"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1-20250805"),
        ("claude-sonnet-4@20250514", "claude-sonnet-4-20250514"),
        ("claude-haiku-4-5@20251001", "claude-haiku-4-5-20251001"),
        ("publishers/anthropic/models/claude-3-haiku@20240307", "claude-3-haiku-20240307"),
        # gateways
        ("anthropic/claude-opus-4-6", "claude-opus-4-6"),
        ("models/claude-haiku-5-5", "claude-haiku-5-5"),
    ],
)
def test_resolution(cat, given, canonical):
    model = cat.resolve(given)
    assert model is not None and model.id == canonical


@pytest.mark.parametrize("given", ["gpt-4o", "", "claude-opus-9", "anthropic.claude-v2"])
def test_unknown_ids_resolve_to_none(cat, given):
    assert cat.resolve(given) is None


def test_suggest_close_matches(cat):
    assert "claude-sonnet-4-5-20250929" in cat.suggest("claude-sonet-4-5")
    assert len(cat.suggest("claude-opus-4-66", n=2)) <= 2


def test_groups(cat):
    assert cat.group_of("claude-opus-4-7") == cat.group_of("claude-opus-4-5") == "opus-4x"
    assert cat.group_of("claude-opus-5-5") == "opus-5-5"
    assert cat.group_of("claude-fable-5-1") == cat.group_of("claude-fable-5") == "fable-5x"
    assert cat.group_name("sonnet-4x") == "Sonnet 4.x"
    assert {m.group for m in cat.models.values()} <= set(cat.groups())


def test_tier_systems_by_date(cat):
    assert [t.id for t in cat.tiers_at(date(2025, 9, 1))] == ["tier1", "tier2", "tier3", "tier4", "custom"]
    assert cat.tier("tier4", date(2025, 9, 1)).monthly_spend_cap == D(5000)
    assert cat.tier("tier4", date(2026, 5, 1)).monthly_spend_cap == D(200_000)
    later = cat.tiers_at(NOW)
    assert [t.id for t in later] == ["evaluation", "start", "build", "scale", "custom"]
    evaluation, start, *_, custom = later
    assert evaluation.monthly_spend_cap is None and not evaluation.unlimited  # unknown
    assert custom.unlimited and custom.monthly_spend_cap is None
    assert (start.monthly_spend_cap, start.batch_rpm, start.batch_queue, start.batch_max_requests) == (
        D(500), 1000, 200_000, 100_000,
    )  # fmt: skip
    assert cat.tier("tier1", NOW) is None


def test_count_tokens_rpm_three_versions(cat):
    assert [cat.tier(t, date(2025, 9, 1)).count_tokens_rpm for t in ("tier1", "tier2", "tier3", "tier4")] == [
        100, 2000, 4000, 8000,
    ]  # fmt: skip
    assert [cat.tier(t, date(2026, 7, 15)).count_tokens_rpm for t in ("start", "build", "scale")] == [2000, 4000, 8000]
    assert [cat.tier(t, NOW).count_tokens_rpm for t in ("start", "build", "scale")] == [5000, 10_000, 20_000]


def test_group_limits(cat):
    opus = cat.limits_at("opus-4x", "tier1", date(2025, 9, 1))
    assert (opus.rpm, opus.itpm, opus.otpm, opus.cache_reads_count) == (50, 30_000, 8000, False)
    assert cat.limits_at("sonnet-3-5", "tier2", date(2025, 9, 1)).cache_reads_count is True
    assert cat.limits_at("sonnet-3-7", "tier4", date(2026, 5, 1)).cache_reads_count is False
    assert cat.limits_at("haiku-3-5", "start", NOW).cache_reads_count is True
    scale = cat.limits_at("opus-4x", "scale", NOW)
    assert (scale.rpm, scale.itpm, scale.otpm) == (10_000, 10_000_000, 2_000_000)
    assert cat.limits_at("fable-5x", "build", NOW).itpm == 1_500_000
    assert cat.limits_at("opus-5-5", "start", NOW).itpm == 2_000_000
    assert cat.limits_at("haiku-4-5", "tier3", date(2026, 5, 1)).itpm == 1_000_000


@pytest.mark.parametrize("group, tier", [("opus-5-5", "build"), ("sonnet-5-5", "scale"), ("haiku-5-5", "start")])
def test_unpublished_limits_are_unknown_not_zero(cat, group, tier):
    limits = cat.limits_at(group, tier, NOW)
    assert limits is not None and (limits.rpm, limits.itpm, limits.otpm) == (None, None, None)
    assert limits.source


def test_no_limit_anywhere_is_zero(cat):
    for (group, tier), entries in cat._limits.items():
        for e in entries:
            assert 0 not in (e.rpm, e.itpm, e.otpm), (group, tier)


BUNDLED = catalog_module.data_dir()


def _bundle_with(tmp_path: Path, monkeypatch, old: str, new: str, file: str = "models.toml") -> None:
    for name in ("models.toml", "limits.toml"):
        text = (BUNDLED / name).read_text()
        (tmp_path / name).write_text(text.replace(old, new, 1) if name == file else text)
    monkeypatch.setattr(catalog_module, "data_dir", lambda: tmp_path)


def test_malformed_bundled_price_names_file_model_and_field(tmp_path, monkeypatch):
    _bundle_with(tmp_path, monkeypatch, 'input = "4"', 'input = "four"')
    with pytest.raises(CatalogError) as err:
        load_catalog()
    assert str(err.value).startswith("models.toml: model claude-opus-5-5: prices[0].input: expected a decimal")


def test_bundled_unknown_field_and_zero_limit_are_refused(tmp_path, monkeypatch):
    _bundle_with(tmp_path, monkeypatch, 'status = "current"', 'status = "current"\nstauts = "x"')
    with pytest.raises(CatalogError, match=r"models.toml: model claude-fable-5-1: stauts: unknown field"):
        load_catalog()
    _bundle_with(tmp_path, monkeypatch, "rpm = 50,", "rpm = 0,", file="limits.toml")
    with pytest.raises(CatalogError, match=r"limits.toml: limits opus-4x: \[0\]\.tier1\.rpm: expected a positive"):
        load_catalog()


def test_bundled_syntax_error_names_file_and_line(tmp_path, monkeypatch):
    _bundle_with(tmp_path, monkeypatch, "\n[defaults]\n", "\n[defaults\n")
    with pytest.raises(CatalogError, match=r"^models\.toml:\d+: "):
        load_catalog()
