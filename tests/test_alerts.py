"""Alerts (issue 16, item 2): each crossing fired once across restarts and periods (a fake clock),
every channel against a real receiver on 127.0.0.1 (one that fails, then recovers), failures kept
and retried, secrets kept out of what is printed, and the capacity rules."""

import json
import stat
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from fakeapi import FakeClock
from receiver import Receiver

from planner.alerts import capacity, dispatch, rules
from planner.alerts.channels import ChannelError, Command, Desktop, Unavailable, Webhook, alert_env, redact_url
from planner.ingest import import_paths
from planner.projection import budgets as B
from planner.store import Store
from planner.store import alerts as state


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "planner.db") as s:
        yield s


class Recorder:
    """A channel that keeps what it was sent (and can be told to fail)."""

    name = "webhook"
    attempts = 1

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[dict] = []
        self.fail = fail

    def send(self, body):
        if self.fail:
            self.fail -= 1
            raise ChannelError("receiver down")
        self.sent.append(body)
        return 1


def _alerts(spent_per_day: Decimal, today: date, amount: Decimal = Decimal(100)) -> list[rules.Alert]:
    """The alerts of a $`amount` monthly budget with `spent_per_day` every day of today's month."""
    budget = B.Budget("team", amount)
    daily = [(today.replace(day=d), spent_per_day) for d in range(1, today.day + 1)]
    daily += [(today - timedelta(days=i), spent_per_day) for i in range(1, 8)]
    return rules.budget_alerts([B.status(budget, sorted(set(daily)), today)])


def _pass(db_path, alerts, channels, clock):
    """One pass on a fresh connection: what a restarted watcher or a cron `--once` does."""
    with Store(db_path) as s:
        return dispatch.run_pass(s, alerts, channels, clock.now)


def test_each_crossing_fires_once_across_restarts_and_periods(tmp_path):
    db = tmp_path / "planner.db"
    clock = FakeClock(datetime(2026, 11, 10, 12, tzinfo=UTC))
    rec = Recorder()
    # Nov 10, $5 a day: spent 50 (50% crossed), projected 150 (100% forecast crossed)
    events = _pass(db, _alerts(Decimal(5), clock.now().date()), {"webhook": rec}, clock)
    fired = [(e.fields["kind"], e.fields["level"]) for e in events if e.event == "alert"]
    assert fired == [("forecast", Decimal(1)), ("spent", Decimal("0.5"))]
    assert len(rec.sent) == 2 and {b["period"] for b in rec.sent} == {"2026-11"}
    # a restart the same day, and the next day with the same levels crossed: nothing new
    for _ in range(2):
        clock.advance(3600 * 24)
        events = _pass(db, _alerts(Decimal(5), clock.now().date()), {"webhook": rec}, clock)
        assert [e for e in events if e.event in ("alert", "delivered")] == []
    assert len(rec.sent) == 2
    # Nov 17: spent 85 -> 80% crosses (50% was already fired)
    clock.advance(3600 * 24 * 5)
    events = _pass(db, _alerts(Decimal(5), clock.now().date()), {"webhook": rec}, clock)
    assert [(e.fields["kind"], e.fields["level"]) for e in events if e.event == "alert"] == [("spent", Decimal("0.8"))]
    # December is a new period: the same levels fire again, once
    clock.advance(3600 * 24 * 16)  # Dec 3
    assert clock.now().date() == date(2026, 12, 3)
    events = _pass(db, _alerts(Decimal(20), clock.now().date()), {"webhook": rec}, clock)
    assert {e.fields["period"] for e in events if e.event == "alert"} == {"2026-12"}
    again = _pass(db, _alerts(Decimal(20), clock.now().date()), {"webhook": rec}, clock)
    assert [e for e in again if e.event == "alert"] == []
    with Store(db) as s:
        assert {(k[1], k[2], k[3]) for k, _, status in state.fired(s) if status == "fired"} >= {
            ("spent", "0.5", "2026-11"),
            ("spent", "0.8", "2026-11"),
            ("spent", "0.5", "2026-12"),
        }


def test_levels_crossed_together_fire_once_at_the_highest(store):
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    rec = Recorder()
    # spent 20 × $4.25 = 85 of 100: 50% and 80% crossed in the same pass
    alerts = _alerts(Decimal("4.25"), date(2026, 11, 20))[::-1]  # in any order
    events = dispatch.run_pass(store, alerts, {"webhook": rec}, clock.now)
    spent = [e.fields["level"] for e in events if e.event == "alert" and e.fields["kind"] == "spent"]
    assert spent == [Decimal("0.8")]
    assert [b["level"] for b in rec.sent if b["kind"] == "spent"] == [Decimal("0.8")]
    statuses = {k[2]: status for k, _, status in state.fired(store) if k[1] == "spent"}
    assert statuses == {"0.5": "superseded", "0.8": "fired"}


