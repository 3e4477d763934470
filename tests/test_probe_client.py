"""Probe calls against the loopback fake API: success, 429 with and without retry-after, the
spend cap, 529 then success, 4xx, timeouts, connection refused, and where the key may go."""

import asyncio
import socket
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from fakeapi import FakeAnthropic, FakeClock, Reply, reply

from planner.catalog import load_catalog
from planner.errors import PlannerError
from planner.probe import client as pc

KEY = "sk-ant-api03-TESTKEY-0123456789abcdefWXYZ"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def api(clock):
    with FakeAnthropic(rpm=50, itpm=50_000, otpm=10_000, clock=clock, api_key=KEY) as fake:
        yield fake


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def run(api, catalog, clock, model="claude-haiku-4-5", **kw):
    sleeps = kw.pop("sleep", Sleeps())
    result = pc.probe(
        model,
        api_key=kw.pop("api_key", KEY),
        base_url=kw.pop("base_url", api.base_url),
        catalog=catalog,
        sleep=sleeps,
        clock=clock.now,
        rand=lambda: 0.0,
        **kw,
    )
    return result, sleeps


def test_success_reads_limits_cost_and_tier(api, catalog, clock):
    r, sleeps = run(api, catalog, clock)
    assert r.status == "ok" and r.http_status == 200 and r.attempts == 1 and sleeps == []
    assert r.group == "haiku-4-5" and r.request_id.startswith("req_")
    assert r.limits["requests"].limit == 50 and r.limits["requests"].remaining == 49
    assert r.limits["input_tokens"].limit == 50_000 and r.limits["input_tokens"].remaining == 50_000  # rounded
    assert r.limits["output_tokens"].remaining == 10_000
    assert r.limits["requests"].reset == datetime(2026, 11, 23, 12, 0, 2, tzinfo=UTC)
    # usage in the body: 8 + len('[{"role": "user", "content": "Hi"}]') // 4 = 16 input tokens, 1 output,
    # priced at Haiku 4.5 ($1 / $5 per MTok): 16 × 1e-6 + 1 × 5e-6
    assert r.cost_usd == Decimal("0.000021") and r.cost_source == "catalog"
    # 50 / 50,000 / 10,000 was Tier 1 for Haiku 4.5 (until 2026-06-26); on 2026-11-23 no tier matches
    assert r.tier == "custom" and r.tier_mismatches[0] == "RPM: live 50 vs start 1,000 (catalog)"
    assert "below the catalog" in r.tier_reason
    sent = api.requests[-1]
    assert sent.path == "/v1/messages" and sent.body["max_tokens"] == 1
    assert sent.headers["x-api-key"] == KEY and sent.headers["anthropic-version"] == "2023-06-01"
    assert "Anthropic rounds remaining token counts to the nearest thousand" in r.notes
    j = r.to_json()
    assert list(j)[:9] == [
        "model",
        "status",
        "request_id",
        "observed_at",
        "limits",
        "retry_after_s",
        "tier",
        "cost_usd",
        "warnings",
    ]
    assert j["observed_at"] == "2026-11-23T12:00:00Z"
    assert j["limits"]["requests"] == {"limit": 50, "remaining": 49, "reset": "2026-11-23T12:00:02Z"}
    assert j["limits"]["tokens"]["limit"] == 60_000


def test_buckets_refill_with_the_clock(api, catalog, clock):
    for _ in range(3):
        run(api, catalog, clock)
    r, _ = run(api, catalog, clock)
    assert r.limits["requests"].remaining == 46
    clock.advance(60)
    r, _ = run(api, catalog, clock)
    assert r.limits["requests"].remaining == 49


def test_real_rate_limit_from_an_empty_bucket(catalog, clock):
    with FakeAnthropic(rpm=2, clock=clock) as api:
        run(api, catalog, clock)
        run(api, catalog, clock)
        r, sleeps = run(api, catalog, clock)
    assert r.status == "rate_limited" and r.http_status == 429 and sleeps == [] and r.attempts == 1
    assert r.limits["requests"].remaining == 0 and r.retry_after_s == 30.0
    assert "requests exhausted" in r.explanation and "retry after 30 s" in r.explanation


def test_429_with_retry_after_is_the_answer_not_retried(api, catalog, clock):
    api.enqueue(reply.rate_limited(retry_after=12))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "rate_limited" and sleeps == [] and len(api.requests) == 1
    assert r.retry_after_s == 12.0 and r.limits["requests"].remaining == 0
    assert r.cost_usd == Decimal(0) and r.cost_source == "not billed"
    assert r.to_json()["retry_after_s"] == 12.0


