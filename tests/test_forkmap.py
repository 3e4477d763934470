"""planner.ingest.forkmap.ordered_map: the importer's parse workers (forked processes, ordered results)."""

from __future__ import annotations

import os
import signal

import pytest

from planner.ingest.forkmap import ordered_map

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")


def _lost(item, why):
    return ("lost", item, why)


def _square_with_pid(x):
    return (x * x, os.getpid())


@pytest.mark.parametrize("workers,chunk", [(1, 1), (2, 1), (3, 4), (2, 64)])
def test_results_come_back_in_input_order_from_several_processes(workers, chunk):
    items = list(range(200))
    out = list(ordered_map(_square_with_pid, items, workers, lost=_lost, chunk=chunk))
    assert [r[0] for r in out] == [x * x for x in items]
    pids = {r[1] for r in out}
    assert os.getpid() not in pids  # computed in the workers, never in this process
    assert 1 <= len(pids) <= workers


def _die_on_13(x):
    if x == 13:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_worker_that_dies_loses_only_its_items_and_they_are_reported():
    items = list(range(40))
    out = list(ordered_map(_die_on_13, items, 2, lost=_lost, chunk=1))
    assert len(out) == 40
    assert out[13] == ("lost", 13, "its parse worker process died before finishing it")
    assert [x for x in out if not isinstance(x, tuple)] == [x for x in items if x != 13]


def _raise(x):
    raise ValueError("boom")


def test_an_exception_in_fn_ends_that_worker_and_its_items_are_lost_not_dropped():
    out = list(ordered_map(_raise, [1, 2, 3], 2, lost=_lost))
    assert [r[0] for r in out] == ["lost"] * 3


def test_init_runs_in_each_worker_not_here(tmp_path):
    marker = tmp_path / "inits"

    def init():
        with open(marker, "a") as f:
            f.write(f"{os.getpid()}\n")

    out = list(ordered_map(_square_with_pid, list(range(20)), 2, lost=_lost, init=init))
    assert len(out) == 20
    inited = {int(p) for p in marker.read_text().split()}
    assert {r[1] for r in out} <= inited  # every worker that computed had run init first
    assert os.getpid() not in inited


def test_closing_early_kills_and_reaps_the_workers():
    it = ordered_map(_square_with_pid, list(range(10_000)), 2, lost=_lost)
    first = next(it)
    assert first[0] == 0
    pids = {first[1]}
    it.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped by ordered_map


def test_empty_input_forks_nothing():
    assert list(ordered_map(_square_with_pid, [], 2, lost=_lost)) == []
