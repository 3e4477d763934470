"""The usage store: SQLite in WAL mode. It owns every table (usage rows, their price dimensions,
files' import state, problems, bills, 15-minute slots, probe snapshots) and every SQL statement.

- `connection`: `Store` (open, pragmas, errors); `migrations`: the schema as numbered migrations
  on `PRAGMA user_version`; `queries`, `aggregates`, `slots`: the reads; `writer`: the import's
  writes; `probes`: the probe snapshots' statements; `keys`: the 64-bit keys of rows and files.
- The import pipeline that fills it is `planner.ingest`, which is given a Store (never the
  reverse: the store imports nothing of ingest).
"""

from planner.store.aggregates import SumRow
from planner.store.connection import Store
from planner.store.migrations import SCHEMA_VERSION
from planner.store.queries import Dims, MinuteRow, SourceInfo, span_sql
from planner.store.slots import SLOT_MS, band_sql

__all__ = [
    "SCHEMA_VERSION",
    "SLOT_MS",
    "Dims",
    "MinuteRow",
    "SourceInfo",
    "Store",
    "SumRow",
    "band_sql",
    "span_sql",
]
