"""An ordered map over forked worker processes: what the importer parses files with.

`multiprocessing.Pool` was measured costing the importing process about 0.6 s of CPU on a
10,000-file import (its worker-maintenance thread alone 0.4 s, waking on every result, plus the
task and result threads and pickling each task out), on a machine where the importer's whole
budget is a few seconds of two cores. Here the workers are forked with the work list already in
their memory, take the next chunk of indices from a shared counter (so a few large files do not
hold one worker back while the other idles), and send back only results. The parent reads them
in its own thread, between the files it stores, and yields them in input order.

A worker that dies (killed, out of memory) loses only the items it had taken: once every worker
is gone, each item that never came back is given to `lost(item, why)`, so nothing is skipped
silently.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

PIPE_BYTES = 1 << 20  # results queue in the pipe while the parent is busy storing (Linux: F_SETPIPE_SZ)


def ordered_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    *,
    lost: Callable[[T, str], R],
    chunk: int = 1,
    init: Callable[[], None] | None = None,
) -> Generator[R, None, None]:
    """fn(item) for every item, computed in `workers` forked processes, yielded in order.

    Results cross back pickled. Closing the iterator early kills the workers. Needs the "fork"
    start method (POSIX); callers fall back to a plain loop elsewhere.
    """
    import multiprocessing as mp
    from multiprocessing import connection

    total = len(items)
    workers = min(workers, -(-total // chunk))  # no more workers than chunks (none for no items)
    if not workers:
        return
    ctx = mp.get_context("fork")
    counter = ctx.RawValue("q", 0)
    lock = ctx.Lock()
    readers: list[Any] = []
    pids: list[int] = []
    try:
        for _ in range(workers):
            r, w = ctx.Pipe(duplex=False)
            _grow_pipe(w.fileno())
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the parent's code
                code = 1
                try:
                    r.close()
                    for other in readers:
                        other.close()
                    if init is not None:
                        init()
                    while True:
                        with lock:
                            start = counter.value
                            counter.value = start + chunk
                        if start >= total:
                            break
                        done = [(i, fn(items[i])) for i in range(start, min(start + chunk, total))]
                        w.send_bytes(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
                    code = 0
                finally:
                    os._exit(code)  # no atexit handlers, no flushing the parent's buffers twice
            w.close()
            readers.append(r)
            pids.append(pid)

        pending: dict[int, R] = {}
        alive = list(readers)
        nxt = 0
        while nxt < total:
            if nxt in pending:
                yield pending.pop(nxt)
                nxt += 1
                if not alive or nxt % 8:
                    continue  # drain the pipes every 8th item, so the workers never wait on a full one
                ready = connection.wait(alive, timeout=0)
            elif alive:
                ready = connection.wait(alive)
            else:
                yield lost(items[nxt], "its parse worker process died before finishing it")
                nxt += 1
                continue
            for conn in cast("list[connection.Connection]", ready):
                try:
                    for i, result in pickle.loads(conn.recv_bytes()):
                        pending[i] = result
                except (EOFError, OSError):
                    alive.remove(conn)  # finished (or died): its pipe is closed and drained
    finally:
        for conn in readers:
            conn.close()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)  # harmless if it already exited (it is not reaped yet)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _grow_pipe(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default size works, a bit slower
