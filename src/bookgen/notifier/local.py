"""The notifier inside `bookgen serve`: follow the local topic file, or pull a Pub/Sub subscription.

`LocalNotifierLoop` follows `<data_dir>/events/book-notifications.jsonl` from its first byte on every start,
so an event whose record is not final (the process stopped before or during its delivery) is delivered again
after a restart: at-least-once, like Pub/Sub. Events already delivered, failed or refused cost one storage
read each (the Notifier answers "duplicate"). Deliveries run on a small thread pool, since one slow receiver
(timeouts, backoff) must not hold up the others. On stop, deliveries under way finish (their attempts are
bounded by the policy) and queued ones are dropped: they are not final, so the next start sends them.

`run_pubsub_notifier` is the same for `bookgen serve` against Pub/Sub (the emulator with
PUBSUB_EMULATOR_HOST): unary pull, one message at a time, as `bookgen.events.worker` does (streaming pull
leases messages ahead and leaves zombie streams on the emulator). The ack deadline is raised to Pub/Sub's
maximum while a message is handled; it is acked after `handle` returned — nacked when handling raised or was
interrupted by the stop, acked with a warning when the message can never be handled.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bookgen.errors import ConfigError, InvalidRequest
from bookgen.notifier.service import Notifier

log = logging.getLogger(__name__)

TOPIC = "book-notifications"
MAX_ACK_DEADLINE_S = 600


class LocalNotifierLoop:
    """Delivers the events of the local `book-notifications` topic until `stop_event` is set."""

    def __init__(self, notifier: Notifier, events: Any, stop_event: threading.Event, poll_s: float = 0.5,
                 threads: int = 4):
        self.notifier, self.events, self.stop = notifier, events, stop_event
        self.poll_s, self.threads = poll_s, threads

    def run(self) -> None:
        offset = 0
        pool = ThreadPoolExecutor(self.threads, thread_name_prefix="notifier")
        try:
            while not self.stop.is_set():
                try:
                    envelopes, offset = self.events.tail(TOPIC, offset)
                except Exception as e:
                    log.warning("reading the %s topic failed: %s", TOPIC, e)
                    envelopes = []
                for envelope in envelopes:
                    data = envelope.get("data")
                    if isinstance(data, dict) and data.get("callback_url"):
                        pool.submit(self._handle, str(envelope.get("event_id")), data)
                if not envelopes:
                    self.stop.wait(self.poll_s)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _handle(self, event_id: str, event: dict[str, Any]) -> None:
        try:
            self.notifier.handle(event_id, event)
        except Exception:  # its record stays non-final: the next start of the loop delivers it again
            log.exception("notification %s could not be handled", event_id, extra={"event_id": event_id})


def run_pubsub_notifier(notifier: Notifier, project: str, subscription: str, stop_event: threading.Event, *,
                        subscriber: Any = None, wait_s: float = 10.0) -> int:
    """Handle the messages of `subscription` until `stop_event` is set; returns how many were acked."""
    from google.api_core import exceptions
    from google.cloud import pubsub_v1

    from bookgen.events.pubsub import subscription_path

    subscriber = subscriber or pubsub_v1.SubscriberClient()
    path, acked, failures = subscription_path(project, subscription), 0, 0
    while not stop_event.is_set():
        try:
            response = subscriber.pull(request={"subscription": path, "max_messages": 1}, timeout=wait_s)
        except exceptions.DeadlineExceeded:
            continue
        except (exceptions.NotFound, exceptions.PermissionDenied) as e:
            raise ConfigError(f"cannot pull {path}: {e}") from e
        except Exception as e:  # the library has retried already; keep serving, with a growing pause
            failures += 1
            log.warning("pulling %s failed (%d in a row): %s", path, failures, e)
            stop_event.wait(min(30.0, 0.5 * 2**failures))
            continue
        failures = 0
        for received in response.received_messages:
            acked += _handle_message(notifier, subscriber, path, received)
    return acked


def _handle_message(notifier: Notifier, subscriber: Any, path: str, received: Any) -> int:
    """Handle one pulled message and settle it; 1 when it was acked, 0 when nacked."""
    message, ack_ids = received.message, [received.ack_id]
    event_id = message.attributes.get("event_id") or message.message_id
    subscriber.modify_ack_deadline(request={"subscription": path, "ack_ids": ack_ids,
                                            "ack_deadline_seconds": MAX_ACK_DEADLINE_S})
    outcome = "unusable"
    try:
        event = json.loads(bytes(message.data).decode("utf-8"))
        outcome = notifier.handle(event_id, event)
    except (InvalidRequest, UnicodeDecodeError, ValueError) as e:
        log.warning("message %s on %s can never be handled (%s); acked", message.message_id, path, e)
    except Exception:
        log.exception("message %s on %s failed; nacked for redelivery", message.message_id, path)
        outcome = "interrupted"
    if outcome == "interrupted":
        subscriber.modify_ack_deadline(request={"subscription": path, "ack_ids": ack_ids,
                                                "ack_deadline_seconds": 0})
        return 0
    subscriber.acknowledge(request={"subscription": path, "ack_ids": ack_ids})
    return 1
