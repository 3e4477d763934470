"""Load a module in a fresh interpreter in which Textual and Rich cannot be imported at all.

A module that imports either fails to load, which is the check; looking at `sys.modules` afterwards
would also catch httpx, which imports Rich for its own command line whenever Rich is installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCK_TEXTUAL = """
import importlib, importlib.abc, sys
BLOCKED = ("textual", "rich", "textual_plotext", "plotext")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked in this test: {name}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""


def load(module: str, extra: str = "") -> subprocess.CompletedProcess[str]:
    code = BLOCK_TEXTUAL + f"importlib.import_module({module!r})\n" + extra
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
