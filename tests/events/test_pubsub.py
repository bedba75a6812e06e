"""PubSubEvents and the local Eventarc stand-in (`bookgen.events.worker`) on the real Pub/Sub emulator.

The emulator is started once per session (own process group, time-limited readiness on GET / == "Ok",
stopped at the end). Every test makes its own topics and subscriptions (uuid suffix) and pulls with unary pull
only, so the emulator's zombie streaming-pull bug cannot take messages from one test into another.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bookgen import keys
from bookgen.errors import ConfigError, UpstreamPermanent, UpstreamTransient
from bookgen.events.pubsub import PubSubEvents, ensure_subscription
from bookgen.events.worker import MARKERS, Worker, run_worker
from bookgen.llm.scripted import ScriptedLLM
from bookgen.llm.storyteller import story_responder
from bookgen.services import build_services
from bookgen.settings import Settings
from bookgen.storage import read_json
from tests.e2e.conftest import request_data
from tests.pubsub_emulator import Emulator

PROJECT = "bookgen-test"
ROOT = Path(__file__).resolve().parents[2]
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z")


@dataclass
class Topology:
    requests: str  # topic ids
    dead_letter: str
    notifications: str
    subscription: str  # the worker's, with the dead-letter policy (5 attempts, ack deadline 10 s)
    dead_letter_sub: str
    notifications_sub: str


@pytest.fixture
def topology(pubsub_emulator: Emulator) -> Topology:
    n = uuid.uuid4().hex[:10]
    t = Topology(f"requests-{n}", f"requests-{n}-dlq", f"notifications-{n}", f"worker-{n}",
                 f"requests-{n}-dlq", f"notifications-{n}-sub")
    ensure_subscription(PROJECT, t.subscription, t.requests, t.dead_letter, max_delivery_attempts=5,
                        ack_deadline_s=10, publisher=pubsub_emulator.publisher,
                        subscriber=pubsub_emulator.subscriber)
    pubsub_emulator.publisher.create_topic(name=f"projects/{PROJECT}/topics/{t.notifications}")
    pubsub_emulator.subscriber.create_subscription(name=sub_path(t.notifications_sub),
                                                   topic=f"projects/{PROJECT}/topics/{t.notifications}")
    return t


def sub_path(name: str) -> str:
    return f"projects/{PROJECT}/subscriptions/{name}"


def pull_all(emulator: Emulator, subscription: str, want: int, timeout_s: float = 20.0) -> list[Any]:
    """Unary-pull and ack until `want` messages arrived or `timeout_s` passed."""
    got: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < want and (left := deadline - time.monotonic()) > 0:
        # the emulator holds an empty pull until about a second before its deadline
        response = emulator.subscriber.pull(subscription=sub_path(subscription), max_messages=10,
                                            timeout=max(1.5, min(5.0, left)))
        if response.received_messages:
            emulator.subscriber.acknowledge(subscription=sub_path(subscription),
                                            ack_ids=[m.ack_id for m in response.received_messages])
            got.extend(response.received_messages)
    return got


def is_empty(emulator: Emulator, subscription: str) -> bool:
    response = emulator.subscriber.pull(subscription=sub_path(subscription), max_messages=10, timeout=2)
    for m in response.received_messages:  # put them back for whoever looks next
        emulator.subscriber.modify_ack_deadline(subscription=sub_path(subscription), ack_ids=[m.ack_id],
                                                ack_deadline_seconds=0)
    return not response.received_messages


def make_services(tmp_path: Path, topology: Topology, fail_chapters: bool = False) -> Any:
    """Scripted model, local storage; notifications go to the topology's topic through PubSubEvents."""

    def respond(messages: Any, schema: Any, params: Any) -> Any:
        if fail_chapters and schema is None:
            raise UpstreamPermanent("the provider refused the chapter")
        return story_responder(messages, schema, params)

    settings = Settings(data_dir=tmp_path / "data", workflow_file=ROOT / "workflows" / "book.yaml",
                        llm_provider="scripted")
    services = build_services(settings, llm=ScriptedLLM(responder=respond))
    events = PubSubEvents(PROJECT, topics={"book-notifications": topology.notifications})
    return dataclasses.replace(services, events=events)


def small_request(**overrides: Any) -> dict[str, Any]:
    return request_data(chapters=2, formats=["md", "html"], **overrides)


def executions(services: Any) -> list[dict[str, Any]]:
    directory = services.settings.data_dir / "executions"
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))] if directory.is_dir() else []


def manifests(services: Any) -> list[str]:
    return [k for k in services.storage.list("processed/books/") if k.endswith("/manifest.json")]


