"""The store's 64-bit keys: of a dedup key, a file path, a set of price dimensions.

Pure functions (no SQL): the parse workers compute them, so the importing process only writes.
"""

from __future__ import annotations

import hashlib
import struct

_I64 = struct.Struct(">q").unpack


def key64(text: str) -> int:
    """A signed 64-bit key (SQLite INTEGER PRIMARY KEY) for a dedup key or a path."""
    return int(_I64(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest())[0])


def dim_of(model_raw: str, model: str | None, tier: str, geo: str | None, speed: str) -> int:
    """dims.id: the key of the five values that price a record besides its counts."""
    return key64("dim:" + "\x1f".join((model_raw, model or "", tier, geo or "", speed)))


def source_id(path: str) -> int:
    """sources.id of a file (its resolved path)."""
    return key64("path:" + path)
