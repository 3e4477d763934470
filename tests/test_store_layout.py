"""The one row layout (planner.usage.rows): records and stored rows are read and written by column
name, every INSERT names its columns, and the store owns every SQL statement of planner."""

import re
from pathlib import Path

from planner.ingest.parse import row_of, slot_sums
from planner.store import writer
from planner.store.keys import dim_of, key64
from planner.store.slots import SLOT_MS
from planner.usage import rows
from planner.usage.records import UsageRecord

ROOT = Path(__file__).resolve().parent.parent


def record(**over: object) -> tuple:
    """A record tuple with a distinct value in each column, built by name."""
    values = {
        "ts_ms": 1_793_527_205_123,
        "model_raw": "claude-x-raw",
        "model": "claude-x",
        "input_tokens": 11,
        "cache_write_5m": 22,
        "cache_write_1h": 33,
        "cache_read": 44,
        "output_tokens": 55,
        "web_search_requests": 6,
        "requests": 1,
        "service_tier": "priority",
        "geo": "us",
        "speed": "fast",
        "project": "proj",
        "session": "sess",
        "workspace": None,
        "api_key_id": None,
        "source": "/logs/a.jsonl",
        "line": 77,
        "dedup_key": "msg_1:req_1",
        "sidechain": True,
        "kind": "request",
        "bucket_seconds": 0,
        "fmt": "claude-code",
        "context_window": None,
        **over,
    }
    assert set(values) == set(rows.RECORD_COLUMNS)
    return tuple(values[c] for c in rows.RECORD_COLUMNS)


def test_usage_record_is_the_record_layout():
    assert tuple(UsageRecord.__dataclass_fields__) == rows.RECORD_COLUMNS
    assert len(rows.RECORD) == len(rows.RECORD_COLUMNS) == 25


def test_a_short_row_holds_each_column_by_name():
    dims: dict = {}
    stored = row_of(record(), 99, dims)
    assert len(stored) == rows.SHORT_LEN
    got = dict(zip(rows.SHORT_COLUMNS, stored, strict=True))
    assert got == {
        "key": key64("msg_1:req_1"),
        "ts_ms": 1_793_527_205_123,
        "dim": dim_of("claude-x-raw", "claude-x", "priority", "us", "fast"),
        "input": 11,
        "cw5": 22,
        "cw1h": 33,
        "cread": 44,
        "output": 55,
        "web": 6,
        "ptok": 11 + 22 + 33 + 44,
        "project": "proj",
        "session": "sess",
        "source_id": 99,
        "line": 77,
        "main": 0,
    }
    assert dims == {("claude-x-raw", "claude-x", "priority", "us", "fast"): got["dim"]}


def test_a_full_row_holds_each_column_by_name():
    stored = row_of(
        record(
            workspace="ws",
            api_key_id="key-1",
            requests=0,
            kind="bucket",
            bucket_seconds=3600,
            context_window="200k-1M",
            dedup_key=None,
            sidechain=False,
        ),
        99,
        {},
    )
    got = dict(zip(rows.USAGE_COLUMNS, stored, strict=True))
    assert got["workspace"] == "ws" and got["api_key"] == "key-1" and got["requests"] == 0
    assert got["bucket_s"] == 3600 and got["ptok"] == 200_001 and got["main"] == 1
    assert got["key"] == key64("line:/logs/a.jsonl:77") and got["source_id"] == 99 and got["line"] == 77
    assert (got["input"], got["cw5"], got["cw1h"], got["cread"], got["output"], got["web"]) == (11, 22, 33, 44, 55, 6)


def test_slot_sums_read_the_counts_by_name():
    short = row_of(record(), 1, {})
    full = row_of(record(workspace="ws", requests=3, dedup_key="other"), 1, {})
    [slot] = slot_sums([short, full], [100, 1000])
    assert slot[:3] == (1_793_527_205_123 // SLOT_MS, short[rows.U_DIM], 1)  # ptok 110: over 100, not 1000
    assert slot[3:] == (1 + 3, 22, 44, 66, 88, 110, 12)


def test_every_insert_names_its_columns():
    statements = [v for k, v in vars(writer).items() if k.isupper() and isinstance(v, str) and "INSERT" in v]
    assert len(statements) >= 5
    for sql in statements:
        assert re.match(r"INSERT (OR \w+ )?INTO \w+\(", sql), sql
    for path in (ROOT / "planner" / "store").glob("*.py"):
        for m in re.finditer(r"INSERT (?:OR \w+ )?INTO (\w+)(.)", path.read_text()):
            assert m.group(2) == "(", f"{path.name}: INSERT INTO {m.group(1)} without a column list"


def test_the_store_owns_every_sql_statement():
    sql = re.compile(
        r"\b(SELECT .* FROM|INSERT (OR \w+ )?INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX)|PRAGMA \w)"
    )
    outside = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in (ROOT / "planner").rglob("*.py")
        if "store" not in p.relative_to(ROOT / "planner").parts[:1]
        for i, text in enumerate(p.read_text().splitlines(), 1)
        if sql.search(text)
    ]
    assert outside == []
