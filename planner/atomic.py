"""Write a file atomically: a temporary file in the same directory, fsync, then rename.

Either the new content is in place or the old file is untouched and no temporary is left behind.
A failure (a full disk, a read-only folder, a path that is a folder) raises `WriteFailed`: one
line for the user (a `PlannerError`), and still an `OSError` with its errno for callers that
catch those (the dashboard's cache ignores them; its export dialog shows `strerror`).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from planner.errors import PlannerError

_WHY = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


class WriteFailed(PlannerError, OSError):
    """A file not written; `str()` is the one line to show (path, why, and that it is unchanged)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        OSError.__init__(self, exc.errno, exc.strerror, str(path))
        why = _WHY.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
        detail = f" ({exc.strerror})" if exc.strerror and exc.strerror.lower() != why else ""
        state = "left as it was" if path.exists() else "not created"
        self.message = f"{path}: not written: {why}{detail}; the file is {state}"

    def __str__(self) -> str:
        return self.message


def write_atomic(path: Path, data: bytes) -> None:
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(path, exc) from None
        raise
