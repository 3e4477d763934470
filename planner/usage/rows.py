"""The one row layout: the columns of a request as the parsers produce it and as the store keeps it.

Two tuples cross the import pipeline, and both are defined here, by name, once:

- a **record** (`RECORD`): what a parser emits per request or report bucket, a `UsageRecord`'s
  fields in their order (`ParseResult.rows` holds these as plain tuples, the fast path). The
  compiled scan (`_ccscan.c`) builds the same tuples and exposes its column names as
  `_ccscan.RECORD_COLUMNS`; a test fails if they differ from `RECORD_COLUMNS`.
- a **stored row** (`USAGE`): what the parse workers send to the store, one `usage` table row in
  `USAGE_COLUMNS` order. Most rows are one request with no workspace or API key (every Claude Code
  line): those cross as the shorter `SHORT_COLUMNS` and bind with `SHORT_FIXED` written into the
  INSERT (a quarter less insert time than binding them all). A row is short when its length is
  `SHORT_LEN`.

Code that reads a position uses the named constants below (or an `operator.itemgetter` built from
the names), never a bare index. The tuples stay plain tuples: building 350K objects per gigabyte
is the import's hot path.
"""

from __future__ import annotations

from types import NoneType

Column = tuple[str, tuple[type, ...]]

_OPT_STR = (str, NoneType)

RECORD: tuple[Column, ...] = (
    ("ts_ms", (int,)),  # UTC epoch ms (bucket start for report buckets)
    ("model_raw", (str,)),  # the model id exactly as logged
    ("model", _OPT_STR),  # canonical catalog id; None when the catalog does not know it
    ("input_tokens", (int,)),
    ("cache_write_5m", (int,)),
    ("cache_write_1h", (int,)),
    ("cache_read", (int,)),
    ("output_tokens", (int,)),
    ("web_search_requests", (int,)),
    ("requests", (int,)),  # 1 for a request; 0 for a report bucket (requests unknown)
    ("service_tier", (str,)),
    ("geo", _OPT_STR),
    ("speed", (str,)),
    ("project", _OPT_STR),
    ("session", _OPT_STR),
    ("workspace", _OPT_STR),
    ("api_key_id", _OPT_STR),
    ("source", (str,)),
    ("line", (int,)),
    ("dedup_key", _OPT_STR),
    ("sidechain", (bool,)),
    ("kind", (str,)),  # "request" | "bucket"
    ("bucket_seconds", (int,)),
    ("fmt", (str,)),
    ("context_window", _OPT_STR),
)
RECORD_COLUMNS: tuple[str, ...] = tuple(name for name, _ in RECORD)

# Positions in a record, by name.
TS_MS = RECORD_COLUMNS.index("ts_ms")
MODEL_RAW = RECORD_COLUMNS.index("model_raw")
MODEL = RECORD_COLUMNS.index("model")

USAGE: tuple[Column, ...] = (
    ("key", (int,)),  # 64-bit hash of the dedup key (or of source and line)
    ("ts_ms", (int,)),
    ("dim", (int,)),  # dims.id: the interned price dimensions (model, tier, geo, speed)
    ("input", (int,)),
    ("cw5", (int,)),
    ("cw1h", (int,)),
    ("cread", (int,)),
    ("output", (int,)),
    ("web", (int,)),
    ("requests", (int,)),
    ("ptok", (int,)),  # the prompt size the long-context band is chosen on
    ("project", _OPT_STR),
    ("session", _OPT_STR),
    ("workspace", _OPT_STR),
    ("api_key", _OPT_STR),
    ("source_id", (int,)),
    ("line", (int,)),
    ("main", (int,)),  # 1 unless a sidechain (sub-agent replay) copy
    ("bucket_s", (int,)),  # 0 for one request; the bucket width for report buckets
)
USAGE_COLUMNS: tuple[str, ...] = tuple(name for name, _ in USAGE)
# Written into the short INSERT rather than bound: one request, no workspace, no key, no bucket.
SHORT_FIXED: tuple[tuple[str, int | None], ...] = (
    ("requests", 1),
    ("workspace", None),
    ("api_key", None),
    ("bucket_s", 0),
)
SHORT_COLUMNS: tuple[str, ...] = tuple(c for c in USAGE_COLUMNS if c not in dict(SHORT_FIXED))
SHORT_LEN = len(SHORT_COLUMNS)
# The token counts, in the order the slots table and the ledger sum them.
COUNT_COLUMNS = ("input", "cw5", "cw1h", "cread", "output", "web")

# Positions in a stored row (the same in both forms up to the counts), by name.
U_TS = USAGE_COLUMNS.index("ts_ms")
U_DIM = USAGE_COLUMNS.index("dim")
U_COUNTS = tuple(USAGE_COLUMNS.index(c) for c in COUNT_COLUMNS)
U_REQUESTS = USAGE_COLUMNS.index("requests")
U_PTOK = USAGE_COLUMNS.index("ptok")
S_PTOK = SHORT_COLUMNS.index("ptok")
assert all(SHORT_COLUMNS.index(c) == USAGE_COLUMNS.index(c) for c in ("ts_ms", "dim", *COUNT_COLUMNS))
