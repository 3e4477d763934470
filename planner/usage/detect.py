"""Which usage-log format a file holds, and which files under some paths are worth importing.

Detection reads the first 64 KiB (the content decides; the suffix only breaks ties), so a
gigabyte transcript costs one small read.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from planner.usage import reading

_MODULES = {
    "claude-code": "claude_code",
    "messages": "messages_api",
    "batch": "batch",
    "usage-report": "usage_report",
    "cost-report": "cost_report",
    "csv": "csv_import",
}
FORMATS = {name: importlib.import_module(f"planner.usage.{mod}") for name, mod in _MODULES.items()}
HEAD = 1 << 16
# Files that never hold usage: skipped by suffix without opening them.
_NOT_LOGS = {".py", ".md", ".toml", ".db", ".sqlite", ".png", ".jpg", ".gz", ".zip", ".lock", ".pyc"}


@dataclass
class Discovery:
    files: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def detect_head(head: bytes, suffix: str = "") -> str | None:
    """The format of a file starting with `head` (None: not a usage log)."""
    if reading.is_binary(head):
        return None
    text = head.lstrip()
    if not text:
        return None
    first = text.split(b"\n", 1)[0]
    if text[:1] in (b"{", b"["):
        if FORMATS["claude-code"].looks_like(first):
            return "claude-code"
        if b'"custom_id"' in first and b'"result"' in first:
            return "batch"
        if b'"starting_at"' in text:
            if b'"amount"' in text:
                return "cost-report"
            if b'_tokens"' in text or b'"results"' in text:
                return "usage-report"
        if b'"usage"' in first and b'"model"' in first:
            return "messages"
        if b'"custom_id"' in text:
            return "batch"
        if b'"usage"' in text and b'"model"' in text:  # pretty-printed or very long first line
            return "messages" if suffix != ".json" or b'"starting_at"' not in text else "usage-report"
        return None
    if FORMATS["csv"].looks_like(first) or (suffix == ".csv" and b"," in first):
        return "csv"
    return None


def detect_format(path: Path) -> str | None:
    """From content (first bytes / first lines); None for binary, empty or unrelated files."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD)
    except FileNotFoundError:
        raise reading.SourceVanished(f"{path}: file vanished while reading") from None
    return detect_head(head, path.suffix.lower())


def claude_code_dirs(env: Mapping[str, str] = os.environ) -> list[Path]:
    """Claude Code `projects/` directories that exist.

    CLAUDE_CONFIG_DIR (comma-separated) replaces the defaults; each entry is a config dir holding
    `projects/`, or a `projects/` dir itself. Defaults: ~/.config/claude and ~/.claude.
    """
    if env.get("CLAUDE_CONFIG_DIR", "").strip():
        roots = [Path(p.strip()).expanduser() for p in env["CLAUDE_CONFIG_DIR"].split(",") if p.strip()]
    else:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        roots = [home / ".config" / "claude", home / ".claude"]
    out: list[Path] = []
    for root in roots:
        cand = (
            root / "projects"
            if (root / "projects").is_dir()
            else root
            if root.name == "projects" and root.is_dir()
            else None
        )
        if cand is not None and cand not in out:
            out.append(cand)
    return out


SNIFF = 4096  # what decides almost every file; an undecided one is read up to HEAD


def walk(root: str) -> list[str]:
    """Files under root, sorted, skipping hidden entries and __pycache__ (paths as strings: a
    tree of 10,000 transcripts is walked on every import). Like os.walk, a symlink to a directory
    is not followed; unlike it, no lstat per directory (the entry's type says so)."""
    found: list[str] = []
    stack = [root]
    while stack:
        top = stack.pop()
        try:
            with os.scandir(top) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError:
            continue  # vanished or unreadable: as os.walk, nothing from it
        subdirs = []
        for e in entries:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                found.append(e.path)
            elif e.name != "__pycache__" and not e.is_symlink():
                subdirs.append(e.path)
        stack.extend(reversed(subdirs))  # depth first, in name order (os.walk's top-down order)
    return found


def not_a_log(path: str) -> str | None:
    """Why a file found in a directory is skipped from its name alone (None: look inside)."""
    suffix = os.path.splitext(path)[1].lower()
    return f"not a usage log ({suffix} file)" if suffix in _NOT_LOGS else None


def sniff(path: str) -> bytes:
    """The file's first bytes, enough to classify it (OSError when it cannot be read)."""
    with open(path, "rb") as f:
        head = f.read(SNIFF)
        if len(head) == SNIFF and detect_head(head, os.path.splitext(path)[1].lower()) is None:
            head += f.read(HEAD - SNIFF)
    return head


def classify(head: bytes, path: str, fmt: str | None = None) -> tuple[str | None, str | None]:
    """(format, None) for a usage log, or (None, why it is skipped); `fmt` forces the format of
    any readable text file."""
    if reading.is_binary(head):
        return None, "binary file (NUL bytes in the first 8 KiB)"
    if not head.strip():
        return None, "empty file (nothing to import yet)"
    found = fmt or detect_head(head, os.path.splitext(path)[1].lower())
    return (found, None) if found else (None, "not a recognised usage log")


def discover(paths: Sequence[Path], fmt: str | None = None) -> Discovery:
    """Files to import under `paths` (directories recursively, sub-agent transcripts included).

    `fmt` forces a format for every readable text file (the user said so); otherwise each file's
    content decides and unrelated files are listed in `skipped` with the reason.
    """
    if fmt is not None and fmt not in FORMATS:
        from planner.errors import PlannerError

        raise PlannerError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    out = Discovery()
    seen: set[Path] = set()
    for given in paths:
        given = Path(given).expanduser()
        if given.is_dir():
            candidates = [Path(p) for p in walk(str(given))]
        elif given.exists():
            candidates = [given]
        else:
            out.skipped.append((given, "no such file or directory"))
            continue
        explicit = candidates == [given]
        for path in candidates:
            if path in seen:
                continue
            seen.add(path)
            if not explicit and (why := not_a_log(str(path))):
                out.skipped.append((path, why))
                continue
            try:
                head = sniff(str(path))
            except OSError as exc:
                out.skipped.append((path, f"unreadable: {exc.strerror}"))
                continue
            found, why = classify(head, str(path), fmt)
            if found:
                out.files.append((path, found))
            else:
                out.skipped.append((path, why or "not a recognised usage log"))
    return out
