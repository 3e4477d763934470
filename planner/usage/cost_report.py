"""Admin API cost reports (`/v1/organizations/cost_report`): what Anthropic billed, per day.

Kept as BilledCost rows to reconcile the planner's computed cost against. `amount` is a decimal
string in CENTS ("123.45" = $1.2345); it is converted exactly, never through a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.usage import reading, reports
from planner.usage.reading import Resolver
from planner.usage.records import BilledCost, LineProblem, ParseResult


def cents_to_dollars(amount: object) -> str:
    """ "123.45" (cents) -> "1.2345" (dollars), exactly."""
    if isinstance(amount, bool) or not isinstance(amount, (str, int)):
        # a float here would already have lost the exact amount
        raise ValueError(f"amount must be a decimal string, got {type(amount).__name__}")
    try:
        d = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a decimal number") from None
    if not d.is_finite():
        raise ValueError(f"amount {amount!r} is not a finite number")
    return str(d.scaleb(-2))


def parse(
    path: Path | str, *, start_offset: int = 0, resolve: Resolver | None = None, options: Mapping[str, Any] = {}
) -> ParseResult:
    path = Path(path)
    src = str(path)
    result = ParseResult()
    lookup = reading.cached_resolver(resolve)
    for line_no, where, bucket, item in reports.buckets(path, result):
        try:
            model_raw = reports.str_field(item, "model", where)
            currency = reports.str_field(item, "currency", where) or "USD"
            if currency != "USD":
                raise ValueError(f"{where}: currency {currency!r} (only USD is supported)")
            result.billed.append(
                BilledCost(
                    day=bucket["starting_at"][:10],
                    amount_usd=cents_to_dollars(item.get("amount")),
                    currency=currency,
                    cost_type=reports.str_field(item, "cost_type", where),
                    model_raw=model_raw,
                    model=lookup(model_raw) if model_raw else None,
                    service_tier=reports.str_field(item, "service_tier", where),
                    token_type=reports.str_field(item, "token_type", where),
                    workspace=reports.str_field(item, "workspace_id", where),
                    description=reports.str_field(item, "description", where),
                    source=src,
                    line=line_no,
                )
            )
        except ValueError as exc:
            result.problems.append(
                LineProblem(src, line_no, f"{where}: {exc}" if not str(exc).startswith(where) else str(exc))
            )
    result.problems.sort(key=lambda p: p.line)
    return result