def test_429_without_retry_after(api, catalog, clock):
    api.enqueue(reply.rate_limited(retry_after=None))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "rate_limited" and r.retry_after_s is None and sleeps == []
    assert "no retry-after header" in r.explanation


def test_spend_cap_429(api, catalog, clock):
    api.enqueue(reply.spend_cap())
    r, sleeps = run(api, catalog, clock)
    assert r.status == "spend_cap" and r.http_status == 429 and sleeps == [] and r.retry_after_s is None
    assert "monthly spend cap" in r.explanation and "2026-12-01" in r.explanation
    assert r.tier is None


def test_spend_cap_in_december_resumes_in_january():
    assert pc.first_of_next_month(date(2026, 12, 15)) == date(2027, 1, 1)


def test_529_then_success(api, catalog, clock):
    api.enqueue(reply.overloaded(), reply.overloaded(retry_after=3))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "ok" and r.attempts == 3 and len(api.requests) == 3
    assert sleeps == [0.5, 3.0]  # backoff (no jitter with rand=0), then the server's retry-after
    assert r.warnings[:2] == ["HTTP 529, retried after 0.50 s", "HTTP 529, retried after 3.00 s"]


def test_529_gives_up_after_max_retries(api, catalog, clock):
    api.enqueue(*[reply.overloaded() for _ in range(5)])
    r, sleeps = run(api, catalog, clock, max_retries=2)
    assert r.status == "error" and r.http_status == 529 and r.attempts == 3 and sleeps == [0.5, 1.0]
    assert "overloaded" in r.explanation and r.cost_usd is None


def test_x_should_retry_false_stops_retries(api, catalog, clock):
    api.enqueue(reply.server_error(should_retry=False))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "error" and r.http_status == 500 and sleeps == [] and r.attempts == 1


def test_retry_after_ms_wins(api, catalog, clock):
    api.enqueue(reply.server_error(extra_headers={"retry-after-ms": "250"}))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "ok" and sleeps == [0.25]


def test_retry_after_over_a_minute_falls_back_to_backoff():
    assert pc.retry_delay(0, 120.0, lambda: 0.0) == 0.5
    assert pc.retry_delay(10, None, lambda: 0.0) == 8.0
    assert pc.retry_delay(1, None, lambda: 1.0) == 0.75  # jitter only ever shortens, by up to 25 %


@pytest.mark.parametrize(
    "status,words",
    [
        (400, "bad request"),
        (401, "bad API key"),
        (403, "no access to claude-haiku-4-5"),
        (404, "unknown model"),
    ],
)
def test_client_errors_are_explained_and_not_retried(api, catalog, clock, status, words):
    api.enqueue(reply.error(status))
    r, sleeps = run(api, catalog, clock)
    assert r.status == "error" and r.http_status == status and sleeps == [] and len(api.requests) == 1
    assert words in r.explanation


def test_wrong_key_gets_401_from_the_server(api, catalog, clock):
    r, _ = run(api, catalog, clock, api_key="sk-ant-wrong-key-000000000000")
    assert r.http_status == 401 and "ANTHROPIC_API_KEY" in r.explanation
    assert "sk-ant-wrong" not in r.explanation


def test_unknown_model_404_from_the_server(catalog, clock):
    with FakeAnthropic(clock=clock, known_models={"claude-haiku-4-5"}) as api:
        r, _ = run(api, catalog, clock, model="claude-nope-9")
    assert r.http_status == 404 and "unknown model claude-nope-9" in r.explanation
    assert any("not in the catalog" in w for w in r.warnings) and r.group is None


def test_timeout_is_retried_then_reported(api, catalog, clock):
    api.enqueue(reply.slow(5), reply.slow(5))
    r, sleeps = run(api, catalog, clock, timeout=0.2, max_retries=1)
    assert r.status == "error" and r.http_status is None and r.attempts == 2 and sleeps == [0.5]
    assert "timed out after 0.2 s" in r.explanation and r.cost_usd is None


def test_timeout_then_success(api, catalog, clock):
    api.enqueue(reply.slow(5))
    r, _ = run(api, catalog, clock, timeout=0.2)
    assert r.status == "ok" and r.attempts == 2 and r.warnings[0] == "timed out, retried after 0.50 s"


