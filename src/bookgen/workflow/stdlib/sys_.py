"""The `sys` module (https://cloud.google.com/workflows/docs/reference/stdlib/sys/get_env, .../now, .../log,
.../sleep, .../sleep_until).

All of them read or act on the execution (`Runtime`, passed first). `sys.log`, `sys.sleep` and
`sys.sleep_until` are blocking: call steps only.
"""

from __future__ import annotations

import math
from typing import Any

from bookgen.workflow.runtime import Runtime
from bookgen.workflow.stdlib import function
from bookgen.workflow.stdlib.core import check, check_number, fail, kind
from bookgen.workflow.stdlib.json_ import encode_text
from bookgen.workflow.stdlib.time_ import parse_timestamp
from bookgen.workflow.values import copy_value

SEVERITIES = ("DEFAULT", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL", "ALERT", "EMERGENCY")
MAX_SLEEP = 365 * 24 * 3600  # one year: the latest sys.sleep_until allows
_LOGGABLE = ("integer", "double", "boolean", "string", "list", "map")


@function("sys.get_env", ("name", "default"), required=1, runtime=True)
def get_env(runtime: Runtime, name: Any, default: Any = None) -> str | None:
    """The value of the environment variable `name`, or `default` (null when not given) if it is unset."""
    check("sys.get_env", "name", name, "string")
    check("sys.get_env", "default", default, "string", "null")
    value = runtime.env.get(name)
    return default if value is None else value


@function("sys.now", runtime=True)
def now(runtime: Runtime) -> float:
    """The current Unix time in seconds, as a double (not guaranteed monotonic)."""
    return float(runtime.now())


def _text_payload(value: Any) -> str:
    return value if isinstance(value, str) else encode_text("sys.log", value)


@function("sys.log", ("data", "severity", "text", "json", "timeout"), required=0, blocking=True, runtime=True)
def log(runtime: Runtime, data: Any = None, severity: Any = None, text: Any = None, json: Any = None,
        timeout: Any = None) -> None:
    """Write exactly one of `data` (a map becomes a JSON payload, anything else a text payload), `text`
    (always a text payload) or `json` (a map, JSON payload) at `severity` (default DEFAULT)."""
    given = [name for name, value in (("data", data), ("text", text), ("json", json)) if value is not None]
    if len(given) != 1:
        fail("TypeError", "sys.log", "exactly one of 'data', 'text' or 'json' must be given"
             + (f", got {', '.join(given)}" if given else ""))
    if severity is None:
        severity = "DEFAULT"
    check("sys.log", "severity", severity, "string")
    if severity not in SEVERITIES:
        fail("ValueError", "sys.log", f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    if timeout is not None:
        check_number("sys.log", "timeout", timeout)
        if timeout <= 0 or math.isnan(timeout):
            fail("ValueError", "sys.log", f"timeout must be positive, got {timeout!r}")
    if json is not None:
        check("sys.log", "json", json, "map")
        payload: Any = copy_value(json)
    elif data is not None:
        check("sys.log", "data", data, *_LOGGABLE)
        payload = copy_value(data) if kind(data) == "map" else _text_payload(data)
    else:
        check("sys.log", "text", text, *_LOGGABLE)
        payload = _text_payload(text)
    runtime.log(severity, payload)


@function("sys.sleep", ("seconds",), blocking=True, runtime=True)
def sleep(runtime: Runtime, seconds: Any) -> None:
    """Suspend the execution for `seconds` (integer or double, 0 to one year)."""
    check_number("sys.sleep", "seconds", seconds)
    if math.isnan(seconds) or seconds < 0:
        fail("ValueError", "sys.sleep", f"seconds must not be negative, got {seconds!r}")
    if seconds > MAX_SLEEP:
        fail("ValueError", "sys.sleep", f"seconds must be at most {MAX_SLEEP} (one year), got {seconds!r}")
    runtime.sleep(float(seconds))


@function("sys.sleep_until", ("time",), blocking=True, runtime=True)
def sleep_until(runtime: Runtime, time: Any) -> None:
    """Suspend the execution until the ISO 8601 timestamp `time` (returns at once if it has passed; at most
    one year ahead)."""
    check("sys.sleep_until", "time", time, "string")
    target = parse_timestamp("sys.sleep_until", time)
    delay = target - float(runtime.now())
    if delay > MAX_SLEEP:
        fail("ValueError", "sys.sleep_until", f"{time!r} is more than one year from now")
    if delay > 0:
        runtime.sleep(delay)
