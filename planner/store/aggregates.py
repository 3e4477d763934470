"""Token sums per time bucket, price dimension, long-context band and key: what the ledger prices.

The ledger (`planner.ledger`) receives these rows and prices them; it runs no SQL of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from planner.store.queries import span_sql
from planner.store.slots import SLOT_MS, SlotReads, band_sql

# A row of `usage_sums`: (bucket, dim, band, key, requests, input, cw5, cw1h, cread, output, web).
SumRow = tuple[int, int, int, str, int, int, int, int, int, int, int]

# Keys a sum can be split by besides time and dims (model and tier come from the dims row).
KEYS = {
    "project": "coalesce(project, workspace, '(none)')",
    "session": "coalesce(session, '(none)')",
    "workspace": "coalesce(workspace, '(none)')",
}
_SUMS = "sum(requests), sum(input), sum(cw5), sum(cw1h), sum(cread), sum(output), sum(web)"


class UsageSums(SlotReads):
    def usage_sums(
        self,
        thresholds: Sequence[int],
        slot_ms: int,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        key: str | None = None,
        dims: Iterable[int] | None = None,
    ) -> Iterator[SumRow]:
        """The rows of `usage_sums_sql` (see there)."""
        sql, args = self.usage_sums_sql(thresholds, slot_ms, since_ms, until_ms, key=key, dims=dims)
        return iter(self.conn.execute(sql, args))

    def usage_sums_sql(
        self,
        thresholds: Sequence[int],
        slot_ms: int,
        since_ms: int | None = None,
        until_ms: int | None = None,
        *,
        key: str | None = None,
        dims: Iterable[int] | None = None,
    ) -> tuple[str, list[int]]:
        """Sums per `slot_ms` time bucket (its number: start // slot_ms), price dimension, band
        class (how many of `thresholds` each row's prompt is over) and `key` ("project",
        "session", or None for ''), within [since_ms, until_ms), of the `dims` given (all if None).

        From the 15-minute slots the importer keeps when they hold these bands, the bounds fall on
        their grid and no row key is asked for; else from the rows. Both give the same sums (tests
        check it)."""
        key_sql = KEYS[key] if key is not None else None
        conds: list[str] = []
        if dims is not None:
            conds.append(f"dim IN ({', '.join(str(int(i)) for i in dims) or 'NULL'})")
        on_grid = slot_ms % SLOT_MS == 0 and all(b is None or b % SLOT_MS == 0 for b in (since_ms, until_ms))
        args: list[int] = []
        if key_sql is None and on_grid and self.slots_for(thresholds):
            for bound, op in ((since_ms, ">="), (until_ms, "<")):
                if bound is not None:
                    conds.append(f"slot {op} ?")
                    args.append(bound // SLOT_MS)
            table, s_sql, c_sql = "slots", f"slot / {slot_ms // SLOT_MS}", "band"
        else:
            bounds, args = span_sql(since_ms, until_ms)
            if bounds:
                conds.insert(0, bounds.removeprefix(" AND "))
            table, s_sql, c_sql = "usage", f"ts_ms / {int(slot_ms)}", band_sql(thresholds)
        sql = (
            f"SELECT {s_sql} AS s, dim, {c_sql} AS c, {key_sql or repr('')} AS k, {_SUMS} FROM {table} "
            + (("WHERE " + " AND ".join(conds) + " ") if conds else "")
            + "GROUP BY s, dim, c"
            + (", k" if key_sql else "")
        )
        return sql, args
