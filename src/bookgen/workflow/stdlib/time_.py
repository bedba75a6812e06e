"""The `time` module (https://cloud.google.com/workflows/docs/reference/stdlib/time/format, .../parse).

Timestamps are seconds since the Unix epoch (integer or double). Text is RFC 3339 / ISO 8601 with microseconds,
e.g. `2024-07-12T12:50:33.000000Z`; a zero UTC offset is written `Z`, any other as `+02:00`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, check_number, fail

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_timestamp(fn: str, value: str) -> float:
    """Seconds since the epoch of an RFC 3339 (section 5.6) date-time; ValueError if it is not one.
    Fractions finer than a microsecond are rounded to the nearest microsecond."""
    m = _RFC3339.fullmatch(value)
    if m is None:
        fail("ValueError", fn, f"{value!r} is not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    fraction = m.group(7) or "0"
    micros = round(int(fraction) * 1_000_000 / 10 ** len(fraction))
    if m.group(8):
        offset = timedelta(0)
    else:
        hours, minutes = int(m.group(10)), int(m.group(11))
        if hours > 23 or minutes > 59:
            fail("ValueError", fn, f"{value!r} has an invalid UTC offset")
        offset = timedelta(hours=hours, minutes=minutes) * (1 if m.group(9) == "+" else -1)
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError as exc:
        fail("ValueError", fn, f"{value!r} is not a valid date-time: {exc}")
    delta = moment - EPOCH
    total_micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds + micros
    return total_micros / 1_000_000


def _offset_text(offset: timedelta) -> str:
    if not offset:
        return "Z"
    sign = "+" if offset >= timedelta(0) else "-"
    seconds = abs(int(offset.total_seconds()))
    text = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return text + (f":{seconds % 60:02d}" if seconds % 60 else "")


@function("time.format", ("seconds", "timezone"), required=1)
def format_(seconds: Any, tz: Any = None) -> str:
    """The timestamp `seconds` as ISO 8601 text with microseconds, in the tz-database zone `timezone`
    (default UTC): `time.format(1720788633)` is "2024-07-12T12:50:33.000000Z"."""
    check_number("time.format", "seconds", seconds)
    zone: Any = UTC
    if tz is not None:
        check("time.format", "timezone", tz, "string")
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            fail("ValueError", "time.format", f"unknown time zone {tz!r}")
    try:
        micros = seconds * 1_000_000 if isinstance(seconds, int) else round(seconds * 1_000_000)
        moment = (EPOCH + timedelta(microseconds=micros)).astimezone(zone)
    except (OverflowError, ValueError):
        fail("ValueError", "time.format", f"timestamp {seconds!r} is out of range")
    offset = moment.utcoffset() or timedelta(0)
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond:06d}{_offset_text(offset)}")


@function("time.parse", ("value",))
def parse(value: Any) -> float:
    """Seconds since the epoch (a double) of an RFC 3339 timestamp string."""
    check("time.parse", "value", value, "string")
    return parse_timestamp("time.parse", value)