def requests_events(topology: Topology) -> PubSubEvents:
    return PubSubEvents(PROJECT, topics={"book-requests": topology.requests})


def test_notifications_arrive_with_the_exact_payload(pubsub_emulator: Emulator, topology: Topology) -> None:
    import datetime as dt

    events = PubSubEvents(PROJECT, topics={"book-notifications": topology.notifications})
    event = {"book_id": "maya-1", "status": "ready", "title": "Ünïcode ✓", "files": ["gs://p/a.epub"],
             "cost_usd": 0.0123, "callback_url": None, "at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)}
    first = events.publish("book-notifications", event)
    second = events.publish("book-notifications", {"status": "failed", "book_id": None})
    got = {m.message.message_id: m.message for m in pull_all(pubsub_emulator, topology.notifications_sub, 2)}
    assert set(got) == {first, second}
    assert got[first].data == ('{"book_id":"maya-1","status":"ready","title":"Ünïcode ✓",'
                               '"files":["gs://p/a.epub"],"cost_usd":0.0123,"callback_url":null,'
                               '"at":"2026-01-02T03:04:05+00:00"}').encode()
    assert set(got[first].attributes) == {"event_id", "book_id"}
    assert got[first].attributes["book_id"] == "maya-1"
    assert UUID4.fullmatch(got[first].attributes["event_id"])
    assert json.loads(got[second].data) == {"status": "failed", "book_id": None}
    assert set(got[second].attributes) == {"event_id"}  # no book id, no attribute
    assert got[first].attributes["event_id"] != got[second].attributes["event_id"]
    assert event["at"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # the caller's event is untouched


def test_publish_errors_are_raised(pubsub_emulator: Emulator, topology: Topology) -> None:
    with pytest.raises(ConfigError, match="no-such-topic"):
        PubSubEvents(PROJECT, timeout_s=10).publish("no-such-topic", {"x": 1})
    events = PubSubEvents(PROJECT, topics={"book-notifications": topology.notifications})
    with pytest.raises(ValueError, match="not JSON serializable"):
        events.publish("book-notifications", {"x": float("nan")})
    with pytest.raises(ValueError, match="invalid topic"):
        events.publish("../etc", {"x": 1})
    assert is_empty(pubsub_emulator, topology.notifications_sub)  # nothing half-published


class FailingPublisher:
    """A PublisherClient stand-in whose publish future fails with `error` (or never resolves)."""

    def __init__(self, error: BaseException | None):
        self.error, self.published = error, []

    def publish(self, topic: str, data: bytes, **attributes: str) -> Any:
        import concurrent.futures

        self.published.append((topic, data, attributes))
        future: concurrent.futures.Future[str] = concurrent.futures.Future()
        if self.error is not None:
            future.set_exception(self.error)
        return future


@pytest.mark.parametrize(("error", "raised"), [
    ("ServiceUnavailable", UpstreamTransient), ("DeadlineExceeded", UpstreamTransient),
    ("RetryError", UpstreamTransient), (None, UpstreamTransient),  # None: the future never resolves
    ("PermissionDenied", ConfigError), ("NotFound", ConfigError), ("InvalidArgument", UpstreamPermanent)])
def test_publish_failures_map_to_the_error_tree(error: str | None, raised: type[Exception]) -> None:
    from google.api_core import exceptions

    if error == "RetryError":
        cause: BaseException | None = exceptions.RetryError("deadline", exceptions.ServiceUnavailable("x"))
    else:
        cause = getattr(exceptions, error)("boom") if error else None
    publisher = FailingPublisher(cause)
    events = PubSubEvents(PROJECT, topics={"book-notifications": "notes"}, publisher=publisher, timeout_s=0.1)
    with pytest.raises(raised) as info:
        events.publish("book-notifications", {"book_id": "b1"})
    assert info.value.__cause__ is not None
    sent = [(topic, attributes["book_id"]) for topic, _, attributes in publisher.published]
    assert sent == [(f"projects/{PROJECT}/topics/notes", "b1")]


def test_a_published_request_becomes_exactly_one_book(pubsub_emulator: Emulator, topology: Topology,
                                                      tmp_path: Path) -> None:
    services = make_services(tmp_path, topology)
    message_id = requests_events(topology).publish("book-requests", {"request": small_request()})
    stats = run_worker(services, PROJECT, topology.subscription, max_messages=1, wait_s=2)
    assert (stats.received, stats.succeeded, len(stats.executions)) == (1, 1, 1), stats
    [execution] = executions(services)
    assert execution["executionId"] == stats.executions[0] and execution["state"] == "SUCCEEDED"
    # the workflow received exactly the CloudEvent that Eventarc builds
    envelope = execution["argument"]
    message = envelope["data"]["message"]
    assert envelope == {
        "data": {"subscription": sub_path(topology.subscription),
                 "message": {"data": message["data"],
                             "attributes": {"event_id": message["attributes"]["event_id"]},
                             "messageId": message_id, "publishTime": message["publishTime"]}},
        "datacontenttype": "application/json", "id": message_id,
        "source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/{topology.requests}",
        "specversion": "1.0", "type": "google.cloud.pubsub.topic.v1.messagePublished",
        "time": message["publishTime"]}
    assert json.loads(base64.b64decode(message["data"], validate=True)) == {"request": small_request()}
    assert RFC3339.fullmatch(message["publishTime"]) and UUID4.fullmatch(message["attributes"]["event_id"])
    # one book, its notification on Pub/Sub, the message acked and marked
    book_id = execution["result"]["book_id"]
    assert manifests(services) == [keys.manifest(book_id)]
    manifest = read_json(services.storage, keys.manifest(book_id))
    assert manifest["status"] == "ready" and manifest["execution_id"] == stats.executions[0]
    [note] = pull_all(pubsub_emulator, topology.notifications_sub, 1)
    assert json.loads(note.message.data) == {
        "book_id": book_id, "status": "ready", "files": [f["uri"] for f in manifest["files"]],
        "cost_usd": manifest["cost_usd"], "callback_url": None, "error": None}
    marker = read_json(services.storage, MARKERS + message_id)
    assert marker["execution_id"] == stats.executions[0] and marker["state"] == "SUCCEEDED"
    assert is_empty(pubsub_emulator, topology.subscription)


def test_the_same_message_handled_twice_runs_once(pubsub_emulator: Emulator, topology: Topology,
                                                  tmp_path: Path) -> None:
    services = make_services(tmp_path, topology)
    requests_events(topology).publish("book-requests", {"request": small_request()})
    response = pubsub_emulator.subscriber.pull(subscription=sub_path(topology.subscription), max_messages=1,
                                               timeout=10)
    [received] = response.received_messages
    worker = Worker(services, PROJECT, topology.subscription)
    worker.describe()
    outcome, execution_id = worker.handle(received)
    calls = len(services.llm.inner.history)
    assert (outcome, worker.handle(received)) == ("succeeded", ("duplicate", None))
    assert len(services.llm.inner.history) == calls  # the second delivery did no work at all
    assert [e["executionId"] for e in executions(services)] == [execution_id]
    assert len(manifests(services)) == 1
    assert len(pull_all(pubsub_emulator, topology.notifications_sub, 2, timeout_s=3)) == 1


class LosesFirstAck(Worker):
    """A worker that dies between the end of the execution and its ack, once."""

    lost = 0

    def _settle(self, ack_id: str, ack: bool) -> None:
        if ack and not self.lost:
            self.lost += 1
            return
        super()._settle(ack_id, ack)


def test_a_real_redelivery_after_a_lost_ack_makes_no_second_execution(
        pubsub_emulator: Emulator, topology: Topology, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    services = make_services(tmp_path, topology)
    message_id = requests_events(topology).publish("book-requests", {"request": small_request()})
    worker = LosesFirstAck(services, PROJECT, topology.subscription, wait_s=2)
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(worker.run(max_messages=2)), daemon=True)
    caplog.set_level("INFO", logger="bookgen.events.worker")
    thread.start()
    thread.join(timeout=45)  # the ack deadline is 10 s: Pub/Sub redelivers about 10 s after the last lease
    assert not thread.is_alive(), "the message was not redelivered"
    [stats] = result
    assert (stats.received, stats.succeeded, stats.duplicates, worker.lost) == (2, 1, 1, 1), stats
    assert len(executions(services)) == 1 and len(manifests(services)) == 1
    assert any(f"message {message_id} was already processed" in r.getMessage() for r in caplog.records)
    assert is_empty(pubsub_emulator, topology.subscription)  # the duplicate was acked


def test_poison_messages_land_in_the_dead_letter_topic(
        pubsub_emulator: Emulator, topology: Topology, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    services = make_services(tmp_path, topology)
    topic = f"projects/{PROJECT}/topics/{topology.requests}"
    poison = [b"not json at all", b'["a", "list"]', b'{"hello": "world"}',
              json.dumps({"request": {"reader": {"name": "x" * 40_000}}}).encode()]  # over the 32 KB argument
    for data in poison:
        pubsub_emulator.publisher.publish(topic, data).result(timeout=10)
    stop = threading.Event()
    result: list[Any] = []
    caplog.set_level("WARNING", logger="bookgen.events.worker")
    thread = threading.Thread(target=lambda: result.append(
        run_worker(services, PROJECT, topology.subscription, stop_event=stop, wait_s=2)), daemon=True)
    thread.start()
    try:
        dead = pull_all(pubsub_emulator, topology.dead_letter_sub, len(poison), timeout_s=30)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert sorted(m.message.data for m in dead) == sorted(poison)  # nothing lost
    assert {m.message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] for m in dead} == {"5"}
    [stats] = result
    assert (stats.poison, stats.succeeded, stats.failed) == (5 * len(poison), 0, 0), stats
    assert executions(services) == []  # no execution
    assert services.storage.list("raw/") == services.storage.list("processed/") == []  # no book, no marker
    assert sum("poison message" in r.getMessage() for r in caplog.records) == 5 * len(poison)
    assert is_empty(pubsub_emulator, topology.subscription)


def test_a_failed_execution_is_acked_and_recorded(pubsub_emulator: Emulator, topology: Topology,
                                                  tmp_path: Path) -> None:
    services = make_services(tmp_path, topology, fail_chapters=True)
    requests_events(topology).publish("book-requests", {"request": small_request()})
    stats = run_worker(services, PROJECT, topology.subscription, max_messages=1, wait_s=2)
    assert (stats.received, stats.failed, stats.succeeded) == (1, 1, 0), stats
    [execution] = executions(services)
    assert execution["state"] == "FAILED"
    [key] = manifests(services)
    assert read_json(services.storage, key)["status"] == "failed"  # the workflow's except path
    [note] = pull_all(pubsub_emulator, topology.notifications_sub, 1)
    assert json.loads(note.message.data)["status"] == "failed"
    assert is_empty(pubsub_emulator, topology.subscription)  # not redelivered, like Eventarc


def test_cli_worker_runs_a_request(pubsub_emulator: Emulator, topology: Topology, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bookgen.cli.worker import worker
    from bookgen.settings import get_settings

    requests_events(topology).publish("book-requests", {"request": small_request()})
    monkeypatch.setenv("BOOKGEN_LLM_PROVIDER", "scripted")
    monkeypatch.setenv("BOOKGEN_WORKFLOW_FILE", str(ROOT / "workflows" / "book.yaml"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(worker, [
            "--project", PROJECT, "--subscription", topology.subscription, "--create",
            "--topic", topology.requests, "--dead-letter-topic", topology.dead_letter,
            "--max-messages", "1", "--data-dir", str(tmp_path / "cli")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert (stats["received"], stats["succeeded"], len(stats["executions"])) == (1, 1, 1)
    assert len(list((tmp_path / "cli" / "processed" / "books").glob("*/manifest.json"))) == 1


def test_cli_worker_reports_a_missing_subscription(pubsub_emulator: Emulator, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bookgen.cli.worker import worker
    from bookgen.settings import get_settings

    monkeypatch.setenv("BOOKGEN_LLM_PROVIDER", "scripted")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(worker, ["--project", PROJECT, "--data-dir", str(tmp_path),
                                             "--subscription", f"missing-{uuid.uuid4().hex}"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "cannot use subscription" in result.output, result.output



def test_a_message_whose_worker_died_mid_book_is_resumed_not_dropped(
        pubsub_emulator: Emulator, topology: Topology, tmp_path: Path) -> None:
    """A marker without an end state (its worker was killed mid-book) does not make the redelivery a duplicate:
    the book is resumed and finished, so the accepted request is not lost."""
    from bookgen.events.worker import MARKERS
    from bookgen.storage import read_json, write_json

    services = make_services(tmp_path, topology)
    requests_events(topology).publish("book-requests", {"request": small_request()})
    response = pubsub_emulator.subscriber.pull(subscription=sub_path(topology.subscription), max_messages=1,
                                               timeout=10)
    [received] = response.received_messages
    marker = MARKERS + received.message.message_id
    write_json(services.storage, marker, {"message_id": received.message.message_id, "execution_id": "killed"})
    worker = Worker(services, PROJECT, topology.subscription)
    worker.describe()
    outcome, execution_id = worker.handle(received)
    assert outcome == "succeeded" and execution_id != "killed"
    assert read_json(services.storage, marker)["state"] == "SUCCEEDED"
    assert len(manifests(services)) == 1
