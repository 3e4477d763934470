"""Rate-limit header parsing on real-shaped header sets: full, partial, none, malformed, OpenAI."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from planner.probe.headers import DimensionLimit, parse_duration, parse_headers

NOW = datetime(2025, 2, 24, 22, 25, 0, tzinfo=UTC)

FULL = {
    "anthropic-ratelimit-requests-limit": "4000",
    "anthropic-ratelimit-requests-remaining": "3999",
    "anthropic-ratelimit-requests-reset": "2025-02-24T22:25:01Z",
    "anthropic-ratelimit-input-tokens-limit": "2000000",
    "anthropic-ratelimit-input-tokens-remaining": "1998000",
    "anthropic-ratelimit-input-tokens-reset": "2025-02-24T22:25:00Z",
    "anthropic-ratelimit-output-tokens-limit": "400000",
    "anthropic-ratelimit-output-tokens-remaining": "400000",
    "anthropic-ratelimit-output-tokens-reset": "2025-02-24T22:25:00Z",
    "anthropic-ratelimit-tokens-limit": "2400000",
    "anthropic-ratelimit-tokens-remaining": "2398000",
    "anthropic-ratelimit-tokens-reset": "2025-02-24T22:25:00Z",
    "request-id": "req_018EeWyXxfu5pfWkrYcMdjWG",
    "anthropic-organization-id": "2a0f6c3e-0000-4000-8000-000000000001",
}

# Captured from a claude-3-7-sonnet-20250219 200 response in Feb 2025 (reference §3.1, S21):
# only requests-* and output-tokens-*, no input-tokens-* and no tokens-*.
PARTIAL_2025 = {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2025-02-24T22:25:30Z",
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "8000",
    "anthropic-ratelimit-output-tokens-reset": "2025-02-24T22:25:01Z",
    "request-id": "req_01abc",
    "content-type": "application/json",
}


def test_full_anthropic_set():
    snap = parse_headers(FULL, now=NOW)
    assert snap.family == "anthropic" and snap.warnings == []
    assert set(snap.limits) == {"requests", "input_tokens", "output_tokens", "tokens"}
    req = snap.limits["requests"]
    assert (req.limit, req.remaining) == (4000, 3999)
    assert req.reset == datetime(2025, 2, 24, 22, 25, 1, tzinfo=UTC)
    assert req.rounded is False and snap.limits["input_tokens"].rounded is True
    assert snap.limits["input_tokens"].remaining == 1_998_000
    assert snap.limits["tokens"].limit == 2_400_000
    assert snap.request_id == "req_018EeWyXxfu5pfWkrYcMdjWG"
    assert snap.organization_id.startswith("2a0f6c3e")
    assert snap.retry_after_s is None and snap.should_retry is None
    assert req.used_fraction() == pytest.approx(1 / 4000)
    assert req.seconds_to_reset(NOW) == 1.0
    assert req.to_json() == {"limit": 4000, "remaining": 3999, "reset": "2025-02-24T22:25:01Z"}


def test_header_names_are_case_insensitive_and_httpx_headers_work():
    upper = {k.upper(): v for k, v in FULL.items()}
    assert parse_headers(upper, now=NOW).limits["requests"].limit == 4000
    assert parse_headers(httpx.Headers(FULL), now=NOW).limits["output_tokens"].limit == 400_000


def test_partial_2025_capture():
    snap = parse_headers(PARTIAL_2025, now=NOW)
    assert snap.family == "anthropic" and snap.warnings == []
    assert set(snap.limits) == {"requests", "output_tokens"}
    assert snap.limits["requests"] == DimensionLimit(50, 49, datetime(2025, 2, 24, 22, 25, 30, tzinfo=UTC))
    assert "input_tokens" not in snap.limits  # unknown, not zero
    assert snap.headers_seen == sorted(k for k in PARTIAL_2025 if k.startswith("anthropic-ratelimit-"))


def test_no_limit_headers():
    snap = parse_headers({"content-type": "application/json", "request-id": "req_1"}, now=NOW)
    assert snap.family is None and snap.limits == {} and snap.warnings == []
    assert snap.request_id == "req_1"


def test_one_header_of_a_dimension_still_counts():
    snap = parse_headers({"anthropic-ratelimit-input-tokens-remaining": "0"}, now=NOW)
    assert snap.limits["input_tokens"] == DimensionLimit(None, 0, None, rounded=True)


def test_malformed_values_warn_and_stay_unknown():
    bad = dict(FULL)
    bad["anthropic-ratelimit-requests-limit"] = "lots"
    bad["anthropic-ratelimit-requests-reset"] = "tomorrow"
    bad["anthropic-ratelimit-input-tokens-remaining"] = "-5"
    bad["retry-after"] = "soon"
    bad["x-should-retry"] = "maybe"
    snap = parse_headers(bad, now=NOW)
    assert snap.limits["requests"].limit is None and snap.limits["requests"].reset is None
    assert snap.limits["requests"].remaining == 3999
    assert snap.limits["input_tokens"].remaining is None
    assert snap.retry_after_s is None and snap.should_retry is None
    text = "\n".join(snap.warnings)
    for name in (
        "anthropic-ratelimit-requests-limit",
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-input-tokens-remaining",
        "retry-after",
        "x-should-retry",
    ):
        assert name in text
    assert len(snap.warnings) == 5


def test_reset_without_zone_is_utc_with_a_warning():
    snap = parse_headers({"anthropic-ratelimit-requests-reset": "2025-02-24T22:25:30"}, now=NOW)
    assert snap.limits["requests"].reset == datetime(2025, 2, 24, 22, 25, 30, tzinfo=UTC)
    assert "no time zone" in snap.warnings[0]


def test_offset_reset_normalised_to_utc():
    snap = parse_headers({"anthropic-ratelimit-requests-reset": "2025-02-24T23:25:30+01:00"}, now=NOW)
    assert snap.limits["requests"].reset == datetime(2025, 2, 24, 22, 25, 30, tzinfo=UTC)


def test_retry_after_forms():
    assert parse_headers({"retry-after": "12"}, now=NOW).retry_after_s == 12.0
    assert parse_headers({"retry-after": "1.5"}, now=NOW).retry_after_s == 1.5
    assert parse_headers({"retry-after-ms": "250", "retry-after": "9"}, now=NOW).retry_after_s == 0.25
    date = "Mon, 24 Feb 2025 22:25:30 GMT"
    assert parse_headers({"retry-after": date}, now=NOW).retry_after_s == 30.0
    snap = parse_headers({"x-should-retry": "true"}, now=NOW)
    assert snap.should_retry is True


def test_priority_and_fast_families():
    snap = parse_headers(
        {
            "anthropic-priority-input-tokens-limit": "100000",
            "anthropic-priority-input-tokens-remaining": "99000",
            "anthropic-priority-input-tokens-reset": "2025-02-24T22:25:00Z",
            "anthropic-fast-output-tokens-limit": "50000",
        },
        now=NOW,
    )
    assert snap.family == "anthropic" and snap.limits == {}
    assert snap.priority["input_tokens"].remaining == 99_000
    assert snap.fast["output_tokens"].limit == 50_000


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("12ms", 0.012),
        ("21s", 21.0),
        ("2m59.56s", 179.56),
        ("6m0s", 360.0),
        ("1h2m3.5s", 3723.5),
        ("1s", 1.0),
        ("7", 7.0),
        ("0.5", 0.5),
        ("1h", 3600.0),
        ("150us", 0.00015),
    ],
)
def test_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1x", "m5", "5 m", "-3", "1h-2m", "s"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_openai_family():
    snap = parse_headers(
        {
            "x-ratelimit-limit-requests": "60",
            "x-ratelimit-limit-tokens": "150000",
            "x-ratelimit-remaining-requests": "59",
            "x-ratelimit-remaining-tokens": "149984",
            "x-ratelimit-reset-requests": "1s",
            "x-ratelimit-reset-tokens": "6m0s",
            "x-request-id": "req_oa",
        },
        now=NOW,
    )
    assert snap.family == "openai" and snap.warnings == []
    assert snap.limits["requests"] == DimensionLimit(60, 59, NOW + timedelta(seconds=1))
    assert snap.limits["tokens"].reset == NOW + timedelta(minutes=6)
    assert snap.limits["tokens"].remaining == 149_984 and snap.limits["tokens"].rounded is False
    assert snap.request_id == "req_oa"


def test_openai_bad_duration_warns():
    snap = parse_headers({"x-ratelimit-limit-tokens": "100", "x-ratelimit-reset-tokens": "soon"}, now=NOW)
    assert snap.limits["tokens"].limit == 100 and snap.limits["tokens"].reset is None
    assert snap.warnings == ["x-ratelimit-reset-tokens: not a duration such as 6m0s: 'soon'"]
