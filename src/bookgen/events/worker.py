"""The local stand-in for Eventarc: pull book requests from Pub/Sub and run each one through the workflow.

In the cloud, Eventarc turns a message on `book-requests` into a Workflows execution whose argument is a
CloudEvent (platform-reference §B). `run_worker` does the same on one machine: it builds exactly that
envelope, runs `workflows/book.yaml` on the local engine (`bookgen.runner.run_book`) and acks once the
execution has finished, whatever its state — like Eventarc, which does not retry executions that fail; the
workflow's `except` path records the failure (a `failed` manifest and notification).

- **Duplicates.** Pub/Sub delivers at least once. Before running, the worker writes a create-only marker
  `raw/pubsub/processed/<messageId>` (execution id, subscription, delivery attempt); a redelivered message
  finds it, is acked and starts nothing — the dedup of Workflows, kept as long as the marker is. If running
  fails *before* an execution exists (a config error, an interrupt), the marker is removed and the message
  nacked, so the request is not lost. A worker killed with SIGKILL mid-execution leaves a marker without an end
  state; the redelivery then resumes the book (every step is idempotent) instead of dropping it.
- **Poison.** A message that can never become an execution (data not JSON, not a request object, or an
  envelope over the 32 KB execution-argument limit) is logged and nacked. The subscription has a dead-letter
  policy (`bookgen.events.pubsub.ensure_subscription`: 5 attempts, the minimum), so Pub/Sub moves the message
  to the dead-letter topic, whose own subscription keeps it: nothing is lost. A request that is JSON but
  invalid (chapters = 0) is not poison: the outline step rejects it with the field path, and the failed
  execution records that.
- **Unary pull, one message at a time.** Streaming pull leases messages ahead (1,000 under its default flow
  control) while one book takes minutes, so leased messages would expire, be redelivered and use up their
  dead-letter attempts; and on the emulator a cancelled streaming pull leaves a zombie stream that keeps
  taking the subscription's messages (local-stand-ins.md), so a restarted worker would starve. A unary pull
  of one message holds nothing the worker is not working on; while the execution runs, a lease thread keeps
  extending that message's ack deadline. An idle pull returns after about `wait_s`, when `stop_event` is
  checked.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from bookgen.errors import ConfigError
from bookgen.events.pubsub import subscription_path
from bookgen.storage import read_json, write_json

log = logging.getLogger(__name__)

MARKERS = "raw/pubsub/processed/"
MAX_ARGUMENT_BYTES = 32 * 1024  # Workflows' execution-argument limit
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class PoisonMessage(ValueError):
    """The message can never become an execution."""


@dataclass
class WorkerStats:
    received: int = 0
    succeeded: int = 0
    failed: int = 0
    duplicates: int = 0
    poison: int = 0
    errors: int = 0
    executions: list[str] = field(default_factory=list)


def check_request(data: bytes) -> dict[str, Any]:
    """The JSON object a message carries, when the workflow can take it: `{"request": {...}}`, a bare request
    (with `reader`) or `{"book_id": "..."}`; otherwise PoisonMessage."""
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PoisonMessage(f"data is not UTF-8 JSON: {e}") from e
    if not isinstance(payload, dict):
        raise PoisonMessage(f"data is JSON {type(payload).__name__}, not an object")
    if not (isinstance(payload.get("request"), dict) or "reader" in payload
            or isinstance(payload.get("book_id"), str)):
        raise PoisonMessage('data is not a book request: expected {"request": {...}}, a request with '
                            '"reader", or {"book_id": "..."}')
    return payload


def _rfc3339(message: Any) -> str:
    """publishTime as Pub/Sub's JSON has it (RFC 3339, UTC, 0/3/6/9 fractional digits)."""
    raw = type(message).pb(message) if hasattr(type(message), "pb") else message
    return str(raw.publish_time.ToJsonString())


def cloudevent(message: Any, subscription: str, topic: str) -> dict[str, Any]:
    """The workflow argument Eventarc builds for a `messagePublished` event (platform-reference §B)."""
    published = _rfc3339(message)
    body: dict[str, Any] = {"data": base64.b64encode(bytes(message.data)).decode("ascii"),
                            "messageId": message.message_id, "publishTime": published}
    if message.attributes:
        body["attributes"] = dict(message.attributes)
    if message.ordering_key:
        body["orderingKey"] = message.ordering_key
    return {
        "data": {"subscription": subscription, "message": body},
        "datacontenttype": "application/json",
        "id": message.message_id,
        "source": f"//pubsub.googleapis.com/{topic}",
        "specversion": "1.0",
        "type": "google.cloud.pubsub.topic.v1.messagePublished",
        "time": published,
    }