def test_webhook_receiver_that_fails_then_recovers(store):
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    waits: list[float] = []
    with Receiver([500, 503]) as rx:
        hook = Webhook(rx.url, sleep=waits.append)
        events = dispatch.run_pass(store, _alerts(Decimal("4.25"), date(2026, 11, 20)), {"webhook": hook}, clock.now)
        assert [s for s, _ in rx.requests][:3] == [500, 503, 200]
        assert waits[:2] == [1.0, 2.0]  # exponential backoff between attempts
        body = rx.delivered[0]
    assert {"text", "budget", "level", "spent", "projected", "over_on", "period"} <= set(body)
    assert (
        body["budget"] == "team" and body["period"] == "2026-11" and body["text"].startswith("planner: budget 'team'")
    )
    assert Decimal(str(body["spent"])) == Decimal("85.00")
    delivered = [e for e in events if e.event == "delivered"]
    assert delivered[0].fields["attempts"] == 3
    assert state.pending(store) == []


def test_a_failed_delivery_is_kept_retried_later_and_never_sent_twice(store):
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    alerts = _alerts(Decimal("4.25"), date(2026, 11, 20))
    with Receiver([503] * 8) as rx:  # down for the whole first pass (4 attempts × 2 alerts)
        hook = Webhook(rx.url, sleep=lambda s: None)
        events = dispatch.run_pass(store, alerts, {"webhook": hook}, clock.now)
        failed = [e for e in events if e.event == "failed"]
        assert len(failed) == 2 and rx.delivered == []
        # the secret part of the URL is never printed
        assert all("SECRET" not in e.line() and "SECRET" not in json.dumps(e.fields, default=str) for e in events)
        assert "http://127.0.0.1" in failed[0].fields["error"]
        assert len(state.pending(store)) == 2
        # not due yet: a pass a few seconds later does not hammer the receiver
        clock.advance(5)
        assert dispatch.run_pass(store, alerts, {"webhook": hook}, clock.now) == []
        # after the backoff the receiver is back: each alert delivered once, nothing fired anew
        clock.advance(300)
        events = dispatch.run_pass(store, alerts, {"webhook": hook}, clock.now)
        assert [e.event for e in events] == ["delivered", "delivered"]
        assert all(e.fields["attempts"] == 5 for e in events)
        assert len(rx.delivered) == 2 and len({(b["kind"], b["level"]) for b in rx.delivered}) == 2
        clock.advance(3600)
        assert dispatch.run_pass(store, alerts, {"webhook": hook}, clock.now) == []
        assert len(rx.delivered) == 2


def test_webhook_client_errors_are_not_retried_and_transport_errors_are():
    with Receiver([400]) as rx:
        with pytest.raises(ChannelError, match=r"HTTP 400 \(not retried"):
            Webhook(rx.url, sleep=lambda s: None).send({"text": "x"})
        assert len(rx.requests) == 1
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert Webhook("https://hooks.example.com/T/SECRET", client=client, sleep=lambda s: None).send({"text": "x"}) == 3
    with Receiver([429] * 4, retry_after="7") as rx:
        waits: list[float] = []
        with pytest.raises(ChannelError, match="HTTP 429 after 4 attempts"):
            Webhook(rx.url, sleep=waits.append).send({"text": "x"})
        assert waits == [7.0, 7.0, 7.0]
    assert redact_url("https://hooks.slack.com/services/T0/B0/XYZ") == "https://hooks.slack.com/…"


def test_command_gets_the_alert_in_its_environment_without_api_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-must-not-leak")
    out = tmp_path / "env.json"
    script = f'python3 -c \'import json, os; json.dump(dict(os.environ), open("{out}", "w"))\''
    (alert,) = [a for a in _alerts(Decimal("4.25"), date(2026, 11, 20)) if a.level == "0.8"]
    assert Command(script).send(alert.body()) == 1
    env = json.loads(out.read_text())
    assert env["PLANNER_ALERT_BUDGET"] == "team" and env["PLANNER_ALERT_LEVEL"] == "0.8"
    assert env["PLANNER_ALERT_PERIOD"] == "2026-11" and env["PLANNER_ALERT_SPENT"] == "85.00"
    assert env["PLANNER_ALERT_TEXT"] == alert.text
    assert json.loads(env["PLANNER_ALERT_JSON"])["budget"] == "team"
    assert "ANTHROPIC_API_KEY" not in env
    with pytest.raises(ChannelError, match="exit 3: boom after 2 attempts"):
        Command("echo boom >&2; exit 3", sleep=lambda s: None).send(alert.body())
    assert "sk-ant" not in json.dumps(alert_env(alert.body(), {"ANTHROPIC_ADMIN_KEY": "sk-ant-admin-x"}))


