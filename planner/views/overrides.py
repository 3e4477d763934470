"""The one edit both front ends make: writing the user's override file (`planner prices set` /
`limits set`, the dashboard's edit dialogs). The edits themselves are pure
(`planner.catalog.overrides.set_price` / `set_limit`); this reads, checks and writes atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from planner.errors import PlannerError

Edit = Callable[[dict[str, Any]], dict[str, Any]]


def override_target(given: Sequence[str | Path] = ()) -> Path:
    """The file a `set` writes: the single file given (`--pricing FILE`), else the user's
    overrides file."""
    from planner import paths

    if len(given) > 1:
        raise PlannerError("give at most one --pricing FILE to write to")
    return Path(given[0]).expanduser() if given else paths.overrides_path()


def write_override(path: Path, edit: Edit) -> None:
    """Read the override file, apply `edit`, check the result applies over the bundled
    catalog, and write it atomically. A malformed existing file is never overwritten."""
    import tomllib

    import tomli_w

    from planner.atomic import write_atomic
    from planner.catalog import CatalogError
    from planner.catalog.catalog import check_override
    from planner.catalog.schema import toml_error

    data: dict[str, Any] = {}
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, message = toml_error(exc)
            raise PlannerError(f"{path}:{line or '?'}: {message}; fix the file first (not overwritten)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PlannerError(f"{path}: cannot read: {exc}") from None
    try:
        new = edit(data)
        check_override(new, str(path))
    except CatalogError as exc:
        # No line number: the problem is in the edit (or in the file merged with it).
        raise PlannerError(f"{path}: {exc.located('').lstrip(': ')} (not written)") from None
    write_atomic(path, tomli_w.dumps(new).encode("utf-8"))
