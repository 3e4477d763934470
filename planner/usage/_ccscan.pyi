# The compiled scan's interface (planner/usage/_ccscan.c); see claude_code._scan_fast.
from collections.abc import Callable

RECORD_COLUMNS: tuple[str, ...]

def scan(
    data: memoryview,
    first_line: int,
    slow: Callable[[int, int, int], tuple[str, int] | None],
    finish: Callable[[int, int, int, str], tuple | None],
    lookup: Callable[[str], str | None],
    src: str,
    project: str | None,
    fallback_session: str,
    /,
) -> tuple[list[tuple], int, int, int, int]: ...
