"""Usage-log importers: one module per format, each `parse(path, ...) -> ParseResult`, pure (a file
in, records out; no store, no Textual).

`rows` is the one row layout (the record and the stored row, by column name); `records` holds the
plain types; `detect` finds files and tells formats apart. What the parsers share, by concern:
`wire` (the API's usage object), `timestamps`, `dedup` (which copy of a request is kept),
`reading` (lines from an offset, problems), `reports` (Admin API report pages).
"""