class _Lease:
    """Extends one message's ack deadline every third of it while the `with` block runs."""

    def __init__(self, subscriber: Any, subscription: str, ack_id: str, deadline_s: int):
        self.args = {"subscription": subscription, "ack_ids": [ack_id], "ack_deadline_seconds": deadline_s}
        self.interval = max(1.0, deadline_s / 3)
        self.subscriber, self.done = subscriber, threading.Event()
        self.thread = threading.Thread(target=self._run, name="pubsub-lease", daemon=True)

    def _run(self) -> None:
        while not self.done.wait(self.interval):
            try:
                self.subscriber.modify_ack_deadline(request=self.args)
            except Exception as e:  # the marker still stops a second execution if the lease is lost
                log.warning("could not extend the ack deadline: %s", e)

    def __enter__(self) -> _Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=30)


class Worker:
    """Pulls one subscription and runs each request message as one workflow execution."""

    def __init__(self, services: Any, project: str, subscription: str, subscriber: Any = None,
                 wait_s: float = 10.0):
        if not project:
            raise ConfigError("the worker needs a Google Cloud project (setting BOOKGEN_GCP_PROJECT)")
        self.services, self.project, self.wait_s = services, project, wait_s
        self.subscription = subscription_path(project, subscription)
        self._subscriber = subscriber
        self.topic, self.ack_deadline_s = "", 60

    @property
    def subscriber(self) -> Any:
        if self._subscriber is None:
            from google.cloud import pubsub_v1

            self._subscriber = pubsub_v1.SubscriberClient()
        return self._subscriber

    def describe(self) -> None:
        """Learn the subscription's topic (the events' `source`) and ack deadline (the lease period)."""
        from google.api_core import exceptions

        try:
            sub = self.subscriber.get_subscription(request={"subscription": self.subscription})
        except (exceptions.NotFound, exceptions.PermissionDenied) as e:
            raise ConfigError(f"cannot use subscription {self.subscription}: {e}") from e
        self.topic, self.ack_deadline_s = sub.topic, sub.ack_deadline_seconds or 10
        if not sub.dead_letter_policy.dead_letter_topic:
            log.warning("subscription %s has no dead-letter policy: poison messages are redelivered forever",
                        self.subscription)

    def pull(self) -> list[Any]:
        """At most one message; [] when none arrived within `wait_s`."""
        from google.api_core import exceptions

        try:
            response = self.subscriber.pull(request={"subscription": self.subscription, "max_messages": 1},
                                            timeout=self.wait_s)
        except exceptions.DeadlineExceeded:
            return []
        except (exceptions.NotFound, exceptions.PermissionDenied) as e:
            raise ConfigError(f"cannot pull {self.subscription}: {e}") from e
        return list(response.received_messages)

    def handle(self, received: Any) -> tuple[str, str | None]:
        """Process one received message; returns (outcome, execution id). Outcomes: succeeded, failed,
        duplicate, poison, error (the message was nacked and will come back)."""
        message, attempt = received.message, received.delivery_attempt
        try:
            check_request(bytes(message.data))
            if not _MESSAGE_ID.fullmatch(message.message_id):
                raise PoisonMessage(f"unexpected message id {message.message_id!r}")
            envelope = cloudevent(message, self.subscription, self.topic)
            if len(json.dumps(envelope).encode()) > MAX_ARGUMENT_BYTES:
                raise PoisonMessage(f"the execution argument would exceed {MAX_ARGUMENT_BYTES} bytes")
        except PoisonMessage as e:
            log.warning("poison message %s on %s (delivery attempt %s): %s; nacked for the dead-letter topic",
                        message.message_id, self.subscription, attempt, e,
                        extra={"message_id": message.message_id, "delivery_attempt": attempt})
            self._settle(received.ack_id, ack=False)
            return "poison", None
        return self._execute(received, envelope)

    def _execute(self, received: Any, envelope: dict[str, Any]) -> tuple[str, str | None]:
        from bookgen.runner import run_book

        storage, message_id = self.services.storage, received.message.message_id
        marker, execution_id = MARKERS + message_id, str(uuid.uuid4())
        record = {"message_id": message_id, "subscription": self.subscription, "execution_id": execution_id,
                  "delivery_attempt": received.delivery_attempt, "started_at": _now()}
        written = False
        try:
            written = write_json(storage, marker, record, if_absent=True)
            if not written and "state" not in read_json(storage, marker):
                # Started but never finished: the worker that took it died (a lease is extended while a book
                # runs, so a live worker's message is not redelivered). Steps are idempotent: resume the book.
                log.warning("message %s: a previous execution never finished; resuming the book", message_id,
                            extra={"message_id": message_id})
                write_json(storage, marker, record)
                written = True
            if not written:
                log.info("message %s was already processed (%s): acked, no second execution", message_id,
                         storage.uri(marker), extra={"message_id": message_id,
                                                     "delivery_attempt": received.delivery_attempt})
                self._settle(received.ack_id, ack=True)
                return "duplicate", None
            with _Lease(self.subscriber, self.subscription, received.ack_id, self.ack_deadline_s):
                execution = run_book(self.services, envelope, execution_id=execution_id)
        except BaseException as e:
            if written:
                self._forget(marker)
            self._settle(received.ack_id, ack=False)
            if isinstance(e, ConfigError) or not isinstance(e, Exception):
                raise
            log.exception("message %s: could not start an execution; nacked", message_id)
            return "error", None
        try:
            write_json(storage, marker, {**record, "state": execution.state, "finished_at": _now()})
        except Exception as e:  # the create-only marker is what deduplicates; this is only the record
            log.warning("could not record the end of execution %s in %s: %s", execution_id, marker, e)
        level = logging.INFO if execution.state == "SUCCEEDED" else logging.WARNING
        log.log(level, "message %s: execution %s %s", message_id, execution_id, execution.state,
                extra={"message_id": message_id, "execution_id": execution_id, "state": execution.state})
        self._settle(received.ack_id, ack=True)
        return ("succeeded" if execution.state == "SUCCEEDED" else "failed"), execution_id

    def _forget(self, marker: str) -> None:
        """No execution ran: remove the marker so that the redelivery starts one."""
        try:
            self.services.storage.delete(marker)
        except Exception as e:
            log.error("could not remove %s; its redelivery will be taken for a duplicate: %s", marker, e)

    def _settle(self, ack_id: str, ack: bool) -> None:
        """Ack, or nack (ack deadline 0: redeliver now). A lost ack only causes a redelivery, which the marker
        turns into a no-op; a lost nack only delays the redelivery until the deadline passes."""
        try:
            if ack:
                self.subscriber.acknowledge(request={"subscription": self.subscription, "ack_ids": [ack_id]})
            else:
                self.subscriber.modify_ack_deadline(request={"subscription": self.subscription,
                                                             "ack_ids": [ack_id], "ack_deadline_seconds": 0})
        except Exception as e:
            log.warning("could not %s a message on %s: %s", "ack" if ack else "nack", self.subscription, e)

    def run(self, max_messages: int | None = None, stop_event: threading.Event | None = None) -> WorkerStats:
        """Handle messages until `stop_event` is set or `max_messages` have been received."""
        stop, stats, failures = stop_event or threading.Event(), WorkerStats(), 0
        self.describe()
        while not stop.is_set() and (max_messages is None or stats.received < max_messages):
            try:
                batch = self.pull()
            except ConfigError:
                raise
            except Exception as e:  # the library has already retried; keep serving, with a growing pause
                failures += 1
                log.warning("pulling %s failed (%d in a row): %s", self.subscription, failures, e)
                stop.wait(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            for received in batch:
                stats.received += 1
                outcome, execution_id = self.handle(received)
                setattr(stats, _COUNTERS[outcome], getattr(stats, _COUNTERS[outcome]) + 1)
                if execution_id:
                    stats.executions.append(execution_id)
        return stats


_COUNTERS = {"succeeded": "succeeded", "failed": "failed", "duplicate": "duplicates", "poison": "poison",
             "error": "errors"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def run_worker(services: Any, project: str, subscription: str, max_messages: int | None = None,
               stop_event: threading.Event | None = None, *, subscriber: Any = None,
               wait_s: float = 10.0) -> WorkerStats:
    """Run book requests pulled from `subscription` until stopped; see the module docstring."""
    return Worker(services, project, subscription, subscriber=subscriber, wait_s=wait_s).run(
        max_messages=max_messages, stop_event=stop_event)
