"""`PubSubEvents`: the events port on Google Cloud Pub/Sub.

An event becomes one Pub/Sub message: `data` is the event as compact UTF-8 JSON (unchanged, byte for byte what
`json.loads` gives back), attributes are `event_id` (a uuid4 made here: the key a consumer deduplicates on,
since a publish retried by the client after a lost response can arrive twice with two message ids) and
`book_id` when the event names a book (so subscriptions can filter without decoding). Pub/Sub's own envelope
(`messageId`, `publishTime`) takes the place of LocalEvents' `ts`/`topic`; `publish` returns the message id.

`publish` is durable when it returns: it waits for the server's acknowledgement (bounded by `timeout_s`).
Retries of transient publish errors belong to the client library, with a total deadline of `timeout_s`
instead of its default ten minutes, so nothing keeps retrying after we have given up. Failures raise:
missing topic or permission → ConfigError, transient → UpstreamTransient (the publish step answers 503 and the
workflow retries it), anything else → UpstreamPermanent.

Topic names are logical (`book-notifications`); `topics` maps them to Pub/Sub topic ids or full
`projects/<p>/topics/<t>` paths when the deployment names them differently. With PUBSUB_EMULATOR_HOST set the
client talks to the emulator. `ensure_subscription` creates the requests topic, subscription and dead-letter
topic that the local worker (`bookgen.events.worker`) pulls from, for development.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from typing import Any

from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from bookgen.events import validate_topic

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
REQUESTS_TOPIC = "book-requests"
DEAD_LETTER_TOPIC = "book-requests-dlq"  # as terraform/pubsub.tf names it
MIN_DELIVERY_ATTEMPTS = 5  # Pub/Sub's minimum for a dead-letter policy


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_event(topic: str, event: dict[str, Any]) -> bytes:
    """The message data of `event`: compact UTF-8 JSON, datetimes as ISO strings; ValueError if not JSON."""
    if not isinstance(event, dict):
        raise TypeError(f"event for {topic!r} must be a dict, not {type(event).__name__}")
    try:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                          default=_json_default)
    except (TypeError, ValueError) as e:
        raise ValueError(f"event for {topic!r} is not JSON serializable: {e}") from e
    return text.encode("utf-8")


def topic_path(project: str, topic: str) -> str:
    """`projects/<project>/topics/<topic>`, or `topic` itself when it already is a full path."""
    if topic.startswith("projects/"):
        return topic
    return f"projects/{project}/topics/{validate_topic(topic)}"


def subscription_path(project: str, subscription: str) -> str:
    """`projects/<project>/subscriptions/<subscription>`, or `subscription` when it already is a full path."""
    if subscription.startswith("projects/"):
        return subscription
    return f"projects/{project}/subscriptions/{subscription}"


def make_publisher(timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """A PublisherClient whose retries of transient errors stop after `timeout_s` in total."""
    from google.api_core import exceptions, retry
    from google.api_core.timeout import ConstantTimeout
    from google.cloud import pubsub_v1

    transient = retry.if_exception_type(
        exceptions.Aborted, exceptions.Cancelled, exceptions.DeadlineExceeded, exceptions.InternalServerError,
        exceptions.ResourceExhausted, exceptions.ServiceUnavailable, exceptions.Unknown)
    options = pubsub_v1.types.PublisherOptions(
        retry=retry.Retry(predicate=transient, initial=0.1, maximum=10.0, multiplier=4, timeout=timeout_s),
        timeout=ConstantTimeout(min(timeout_s, 60.0)))
    return pubsub_v1.PublisherClient(publisher_options=options)


class PubSubEvents:
    """Events published to Pub/Sub topics of `project`."""

    def __init__(self, project: str, topics: dict[str, str] | None = None, publisher: Any = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        if not isinstance(project, str) or not project:
            raise ConfigError("PubSubEvents needs a Google Cloud project (setting BOOKGEN_GCP_PROJECT)")
        self.project = project
        self.topics = dict(topics or {})
        for logical, target in self.topics.items():
            validate_topic(logical)
            if not target.startswith("projects/"):
                validate_topic(target)
        self.timeout_s = timeout_s
        self._publisher = publisher
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PubSubEvents({self.project!r}, topics={self.topics!r})"

    @property
    def publisher(self) -> Any:
        """The PublisherClient, created on first use."""
        if self._publisher is None:
            with self._lock:
                if self._publisher is None:
                    self._publisher = make_publisher(self.timeout_s)
        return self._publisher

    def path(self, topic: str) -> str:
        """The Pub/Sub topic that logical `topic` is published to."""
        return topic_path(self.project, self.topics.get(validate_topic(topic), topic))

    def publish(self, topic: str, event: dict[str, Any]) -> str:
        """Publish `event` on `topic`, wait until Pub/Sub has stored it, and return its message id."""
        path = self.path(topic)
        data = encode_event(topic, event)
        attributes = {"event_id": str(uuid.uuid4())}
        book_id = event.get("book_id")
        if isinstance(book_id, str) and book_id:
            attributes["book_id"] = book_id
        future = self.publisher.publish(path, data, **attributes)
        try:
            return str(future.result(timeout=self.timeout_s * 1.1 + 1))  # the library gives up first
        except Exception as e:
            raise _map_error(e, path) from e


def _map_error(error: Exception, path: str) -> Exception:
    """Our error tree for a failed publish (see the module docstring)."""
    import concurrent.futures

    from google.api_core import exceptions

    if isinstance(error, (concurrent.futures.TimeoutError, TimeoutError)):
        return UpstreamTransient(f"publishing to {path} timed out")
    if isinstance(error, (exceptions.NotFound, exceptions.PermissionDenied, exceptions.Unauthenticated)):
        return ConfigError(f"cannot publish to {path}: {error}")
    if isinstance(error, (exceptions.RetryError, exceptions.ServiceUnavailable, exceptions.DeadlineExceeded,
                          exceptions.InternalServerError, exceptions.ResourceExhausted, exceptions.Aborted,
                          exceptions.Unknown, exceptions.Cancelled)):
        return UpstreamTransient(f"publishing to {path} failed: {error}")
    return UpstreamPermanent(f"publishing to {path} failed: {type(error).__name__}: {error}")


def ensure_subscription(project: str, subscription: str, topic: str = REQUESTS_TOPIC,
                        dead_letter_topic: str = DEAD_LETTER_TOPIC, max_delivery_attempts: int = 5,
                        ack_deadline_s: int = 60, publisher: Any = None, subscriber: Any = None) -> str:
    """Create, when missing, what `bookgen.events.worker` pulls from (for development and the emulator;
    Terraform owns these in the cloud): the requests topic, the dead-letter topic with a subscription of the
    same name that keeps what lands there (a topic alone keeps nothing), and `subscription` with the
    dead-letter policy. Returns the subscription's path."""
    from google.api_core import exceptions
    from google.cloud import pubsub_v1

    if not MIN_DELIVERY_ATTEMPTS <= max_delivery_attempts <= 100:
        raise ValueError(f"max_delivery_attempts must be from {MIN_DELIVERY_ATTEMPTS} to 100")
    publisher = publisher or pubsub_v1.PublisherClient()
    subscriber = subscriber or pubsub_v1.SubscriberClient()
    topic, dead = topic_path(project, topic), topic_path(project, dead_letter_topic)
    path = subscription_path(project, subscription)
    wanted = [
        (publisher.create_topic, {"name": topic}),
        (publisher.create_topic, {"name": dead}),
        (subscriber.create_subscription, {"name": subscription_path(project, dead.rsplit("/", 1)[1]),
                                          "topic": dead}),
        (subscriber.create_subscription, {
            "name": path, "topic": topic, "ack_deadline_seconds": ack_deadline_s,
            "dead_letter_policy": {"dead_letter_topic": dead,
                                   "max_delivery_attempts": max_delivery_attempts}}),
    ]
    for create, request in wanted:
        try:
            create(request=request)
        except exceptions.AlreadyExists:
            log.info("%s exists; left as it is", request["name"])
    return path
