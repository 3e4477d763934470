"""The core loads without Textual or Rich, and the catalog without the rest of planner.

Each core module is imported in a fresh interpreter in which `textual`, `rich`, `textual_plotext`
and `plotext` cannot be imported at all: a core module that imports one of them fails to load.
(Blocking, rather than looking at `sys.modules` afterwards, matters: httpx imports Rich for its own
command line whenever Rich happens to be installed, which says nothing about our code.)

The module list is generated from the source tree, so a new core module is covered without
anyone remembering to add it here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hygiene import load as _load

ROOT = Path(__file__).resolve().parents[1]
FRONT_ENDS = ("planner.tui",)  # the only layer that may import Textual
# `planner.cli.dashboard` starts the app inside its run(); importing the module stays Textual-free.


def _modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "planner").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        name = ".".join(parts)
        if not name.startswith(FRONT_ENDS):
            names.append(name)
    return names


CORE_MODULES = _modules()


def test_module_list_is_generated_and_covers_the_core() -> None:
    assert "planner.catalog" in CORE_MODULES
    assert "planner.cli.report" in CORE_MODULES
    assert not any(m.startswith("planner.tui") for m in CORE_MODULES)
    assert len(CORE_MODULES) > 40


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_loads_without_textual_or_rich(module: str) -> None:
    result = _load(module)
    assert result.returncode == 0, f"{module}: {result.stderr.strip().splitlines()[-1:]}"


def test_the_blocker_catches_a_textual_import() -> None:
    # The check above must be able to fail: the dashboard's app module imports Textual.
    result = _load("planner.tui.app")
    assert result.returncode != 0
    assert "blocked in this test: textual" in result.stderr


def test_catalog_imports_nothing_else_of_planner() -> None:
    extra = "print(sorted(m for m in sys.modules if m.startswith('planner.') and not m.startswith('planner.catalog')))"
    result = _load("planner.catalog", extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
