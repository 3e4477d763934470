"""The compiled scan has no undefined behaviour on any input: built with AddressSanitizer and
UndefinedBehaviorSanitizer (where a compiler and their runtimes are present) and run over the
scan's edge cases, counts of 18 to 400 digits included, it must give the reference's results and
no sanitizer report. (Before the digit limit was checked while reading, a 20-digit count was a
signed overflow that UBSan stops on here.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from ccscan_cases import CASES, line

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "planner" / "usage" / "_ccscan.c"
CC = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")

CHILD = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("planner.usage._ccscan", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
sys.modules["planner.usage._ccscan"] = mod
from planner.usage import claude_code
assert claude_code._fast is mod, "the sanitized build is not the one in use"
def run(path):
    r = claude_code.parse(path, resolve=lambda m: m.upper(), options={"compact": True})
    return r.rows, r.problems, r.skipped, r.end_line, r.end_offset
n = 0
for path in sys.argv[2:]:
    fast = run(path)
    claude_code._fast = None
    reference = run(path)
    claude_code._fast = mod
    assert fast == reference, path
    n += len(fast[0]) + len(fast[1])
print("ok", len(sys.argv) - 2, n)
"""


def _runtime(name: str) -> str | None:
    out = subprocess.run([CC, f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    return out if os.path.isabs(out) and os.path.exists(out) else None


def _digit_cases() -> list[str]:
    """Counts of every length around the int64 limit, in every count field the scan reads."""
    fields = [
        "message__usage__input_tokens",
        "message__usage__output_tokens",
        "message__usage__cache_creation_input_tokens",
        "message__usage__cache_read_input_tokens",
        "message__usage__cache_creation__ephemeral_5m_input_tokens",
        "message__usage__cache_creation__ephemeral_1h_input_tokens",
    ]
    out = []
    for i, field in enumerate(fields):
        for digits in (18, 19, 20, 21, 25, 40, 400):
            for lead in ("9", "1"):
                text = json.dumps(line(message__id=f"msg_{i}_{digits}_{lead}", **{field: 7}))
                out.append(text.replace(": 7", ": " + lead * digits, 1))
    web = json.dumps(line(message__id="msg_web", message__usage__server_tool_use={"web_search_requests": 7}))
    out += [web.replace(": 7}", ": " + "9" * n + "}") for n in (19, 20, 64)]
    out.append(json.dumps(line(message__id="msg_lead0")).replace('"output_tokens": 40', '"output_tokens": 0040'))
    return out


@pytest.mark.skipif(CC is None, reason="no C compiler")
def test_the_scan_under_address_and_undefined_behaviour_sanitizers(tmp_path):
    asan = _runtime("libasan.so")
    if asan is None or _runtime("libubsan.so") is None:
        pytest.skip("no sanitizer runtimes (libasan, libubsan) for this compiler")
    include = sysconfig.get_paths()["include"]
    so = tmp_path / ("_ccscan" + sysconfig.get_config_var("EXT_SUFFIX"))
    build = subprocess.run(
        [
            CC,
            "-shared",
            "-fPIC",
            "-O1",
            "-g",
            "-fno-omit-frame-pointer",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            f"-I{include}",
            str(SOURCE),
            "-o",
            str(so),
        ],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0 and "Python.h" in build.stderr:
        pytest.skip("no Python headers to build the extension against")
    assert build.returncode == 0, build.stderr

    files = []
    cases = [*CASES.values(), *_digit_cases()]
    for i, text in enumerate(cases):
        p = tmp_path / "projects" / "-p" / f"case{i:03d}.jsonl"
        p.parent.mkdir(parents=True, exist_ok=True)
        ordinary = [json.dumps(line(message__id=f"before{i}")), json.dumps(line(message__id=f"after{i}"))]
        p.write_text("\n".join([ordinary[0], text, ordinary[1]]) + "\n")
        files.append(str(p))
    env = {
        **os.environ,
        "LD_PRELOAD": asan,
        "ASAN_OPTIONS": "detect_leaks=0",  # the interpreter keeps its allocations to the end
        "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PLANNER_PURE_PYTHON", None)
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(so), *files], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0 and "runtime error" not in run.stderr and "AddressSanitizer" not in run.stderr, (
        run.stderr[-3000:]
    )
    assert run.stdout.startswith(f"ok {len(files)} ")
