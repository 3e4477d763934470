"""Helpers shared by the command modules: formats, dates, catalog and store opening."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog
    from planner.report import Table


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
        raise PlannerError(f"not a date or ISO 8601 time: {text!r} (try 2026-10-01 or 2026-10-01T12:00:00Z)")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


def emit(table: Table, fmt: str, payload: Any = None) -> None:
    from planner.report import render

    sys.stdout.write(render(table, fmt, payload=payload) + "\n")
