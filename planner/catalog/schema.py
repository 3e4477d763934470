"""The catalog's record types and the strict reading of TOML data into them.

Every number that is money is parsed from text into an exact `Decimal`. A problem raises
`CatalogError` carrying the key path, so callers can name the file, model and field (and, for
override files, find the line).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

STATUSES = ("current", "legacy", "deprecated", "retired", "limited")
PRICE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
UNKNOWN = "unknown"  # the documented sentinel for a number nobody published; loads as None


class CatalogError(Exception):
    """A malformed catalog or override file. `keys` is the path to the bad value."""

    def __init__(self, message: str, keys: Sequence[str | int] = ()):
        super().__init__(message)
        self.message = message
        self.keys = tuple(keys)

    def located(self, label: str) -> str:
        """'models.toml: model claude-x: prices[0].input: expected ...'"""
        parts: list[str] = [label]
        keys = list(self.keys)
        if len(keys) >= 2 and keys[0] in ("models", "groups", "tiers", "limits"):
            kind = {"models": "model", "groups": "group", "tiers": "tier", "limits": "limits"}[str(keys[0])]
            parts.append(f"{kind} {keys[1]}")
            keys = keys[2:]
        path = ""
        for k in keys:
            path += f"[{k}]" if isinstance(k, int) else (f".{k}" if path else str(k))
        if path:
            parts.append(path)
        parts.append(self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class Band:
    """Long-context band: when a request's prompt (input + cache writes + cache reads) is above
    `above` tokens, EVERY token of that request, output included, is billed at these prices."""

    name: str
    above: int
    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal


@dataclass(frozen=True)
class PriceEntry:
    effective: date
    source: str
    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    batch_discount: Decimal
    web_search_per_1k: Decimal
    bands: tuple[Band, ...] = ()
    residency: Mapping[str, Decimal] = field(default_factory=dict)
    fast_input: Decimal | None = None
    fast_output: Decimal | None = None
    note: str = ""

    def band_for(self, prompt_tokens: int) -> Band | None:
        """The highest band whose threshold the prompt is strictly above."""
        chosen = None
        for band in self.bands:
            if prompt_tokens > band.above and (chosen is None or band.above > chosen.above):
                chosen = band
        return chosen


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    group: str
    tokenizer: str
    token_factor: Decimal  # tokens relative to the claude-v1 tokenizer for the same text
    aliases: tuple[str, ...]
    status: str
    prices: tuple[PriceEntry, ...]  # oldest first
    dated_id: str | None = None
    released: date | None = None
    retired: date | None = None
    note: str = ""

    def price_at(self, day: date) -> PriceEntry | None:
        found = None
        for entry in self.prices:
            if entry.effective <= day:
                found = entry
        return found


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    system: str
    order: int
    effective: date
    until: date | None
    monthly_spend_cap: Decimal | None
    unlimited: bool
    credit_threshold: Decimal | None
    batch_rpm: int | None
    batch_queue: int | None
    batch_max_requests: int | None
    count_tokens_rpm: int | None
    source: str = ""
    note: str = ""

    def in_force(self, day: date) -> bool:
        return self.effective <= day and (self.until is None or day < self.until)


@dataclass(frozen=True)
class GroupLimits:
    group: str
    tier: str
    rpm: int | None
    itpm: int | None
    otpm: int | None
    cache_reads_count: bool
    effective: date
    source: str
    note: str = ""


def toml_error(exc: Exception) -> tuple[int | None, str]:
    """(line, message) of a tomllib.TOMLDecodeError. Python 3.11 has no `lineno` attribute
    (3.14 adds one), only "... (at line 12, column 3)" in the message."""
    message = str(getattr(exc, "msg", None) or exc)
    line = getattr(exc, "lineno", None)
    if line is None and (m := re.search(r"\(at line (\d+), column \d+\)$", message)):
        line = int(m.group(1))
        message = message[: m.start()].rstrip()
    return line, message


# --- strict readers -----------------------------------------------------------------------


def check_keys(table: Mapping[str, Any], allowed: Sequence[str], keys: Sequence[str | int]) -> None:
    for key in table:
        if key not in allowed:
            raise CatalogError(f"unknown field {key!r} (expected one of: {', '.join(allowed)})", [*keys, key])


def req(table: Mapping[str, Any], key: str, keys: Sequence[str | int]) -> Any:
    if key not in table:
        raise CatalogError("missing", [*keys, key])
    return table[key]


# Bounds of any amount in the catalog (a $/MTok price, a multiplier, a spend cap): beyond them a
# value is a typo, and 1e300 used to end in decimal.InvalidOperation when a cost was rounded.
AMOUNT_MAX = Decimal(1_000_000_000)
AMOUNT_PLACES = 12  # decimal places: exact sums of any token count stay within 50 digits


def parse_amount(
    text: str, *, low: Decimal = Decimal(0), high: Decimal = AMOUNT_MAX, places: int = AMOUNT_PLACES
) -> Decimal:
    """A decimal from text, or ValueError naming the value and the allowed range: no NaN, no
    infinity, no exponent beyond the bounds, at most `places` decimal places."""
    try:
        number = Decimal(text.strip().replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"expected a decimal number, got {text!r}") from None
    allowed = f"a number from {low:,} to {high:,} with at most {places} decimal places"
    if not number.is_finite():
        raise ValueError(f"expected {allowed}, got {text!r}")
    if not low <= number <= high:
        raise ValueError(f"expected {allowed}, got {text!r}")
    exponent = number.normalize().as_tuple().exponent  # finite here: an int
    if isinstance(exponent, int) and exponent < -places:
        raise ValueError(f"expected {allowed}, got {text!r}")
    return number


def as_decimal(value: Any, keys: Sequence[str | int], *, positive: bool = False) -> Decimal:
    # TOML floats are accepted through their shortest repr, which is the text a person typed
    # for any realistic price; the bundled files store strings so nothing depends on that.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CatalogError(f"expected a decimal string or number, got {type(value).__name__}", keys)
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        number = parse_amount(text)
    except ValueError as exc:
        raise CatalogError(str(exc), keys) from None
    if positive and number == 0:
        raise CatalogError(f"expected a positive number, got {value!r}", keys)
    return number


def as_optional_decimal(value: Any, keys: Sequence[str | int]) -> Decimal | None:
    return None if value is None or value == UNKNOWN else as_decimal(value, keys)


def as_count(value: Any, keys: Sequence[str | int]) -> int | None:
    """A limit: a positive integer, or "unknown". Zero is refused: unknown is not zero."""
    if value is None or value == UNKNOWN:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError(f'expected a whole number or "{UNKNOWN}", got {value!r}', keys)
    if value <= 0:
        raise CatalogError(f'expected a positive number (write "{UNKNOWN}" if it is not published), got {value}', keys)
    return value


def as_date(value: Any, keys: Sequence[str | int]) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CatalogError(f"expected a date like 2026-10-07, got {value!r}", keys)


def as_str(value: Any, keys: Sequence[str | int], *, choices: Sequence[str] = ()) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"expected a non-empty string, got {value!r}", keys)
    if choices and value not in choices:
        raise CatalogError(f"expected one of {', '.join(choices)}, got {value!r}", keys)
    return value


def as_bool(value: Any, keys: Sequence[str | int]) -> bool:
    if not isinstance(value, bool):
        raise CatalogError(f"expected true or false, got {value!r}", keys)
    return value


def as_table(value: Any, keys: Sequence[str | int]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CatalogError(f"expected a table, got {type(value).__name__}", keys)
    return value


def as_list(value: Any, keys: Sequence[str | int]) -> list[Any]:
    if not isinstance(value, list):
        raise CatalogError(f"expected a list, got {type(value).__name__}", keys)
    return value
