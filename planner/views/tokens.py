"""Token estimates of files as a view (`planner tokens`): offline cl100k counts scaled to the
model's tokenizer, labelled as estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planner.report import Column, Table

if TYPE_CHECKING:  # pragma: no cover
    from planner.catalog import Catalog, Model


@dataclass(frozen=True)
class TokenEstimates:
    model: str
    rows: list[dict[str, Any]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "files": self.rows, "notes": self.notes}

    def to_table(self, *, text: bool = True) -> Table:
        cols = [
            Column("file", "File"),
            Column("characters", "Chars", "right"),
            Column("cl100k_tokens", "cl100k", "right"),
            Column("claude_tokens", "Claude (est.)", "right"),
            Column("factor", "Factor", "right"),
            Column("factor_source", "Factor source"),
            Column("method", "Counter"),
        ]
        return Table(cols, self.rows, title="token estimates", notes=self.notes)


def estimate_files(
    files: Sequence[tuple[str, str]], model: Model, catalog: Catalog, *, notes: Sequence[str] = ()
) -> TokenEstimates:
    """Estimates of each (name, text) for `model`; `notes` come first (e.g. a calibration)."""
    from planner import tokens

    rows = []
    for path, text in files:
        est = tokens.estimate(text, model.id, catalog)
        rows.append(
            {
                "file": path,
                "model": model.id,
                "characters": est.characters,
                "cl100k_tokens": est.cl100k_tokens,
                "claude_tokens": est.claude_tokens,
                "factor": est.factor,
                "factor_source": est.factor_source,
                "method": est.method,
                "label": est.label,
            }
        )
    note = f"estimates for {model.id} ({model.tokenizer} tokenizer); calibrate with --calibrate for measured factors"
    return TokenEstimates(model.id, rows, [*notes, note])
