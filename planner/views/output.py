"""One way from a view result to text: JSON (exact decimals; the CLI's JSON contract), or the
result's Table as a text table, CSV or Markdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from planner.report import FORMATS, Table, to_json
from planner.report import render as render_table

__all__ = ["FORMATS", "TEXT_FORMATS", "TableView", "View", "render"]

# Formats read by people: numbers there may be rounded for reading (the JSON and CSV keep them exact).
TEXT_FORMATS = ("table", "md")


class View(Protocol):
    """What every view result offers."""

    def to_json(self) -> Any:
        """The JSON payload (Decimals stay Decimals; `planner.report.to_json` writes them exactly)."""
        ...

    def to_table(self, *, text: bool = True) -> Table:
        """The result as a table; `text` (table and Markdown) may format numbers for reading."""
        ...


@dataclass(frozen=True)
class TableView:
    """A result given as its JSON payload and a function building its table (`text`: for reading),
    for commands whose result is assembled in place rather than by a builder of its own."""

    payload: Any
    table: Callable[[bool], Table]

    def to_json(self) -> Any:
        return self.payload

    def to_table(self, *, text: bool = True) -> Table:
        return self.table(text)


def render(view: View, fmt: str) -> str:
    """`view` as `fmt`: "json", "table", "csv" or "md"."""
    if fmt == "json":
        return to_json(view.to_json())
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    return render_table(view.to_table(text=fmt in TEXT_FORMATS), fmt)
