"""What an import reports: per file, in total, and as it goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.usage.records import LineProblem


@dataclass
class FileResult:
    """What one import did with one file."""

    path: str
    fmt: str | None
    status: str  # new | appended | reread | kept | unchanged | skipped | vanished | cancelled
    new: int = 0  # records stored for the first time
    replaced: int = 0  # a larger copy of a stored request (a later streaming snapshot)
    duplicate: int = 0  # already stored (same dedup key, not larger), within or across files
    bad: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count (not billable, etc.)
    problems: list[LineProblem] = field(default_factory=list)
    unpriced_models: set[str] = field(default_factory=set)
    bytes_read: int = 0
    reason: str = ""  # for status skipped / vanished

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.fmt,
            "status": self.status,
            "new": self.new,
            "replaced": self.replaced,
            "duplicate": self.duplicate,
            "bad": self.bad,
            "skipped": self.skipped,
            "unpriced_models": sorted(self.unpriced_models),
            "bytes_read": self.bytes_read,
            "reason": self.reason or None,
            "problems": [{"line": p.line, "kind": p.kind, "reason": p.reason} for p in self.problems],
        }


@dataclass
class ImportSummary:
    files: list[FileResult] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def replaced(self) -> int:
        return self._sum("replaced")

    @property
    def duplicate(self) -> int:
        return self._sum("duplicate")

    @property
    def bad(self) -> int:
        return self._sum("bad")

    @property
    def bytes_read(self) -> int:
        return self._sum("bytes_read")

    @property
    def unpriced_models(self) -> list[str]:
        return sorted({m for f in self.files for m in f.unpriced_models})

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "replaced": self.replaced,
            "duplicate": self.duplicate,
            "bad": self.bad,
            "bytes_read": self.bytes_read,
            "files": [f.to_json() for f in self.files],
            "unpriced_models": self.unpriced_models,
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class ImportProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    records: int
    current: str = ""
