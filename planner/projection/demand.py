"""Demand peaks per model group from minute sums (or per-request tuples). Pure: the caller reads
the store (`planner.views.demand.store_peaks`) and hands the rows in.

Minute rows are per-minute aggregates, so for them the 60-second window IS the clock minute
bucket. For true rolling windows pass per-request tuples to `rolling_peaks` (two-pointer sliding
window over [t, t + 60 s)). Bucket-level rows (bucket_seconds 60/3600/86400, e.g. usage reports)
give token rates (tokens / bucket minutes) and NO RPM: a bucket cannot tell how requests were
spread inside it.

ITPM counts as the API does: uncached input + cache writes, plus cache reads only where the
group's `GroupLimits.cache_reads_count` says so. Percentiles are nearest-rank over ACTIVE minutes
(minutes with traffic), so idle nights do not pull p95 down. The busiest hour is the clock hour
with the most tokens/requests, averaged over all 60 of its minutes.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog

DIMENSIONS = ("rpm", "itpm", "otpm")
MINUTE_MS = 60_000
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Peak:
    max: float
    p99: float
    p95: float
    busiest_hour_avg: float
    at_ms: int | None  # minute of the max
    busiest_hour_ms: int | None


@dataclass
class GroupDemand:
    group: str
    rpm: Peak | None  # None: only bucket-level data (no request counts)
    itpm: Peak | None
    otpm: Peak | None
    active_minutes: int
    cache_reads_count: bool
    sources: list[str] = field(default_factory=list)  # "request-level", "bucket 3600s", ...

    def peak_values(self) -> dict[str, float | None]:
        """The max per dimension, the figure headroom and tier checks use."""
        return {d: (p.max if p else None) for d in DIMENSIONS for p in [getattr(self, d)]}


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in (0, 100])."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _peak(series: dict[int, float]) -> Peak | None:
    if not series:
        return None
    top = max(series.values())
    at_ms = min(m for m, v in series.items() if v == top)
    # Only the top 5% are needed for p95/p99: nlargest avoids sorting every minute.
    k = max(1, math.ceil(len(series) * 0.05) + 1)
    largest = heapq.nlargest(k, series.values())
    n = len(series)

    def nearest(q: float) -> float:
        rank = max(1, math.ceil(q / 100 * n))  # ascending rank; index from the top
        return largest[n - rank] if n - rank < len(largest) else 0.0

    hours: dict[int, float] = {}
    get = hours.get
    for minute, value in series.items():
        h = minute - minute % HOUR_MS
        hours[h] = get(h, 0) + value
    hour_total = max(hours.values())
    hour_ms = min(h for h, v in hours.items() if v == hour_total)
    return Peak(float(top), float(nearest(99)), float(nearest(95)), hour_total / 60, at_ms, hour_ms)


class _ReadsCount:
    """Whether cache reads count toward ITPM for a group on a day (cached per (group, day))."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.cache: dict[tuple[str, int], bool] = {}

    def __call__(self, group: str, minute_ms: int) -> bool:
        day = minute_ms // 86_400_000
        key = (group, day)
        if key not in self.cache:
            at = datetime.fromtimestamp(day * 86_400, tz=UTC).date()
            self.cache[key] = reads_count(self.catalog, group, at)
        return self.cache[key]


def reads_count(catalog: Catalog, group: str, at: date) -> bool:
    """The group's cache_reads_count flag from the first tier at `at` that lists the group."""
    for tier in catalog.tiers_at(at):
        limits = catalog.limits_at(group, tier.id, at)
        if limits is not None:
            return bool(limits.cache_reads_count)
    return False


