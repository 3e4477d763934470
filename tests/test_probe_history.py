"""Probe snapshots in SQLite: saved per probe in its own transaction, read back per group, and the
latest live limits per group for the dashboard and `planner plan`."""

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from planner.probe import history
from planner.probe.client import ProbeResult
from planner.probe.headers import DimensionLimit, HeaderSnapshot

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def result(
    model="claude-haiku-4-5",
    group="haiku-4-5",
    status="ok",
    at=T0,
    rpm=1000,
    itpm=2_000_000,
    otpm=400_000,
    endpoint="messages",
    cost=Decimal("0.000021"),
):
    limits = {}
    if rpm is not None:
        limits["requests"] = DimensionLimit(rpm, rpm - 1, at + timedelta(seconds=1))
    if itpm is not None:
        limits["input_tokens"] = DimensionLimit(itpm, itpm - 1000, at, rounded=True)
    if otpm is not None:
        limits["output_tokens"] = DimensionLimit(otpm, otpm, at, rounded=True)
    snap = HeaderSnapshot("anthropic" if limits else None, limits)
    return ProbeResult(
        model=model,
        group=group,
        status=status,
        http_status=200 if status == "ok" else 429,
        request_id="req_1",
        observed_at=at,
        snapshot=snap,
        retry_after_s=None,
        explanation="ok",
        cost_usd=cost,
        tier="start",
        warnings=["w1"],
        endpoint=endpoint,
        host="127.0.0.1:1",
    )


class FakeStore:
    def __init__(self, path):
        self.conn = sqlite3.connect(path)


@pytest.fixture
def conn(tmp_path):
    c = sqlite3.connect(tmp_path / "x.db")
    yield c
    c.close()


def test_round_trip(conn, tmp_path):
    rid = history.save_snapshot(conn, result(), "api.example:443")
    rows = history.snapshots(conn)
    assert len(rows) == 1 and rows[0].id == rid
    row = rows[0]
    assert row.observed_at == T0 and row.host == "api.example:443" and row.model == "claude-haiku-4-5"
    assert row.group == "haiku-4-5" and row.status == "ok" and row.http_status == 200 and row.tier == "start"
    assert row.cost_usd == Decimal("0.000021") and row.warnings == ["w1"] and row.endpoint == "messages"
    assert row.limits["requests"] == DimensionLimit(1000, 999, T0 + timedelta(seconds=1))
    assert row.limits["input_tokens"].rounded is True
    # committed: another connection sees it
    other = sqlite3.connect(tmp_path / "x.db")
    assert other.execute("SELECT count(*) FROM probe_snapshots").fetchone() == (1,)


def test_host_defaults_to_the_results(conn):
    history.save_snapshot(conn, result())
    assert history.snapshots(conn)[0].host == "127.0.0.1:1"


def test_accepts_a_store_with_conn(tmp_path):
    store = FakeStore(tmp_path / "s.db")
    history.save_snapshot(store, result())
    assert len(history.snapshots(store)) == 1


def test_unknown_cost_and_no_limits(conn):
    r = result(status="error", rpm=None, itpm=None, otpm=None, cost=None)
    history.save_snapshot(conn, r)
    row = history.snapshots(conn)[0]
    assert row.cost_usd is None and row.limits == {}


def test_filters_newest_first(conn):
    for i in range(3):
        history.save_snapshot(conn, result(at=T0 + timedelta(minutes=i)))
    history.save_snapshot(conn, result(model="claude-sonnet-4-6", group="sonnet-4x", at=T0))
    history.save_snapshot(conn, result(endpoint="count_tokens", at=T0 + timedelta(minutes=9)))
    rows = history.snapshots(conn, group="haiku-4-5")
    assert [r.observed_at.minute for r in rows] == [9, 2, 1, 0]
    assert len(history.snapshots(conn, group="haiku-4-5", limit=2)) == 2
    assert len(history.snapshots(conn, endpoint="messages")) == 4
    assert len(history.snapshots(conn, since=T0 + timedelta(minutes=1))) == 3
    assert [r.model for r in history.snapshots(conn, group="sonnet-4x")] == ["claude-sonnet-4-6"]


def test_latest_live_limits_per_group(conn):
    now = T0 + timedelta(minutes=30)
    history.save_snapshot(conn, result(at=T0, rpm=50))
    history.save_snapshot(conn, result(at=T0 + timedelta(minutes=5), rpm=1000))
    history.save_snapshot(conn, result(at=T0 + timedelta(minutes=6), status="error", rpm=None, itpm=None, otpm=None))
    history.save_snapshot(
        conn, result(at=T0 + timedelta(minutes=7), endpoint="count_tokens", rpm=100, itpm=None, otpm=None)
    )
    history.save_snapshot(conn, result(model="claude-sonnet-4-6", group="sonnet-4x", at=T0, itpm=None))
    history.save_snapshot(conn, result(model="claude-opus-4-8", group="opus-4x", at=T0 - timedelta(hours=2)))
    live = history.latest_live_limits(conn, now=now)
    assert live == {
        "haiku-4-5": {"rpm": 1000, "itpm": 2_000_000, "otpm": 400_000},
        "sonnet-4x": {"rpm": 1000, "itpm": None, "otpm": 400_000},  # missing header stays unknown
    }
    assert "opus-4x" in history.latest_live_limits(conn, max_age_s=3 * 3600, now=now)


def test_rate_limited_probe_counts_as_live(conn):
    history.save_snapshot(conn, result(status="rate_limited"))
    assert history.latest_live_limits(conn, now=T0)["haiku-4-5"]["rpm"] == 1000


def test_the_table_is_created_inside_an_open_transaction_without_committing_it(conn):
    conn.execute("CREATE TABLE other(x)")
    conn.execute("INSERT INTO other VALUES (1)")
    assert conn.in_transaction
    history.snapshots(conn)
    assert conn.in_transaction  # the caller's transaction is still theirs
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM other").fetchone() == (0,)


def test_rejects_other_objects():
    with pytest.raises(TypeError):
        history.snapshots(object())
