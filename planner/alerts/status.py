"""What the statusline shows, computed from stored aggregates only (no import, no network):
today's spend, the burn rate over the last hour, the month's projection and every budget the
15-minute slots can answer (organisation, model, group), and each group's latest probe.

The result is plain JSON-able data (Decimals as strings) so the command can cache it between
calls and render it for any session's model without loading the catalog again. Budgets scoped to
a project or workspace are left out here: they need a pass over the rows, too slow for a
statusline on a big store (`planner budget list` shows them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

SLOT_S = 15 * 60
FAST_SCOPES = ("org", "model", "group")


def hour_window(now: datetime) -> datetime:
    """The start of the burn-rate window: one hour before the current 15-minute slot began, so
    it falls on the slot grid (the slots answer it) and spans 60 to 75 minutes."""
    ts = int(now.timestamp())
    return datetime.fromtimestamp(ts - ts % SLOT_S - 3600, UTC)


def compute(store: Any, catalog: Any, budgets: Sequence[Any], now: datetime, models: Iterable[str] = ()) -> dict:
    from planner import ledger
    from planner.alerts.spend import ScopeSpend
    from planner.projection import spend
    from planner.projection.budgets import status

    today = now.astimezone(UTC).date()
    if store.is_empty():
        return {"empty": True, "today": today.isoformat()}
    month_start = today.replace(day=1)
    since = min(month_start, today - timedelta(days=7))
    scoped = ScopeSpend(store, catalog, since, today)
    from planner.projection.budgets import ORG

    org_daily, org_warn = scoped.daily(ORG)
    unpriced_today = any(unpriced for day, _, _, unpriced in scoped.rows("day+model") if day == today and unpriced)
    by_day = dict(org_daily)
    start = hour_window(now)
    # to the end of the current slot, so both bounds fall on the slot grid (no pass over the rows);
    # nothing is stored after now outside replays
    end = start + timedelta(seconds=3600 + SLOT_S)
    hour = ledger.summarize(store, catalog, since=start, until=end - timedelta(milliseconds=1), by="day").totals
    f = spend.forecast(org_daily, today)
    out_budgets = []
    for b in budgets:
        if b.scope.kind not in FAST_SCOPES:
            continue
        _, first, last = b.period(today)
        if not first <= today <= last:
            continue
        daily, warnings = scoped.daily(b.scope)
        st = status(b, daily, today, warnings=warnings)
        out_budgets.append(
            {
                "name": b.name,
                "scope": b.scope.kind,
                "value": _scope_value(catalog, b.scope),
                "amount": str(b.amount_usd),
                "spent": str(st.spent),
                "projected": str(st.projected.quantize(Decimal("0.01"))),
                "over_on": st.over_on.isoformat() if st.over_on else None,
            }
        )
    return {
        "empty": False,
        "today": today.isoformat(),
        "today_usd": str(by_day.get(today, Decimal(0))),
        "today_unpriced": unpriced_today,
        "hour_usd": str(hour.cost_usd),
        "hour_span_s": max(1, int((now - start).total_seconds())),
        "month_usd": str(f.month_to_date),
        "projected_usd": str(f.projected.quantize(Decimal("0.01"))),
        "budgets": out_budgets,
        "limits": latest_limits(store),
        "groups": {m: group_of(catalog, m) for m in models},
        "warnings": org_warn,
    }


def _scope_value(catalog: Any, scope: Any) -> str | None:
    if scope.kind == "model":
        m = catalog.resolve(scope.value)
        return m.id if m is not None else scope.value
    return str(scope.value) if scope.value is not None else None


def group_of(catalog: Any, model: str) -> list[str | None]:
    """[canonical model id, rate-limit group] of a model as Claude Code names it (a `[1m]`
    suffix and the like dropped), [None, None] when the catalog does not know it."""
    m = catalog.resolve(model.split("[", 1)[0].strip())
    return [m.id, catalog.group_of(m.id)] if m is not None else [None, None]


def latest_limits(store: Any) -> dict[str, dict]:
    """Each group's latest Messages probe that carried limits: the share left of its tightest
    limit, which limit, and when. A store that has never been probed gives {}."""
    import sqlite3

    from planner.probe import history

    try:
        rows = history.snapshots(store, endpoint="messages", limit=500)
    except sqlite3.Error:  # a read-only store that has never been probed has no table yet
        return {}
    out: dict[str, dict] = {}
    for row in rows:
        if row.group is None or row.group in out or not row.limits:
            continue
        shares = [
            (lim.remaining / lim.limit, dim)
            for dim, lim in row.limits.items()
            if lim.limit and lim.remaining is not None and lim.limit > 0
        ]
        if not shares:
            continue
        left, dim = min(shares)
        out[row.group] = {
            "left": round(max(0.0, left), 4),
            "dim": dim,
            "at_ms": int(row.observed_at.timestamp() * 1000),
        }
    return out


def pick_budget(data: dict, model_id: str | None, group: str | None) -> dict | None:
    """The tightest budget for this session: the highest projected share among the org's
    budgets and those of this model or its group."""
    best = None
    for b in data.get("budgets", []):
        applies = b["scope"] == "org" or (b["scope"] == "model" and b["value"] == model_id)
        applies = applies or (b["scope"] == "group" and b["value"] == group)
        if not applies:
            continue
        share = Decimal(b["projected"]) / Decimal(b["amount"])
        if best is None or share > best[0]:
            best = (share, b)
    return best[1] if best else None


def as_of(data: dict) -> date:
    return date.fromisoformat(data["today"])
