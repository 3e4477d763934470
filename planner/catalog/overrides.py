"""Override files merged over the bundled catalog: the merge rules, and the pure edits behind
`planner prices set` / `planner limits set`. No I/O here: the caller reads and writes files.

Merge rules (an override uses the bundled files' shape; see the comments atop models.toml):
- `[models."<id or alias>"]` on a known model: scalar fields replace, `aliases` extend,
  `prices` (array) replaces the whole history, `price` (table) patches every entry -- or, with
  `effective`, adds an entry from that date on, copied from the one in force then.
- `[models."<new id>"]`: a private model; `group` defaults to its own id, `tokenizer` to
  claude-v1, `status` to current, and a `price` table without `effective` applies at all dates.
- `[groups.<id>]` adds or renames a group; `[[tiers]]` adds tier versions; `[tiers.<id>]` patches
  every version of a tier; `[[limits.<group>]]` adds dated rows; `[limits.<group>.<tier>]`
  patches that group's limits in that tier at every date.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from planner.catalog.schema import (
    PRICE_FIELDS,
    CatalogError,
    Model,
    as_bool,
    as_count,
    as_date,
    as_decimal,
    as_table,
    check_keys,
)

PRICE_SET_FIELDS = (*PRICE_FIELDS, "batch_discount", "web_search_per_1k", "fast_input", "fast_output")
LIMIT_SET_FIELDS = ("rpm", "itpm", "otpm", "cache_reads_count")
ALL_DATES = date(1970, 1, 1)


def split_limit_patches(limits_raw: dict[str, Any], label: str) -> dict[str, Any]:
    """Move table-form `[limits.<group>.<tier>]` patches out of `limits` (which then holds only
    dated rows) into `limit_patches[(group, tier)]`, each remembering the file it came from."""
    patches = limits_raw.setdefault("limit_patches", {})
    limits = limits_raw.get("limits", {})  # emptied of patches in place, so not a copy
    as_table(limits, ["limits"])  # a table, else CatalogError
    for gid in list(limits):
        if isinstance(limits[gid], dict):
            for tier, patch in as_table(limits.pop(gid), ["limits", gid]).items():
                patch = dict(as_table(patch, ["limits", gid, tier]))
                patches[(gid, tier)] = {**patches.get((gid, tier), {}), **patch, "source": f"override {label}"}
    return limits_raw


def merge(
    models_raw: dict[str, Any],
    limits_raw: dict[str, Any],
    data: Mapping[str, Any],
    *,
    label: str,
    resolve: Callable[[str], Model | None],
) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """Merge one parsed override file into copies-to-be-mutated of the raw bundled data.
    Returns (models_raw, limits_raw, changed keys). Validation happens when the result is built."""
    check_keys(data, ("defaults", "tokenizers", "models", "groups", "tiers", "limits"), [])
    changed: set[str] = set()
    for section in ("defaults", "tokenizers"):
        if section in data:
            models_raw.setdefault(section, {}).update(as_table(data[section], [section]))
            changed.add(section)
    for gid, table in as_table(data.get("groups", {}), ["groups"]).items():
        limits_raw.setdefault("groups", {}).setdefault(gid, {}).update(as_table(table, ["groups", gid]))
    for mid, table in as_table(data.get("models", {}), ["models"]).items():
        table = dict(as_table(table, ["models", mid]))
        known = resolve(mid)
        if known is not None:
            _patch_model(models_raw["models"][known.id], table, mid, label)
            changed.add(f"model:{known.id}")
        else:
            models_raw.setdefault("models", {})[mid] = _new_model(mid, table, label, limits_raw)
            changed.add(f"model:{mid}")
    changed |= _merge_tiers(limits_raw, data.get("tiers"), label)
    for gid, value in as_table(data.get("limits", {}), ["limits"]).items():
        if isinstance(value, list):
            for i, row in enumerate(value):
                row = dict(as_table(row, ["limits", gid, i]))
                row.setdefault("source", f"override {label}")
                limits_raw.setdefault("limits", {}).setdefault(gid, []).append(row)
                changed |= {
                    f"limit:{gid}:{t}" for t in row if t not in ("effective", "source", "note", "cache_reads_count")
                }
        else:
            split_limit_patches(
                {"limits": {gid: value}, "limit_patches": limits_raw.setdefault("limit_patches", {})}, label
            )
            changed |= {f"limit:{gid}:{tier}" for tier in as_table(value, ["limits", gid])}
    return models_raw, limits_raw, changed


def _patch_model(target: dict[str, Any], table: dict[str, Any], mid: str, label: str) -> None:
    patch = table.pop("price", None)
    for key, value in table.items():
        if key == "aliases":
            target["aliases"] = [*target.get("aliases", []), *value] if isinstance(value, list) else value
        else:
            target[key] = value
    if patch is None:
        return
    patch = dict(as_table(patch, ["models", mid, "price"]))
    source = patch.pop("source", f"override {label}")
    prices = target["prices"]
    if "effective" in patch:
        day = as_date(patch["effective"], ["models", mid, "price", "effective"])
        base = next((e for e in reversed(prices) if as_date(e["effective"], []) <= day), prices[0])
        entry = {**copy.deepcopy(base), **patch, "effective": day, "source": source}
        entry["note"] = (
            f"override from {day}: {', '.join(sorted(patch.keys() - {'effective'}))}; catalog: {base['source']}"
        )
        kept = [e for e in prices if as_date(e["effective"], []) != day]
        target["prices"] = sorted([*kept, entry], key=lambda e: as_date(e["effective"], []))
        return
    for entry in prices:
        entry["note"] = f"override: {', '.join(sorted(patch))}; catalog: {entry['source']}"
        entry.update(copy.deepcopy(patch))
        entry["source"] = source


def _new_model(mid: str, table: dict[str, Any], label: str, limits_raw: dict[str, Any]) -> dict[str, Any]:
    table.setdefault("name", mid)
    table.setdefault("group", mid)
    table.setdefault("tokenizer", "claude-v1")
    table.setdefault("status", "current")
    if "price" in table:
        entry = dict(as_table(table.pop("price"), ["models", mid, "price"]))
        entry.setdefault("effective", ALL_DATES)
        entry.setdefault("source", f"override {label}")
        table["prices"] = [entry, *table.get("prices", [])]
    if "prices" not in table:
        raise CatalogError("a new model needs a [..price] table or [[..prices]] entries", ["models", mid, "price"])
    groups = limits_raw.setdefault("groups", {})
    if table["group"] == mid and mid not in groups:
        groups[mid] = {"name": str(table["name"])}
    return table


def _merge_tiers(limits_raw: dict[str, Any], tiers: Any, label: str) -> set[str]:
    if tiers is None:
        return set()
    if isinstance(tiers, list):
        added = [
            {**as_table(t, ["tiers", i]), "source": t.get("source", f"override {label}")} for i, t in enumerate(tiers)
        ]
        limits_raw.setdefault("tiers", []).extend(added)
        return {f"tier:{t.get('id')}" for t in added}
    changed = set()
    for tid, patch in as_table(tiers, ["tiers"]).items():
        versions = [t for t in limits_raw.get("tiers", []) if t.get("id") == tid]
        if not versions:
            raise CatalogError("unknown tier (add a full [[tiers]] entry to define one)", ["tiers", tid])
        for version in versions:
            version.update(as_table(patch, ["tiers", tid]))
            version["source"] = f"override {label}"
        changed.add(f"tier:{tid}")
    return changed


def line_of(text: str, keys: Sequence[str | int]) -> int | None:
    """Best-effort line of the value at `keys` in an override file's text: find each named key
    in turn, each at or after the line of the previous one."""
    lines = text.splitlines()
    start, found = 0, None
    for key in keys:
        if isinstance(key, int):
            continue
        pattern = re.compile(rf'(^|[\s."\[]){re.escape(str(key))}(["\]\s.=]|$)')
        for i in range(start, len(lines)):
            if pattern.search(lines[i]):
                found = start = i
                break
    return None if found is None else found + 1


# --- the edits behind `prices set` and `limits set` -----------------------------------------


def set_price(data: dict[str, Any], model_id: str, field: str, value: str) -> dict[str, Any]:
    """Set `field` of `model_id`'s price patch. `field` is a price field or `residency.<geo>`.
    The value is validated and stored as a string so it stays exact."""
    keys = ["models", model_id, "price", field]
    if field.startswith("residency."):
        number = as_decimal(value, keys, positive=True)
        out = copy.deepcopy(data)
        price = _table_at(out, ["models", model_id, "price"])
        price.setdefault("residency", {})[field.split(".", 1)[1].lower()] = str(number)
        return out
    if field not in PRICE_SET_FIELDS:
        raise CatalogError(f"unknown field (expected one of: {', '.join(PRICE_SET_FIELDS)}, residency.<geo>)", keys)
    number = as_decimal(value, keys)
    if field == "batch_discount" and number >= 1:
        raise CatalogError("expected a fraction below 1 (0.5 = 50% off)", keys)
    out = copy.deepcopy(data)
    _table_at(out, ["models", model_id, "price"])[field] = str(number)
    return out


def set_limit(data: dict[str, Any], group: str, tier: str, field: str, value: str) -> dict[str, Any]:
    keys = ["limits", group, tier, field]
    if field not in LIMIT_SET_FIELDS:
        raise CatalogError(f"unknown field (expected one of: {', '.join(LIMIT_SET_FIELDS)})", keys)
    if field == "cache_reads_count":
        parsed: Any = as_bool({"true": True, "false": False}.get(value.strip().lower(), value), keys)
    else:
        text = value.replace(",", "").replace("_", "").strip()
        if not text.isdigit() or int(text) == 0:
            raise CatalogError(f"expected a positive whole number, got {value!r} (unknown is not 0)", keys)
        parsed = as_count(int(text), keys)
    out = copy.deepcopy(data)
    group_table = out.setdefault("limits", {}).setdefault(group, {})
    if not isinstance(group_table, dict):
        raise CatalogError("this file has dated [[limits]] rows for the group; edit it by hand", keys[:2])
    group_table.setdefault(tier, {})[field] = parsed
    return out


def _table_at(data: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    node = data
    for i, key in enumerate(keys):
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise CatalogError("expected a table here; edit the file by hand", keys[: i + 1])
    return node
