"""The events port: publish a JSON event on a topic, get its id back.

Adapters: `local.py` (append-only JSON lines under `<root>/events/`), later `pubsub.py`. An event is a JSON
object (dict); the adapter adds the envelope (`event_id`, `ts`, `topic`) around it and never changes the event.
Publishing is durable when it returns: callers may rely on the event surviving a crash. Failures raise.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

TOPIC = re.compile(r"[A-Za-z][A-Za-z0-9._-]{2,254}")


class Events(Protocol):
    def publish(self, topic: str, event: dict[str, Any]) -> str:
        """Publish `event` (a JSON-serializable dict) on `topic`; return the event id."""


def validate_topic(topic: str) -> str:
    """A topic name valid for Pub/Sub and safe as a file name: a letter, then 2-254 of `A-Za-z0-9._-`."""
    if not isinstance(topic, str) or not TOPIC.fullmatch(topic):
        raise ValueError(f"invalid topic {topic!r}: a letter, then 2-254 of A-Z a-z 0-9 . _ -")
    return topic
