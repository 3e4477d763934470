"""Render tables as text, JSON, CSV or Markdown. Knows nothing of where the numbers came from.

A `Table` is plain data: column names, rows of values, and notes (sources, warnings) that
every format carries. Decimals are rendered exactly: as strings in text/CSV/Markdown and as
JSON numbers (never via float) in JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMATS = ("table", "json", "csv", "md")


@dataclass
class Column:
    key: str
    title: str
    align: str = "left"  # "left" or "right"


@dataclass
class Table:
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    title: str = ""
    notes: list[str] = field(default_factory=list)


class _ExactEncoder(json.JSONEncoder):
    """JSON with Decimals as exact numbers, datetimes as ISO 8601."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime, date)):
            return o.isoformat()
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)


def _decimal_to_json(value: Decimal) -> str:
    # Plain notation, no exponent, trailing zeros trimmed: "12.5", "0.000015".
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def to_json(payload: Any, *, indent: int | None = 2) -> str:
    """Serialise with Decimals as exact JSON numbers (json has no hook for numbers, so we
    swap them for sentinels and substitute the exact digits afterwards)."""
    marks: dict[str, str] = {}

    def walk(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            key = f"\x00D{len(marks)}\x00"
            marks[key] = _decimal_to_json(obj)
            return key
        if isinstance(obj, dict):
            return {str(k): walk(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [walk(v) for v in obj]
        return obj

    text = json.dumps(walk(payload), cls=_ExactEncoder, indent=indent, ensure_ascii=False)
    for key, digits in marks.items():
        text = text.replace(json.dumps(key), digits)
    return text


def format_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return _decimal_to_json(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def render_text(table: Table) -> str:
    headers = [c.title for c in table.columns]
    body = [[format_cell(row.get(c.key)) for c in table.columns] for row in table.rows]
    widths = [len(h) for h in headers]
    for line in body:
        widths = [max(w, len(cell)) for w, cell in zip(widths, line, strict=True)]

    def fmt(cells: Iterable[str]) -> str:
        out = []
        for cell, col, width in zip(cells, table.columns, widths, strict=True):
            out.append(cell.rjust(width) if col.align == "right" else cell.ljust(width))
        return "  ".join(out).rstrip()

    lines = []
    if table.title:
        lines.append(table.title)
    lines.append(fmt(headers))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt(line) for line in body)
    if not table.rows:
        lines.append("(no rows)")
    lines.extend(table.notes)
    return "\n".join(lines)


def render_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(c.key) is None else _csv_value(row.get(c.key)) for c in table.columns])
    return buf.getvalue().rstrip("\n")


def _csv_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return _decimal_to_json(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def render_markdown(table: Table) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    lines = []
    if table.title:
        lines += [f"### {esc(table.title)}", ""]
    lines.append("| " + " | ".join(esc(c.title) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if c.align == "right" else "---" for c in table.columns) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(esc(format_cell(row.get(c.key))) for c in table.columns) + " |")
    if table.notes:
        lines.append("")
        lines.extend(f"- {esc(n)}" for n in table.notes)
    return "\n".join(lines)


def render(table: Table, fmt: str, *, payload: Any = None) -> str:
    """Render `table` in `fmt`. For JSON, `payload` (the command's JSON contract) wins over
    the table's rows when given."""
    if fmt == "json":
        return to_json(payload if payload is not None else {"rows": table.rows, "notes": table.notes})
    if fmt == "csv":
        return render_csv(table)
    if fmt == "md":
        return render_markdown(table)
    return render_text(table)
