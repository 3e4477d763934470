"""What the command modules share: argument types, --format, opening the catalog and the store,
and printing a view."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from planner.errors import PlannerError

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.store import Store
    from planner.views.output import View


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json", "csv", "md")) -> None:
    parser.add_argument(
        "--format", "-f", choices=choices, default="table", help=f"output format ({', '.join(choices)}; default table)"
    )


def parse_when(text: str | None, *, end_of_day: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD) or an ISO 8601 time; naive values are UTC."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime.combine(d, time.max if end_of_day else time.min, tzinfo=UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PlannerError(f"not a date or ISO 8601 time: {text!r} (try 2026-10-01 or 2026-10-01T12:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day_arg(text: str) -> date | datetime:
    """argparse type: a day (YYYY-MM-DD) or an ISO 8601 time."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def usd_arg(text: str) -> Decimal:
    """argparse type: an amount in USD ("5000", "$5,000.50"), exact."""
    try:
        value = Decimal(text.replace(",", "").lstrip("$"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}")
    return value


def share_arg(text: str) -> Decimal:
    """argparse type: a share between 0 and 1 ("0.3" or "30%"), exact."""
    try:
        value = Decimal(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1: {text!r}")
    return value


def load_catalog(args: argparse.Namespace) -> Catalog:
    """The bundled catalog with the user's override file and any `--pricing FILE` merged over it.
    Problems in override files are warned about on stderr; the bundled catalog still loads."""
    from planner import paths
    from planner.catalog import load_catalog

    files = [paths.overrides_path(), *getattr(args, "pricing", [])]
    catalog = load_catalog(overrides=files)
    for warning in catalog.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return catalog


def open_store(args: argparse.Namespace, *, must_exist: bool = True) -> Store:
    """The usage store of `--db` (or PLANNER_DB, or the user data dir). With `must_exist`, a missing
    database is an error that says to import first."""
    from planner import paths
    from planner.store import Store

    db = paths.db_path(getattr(args, "db", None))
    if must_exist and not db.exists():
        raise PlannerError(f"no usage imported yet ({db} does not exist); run `planner import` first")
    return Store(db)


def emit(view: View, fmt: str) -> None:
    """Print `view` in `fmt` (the one rendering path, `planner.views.output`)."""
    from planner.views.output import render

    sys.stdout.write(render(view, fmt) + "\n")
