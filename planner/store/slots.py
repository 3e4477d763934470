"""The `slots` table: usage summed per 15-minute slot, price dimension and long-context band.

The importer keeps it in the same transactions as the rows (`planner.store.writer`); reports read
it instead of every row when it was built with the catalog's band thresholds (`slots_for`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from planner.usage.rows import COUNT_COLUMNS

SLOT_MS = 15 * 60_000  # every time zone's offset is a multiple of 15 minutes
SLOT_COLUMNS = ("slot", "dim", "band", "requests", *COUNT_COLUMNS)


def band_sql(thresholds: Sequence[int]) -> str:
    """SQL for a usage row's long-context band: how many of the thresholds its prompt is over."""
    return " + ".join(f"(ptok > {int(t)})" for t in thresholds) or "0"


# Adds a slot's sums to what it holds (for slots summed from new rows, by SQL or by the workers).
_SLOT_ADD = "ON CONFLICT(slot, dim, band) DO UPDATE SET " + ", ".join(
    f"{c} = {c} + excluded.{c}" for c in ("requests", *COUNT_COLUMNS)
)
INSERT_SLOTS = f"INSERT INTO slots({', '.join(SLOT_COLUMNS)}) VALUES ({', '.join('?' * len(SLOT_COLUMNS))}) {_SLOT_ADD}"
_SUMS = ", ".join(f"sum({c})" for c in ("requests", *COUNT_COLUMNS))


def slots_sql(thresholds: Sequence[int], id_range: bool) -> str:
    """Sum usage rows (all, or those with lo < id <= hi) into slots, adding to what a slot holds."""
    return (
        f"INSERT INTO slots({', '.join(SLOT_COLUMNS)}) SELECT * FROM (SELECT ts_ms / {SLOT_MS}, dim, "
        f"{band_sql(thresholds)} AS b, {_SUMS} FROM usage "
        + ("WHERE id > ? AND id <= ? " if id_range else "")
        + f"GROUP BY ts_ms / {SLOT_MS}, dim, b) WHERE true {_SLOT_ADD}"
    )


def slot_bands(conn: sqlite3.Connection) -> str | None:
    """The band thresholds the slots were built with (JSON text), or None: not built."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'slot_bands'").fetchone()
    return None if row is None else str(row[0])


class SlotReads:
    conn: sqlite3.Connection

    def slots_for(self, thresholds: Sequence[int]) -> bool:
        """Whether the slots table holds the usage rows summed with these band thresholds."""
        return slot_bands(self.conn) == json.dumps(list(thresholds))