def test_connection_refused(catalog, clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    r = pc.probe(
        "claude-haiku-4-5",
        api_key=KEY,
        base_url=f"http://127.0.0.1:{port}",
        catalog=catalog,
        sleep=sleeps,
        clock=clock.now,
        rand=lambda: 0.0,
    )
    assert r.status == "error" and r.http_status is None and r.attempts == 3 and len(sleeps) == 2
    assert "could not connect" in r.explanation and f"127.0.0.1:{port}" in r.explanation


def test_partial_headers_leave_dimensions_unknown(api, catalog, clock):
    api.enqueue(reply.ok(headers="partial"))
    r, _ = run(api, catalog, clock)
    assert set(r.limits) == {"requests", "output_tokens"}
    assert r.to_json()["limits"]["input_tokens"] == {"limit": None, "remaining": None, "reset": None}
    assert r.tier == "custom" and "compared RPM/OTPM only" in r.tier_reason


def test_no_headers_warns(api, catalog, clock):
    api.enqueue(reply.ok(headers="none"))
    r, _ = run(api, catalog, clock)
    assert r.status == "ok" and r.limits == {} and r.tier is None
    assert any("no anthropic-ratelimit-* headers" in w for w in r.warnings)


def test_count_tokens_endpoint_is_free_and_says_which_headers(api, catalog, clock):
    r, _ = run(api, catalog, clock, endpoint="count_tokens")
    sent = api.requests[-1]
    assert sent.path == "/v1/messages/count_tokens" and "max_tokens" not in sent.body
    assert r.status == "ok" and r.cost_usd == Decimal(0) and r.cost_source == "free (count_tokens)"
    assert set(r.limits) == {"requests"} and r.limits["requests"].limit == 100 and r.tier is None
    assert "count_tokens returned anthropic-ratelimit-requests-limit" in r.notes[-1]
    assert "independent of the Messages limits" in r.notes[-1]


def test_count_tokens_without_headers(catalog, clock):
    with FakeAnthropic(clock=clock, count_tokens_headers=False) as api:
        r, _ = run(api, catalog, clock, endpoint="count_tokens")
    assert r.limits == {} and "count_tokens returned no rate-limit headers" in r.notes[-1]


def test_catalog_tier_is_named(catalog, clock):
    with FakeAnthropic(rpm=5_000, itpm=5_000_000, otpm=1_000_000, clock=clock) as api:
        r, _ = run(api, catalog, clock)
    assert r.tier == "build" and r.tier_mismatches == [] and "Build (build)" in r.tier_reason


def test_tier_from_the_date_of_the_probe(catalog):
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    with FakeAnthropic(rpm=50, itpm=50_000, otpm=10_000, clock=clock) as api:
        r, _ = run(api, catalog, clock)
    assert r.tier == "tier1"  # the Tier 1-4 system in force in May 2026


def test_custom_limits_are_flagged(catalog, clock):
    with FakeAnthropic(rpm=5_000, itpm=8_000_000, otpm=1_000_000, clock=clock) as api:
        r, _ = run(api, catalog, clock)
    assert r.tier == "custom"
    assert r.tier_mismatches == ["ITPM: live 8,000,000 vs build 5,000,000 (catalog)"]
    assert "above the catalog" in r.tier_reason


def test_redirect_is_not_followed_with_the_key(api, catalog, clock):
    with FakeAnthropic(clock=clock) as other:
        api.enqueue(reply.redirect(other.base_url + "/v1/messages"))
        r, _ = run(api, catalog, clock)
        assert other.requests == []
    assert r.status == "error" and r.http_status == 307 and "not followed" in r.explanation


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.5:8080",
        "ftp://127.0.0.1",
        "example.com",
        "https://user:pw@api.anthropic.com",
    ],
)
def test_unsafe_base_urls_are_refused_before_any_request(url):
    with pytest.raises(PlannerError):
        pc.probe(
            "claude-haiku-4-5",
            api_key=KEY,
            base_url=url,
            client=httpx.Client(transport=httpx.MockTransport(lambda req: pytest.fail("no request may be sent"))),
        )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/", "http://localhost:1", "http://[::1]:9", "https://api.anthropic.com"]
)
def test_safe_base_urls(url):
    assert pc.check_base_url(url) == url.rstrip("/")


def test_base_url_from_environment():
    assert pc.resolve_base_url(None, {"ANTHROPIC_BASE_URL": "http://127.0.0.1:7/"}) == "http://127.0.0.1:7"
    assert pc.resolve_base_url(None, {}) == "https://api.anthropic.com"
    assert (
        pc.resolve_base_url("http://localhost:5", {"ANTHROPIC_BASE_URL": "https://x.example"}) == "http://localhost:5"
    )


