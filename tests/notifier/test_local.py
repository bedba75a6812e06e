"""The in-process consumers of `bookgen serve`: following the local topic file, and pulling Pub/Sub."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from pytest_httpserver import HTTPServer

from bookgen import keys
from bookgen.notifier.local import TOPIC, LocalNotifierLoop, run_pubsub_notifier
from bookgen.notifier.service import Notifier
from bookgen.notifier.signing import EVENT_ID_HEADER
from bookgen.services import Services
from bookgen.storage import read_json, write_json
from tests.notifier.conftest import local_policy


def notifier(services: Services) -> Notifier:
    return Notifier(services, lambda book_id: "s3cret", policy=local_policy(max_attempts=1))


def publish(services: Services, receiver: HTTPServer | None, book_id: str = "maya-1") -> str:
    url = receiver.url_for("/hook") if receiver else None
    return services.events.publish(TOPIC, {"book_id": book_id, "status": "ready", "files": [], "cost_usd": 0.0,
                                           "callback_url": url, "error": None})


@contextmanager
def running(services: Services) -> Iterator[None]:
    stop = threading.Event()
    loop = LocalNotifierLoop(notifier(services), services.events, stop, poll_s=0.02)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def delivered_ids(receiver: HTTPServer) -> list[str]:
    return sorted(request.headers[EVENT_ID_HEADER] for request, _ in receiver.log)


def test_the_loop_delivers_events_as_they_are_published(make_services: Callable[..., Services],
                                                        receiver: HTTPServer) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    services = make_services()
    first = publish(services, receiver)
    publish(services, None)  # no callback: nothing to do
    with running(services):
        wait_for(lambda: len(receiver.log) == 1)
        second = publish(services, receiver, "maya-2")
        wait_for(lambda: len(receiver.log) == 2)
    assert delivered_ids(receiver) == sorted([first, second])
    assert read_json(services.storage, keys.notification("maya-2", second))["status"] == "delivered"


def test_a_restart_delivers_what_is_not_final_and_only_that(make_services: Callable[..., Services],
                                                            receiver: HTTPServer) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    services = make_services()
    first = publish(services, receiver)
    with running(services):
        wait_for(lambda: services.storage.exists(keys.notification("maya-1", first)))
    assert delivered_ids(receiver) == [first]
    # stopped: one more event arrives, and one was cut off mid-delivery (its record is not final)
    second = publish(services, receiver, "maya-2")
    third = publish(services, receiver, "maya-3")
    write_json(services.storage, keys.notification("maya-3", third), {"status": "delivering"})
    with running(services):
        wait_for(lambda: len(receiver.log) == 3)
        time.sleep(0.2)  # a few more polls: the first event must not come again
    assert delivered_ids(receiver) == sorted([first, second, third])


class FakeSubscriber:
    """Pull answers from a script; records acks and deadline changes; stops the loop when the script ends."""

    def __init__(self, batches: list[list[Any]], stop: threading.Event):
        self.batches, self.stop, self.calls = batches, stop, []

    def pull(self, request: dict[str, Any], timeout: float) -> Any:
        self.calls.append(("pull", request["subscription"], request["max_messages"]))
        if not self.batches:
            self.stop.set()
            return SimpleNamespace(received_messages=[])
        return SimpleNamespace(received_messages=self.batches.pop(0))

    def acknowledge(self, request: dict[str, Any]) -> None:
        self.calls.append(("ack", *request["ack_ids"]))

    def modify_ack_deadline(self, request: dict[str, Any]) -> None:
        self.calls.append(("deadline", *request["ack_ids"], request["ack_deadline_seconds"]))


def message(ack_id: str, data: bytes, event_id: str | None = None) -> Any:
    attributes = {"event_id": event_id} if event_id else {}
    return SimpleNamespace(ack_id=ack_id, message=SimpleNamespace(data=data, attributes=attributes,
                                                                  message_id=f"m-{ack_id}"))


def test_pubsub_messages_are_handled_then_acked(make_services: Callable[..., Services],
                                                receiver: HTTPServer) -> None:
    receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    services = make_services()
    data = json.dumps({"book_id": "maya-1", "status": "ready", "files": [], "cost_usd": 0,
                       "callback_url": receiver.url_for("/hook")}).encode()
    stop = threading.Event()
    subscriber = FakeSubscriber([[message("a1", data, "ev-1")], [message("a2", b"not json")],
                                 [message("a3", data)]], stop)
    acked = run_pubsub_notifier(notifier(services), "p", "notifier-sub", stop, subscriber=subscriber)
    assert acked == 3
    assert delivered_ids(receiver) == ["ev-1", "m-a3"]  # without the attribute, the message id
    assert ("pull", "projects/p/subscriptions/notifier-sub", 1) in subscriber.calls
    assert [c for c in subscriber.calls if c[0] != "pull"] == [
        ("deadline", "a1", 600), ("ack", "a1"), ("deadline", "a2", 600), ("ack", "a2"),
        ("deadline", "a3", 600), ("ack", "a3")]


def test_a_pubsub_message_that_fails_is_nacked(make_services: Callable[..., Services]) -> None:
    class Broken:
        def handle(self, event_id: str, event: dict[str, Any]) -> str:
            raise OSError("disk full")

    stop = threading.Event()
    subscriber = FakeSubscriber([[message("a1", b'{"book_id": "maya-1"}', "ev-1")]], stop)
    assert run_pubsub_notifier(Broken(), "p", "s", stop, subscriber=subscriber) == 0  # type: ignore[arg-type]
    assert [c for c in subscriber.calls if c[0] != "pull"] == [("deadline", "a1", 600), ("deadline", "a1", 0)]


def test_stopping_the_loop_does_not_wait_for_backoffs(make_services: Callable[..., Services],
                                                      receiver: HTTPServer) -> None:
    """As `bookgen serve` should build it: the Notifier sleeps on the loop's stop event."""
    receiver.expect_request("/hook").respond_with_data("busy", status=503)
    services = make_services()
    event_id = publish(services, receiver)
    stop = threading.Event()
    hook = Notifier(services, lambda book_id: "s3cret", policy=local_policy(backoff_s=30.0, max_backoff_s=60.0),
                    sleep=stop.wait)
    thread = threading.Thread(target=LocalNotifierLoop(hook, services.events, stop, poll_s=0.02).run)
    thread.start()
    wait_for(lambda: len(receiver.log) == 1)
    time.sleep(0.1)  # the delivery is now waiting 30 s before its second attempt
    started = time.monotonic()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - started < 2.0
    assert read_json(services.storage, keys.notification("maya-1", event_id))["status"] == "interrupted"


def test_an_interrupted_pubsub_message_is_nacked() -> None:
    class Stopping:
        def handle(self, event_id: str, event: dict[str, Any]) -> str:
            return "interrupted"

    stop = threading.Event()
    subscriber = FakeSubscriber([[message("a1", b'{"book_id": "maya-1"}', "ev-1")]], stop)
    assert run_pubsub_notifier(Stopping(), "p", "s", stop, subscriber=subscriber) == 0  # type: ignore[arg-type]
    assert [c for c in subscriber.calls if c[0] != "pull"] == [("deadline", "a1", 600), ("deadline", "a1", 0)]
