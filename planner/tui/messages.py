"""App-wide messages (past tense). Screen-specific ones live in their screen's module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from planner.ingest import ImportSummary


@dataclass
class StoreReady(Message):
    """The store is open and holds data; `imported` is the sample import's summary on a first run."""

    imported: ImportSummary | None


@dataclass
class DataChanged(Message):
    """An import or an override edit changed what the screens show; cached views are stale."""

    reason: str
