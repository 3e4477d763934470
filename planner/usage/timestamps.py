"""Timestamps as logs write them (ISO 8601, epoch seconds or milliseconds) to epoch ms, UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_HOURS: dict[str, int] = {}
_MINUTES: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM:" -> epoch ms (iso_ms)


def iso_ms(s: str) -> int:
    """ISO 8601 to epoch ms. The common `YYYY-MM-DDTHH:MM:SS.fffZ` form is parsed by hand with
    its minute cached (a million lines share some tens of thousands of minutes); anything else,
    and the first of each minute, via `_iso_ms`."""
    if len(s) == 24 and s[23] == "Z" and s[19] == ".":
        base = _MINUTES.get(s[:17])  # "YYYY-MM-DDTHH:MM:", checked when it was cached
        if base is not None:
            ss, frac = s[17:19], s[20:23]
            if ss.isdigit() and frac.isdigit() and ss < "61":
                return base + int(ss) * 1000 + int(frac)
    return _iso_ms(s)


def _iso_ms(s: str) -> int:
    n = len(s)
    if n >= 20 and s[-1] == "Z" and s[10] == "T" and s[13] == ":" and s[16] == ":":
        base = _HOURS.get(s[:13])
        if base is None:
            try:
                base = (datetime.fromisoformat(s[:13] + ":00:00+00:00") - _EPOCH) // _MS
            except ValueError as exc:
                raise ValueError(f"bad timestamp {s!r} ({exc})") from None
            _HOURS[s[:13]] = base
        mm, ss = s[14:16], s[17:19]
        if not (mm.isdigit() and ss.isdigit()) or int(mm) > 59 or int(ss) > 60:
            raise ValueError(f"bad timestamp {s!r}")
        if len(_MINUTES) < 1 << 20:
            _MINUTES[s[:17]] = base + int(mm) * 60000
        ms = 0
        if n > 20:
            frac = s[19:-1]
            if frac[0] not in ".," or not frac[1:].isdigit():
                raise ValueError(f"bad timestamp {s!r}")
            ms = int((frac[1:] + "00")[:3])
        return base + int(mm) * 60000 + int(ss) * 1000 + ms
    try:
        dt = datetime.fromisoformat(s.strip().replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        raise ValueError(f"bad timestamp {s!r}") from None
    if dt.tzinfo is None:  # naive: logs and exports here are UTC by convention
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _MS


def to_ms(value: object) -> int:
    """A timestamp as logged: ISO string, epoch seconds or epoch milliseconds (told apart by size)."""
    if isinstance(value, bool):
        raise ValueError(f"bad timestamp {value!r}")
    if isinstance(value, (int, float)):
        # Before 1973 in ms or after 5138 in seconds are both nonsense; 1e11 splits them.
        return int(value) if abs(value) >= 1e11 else int(value * 1000)
    if isinstance(value, str):
        v = value.strip()
        if v.replace(".", "", 1).isdigit():
            return to_ms(float(v))
        return iso_ms(v)
    raise ValueError(f"bad timestamp {value!r}")