def test_desktop_notification_where_available(tmp_path):
    log = tmp_path / "notified"
    fake = tmp_path / "notify-send"
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" > {log}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    linux = Desktop(which=lambda name: str(fake) if name == "notify-send" else None, platform="linux")
    assert linux.send({"text": "planner: budget 'team' crossed 80%"}) == 1
    assert log.read_text() == "--app-name=planner|planner|planner: budget 'team' crossed 80%|"
    mac = Desktop(which=lambda name: "/usr/bin/osascript" if name == "osascript" else None, platform="darwin")
    argv = mac.argv("planner", 'a "quoted" text')
    assert argv[-1] == 'a "quoted" text' and all('"quoted"' not in a for a in argv[:-1])
    nothing = Desktop(which=lambda name: None, platform="linux")
    with pytest.raises(Unavailable, match="no desktop notifier"):
        nothing.check()
    with pytest.raises(ChannelError):
        nothing.send({"text": "x"})


def test_alert_state_ddl_is_one_constant_and_idempotent(store):
    state.ensure_schema(store)
    state.ensure_schema(store.conn)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"alert_state", "alert_delivery"} <= tables
    key = ("budget:x", "spent", "0.8", "2026-11")
    assert state.claim(store, key, {"text": "t"}, ["webhook", "command"], 1) is True
    assert state.claim(store, key, {"text": "t"}, ["webhook", "command"], 2) is False
    assert [p.channel for p in state.pending(store)] == ["command", "webhook"]
    assert [p.channel for p in state.pending(store, ["webhook"])] == ["webhook"]


# --- capacity ------------------------------------------------------------------------------------


def _probe(group, observed_at, limits, status="ok"):
    from planner.probe.headers import DimensionLimit

    return SimpleNamespace(
        observed_at=observed_at,
        host="api.anthropic.com",
        endpoint="messages",
        model="claude-haiku-4-5",
        group=group,
        status=status,
        http_status=200,
        request_id="req_1",
        snapshot=SimpleNamespace(limits={k: DimensionLimit(*v) for k, v in limits.items()}),
        retry_after_s=None,
        tier=None,
        cost_usd=None,
        warnings=[],
    )


def test_live_probe_above_the_share_fires_once_a_day(store):
    from planner.probe.history import save_snapshot

    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    save_snapshot(
        store, _probe("haiku-4-5", now - timedelta(minutes=5), {"input_tokens": (50_000, 9_000), "requests": (50, 40)})
    )
    save_snapshot(store, _probe("haiku-4-5", now - timedelta(hours=3), {"input_tokens": (50_000, 0)}))  # too old
    readings = capacity.live_readings(store, now=now)
    assert sorted((r.dimension, round(r.used, 2)) for r in readings) == [("input_tokens", 0.82), ("requests", 0.2)]
    alerts = rules.live_share_alerts(readings, Decimal("0.8"))
    assert [(a.rule, a.kind, a.level, a.period) for a in alerts] == [
        ("capacity:haiku-4-5:input_tokens", "live-share", "0.8", "2026-11-20")
    ]
    assert "82% of the per-minute limit" in alerts[0].text and alerts[0].fields["source"] == "live header"
    rec = Recorder()
    clock = FakeClock(now)
    assert [e.event for e in dispatch.run_pass(store, alerts, {"webhook": rec}, clock.now)] == ["alert", "delivered"]
    assert dispatch.run_pass(store, alerts, {"webhook": rec}, clock.now) == []


def test_per_minute_peaks_against_the_tier_and_months_to_bind(tmp_path):
    from planner import paths
    from planner.catalog import load_catalog

    catalog = load_catalog()
    with Store(tmp_path / "p.db") as s:
        import_paths(s, [paths.sample_logs_dir() / "app"], catalog=catalog)
        now = datetime(2026, 11, 22, tzinfo=UTC)
        assert capacity.peak_readings(s, catalog, now=now, tier=None) == []  # no tier, no probe: no guess
        assert capacity.tier_note(s, None, now=now) is not None
        readings = capacity.peak_readings(s, catalog, now=now, tier="start", lookback_s=40 * 86400, growth=0.5)
    assert readings and all(r.tier == "start" and r.limit > 0 for r in readings)
    top = max(readings, key=lambda r: r.peak / r.limit)
    share = Decimal(str(round(top.peak / top.limit, 4))) - Decimal("0.0001")
    alerts = rules.peak_alerts(readings, share, Decimal(120), now.date())
    peak = [a for a in alerts if a.kind == "peak-share"]
    assert peak and peak[0].rule == f"capacity:{top.group}:{top.dimension}" and peak[0].period == "2026-11-22"
    bind = [a for a in alerts if a.kind == "months-to-bind"]
    assert bind and all(a.period == "2026-11" and a.fields["months_to_bind"] < 120 for a in bind)
    assert rules.peak_alerts(readings, Decimal(10), None, now.date()) == []
