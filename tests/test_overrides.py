"""Override files merged over the bundled catalog, and the pure `set` edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from planner.catalog import Usage, load_catalog, overrides, price_usage
from planner.catalog.schema import CatalogError

D = Decimal
DAY = date(2026, 11, 1)


def write(tmp_path: Path, text: str, name: str = "overrides.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_override_file_is_ignored(tmp_path):
    cat = load_catalog([tmp_path / "nope.toml"])
    assert cat.warnings == [] and cat.overridden == set()


def test_toml_syntax_error_is_reported_with_line_and_bundled_catalog_loads(tmp_path):
    path = write(tmp_path, '[models."claude-sonnet-4-6".price]\ninput = "2.40"\n\n[limits\n')
    cat = load_catalog([path])
    assert len(cat.warnings) == 1 and cat.warnings[0].startswith(f"{path}:4: ")
    assert cat.price_at("claude-sonnet-4-6", DAY).input == D(3)  # nothing of the bad file applied
    assert cat.overridden == set()


def test_bad_value_is_reported_with_its_line_and_not_applied(tmp_path):
    path = write(tmp_path, '# negotiated\n[models."claude-sonnet-4-6".price]\noutput = "12"\ninput = "cheap"\n')
    cat = load_catalog([path])
    assert len(cat.warnings) == 1
    warning = cat.warnings[0]
    assert warning.startswith(f"{path}:4: ") and "claude-sonnet-4-6" in warning and "input" in warning
    assert cat.price_at("claude-sonnet-4-6", DAY).output == D(15)


def test_zero_limit_in_override_is_refused(tmp_path):
    path = write(tmp_path, "[limits.sonnet-4x.build]\nrpm = 0\n")
    cat = load_catalog([path])
    assert cat.warnings and f"{path}:2:" in cat.warnings[0]
    assert cat.limits_at("sonnet-4x", "build", DAY).rpm == 5000


def test_price_patch_applies_to_every_entry_and_names_its_source(tmp_path):
    path = write(tmp_path, '[models."claude-sonnet-4-6".price]\ninput = "2.40"\n')
    cat = load_catalog([path])
    assert cat.warnings == [] and cat.overridden == {"model:claude-sonnet-4-6"}
    model = cat.models["claude-sonnet-4-6"]
    assert [e.input for e in model.prices] == [D("2.40"), D("2.40")]
    assert all(str(path) in e.source for e in model.prices)
    assert model.prices[-1].output == D(15)  # untouched fields stay
    r = price_usage(cat, "claude-sonnet-4-6", Usage(input_tokens=1_000_000), DAY)
    assert r.total == D("2.4")


def test_price_patch_from_a_date_keeps_history(tmp_path):
    path = write(tmp_path, '[models."claude-haiku-4-5".price]\neffective = 2026-11-01\ninput = "0.90"\n')
    cat = load_catalog([path])
    assert cat.price_at("claude-haiku-4-5", date(2026, 10, 31)).input == D(1)
    assert cat.price_at("claude-haiku-4-5", DAY).input == D("0.90")
    assert cat.price_at("claude-haiku-4-5", DAY).cache_read == D("0.10")  # copied from the entry in force


def test_alias_in_override_targets_the_canonical_model(tmp_path):
    path = write(tmp_path, '[models."anthropic.claude-haiku-4-5-20251001-v1:0".price]\noutput = "4"\n')
    cat = load_catalog([path])
    assert cat.overridden == {"model:claude-haiku-4-5-20251001"}
    assert cat.price_at("claude-haiku-4-5", DAY).output == D(4)


def test_private_model(tmp_path):
    text = '[models."acme-claude-ft"]\nname = "ACME fine-tune"\n[models."acme-claude-ft".price]\n' + "".join(
        f'{k} = "{v}"\n'
        for k, v in dict(input="1", output="2", cache_write_5m="1.25", cache_write_1h="2", cache_read="0.1").items()
    )
    cat = load_catalog([write(tmp_path, text)])
    assert cat.warnings == []
    model = cat.resolve("ACME-claude-ft")
    assert model.group == "acme-claude-ft" and cat.group_name("acme-claude-ft") == "ACME fine-tune"
    r = price_usage(cat, "acme-claude-ft", Usage(input_tokens=1_000_000, output_tokens=1_000_000), date(2020, 1, 1))
    assert r.total == D(3)


def test_private_model_without_prices_is_refused(tmp_path):
    cat = load_catalog([write(tmp_path, '[models."acme"]\nname = "x"\n')])
    assert cat.warnings and "acme" in cat.warnings[0] and "acme" not in cat.models


def test_limit_patch_and_custom_tier(tmp_path):
    path = write(
        tmp_path,
        "[limits.sonnet-4x.custom]\nrpm = 20_000\nitpm = 8_000_000\n\n[limits.opus-4x.build]\notpm = 1_500_000\n",
    )
    cat = load_catalog([path])
    assert cat.overridden == {"limit:sonnet-4x:custom", "limit:opus-4x:build"}
    custom = cat.limits_at("sonnet-4x", "custom", DAY)
    assert (custom.rpm, custom.itpm, custom.otpm) == (20_000, 8_000_000, None)  # otpm unknown, not 0
    build = cat.limits_at("opus-4x", "build", DAY)
    assert (build.rpm, build.otpm) == (5000, 1_500_000) and str(path) in build.source


def test_later_files_win_and_a_bad_one_in_the_middle_is_skipped(tmp_path):
    a = write(tmp_path, '[models."claude-opus-5".price]\ninput = "4"\n', "a.toml")
    bad = write(tmp_path, "not toml at all = = =\n", "bad.toml")
    b = write(tmp_path, '[models."claude-opus-5".price]\ninput = "3.5"\n', "b.toml")
    cat = load_catalog([a, bad, b])
    assert cat.price_at("claude-opus-5", DAY).input == D("3.5")
    assert len(cat.warnings) == 1 and cat.warnings[0].startswith(f"{bad}:1:")


def test_set_price_is_pure_and_stores_exact_strings():
    data = {"models": {"x": {"price": {"output": "9"}}}}
    new = overrides.set_price(data, "x", "input", "2.40")
    assert new == {"models": {"x": {"price": {"output": "9", "input": "2.40"}}}}
    assert data == {"models": {"x": {"price": {"output": "9"}}}}
    assert overrides.set_price({}, "x", "residency.US", "1.2") == {
        "models": {"x": {"price": {"residency": {"us": "1.2"}}}}
    }


@pytest.mark.parametrize("field, value", [("input", "abc"), ("input", "-1"), ("colour", "1"), ("batch_discount", "1")])
def test_set_price_refuses_bad_values(field, value):
    with pytest.raises(CatalogError):
        overrides.set_price({}, "x", field, value)


def test_set_limit():
    assert overrides.set_limit({}, "g", "build", "itpm", "8,000,000") == {
        "limits": {"g": {"build": {"itpm": 8_000_000}}}
    }
    assert overrides.set_limit({}, "g", "build", "cache_reads_count", "TRUE")["limits"]["g"]["build"] == {
        "cache_reads_count": True
    }
    for field, value in [("rpm", "0"), ("rpm", "lots"), ("rpm", "-5"), ("speed", "1")]:
        with pytest.raises(CatalogError):
            overrides.set_limit({}, "g", "build", field, value)


def test_line_of_finds_the_field_under_its_table():
    text = '[models."a".price]\ninput = "1"\n\n[models."b".price]\ninput = "x"\n'
    assert overrides.line_of(text, ["models", "b", "price", "input"]) == 5
    assert overrides.line_of(text, ["models", "b", "price", "output"]) == 4  # missing field: its table
    assert overrides.line_of(text, ["zzz"]) is None
