"""The compiled scan's hand-made edge cases: one transcript line per decision it makes (shared by
test_ccscan.py and test_ccscan_sanitized.py)."""

from __future__ import annotations

import json


def line(**over) -> dict:
    d = {
        "parentUuid": "p",
        "isSidechain": False,
        "sessionId": "s-1",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [{"type": "text", "text": 'a "quoted" \\ text\twith é and \u2603'}],
            "usage": {
                "input_tokens": 3,
                "cache_creation_input_tokens": 100,
                "cache_read_input_tokens": 200,
                "output_tokens": 40,
                "service_tier": "standard",
                "cache_creation": {"ephemeral_5m_input_tokens": 60, "ephemeral_1h_input_tokens": 40},
            },
        },
        "requestId": "req_1",
        "type": "assistant",
        "uuid": "u",
        "timestamp": "2026-11-01T10:00:05.123Z",
    }
    for path, value in over.items():
        *parents, last = path.split("__")
        node = d
        for p in parents:
            node = node[p]
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return d


DELETE = object()

# Each case is one line's JSON text; the file holds it between two ordinary requests.
CASES = {
    "ordinary": json.dumps(line()),
    "escaped id": json.dumps(line(message__id="msg_\\u0031")).replace("msg_\\\\u0031", "msg_\\u0031"),
    "escaped key": json.dumps(line()).replace('"type": "assistant"', '"typ\\u0065": "assistant"'),
    "non-ASCII model": json.dumps(line(message__model="claude-sonnet-4-6é"), ensure_ascii=False),
    "no requestId": json.dumps(line(requestId=DELETE)),
    "null requestId": json.dumps(line(requestId=None)),
    "empty requestId": json.dumps(line(requestId="")),
    "no message id": json.dumps(line(message__id=DELETE)),
    "empty message id": json.dumps(line(message__id="")),
    "synthetic": json.dumps(line(message__model="<synthetic>")),
    "api error": json.dumps(line(isApiErrorMessage=True)),
    "api error false": json.dumps(line(isApiErrorMessage=False)),
    "user line reporting usage": json.dumps(line(type="user")),
    "no type": json.dumps(line(type=DELETE)),
    "null message": json.dumps({"type": "assistant", "message": None, "usage": 1}),
    "null usage": json.dumps(line(message__usage=None)),
    "sidechain": json.dumps(line(isSidechain=True, message__id="msg_side")),
    "null sidechain": json.dumps(line(isSidechain=None, message__id="msg_ns")),
    "string sidechain": json.dumps(line(isSidechain="yes")),
    "negative count": json.dumps(line(message__usage__output_tokens=-5)),
    "float count": json.dumps(line(message__usage__output_tokens=5.0)),
    "exponent count": json.dumps(line()).replace('"output_tokens": 40', '"output_tokens": 4e1'),
    "huge count": json.dumps(line(message__usage__output_tokens=10**19)),
    "19-digit count": json.dumps(line(message__usage__output_tokens=9999999999999999999)),
    "18-digit count": json.dumps(line(message__usage__output_tokens=999999999999999999)),
    "absurd count": json.dumps(line(message__usage__output_tokens=10**9 + 1)),
    "count as string": json.dumps(line(message__usage__output_tokens="40")),
    "null input": json.dumps(line(message__usage__input_tokens=None)),
    "no input": json.dumps(line(message__usage__input_tokens=DELETE)),
    "openai usage": json.dumps(
        line(
            message__usage={
                "prompt_tokens": 100,
                "completion_tokens": 5,
                "prompt_tokens_details": {"cached_tokens": 40},
            }
        )
    ),
    "no split": json.dumps(line(message__usage__cache_creation=DELETE)),
    "null split": json.dumps(line(message__usage__cache_creation={"ephemeral_5m_input_tokens": None})),
    "web search": json.dumps(line(message__usage__server_tool_use={"web_search_requests": 3, "web_fetch_requests": 1})),
    "tier speed geo": json.dumps(
        line(message__usage__service_tier="priority", message__usage__speed="fast", message__usage__inference_geo="us")
    ),
    "empty geo and tier": json.dumps(line(message__usage__service_tier="", message__usage__inference_geo="")),
    "no timestamp": json.dumps(line(timestamp=DELETE)),
    "seconds timestamp": json.dumps(line(timestamp="2026-11-01T10:00:05Z")),
    "offset timestamp": json.dumps(line(timestamp="2026-11-01T10:00:05.123+02:00")),
    "leap second": json.dumps(line(timestamp="2026-12-31T23:59:60.500Z")),
    "bad date": json.dumps(line(timestamp="2026-02-30T10:00:05.123Z")),
    "leap day": json.dumps(line(timestamp="2028-02-29T10:00:05.123Z")),
    "no model": json.dumps(line(message__model=DELETE)),
    "no session": json.dumps(line(sessionId=DELETE)),
    "duplicate key": json.dumps(line()).replace('"requestId": "req_1"', '"requestId": "req_1", "requestId": "req_9"'),
    "duplicate unknown key": json.dumps(line()).replace('"uuid": "u"', '"uuid": "u", "uuid": "v"'),
    "whitespace": " " + json.dumps(line(), indent=None, separators=(" , ", " : ")) + " \r",
    "trailing characters": json.dumps(line()) + "x",
    "control character": json.dumps(line()).replace("text\\t", "text\t"),
    "bad escape": json.dumps(line()).replace("\\\\ text", "\\q text"),
    "lone surrogate": json.dumps(line()).replace("\\u2603", "\\ud800"),
    "surrogate pair": json.dumps(line()).replace("\\u2603", "\\ud83d\\ude00"),
    "invalid UTF-8 in content": json.dumps(line()).replace("\\u2603", "\xff"),
    "trailing comma": json.dumps(line()).replace('"uuid": "u"', '"uuid": "u",'),
    "leading zero": json.dumps(line()).replace('"output_tokens": 40', '"output_tokens": 040'),
    "big skipped numbers": json.dumps(line(extra=[1e300, -0.5, 12345678901234567890123, 0])),
    "deep nesting": json.dumps(
        line(
            extra=[
                [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                    []
                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            ]
        )
    ),
    "usage twice": json.dumps(line(extra={"usage": {"input_tokens": 1}})),
    "not an object": '["usage"]',
    "truncated": json.dumps(line())[:-30],
}
