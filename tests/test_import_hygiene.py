"""The core loads without Textual (or Rich): a subprocess imports each core module and checks."""

import subprocess
import sys

import pytest

# Every core module: all of planner outside planner.tui, and the catalog.
CORE_MODULES = [
    "pricing", "pricing.catalog", "pricing.cost", "pricing.overrides", "pricing.schema",
    "planner.cli", "planner.report", "planner.paths", "planner.settings", "planner.atomic", "planner.errors",
    "planner.tokens", "planner.store", "planner.ledger",
    "planner.usage", "planner.usage.records", "planner.usage.common", "planner.usage.detect",
    "planner.usage.claude_code", "planner.usage.messages", "planner.usage.batch", "planner.usage.usage_report",
    "planner.usage.cost_report", "planner.usage.csv_import",
    "planner.probe.headers", "planner.probe.client", "planner.probe.history", "planner.probe.infer",
    "planner.probe.admin",
    "planner.projection.spend", "planner.projection.demand", "planner.projection.headroom",
    "planner.projection.tiers", "planner.projection.scenario",
    "planner.commands.import_", "planner.commands.report", "planner.commands.headroom", "planner.commands.probe",
    "planner.commands.plan", "planner.commands.prices", "planner.commands.limits", "planner.commands.cost",
    "planner.commands.tokens",
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


def test_pricing_imports_nothing_from_planner() -> None:
    code = "import pricing, sys; print([m for m in sys.modules if m == 'planner' or m.startswith('planner.')])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
