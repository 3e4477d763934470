"""The probe modules are core: they load without Textual or Rich (checked in a fresh process)."""

import pkgutil
import subprocess
import sys

import pytest
from hygiene import load as _load

import planner.probe

# every module of the package (generated, so a new one is checked too), and the probe command
MODULES = [
    "planner.probe",
    *sorted(f"planner.probe.{m.name}" for m in pkgutil.iter_modules(planner.probe.__path__)),
    "planner.cli.probe",
]


@pytest.mark.parametrize("module", MODULES)
def test_loads_without_textual(module):
    # Textual and Rich are made unimportable (see test_import_hygiene): loading must still work.
    proc = _load(module)
    assert proc.returncode == 0, proc.stderr[-500:]


def test_headers_module_is_pure():
    code = "import sys, planner.probe.headers; print('httpx' in sys.modules, 'sqlite3' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["False", "False"], proc.stderr[-500:]
