"""Load the bundled catalog (models.toml + limits.toml), merge override files, and answer:
which model is this id, what did it cost at time T, what were a group's limits in a tier at T.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from planner.catalog import overrides as _overrides
from planner.catalog.schema import (
    PRICE_FIELDS,
    STATUSES,
    UNKNOWN,
    Band,
    CatalogError,
    GroupLimits,
    Model,
    PriceEntry,
    Tier,
    as_bool,
    as_count,
    as_date,
    as_decimal,
    as_list,
    as_optional_decimal,
    as_str,
    as_table,
    check_keys,
    req,
    toml_error,
)


def data_dir() -> Path:
    """The bundled catalog's TOML files: the checkout's top-level `pricing/`, or the copy installed
    inside the package as `planner.catalog.data` (the wheel maps `pricing/` there)."""
    checkout = Path(__file__).resolve().parents[2] / "pricing"
    if (checkout / "models.toml").is_file():
        return checkout
    return Path(str(resources.files("planner.catalog.data")))


MODEL_FIELDS = ("name", "dated", "aliases", "group", "tokenizer", "status", "released", "retired", "note", "prices")
ENTRY_FIELDS = (
    "effective", "source", "note", *PRICE_FIELDS, "batch_discount", "web_search_per_1k",
    "residency", "fast_input", "fast_output", "bands",
)  # fmt: skip
BAND_FIELDS = ("name", "above", *PRICE_FIELDS)
TIER_FIELDS = (
    "id", "name", "system", "order", "effective", "until", "monthly_spend_cap", "credit_threshold",
    "batch_rpm", "batch_queue", "batch_max_requests", "count_tokens_rpm", "source", "note",
)  # fmt: skip
LIMIT_ROW_FIELDS = ("effective", "source", "note", "cache_reads_count")
LIMIT_FIELDS = ("rpm", "itpm", "otpm", "cache_reads_count")

# Provider spellings of one model id, peeled off one layer at a time by `_candidates`.
_REGION_PREFIX = re.compile(r"^(?:(?:us|eu|apac|global|jp|au|us-gov|ca)\.)?anthropic\.(.+)$")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_VERTEX_DATE = re.compile(r"^(.+?)@(\d{8})$")
_BRACKET_SUFFIX = re.compile(r"\[[^\]]*\]$")  # Claude Code's "claude-sonnet-4-5[1m]"


def _day(at: datetime | date) -> date:
    if isinstance(at, datetime):
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


class Catalog:
    """The loaded catalog. Build with `load_catalog()`."""

    def __init__(
        self,
        models: dict[str, Model],
        groups: dict[str, str],
        tiers: list[Tier],
        limits: dict[tuple[str, str], list[GroupLimits]],
        limit_patches: dict[tuple[str, str], dict[str, Any]],
    ):
        self.models = models
        self.warnings: list[str] = []
        self.overridden: set[str] = set()
        self._groups = groups
        self._tiers = tiers
        self._limits = limits
        self._limit_patches = limit_patches
        self._index: dict[str, str] = {}
        for model in models.values():
            for key in (model.id, model.dated_id, *model.aliases):
                if key:
                    self._index[key.lower()] = model.id

    # --- models -------------------------------------------------------------------------

    def resolve(self, model_id: str) -> Model | None:
        if not model_id:
            return None
        for candidate in _candidates(model_id):
            if (found := self._index.get(candidate)) is not None:
                return self.models[found]
        return None

    def suggest(self, model_id: str, n: int = 3) -> list[str]:
        keys = list(self._index)
        probe = list(_candidates(model_id or ""))[-1] if model_id else ""
        out: list[str] = []
        for key in difflib.get_close_matches(probe, keys, n=n * 4, cutoff=0.5):
            canonical = self._index[key]
            if canonical not in out:
                out.append(canonical)
        return out[:n]

    def price_at(self, model_id: str, at: datetime | date) -> PriceEntry | None:
        model = self.resolve(model_id)
        return model.price_at(_day(at)) if model else None

    # --- groups and limits ------------------------------------------------------------------

    def groups(self) -> list[str]:
        return list(self._groups)

    def group_of(self, model_id: str) -> str | None:
        model = self.resolve(model_id)
        return model.group if model else None

    def group_name(self, group: str) -> str:
        return self._groups.get(group, group)

    def tiers_at(self, at: datetime | date) -> list[Tier]:
        day = _day(at)
        return sorted((t for t in self._tiers if t.in_force(day)), key=lambda t: (t.order, t.id))

    def tier(self, tier_id: str, at: datetime | date | None = None) -> Tier | None:
        """The version of `tier_id` in force at `at`; without `at`, its latest version."""
        versions = [t for t in self._tiers if t.id == tier_id]
        if at is None:
            return max(versions, key=lambda t: t.effective, default=None)
        day = _day(at)
        return next((t for t in versions if t.in_force(day)), None)

    def limits_at(self, group: str, tier: str, at: datetime | date) -> GroupLimits | None:
        """The latest limits table of (group, tier) effective at `at`, with any override patch
        applied. None when nothing is known at all; fields are None when a number is unknown."""
        day = _day(at)
        found = None
        for entry in self._limits.get((group, tier), []):
            if entry.effective <= day:
                found = entry
        patch = self._limit_patches.get((group, tier))
        if patch is None:
            return found
        base = found or GroupLimits(group, tier, None, None, None, False, _overrides.ALL_DATES, "", "")
        return replace(
            base,
            **{k: v for k, v in patch.items() if k in LIMIT_FIELDS},
            source=patch["source"],
            note=f"overridden by {patch['source']}" + (f"; catalog: {base.source}" if found else ""),
        )

    def band_thresholds(self) -> list[int]:
        return sorted({b.above for m in self.models.values() for e in m.prices for b in e.bands})


def _candidates(model_id: str) -> Iterator[str]:
    """The id, then the id with each provider wrapping removed (path prefix, Bedrock region and
    `anthropic.` prefix, `-vN:M` suffix, Vertex `@YYYYMMDD`, `-latest`), lower-cased."""
    s = model_id.strip().lower()
    yield s
    stripped = _BRACKET_SUFFIX.sub("", s)
    if stripped != s:
        s = stripped
        yield s
    if "/" in s:  # "anthropic/claude-…", "models/claude-…", "publishers/anthropic/models/…"
        s = s.rsplit("/", 1)[1]
        yield s
    if m := _REGION_PREFIX.match(s):
        s = m.group(1)
        yield s
    if (unversioned := _BEDROCK_VERSION.sub("", s)) != s and "@" not in s:
        s = unversioned
        yield s
    if m := _VERTEX_DATE.match(s):
        base = _BEDROCK_VERSION.sub("", m.group(1))  # "claude-3-5-sonnet-v2@20241022"
        yield f"{base}-{m.group(2)}"
        yield base
        s = base
    if s.endswith("-latest"):
        s = s[: -len("-latest")]
        yield s
    if not s.startswith("claude-"):  # "sonnet-4-6", a common shorthand
        yield f"claude-{s}"


# --- building ---------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        line, message = toml_error(exc)
        raise CatalogError(f"{path.name}:{line or '?'}: {message}") from None


def build(models_raw: Mapping[str, Any], limits_raw: Mapping[str, Any]) -> Catalog:
    """Validate raw TOML data (bundled files, possibly with overrides merged in) into a Catalog.
    Raises CatalogError whose `keys` locate the bad value."""
    check_keys(models_raw, ("defaults", "tokenizers", "models"), [])
    check_keys(limits_raw, ("groups", "tiers", "limits", "limit_patches"), [])
    defaults = as_table(models_raw.get("defaults", {}), ["defaults"])
    check_keys(defaults, ("batch_discount", "web_search_per_1k"), ["defaults"])
    tokenizers = {
        name: as_decimal(value, ["tokenizers", name], positive=True)
        for name, value in as_table(models_raw.get("tokenizers", {}), ["tokenizers"]).items()
    }
    groups: dict[str, str] = {}
    for gid, table in as_table(limits_raw.get("groups", {}), ["groups"]).items():
        table = as_table(table, ["groups", gid])
        check_keys(table, ("name", "note"), ["groups", gid])
        groups[gid] = as_str(req(table, "name", ["groups", gid]), ["groups", gid, "name"])

    models: dict[str, Model] = {}
    seen: dict[str, str] = {}
    for mid, table in as_table(models_raw.get("models", {}), ["models"]).items():
        model = _model(mid, as_table(table, ["models", mid]), defaults, tokenizers, groups)
        for key in (model.id, model.dated_id, *model.aliases):
            if key and seen.setdefault(key.lower(), mid) != mid:
                raise CatalogError(f"id or alias {key!r} is also used by model {seen[key.lower()]}", ["models", mid])
        models[mid] = model

    tiers = [_tier(i, t) for i, t in enumerate(as_list(limits_raw.get("tiers", []), ["tiers"]))]
    tier_ids = {t.id for t in tiers}
    limits: dict[tuple[str, str], list[GroupLimits]] = {}
    for gid, rows in as_table(limits_raw.get("limits", {}), ["limits"]).items():
        if gid not in groups:
            raise CatalogError(f"unknown group (define it under [groups.{gid!r}])", ["limits", gid])
        for i, row in enumerate(as_list(rows, ["limits", gid])):
            for entry in _limit_row(gid, i, as_table(row, ["limits", gid, i]), tier_ids):
                limits.setdefault((gid, entry.tier), []).append(entry)
    for entries in limits.values():
        entries.sort(key=lambda e: e.effective)
    patches: dict[tuple[str, str], dict[str, Any]] = {}
    for key, patch in limits_raw.get("limit_patches", {}).items():
        patches[key] = _limit_patch(key, patch, groups, tier_ids)
    return Catalog(models, groups, tiers, limits, patches)


def _model(
    mid: str,
    t: Mapping[str, Any],
    defaults: Mapping[str, Any],
    tokenizers: Mapping[str, Decimal],
    groups: Mapping[str, str],
) -> Model:
    keys = ["models", mid]
    check_keys(t, MODEL_FIELDS, keys)
    group = as_str(req(t, "group", keys), [*keys, "group"])
    if group not in groups:
        raise CatalogError(f"unknown rate-limit group {group!r} (known: {', '.join(groups)})", [*keys, "group"])
    tokenizer = as_str(req(t, "tokenizer", keys), [*keys, "tokenizer"], choices=tuple(tokenizers))
    aliases = tuple(
        as_str(a, [*keys, "aliases", i]) for i, a in enumerate(as_list(t.get("aliases", []), [*keys, "aliases"]))
    )
    raw_prices = as_list(req(t, "prices", keys), [*keys, "prices"])
    if not raw_prices:
        raise CatalogError("at least one price entry is needed", [*keys, "prices"])
    prices = [
        _entry([*keys, "prices", i], as_table(p, [*keys, "prices", i]), defaults) for i, p in enumerate(raw_prices)
    ]
    for i in range(1, len(prices)):
        if prices[i].effective <= prices[i - 1].effective:
            raise CatalogError("entries must be in increasing effective-date order", [*keys, "prices", i, "effective"])
    dated = t.get("dated")
    if dated is None and re.search(r"-\d{8}$", mid):
        dated = mid
    return Model(
        id=mid,
        name=as_str(req(t, "name", keys), [*keys, "name"]),
        group=group,
        tokenizer=tokenizer,
        token_factor=tokenizers[tokenizer],
        aliases=aliases,
        status=as_str(req(t, "status", keys), [*keys, "status"], choices=STATUSES),
        prices=tuple(prices),
        dated_id=as_str(dated, [*keys, "dated"]) if dated is not None else None,
        released=as_date(t["released"], [*keys, "released"]) if "released" in t else None,
        retired=as_date(t["retired"], [*keys, "retired"]) if "retired" in t else None,
        note=str(t.get("note", "")),
    )


def _five(t: Mapping[str, Any], keys: list) -> dict[str, Decimal]:
    return {f: as_decimal(req(t, f, keys), [*keys, f]) for f in PRICE_FIELDS}


def _entry(keys: list, t: Mapping[str, Any], defaults: Mapping[str, Any]) -> PriceEntry:
    check_keys(t, ENTRY_FIELDS, keys)
    merged = {**defaults, **t}
    discount = as_decimal(req(merged, "batch_discount", keys), [*keys, "batch_discount"])
    if discount >= 1:
        raise CatalogError(f"expected a fraction below 1 (0.5 = 50% off), got {discount}", [*keys, "batch_discount"])
    bands = []
    for i, b in enumerate(as_list(t.get("bands", []), [*keys, "bands"])):
        bk = [*keys, "bands", i]
        b = as_table(b, bk)
        check_keys(b, BAND_FIELDS, bk)
        above = req(b, "above", bk)
        if isinstance(above, bool) or not isinstance(above, int) or above <= 0:
            raise CatalogError(f"expected a positive whole number of tokens, got {above!r}", [*bk, "above"])
        bands.append(Band(name=as_str(req(b, "name", bk), [*bk, "name"]), above=above, **_five(b, bk)))
    residency = {
        as_str(geo, [*keys, "residency"]).lower(): as_decimal(m, [*keys, "residency", geo], positive=True)
        for geo, m in as_table(t.get("residency", {}), [*keys, "residency"]).items()
    }
    fast_in = as_optional_decimal(t.get("fast_input"), [*keys, "fast_input"])
    fast_out = as_optional_decimal(t.get("fast_output"), [*keys, "fast_output"])
    if (fast_in is None) != (fast_out is None):
        raise CatalogError("fast_input and fast_output go together", [*keys, "fast_input"])
    return PriceEntry(
        effective=as_date(req(t, "effective", keys), [*keys, "effective"]),
        source=as_str(req(t, "source", keys), [*keys, "source"]),
        batch_discount=discount,
        web_search_per_1k=as_decimal(req(merged, "web_search_per_1k", keys), [*keys, "web_search_per_1k"]),
        bands=tuple(sorted(bands, key=lambda b: b.above)),
        residency=residency,
        fast_input=fast_in,
        fast_output=fast_out,
        note=str(t.get("note", "")),
        **_five(t, keys),
    )


def _tier(i: int, t: Any) -> Tier:
    keys: list = ["tiers", i]
    t = as_table(t, keys)
    check_keys(t, TIER_FIELDS, keys)
    tid = as_str(req(t, "id", keys), [*keys, "id"])
    keys = ["tiers", f"{tid}[{i}]"]
    cap_raw = t.get("monthly_spend_cap", UNKNOWN)
    order = req(t, "order", keys)
    if isinstance(order, bool) or not isinstance(order, int):
        raise CatalogError(f"expected a whole number, got {order!r}", [*keys, "order"])
    return Tier(
        id=tid,
        name=as_str(req(t, "name", keys), [*keys, "name"]),
        system=as_str(req(t, "system", keys), [*keys, "system"]),
        order=order,
        effective=as_date(req(t, "effective", keys), [*keys, "effective"]),
        until=as_date(t["until"], [*keys, "until"]) if "until" in t else None,
        monthly_spend_cap=None
        if cap_raw == "unlimited"
        else as_optional_decimal(cap_raw, [*keys, "monthly_spend_cap"]),
        unlimited=cap_raw == "unlimited",
        credit_threshold=as_optional_decimal(t.get("credit_threshold"), [*keys, "credit_threshold"]),
        **{
            f: as_count(t.get(f), [*keys, f])
            for f in ("batch_rpm", "batch_queue", "batch_max_requests", "count_tokens_rpm")
        },
        source=as_str(req(t, "source", keys), [*keys, "source"]),
        note=str(t.get("note", "")),
    )


def _limit_row(gid: str, i: int, row: Mapping[str, Any], tier_ids: set[str]) -> list[GroupLimits]:
    keys: list = ["limits", gid, i]
    effective = as_date(req(row, "effective", keys), [*keys, "effective"])
    source = as_str(req(row, "source", keys), [*keys, "source"])
    crc = as_bool(row.get("cache_reads_count", False), [*keys, "cache_reads_count"])
    note = str(row.get("note", ""))
    out = []
    for tier, value in row.items():
        if tier in LIMIT_ROW_FIELDS:
            continue
        if tier not in tier_ids:
            raise CatalogError(f"unknown tier {tier!r} (known: {', '.join(sorted(tier_ids))})", [*keys, tier])
        tk = [*keys, tier]
        if value == UNKNOWN:
            out.append(GroupLimits(gid, tier, None, None, None, crc, effective, source, note or "not published"))
            continue
        value = as_table(value, tk)
        check_keys(value, LIMIT_FIELDS, tk)
        out.append(
            GroupLimits(
                gid,
                tier,
                rpm=as_count(value.get("rpm"), [*tk, "rpm"]),
                itpm=as_count(value.get("itpm"), [*tk, "itpm"]),
                otpm=as_count(value.get("otpm"), [*tk, "otpm"]),
                cache_reads_count=as_bool(value.get("cache_reads_count", crc), [*tk, "cache_reads_count"]),
                effective=effective,
                source=source,
                note=note,
            )
        )
    return out


def _limit_patch(
    key: tuple[str, str], patch: Mapping[str, Any], groups: Mapping[str, str], tier_ids: set[str]
) -> dict[str, Any]:
    gid, tier = key
    keys = ["limits", gid, tier]
    if gid not in groups:
        raise CatalogError(f"unknown group (known: {', '.join(groups)})", ["limits", gid])
    if tier not in tier_ids:
        raise CatalogError(f"unknown tier {tier!r} (known: {', '.join(sorted(tier_ids))})", keys)
    fields = {k: v for k, v in patch.items() if k != "source"}
    check_keys(fields, LIMIT_FIELDS, keys)
    out: dict[str, Any] = {"source": patch["source"]}
    for f, v in fields.items():
        out[f] = as_bool(v, [*keys, f]) if f == "cache_reads_count" else as_count(v, [*keys, f])
    return out


def _bundled_raw() -> tuple[dict[str, Any], dict[str, Any]]:
    models_raw = _read_toml(data_dir() / "models.toml")
    limits_raw = _overrides.split_limit_patches(_read_toml(data_dir() / "limits.toml"), "limits.toml")
    return models_raw, limits_raw


def _apply(
    models_raw: dict[str, Any], limits_raw: dict[str, Any], catalog: Catalog, data: Mapping[str, Any], label: str
) -> tuple[dict[str, Any], dict[str, Any], Catalog, set[str]]:
    """(models_raw, limits_raw, catalog, changed) with one parsed override file applied."""
    new_models, new_limits, changed = _overrides.merge(
        copy.deepcopy(models_raw), copy.deepcopy(limits_raw), data, label=label, resolve=catalog.resolve
    )
    return new_models, new_limits, build(new_models, new_limits), changed


def load_catalog(overrides: Sequence[str | Path] = ()) -> Catalog:
    """The bundled catalog, then each existing override file merged over it in order. A bad
    override file is skipped with a `file:line: message` warning; a bad bundled file raises."""
    models_raw, limits_raw = _bundled_raw()
    try:
        catalog = build(models_raw, limits_raw)
    except CatalogError as exc:
        label = "limits.toml" if exc.keys and exc.keys[0] in ("groups", "tiers", "limits") else "models.toml"
        raise CatalogError(exc.located(label), exc.keys) from None
    warnings: list[str] = []
    overridden: set[str] = set()
    for raw_path in overrides:
        path = Path(raw_path).expanduser()
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            warnings.append(f"{path}: not read: {exc}")
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, message = toml_error(exc)
            warnings.append(f"{path}:{line or '?'}: {message} (file not applied)")
            continue
        try:
            models_raw, limits_raw, catalog, changed = _apply(models_raw, limits_raw, catalog, data, str(path))
        except CatalogError as exc:
            line = _overrides.line_of(text, exc.keys)
            warnings.append(f"{path}:{line or '?'}: {exc.located('').lstrip(': ')} (file not applied)")
            continue
        overridden |= changed
    catalog.warnings = warnings
    catalog.overridden = overridden
    return catalog


def check_override(data: Mapping[str, Any], label: str = "override") -> None:
    """Raise CatalogError if `data` (a parsed override file) would not apply over the bundled
    catalog; used to validate an edit before it is written."""
    models_raw, limits_raw = _bundled_raw()
    _apply(models_raw, limits_raw, build(models_raw, limits_raw), data, label)
