"""The probe modules are core: they load without Textual or Rich (checked in a fresh process)."""

import subprocess
import sys

import pytest

MODULES = ["planner.probe", "planner.probe.headers", "planner.probe.client", "planner.probe.history",
           "planner.probe.infer", "planner.probe.admin", "planner.commands.probe"]


@pytest.mark.parametrize("module", MODULES)
def test_loads_without_textual(module):
    code = (f"import importlib, sys; importlib.import_module({module!r}); "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'textual_plotext'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip() == ""


def test_headers_module_is_pure():
    code = "import sys, planner.probe.headers; print('httpx' in sys.modules, 'sqlite3' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["False", "False"], proc.stderr[-500:]
