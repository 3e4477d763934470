"""The core loads without Textual (or Rich): a subprocess imports each core module and checks."""

import subprocess
import sys

import pytest

CORE_MODULES = [
    "pricing",
    "planner.cli",
    "planner.report",
    "planner.paths",
    "planner.usage",
    "planner.usage.records",
]
OPTIONAL_CORE = [
    "pricing.catalog",
    "pricing.cost",
    "planner.store",
    "planner.usage.detect",
    "planner.probe.headers",
    "planner.probe.client",
    "planner.projection.spend",
    "planner.projection.demand",
    "planner.projection.headroom",
    "planner.projection.tiers",
    "planner.projection.scenario",
    "planner.tokens",
]


def _loads_without_textual(module: str) -> subprocess.CompletedProcess:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'textual_plotext'))\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str) -> None:
    result = _loads_without_textual(module)
    assert result.returncode == 0, f"{module} pulled in: {result.stdout.strip()} {result.stderr[-500:]}"


@pytest.mark.parametrize("module", OPTIONAL_CORE)
def test_optional_core_module_does_not_import_textual(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module.rsplit(".", 1)[0]) is None or importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not built yet")
    result = _loads_without_textual(module)
    assert result.returncode == 0, f"{module} pulled in: {result.stdout.strip()} {result.stderr[-500:]}"


def test_pricing_imports_nothing_from_planner() -> None:
    code = "import pricing, sys; print([m for m in sys.modules if m == 'planner' or m.startswith('planner.')])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