def peaks(minute_rows: Iterable[Any], catalog: Catalog) -> dict[str, GroupDemand]:
    """Peaks per group. Rows: (minute_ms, model, requests, input, cw5, cw1h, cread, output,
    bucket_seconds) tuples or MinuteRow namedtuples. Models without a group are keyed
    "unknown:<model>" so they are reported, not dropped."""
    group_of: dict[str, str] = {}
    counts = _ReadsCount(catalog)
    flags = counts.cache
    # One dict lookup per row: {group: {minute_ms: [requests, itpm, otpm]}} (hot loop, ~100k rows).
    acc: dict[str, dict[int, list[float]]] = {}
    request_level: set[str] = set()
    sources: dict[str, set[str]] = {}
    for minute_ms, model, requests, inp, cw5, cw1h, cread, out, bucket_s in minute_rows:
        group = group_of.get(model)
        if group is None:
            group = group_of[model] = catalog.group_of(model) or f"unknown:{model}"
            acc.setdefault(group, {})
        tokens_in = inp + cw5 + cw1h
        if cread:
            flag = flags.get((group, minute_ms // 86_400_000))
            if flag is None:
                flag = not group.startswith("unknown:") and counts(group, minute_ms)
            if flag:
                tokens_in += cread
        if bucket_s:
            requests = 0  # a bucket cannot say how its requests were spread: no RPM
            if bucket_s > 60:
                scale = 60 / bucket_s  # tokens per minute of the bucket
                tokens_in, out = tokens_in * scale, out * scale
            sources.setdefault(group, set()).add(f"bucket {bucket_s}s")
        else:
            request_level.add(group)
        minute = minute_ms - minute_ms % MINUTE_MS
        series = acc[group]
        cell = series.get(minute)
        if cell is None:
            series[minute] = [requests, tokens_in, out]
        else:
            cell[0] += requests
            cell[1] += tokens_in
            cell[2] += out
    result = {}
    for group, series in acc.items():
        if not series:
            continue
        src = sources.get(group, set())
        if group in request_level:
            src.add("request-level")
        result[group] = GroupDemand(
            group=group,
            rpm=_peak({m: c[0] for m, c in series.items() if c[0]}) if group in request_level else None,
            itpm=_peak({m: c[1] for m, c in series.items()}),
            otpm=_peak({m: c[2] for m, c in series.items()}),
            active_minutes=len(series),
            cache_reads_count=not group.startswith("unknown:") and reads_count(catalog, group, _day(series.keys())),
            sources=sorted(src),
        )
    return result


def _day(minutes: Iterable[int]) -> date:
    return datetime.fromtimestamp(max(minutes) / 1000, tz=UTC).date()


def rolling_max(events: list[tuple[int, float]], window_ms: int = MINUTE_MS) -> tuple[float, int | None]:
    """Max sum of values over any window [t, t + window_ms) starting at an event, with its start.
    `events` (ts_ms, value) must be sorted by ts_ms. Two pointers: O(n)."""
    best, best_at, total, lo = 0.0, None, 0.0, 0
    n = len(events)
    hi = 0
    for lo in range(n):
        start = events[lo][0]
        while hi < n and events[hi][0] < start + window_ms:
            total += events[hi][1]
            hi += 1
        if total > best:
            best, best_at = total, start
        total -= events[lo][1]
    return best, best_at


def rolling_peaks(requests: Iterable[Any], catalog: Catalog) -> dict[str, dict[str, tuple[float, int | None]]]:
    """True rolling 60-second peaks from per-request tuples (ts_ms, model, input, cw5, cw1h,
    cread, output): {group: {"rpm"|"itpm"|"otpm": (max, window start ms)}}."""
    counts = _ReadsCount(catalog)
    per: dict[str, tuple[list[tuple[int, float]], list[tuple[int, float]], list[tuple[int, float]]]] = {}
    for ts, model, inp, cw5, cw1h, cread, out in sorted(requests, key=lambda r: r[0]):
        group = catalog.group_of(model) or f"unknown:{model}"
        tokens_in = (
            inp + cw5 + cw1h + (cread if cread and not group.startswith("unknown:") and counts(group, ts) else 0)
        )
        r, i, o = per.setdefault(group, ([], [], []))
        r.append((ts, 1))
        i.append((ts, tokens_in))
        o.append((ts, out))
    return {g: dict(zip(DIMENSIONS, map(rolling_max, lists), strict=True)) for g, lists in per.items()}


@dataclass(frozen=True)
class GroupMap:
    """The store's price dimensions mapped to the catalog's model groups: each group gets an index,
    so the store can sum per group and minute in SQL."""

    names: dict[int, str]  # group index -> group ("unknown:<model>" for models without one)
    dim_group: dict[int, int]  # dimension id -> group index
    reads_dims: list[int]  # dimensions whose cache reads count toward ITPM
    reads_count: dict[str, bool]  # group -> whether its cache reads count


Dims = Mapping[int, tuple[str, str | None, str, str | None, str]]
# (group index, epoch ms, requests, input tokens as counted, output tokens) per request
RequestsIn = Callable[[set[int]], Iterable[tuple[int, int, float, float, float]]]


def group_map(dims: Dims, catalog: Catalog, last_day: date) -> GroupMap:
    """Map the store's dimensions ({dim: (model as logged, model, tier, geo, speed)}) to groups.
    Whether cache reads count is taken per group on `last_day` (the last day of data: a property
    of the group in every tier table so far)."""
    group_ids: dict[str, int] = {}
    dim_group: dict[int, int] = {}
    reads_dims: list[int] = []
    flags: dict[str, bool] = {}
    for dim, (raw, model, _tier, _geo, _speed) in dims.items():
        name = model or raw
        group = catalog.group_of(name) or f"unknown:{name}"
        gi = group_ids.setdefault(group, len(group_ids))
        dim_group[dim] = gi
        if group not in flags:
            flags[group] = not group.startswith("unknown:") and reads_count(catalog, group, last_day)
        if flags[group]:
            reads_dims.append(dim)
    return GroupMap({gi: g for g, gi in group_ids.items()}, dim_group, reads_dims, flags)


def minute_peaks(
    groups: GroupMap,
    request_rows: Iterable[tuple[int, int, float, float, float]],
    bucket_rows: Iterable[tuple[int, int, int, float, float]],
    requests_in: RequestsIn | None = None,
) -> dict[str, GroupDemand]:
    """Peaks per group from sums per group and minute: `request_rows` (group index, minute,
    requests, input tokens as counted, output tokens), grouped by group and ordered by minute, and
    `bucket_rows` (group index, minute, bucket seconds, input, output) of report buckets. Equal to
    `peaks(minute_series)` over the same rows.

    With `requests_in` (the request rows of a set of clock minutes), each request-level max (and
    its time) becomes the true rolling 60-second window [t, t + 60 s) over the requests, as the
    API's limiter sees them: such a window lies within two adjacent clock minutes, so only minute
    pairs whose sum beats the best clock minute are read back request by request. p99, p95 and the
    busiest hour stay per clock minute."""
    # rows come grouped by g (GROUP BY g, m): split them without a Python-level loop per row
    per_group: dict[int, list[tuple[int, int, float, float, float]]] = {
        g: list(rows) for g, rows in groupby(request_rows, key=itemgetter(0))
    }
    result: dict[str, GroupDemand] = {}
    series: dict[int, tuple[dict[int, float], dict[int, float], dict[int, float]]] = {}
    for gi, rows in per_group.items():
        _, minutes, reqs, itpm, otpm = zip(*rows, strict=True)
        ms = [m * MINUTE_MS for m in minutes]
        series[gi] = (
            dict(zip(ms, reqs, strict=True)),
            dict(zip(ms, itpm, strict=True)),
            dict(zip(ms, otpm, strict=True)),
        )
    bucket_sources: dict[int, set[str]] = {}
    for gi, m, bucket_s, tokens_in, out in bucket_rows:
        scale = 60 / bucket_s if bucket_s > 60 else 1
        r, i, o = series.setdefault(gi, ({}, {}, {}))
        minute = m * MINUTE_MS
        i[minute] = i.get(minute, 0) + tokens_in * scale
        o[minute] = o.get(minute, 0) + out * scale
        bucket_sources.setdefault(gi, set()).add(f"bucket {bucket_s}s")
    refined = _rolling_refine(requests_in, per_group, series) if requests_in is not None else {}
    for gi, (r, i, o) in series.items():
        group = groups.names[gi]
        request_level = gi in per_group
        src = set(bucket_sources.get(gi, set()))
        if request_level:
            src.add("request-level")
        found = refined.get(gi, {})
        result[group] = GroupDemand(
            group=group,
            rpm=_with_max(_peak({m: v for m, v in r.items() if v}), found.get("rpm")) if request_level else None,
            itpm=_with_max(_peak(i), found.get("itpm")),
            otpm=_with_max(_peak(o), found.get("otpm")),
            active_minutes=len(i),
            cache_reads_count=groups.reads_count[group],
            sources=sorted(src),
        )
    return result


def _with_max(peak: Peak | None, rolling: tuple[float, int | None] | None) -> Peak | None:
    if peak is None or rolling is None or rolling[0] <= peak.max:
        return peak
    return Peak(float(rolling[0]), peak.p99, peak.p95, peak.busiest_hour_avg, rolling[1], peak.busiest_hour_ms)


def _rolling_refine(
    requests_in: RequestsIn,
    per_group: Mapping[int, object],
    series: Mapping[int, tuple[dict[int, float], dict[int, float], dict[int, float]]],
) -> dict[int, dict[str, tuple[float, int | None]]]:
    """{group index: {dim: (rolling max, window start ms)}} for the dims a rolling window can beat;
    `requests_in(minutes)` gives the request rows of those clock minutes."""
    wanted: dict[int, dict[str, set[int]]] = {}
    minutes: set[int] = set()
    for gi in per_group:
        for dim, values in zip(DIMENSIONS, series[gi], strict=True):
            if not values:
                continue
            best = max(values.values())
            # a pair can beat `best` only if one of its minutes holds more than half of it
            half = best / 2
            big = [m for m, v in values.items() if v > half]
            get = values.get
            pairs = {
                m
                for m in {*big, *(b - MINUTE_MS for b in big)}
                if get(m, 0) + get(m + MINUTE_MS, 0) > best and m in values
            }
            if pairs:
                wanted.setdefault(gi, {})[dim] = pairs
                for m in pairs:
                    minutes.add(m // MINUTE_MS)
                    minutes.add(m // MINUTE_MS + 1)
    if not minutes:
        return {}
    events: dict[int, list[tuple[int, float, float, float]]] = {}
    for g, ts, req, tin, tout in requests_in(minutes):
        events.setdefault(g, []).append((ts, req, tin, tout))
    found: dict[int, dict[str, tuple[float, int | None]]] = {}
    for gi, dims in wanted.items():
        rows = events.get(gi, [])
        for k, dim in enumerate(DIMENSIONS):
            starts = dims.get(dim)
            if not starts:
                continue
            keep = {m + d for m in starts for d in (0, MINUTE_MS)}
            evs = [(ts, row[k + 1]) for row in rows if (ts := row[0]) - ts % MINUTE_MS in keep]
            # windows starting in a candidate pair's first minute, over events of both minutes
            found.setdefault(gi, {})[dim] = _pair_rolling_max(evs, starts)
    return found


def _pair_rolling_max(events: list[tuple[int, float]], starts: set[int]) -> tuple[float, int | None]:
    """Max over windows [t, t + 60 s) that start at an event inside one of the `starts` minutes."""
    best, best_at, total, hi = 0.0, None, 0.0, 0
    n = len(events)
    for lo in range(n):
        t = events[lo][0]
        if hi < lo:
            hi, total = lo, 0.0
        while hi < n and events[hi][0] < t + MINUTE_MS:
            total += events[hi][1]
            hi += 1
        if t - t % MINUTE_MS in starts and total > best:
            best, best_at = total, t
        total -= events[lo][1]
    return best, best_at
