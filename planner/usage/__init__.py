"""Usage-log importers: one module per format, each `parse(path, ...) -> ParseResult`.

`planner.usage.detect` finds files and tells formats apart; `records` holds the plain types.
"""