def test_missing_key():
    with pytest.raises(PlannerError, match="ANTHROPIC_API_KEY"):
        pc.require_key(env={})
    with pytest.raises(PlannerError, match="ANTHROPIC_API_KEY"):
        pc.probe("claude-haiku-4-5", api_key="", base_url="http://127.0.0.1:1")


def test_mask_key_shows_at_most_a_suffix():
    assert pc.mask_key(KEY) == "…WXYZ"
    assert pc.mask_key("short") == "…" and pc.mask_key(None) == "(none)"


def test_error_body_echoing_the_key_is_scrubbed(api, catalog, clock):
    api.enqueue(Reply(400, {"type": "error", "error": {"type": "invalid_request_error", "message": f"bad key {KEY}"}}))
    r, _ = run(api, catalog, clock)
    assert KEY not in r.explanation and "…WXYZ" in r.explanation


def test_aprobe_against_the_fake(api, catalog, clock):
    api.enqueue(reply.overloaded())
    sleeps = []

    async def sleep(s):
        sleeps.append(s)

    async def go():
        return await pc.aprobe(
            "claude-haiku-4-5",
            api_key=KEY,
            base_url=api.base_url,
            catalog=catalog,
            sleep=sleep,
            clock=clock.now,
            rand=lambda: 0.0,
        )

    r = asyncio.run(go())
    assert r.status == "ok" and r.attempts == 2 and sleeps == [0.5]
    assert r.limits["requests"].remaining == 49 and r.tier == "custom"


# --- the one constructor: key rules, proxies, the overall deadline ----------------------------


def test_make_client_strips_the_key_and_reads_the_environment():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={})

    keyed = pc.make_client(
        env={"ANTHROPIC_API_KEY": f" {KEY}\r\n", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/"},
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    assert keyed.base_url == "http://127.0.0.1:9" and keyed.masked_key == "…WXYZ"
    keyed.post("/v1/messages", json={})
    assert seen[0].headers["x-api-key"] == KEY and str(seen[0].url) == "http://127.0.0.1:9/v1/messages"
    with pytest.raises(ValueError):
        keyed.get("https://elsewhere.example/v1/messages")  # paths only: the host is the base URL's


@pytest.mark.parametrize(
    "raw,words",
    [
        (KEY[:14] + "é" + KEY[14:], "non-ASCII character at position 15 of"),
        (KEY[:14] + "\u00a0" + KEY[14:], "non-ASCII character at position 15 of"),
        (KEY[:14] + " " + KEY[14:], "whitespace or a control character at position 15"),
        (KEY + "\x00", "whitespace or a control character at position"),
        ("  \n", "no API key: set ANTHROPIC_API_KEY"),
    ],
)
def test_malformed_keys_are_refused_in_one_line_before_any_request(raw, words):
    never = httpx.Client(transport=httpx.MockTransport(lambda req: pytest.fail("no request may be sent")))
    with pytest.raises(PlannerError) as refused:
        pc.probe("claude-haiku-4-5", api_key=raw, base_url="http://127.0.0.1:9", client=never)
    message = str(refused.value)
    assert words in message and "\n" not in message
    assert "TESTKEY" not in message and "WXYZ" not in message  # not even the suffix of a refused key


def test_plain_http_to_loopback_never_goes_through_a_proxy(api, catalog, clock, monkeypatch):
    with FakeAnthropic(clock=clock) as proxy:
        for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(var, proxy.base_url)
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        r, _ = run(api, catalog, clock)
        assert proxy.requests == []
    assert r.status == "ok" and api.requests[-1].headers["x-api-key"] == KEY


def test_a_trickling_response_is_cut_at_the_overall_deadline(api, catalog, clock):
    """Each byte comes well within the per-read timeout; only a deadline on the whole call stops it."""
    api.enqueue(reply.drip(0.05))
    started = time.monotonic()
    r, _ = run(api, catalog, clock, timeout=0.5, max_retries=0)
    assert r.status == "error" and r.http_status is None and "timed out after 0.5 s" in r.explanation
    assert time.monotonic() - started < 3


def test_the_dashboard_probe_has_the_same_deadline(api, catalog, clock):
    api.enqueue(reply.drip(0.05))

    async def go():
        return await pc.aprobe(
            "claude-haiku-4-5",
            api_key=KEY,
            base_url=api.base_url,
            catalog=catalog,
            clock=clock.now,
            timeout=0.5,
            max_retries=0,
        )

    started = time.monotonic()
    r = asyncio.run(go())
    assert r.status == "error" and "timed out after 0.5 s" in r.explanation
    assert time.monotonic() - started < 3
