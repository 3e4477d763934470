"""CSV usage or cost exports (the Console's, or any tool's) with a header row.

Column names are undocumented, so known names are matched loosely (case, spaces, `_`, `-` and a
trailing "tokens" ignored) and `options["mapping"]` ({column: field}) overrides; columns that
match nothing are reported, never guessed. A CSV with a cost column and no token columns is a
cost export: its rows become BilledCost (amounts read as dollars).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.usage import dedup, reading, timestamps, wire
from planner.usage.reading import Resolver
from planner.usage.records import BilledCost, LineProblem, ParseResult, UsageRecord, skip

FORMAT = "csv"
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_write_5m", "cache_write_1h", "cache_read")
COUNT_FIELDS = (*TOKEN_FIELDS, "web_search_requests", "requests")
TEXT_FIELDS = (
    "model",
    "workspace",
    "api_key_id",
    "service_tier",
    "project",
    "description",
    "cost_type",
    "token_type",
    "currency",
)
FIELDS = ("ts", "cost", *COUNT_FIELDS, *TEXT_FIELDS)
SYNONYMS = {
    "ts": "date timestamp time datetime day startingat usagedate createdat starttime",
    "model": "model modelname modelid",
    "input_tokens": "input uncachedinput inputuncached",
    "output_tokens": "output",
    "cache_write_5m": "cachewrite cachewrite5m cachecreation cachecreation5m cachecreationinput cachewrites "
    "cachewrite5minute ephemeral5minput cachecreationephemeral5minput",
    "cache_write_1h": "cachewrite1h cachecreation1h cachewrite1hour ephemeral1hinput cachecreationephemeral1hinput",
    "cache_read": "cacheread cachereadinput cachehit cachehits cachedinput",
    "web_search_requests": "websearches websearchrequests websearch",
    "requests": "requests requestcount numrequests",
    "cost": "cost costusd amount amountusd totalcost usd",
    "workspace": "workspace workspaceid workspacename",
    "api_key_id": "apikey apikeyid apikeyname key",
    "service_tier": "servicetier",
    "project": "project",
    "description": "description",
    "cost_type": "costtype",
    "token_type": "tokentype",
    "currency": "currency",
}
_LOOKUP = {syn: f for f, names in SYNONYMS.items() for syn in names.split()}
SKIP_DUPLICATE = "repeated row (same day and dimensions; kept the largest)"


def norm(name: str) -> str:
    n = re.sub(r"[^a-z0-9]", "", name.lower())
    return n[: -len("tokens")] if n.endswith("tokens") and len(n) > 6 else n


def looks_like(first_line: bytes) -> bool:
    """A header row naming a date and a model or cost column (used by detect)."""
    try:
        cols = {_LOOKUP.get(norm(c)) for c in next(csv.reader([first_line.decode("utf-8-sig")]))}
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return False
    return "ts" in cols and bool(cols & {"model", "cost", "input_tokens", "output_tokens"})


def map_columns(header: list[str], mapping: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    """field -> column index, and the columns nothing maps (reported, never guessed)."""
    bad = [f for f in mapping.values() if f not in FIELDS]
    if bad:
        raise ValueError(f"mapping names unknown fields {bad}; fields are: {', '.join(FIELDS)}")
    fields: dict[str, int] = {}
    unknown: list[str] = []
    for i, col in enumerate(header):
        field = mapping.get(col) or _LOOKUP.get(norm(col))
        if field is None or field in fields:
            unknown.append(col)
        else:
            fields[field] = i
    return fields, unknown


def _count(value: str, name: str) -> int:
    v = value.strip().replace(",", "")
    if not v:
        return 0
    try:
        n = int(Decimal(v))
    except InvalidOperation:
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if Decimal(v) != n:
        raise ValueError(f"{name}: {value!r} is not a whole number")
    return wire.check_count(name, n)


def _dollars(value: str) -> str:
    v = value.strip().replace("$", "").replace(",", "")
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"cost: {value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"cost: {value!r} is not a number")
    return str(d)


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    # A CSV is read whole (its header defines every row); dedup keys make a re-read harmless.
    path = Path(path)
    src = str(path)
    result = ParseResult()
    raw = reading.read_from(path, 0)
    result.bytes_read = result.end_offset = len(raw)
    if reading.is_binary(raw[: reading.BINARY_PROBE]):
        return reading.binary_result(path, 0)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        result.problems.append(LineProblem(src, line, f"invalid UTF-8 (byte {exc.start}); the file was not imported"))
        return result
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        return result
    try:
        cols, unknown = map_columns(header, options.get("mapping") or {})
    except ValueError as exc:
        result.problems.append(LineProblem(src, 1, str(exc)))
        return result
    if unknown:
        skip(result, f"unknown columns not imported: {', '.join(unknown)} (map them with a column mapping)")
    if "ts" not in cols:
        result.problems.append(LineProblem(src, 1, "no date/timestamp column in the header"))
        return result
    is_cost = "cost" in cols and not any(f in cols for f in TOKEN_FIELDS)
    if not is_cost and "cost" in cols:
        skip(result, "cost column not used: cost is computed from the tokens")
    lookup = reading.cached_resolver(resolve)
    records: list[UsageRecord] = []
    for row in rows:
        line_no = rows.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            result.problems.append(LineProblem(src, line_no, f"{len(row)} columns, header has {len(header)}"))
            continue
        get = {f: row[i].strip() for f, i in cols.items()}
        try:
            stamp = get["ts"]
            ts_ms = timestamps.to_ms(stamp)
            date_only = len(stamp) <= 10
            model_raw = get.get("model") or None
            if is_cost:
                result.billed.append(
                    BilledCost(
                        day=stamp[:10],
                        amount_usd=_dollars(get["cost"]),
                        currency=get.get("currency") or "USD",
                        cost_type=get.get("cost_type") or None,
                        model_raw=model_raw,
                        model=lookup(model_raw) if model_raw else None,
                        service_tier=get.get("service_tier") or None,
                        token_type=get.get("token_type") or None,
                        workspace=get.get("workspace") or None,
                        description=get.get("description") or None,
                        source=src,
                        line=line_no,
                    )
                )
                continue
            if not model_raw:
                raise ValueError("no model")
            counts = {f: _count(get[f], f) for f in COUNT_FIELDS if f in get}
            requests = counts.pop("requests", None)
            # A dated row without a time is a day's aggregate (a bucket), not one request.
            rec = UsageRecord(
                ts_ms=ts_ms,
                model_raw=model_raw,
                model=lookup(model_raw),
                requests=requests if requests is not None else (0 if date_only else 1),
                kind="bucket" if date_only else "request",
                bucket_seconds=86400 if date_only else 0,
                service_tier=get.get("service_tier") or "standard",
                workspace=get.get("workspace") or None,
                api_key_id=get.get("api_key_id") or None,
                project=get.get("project") or None,
                source=src,
                line=line_no,
                fmt=FORMAT,
                dedup_key=(
                    "csv:"
                    + ":".join(
                        get.get(k, "") for k in ("ts", "model", "workspace", "api_key_id", "service_tier", "project")
                    )
                )
                if date_only
                else None,
            )
            for name, value in counts.items():  # token counts, by their UsageRecord field names
                setattr(rec, name, value)
        except ValueError as exc:
            result.problems.append(LineProblem(src, line_no, str(exc)))
            continue
        records.append(rec)
    return dedup.finish(result, records, SKIP_DUPLICATE)
