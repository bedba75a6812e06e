"""`bookgen worker`: pull book requests from Pub/Sub and run each through the workflow, as Eventarc would.

Every flag has an environment-variable twin. SIGTERM or Ctrl-C stops the worker after the book in progress
(a second Ctrl-C aborts it; its message is nacked and comes back). On exit the counts are printed as JSON.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
from typing import Any

import click


@click.command()
@click.option("--project", envvar="BOOKGEN_GCP_PROJECT", default=None,
              help="Google Cloud project of the subscription (env BOOKGEN_GCP_PROJECT, else "
                   "GOOGLE_CLOUD_PROJECT).")
@click.option("--subscription", envvar="BOOKGEN_REQUESTS_SUBSCRIPTION", default="book-requests-worker",
              show_default=True,
              help="Subscription to pull: an id or a full path (env BOOKGEN_REQUESTS_SUBSCRIPTION).")
@click.option("--create", is_flag=True, envvar="BOOKGEN_WORKER_CREATE",
              help="Create the topic, the subscription and the dead-letter topic when missing "
                   "(development, the emulator; env BOOKGEN_WORKER_CREATE).")
@click.option("--topic", envvar="BOOKGEN_REQUESTS_TOPIC", default="book-requests", show_default=True,
              help="With --create: the requests topic (env BOOKGEN_REQUESTS_TOPIC).")
@click.option("--dead-letter-topic", envvar="BOOKGEN_DEAD_LETTER_TOPIC", default="book-requests-dlq",
              show_default=True,
              help="With --create: where poison messages go; a subscription of the same name keeps them "
                   "(env BOOKGEN_DEAD_LETTER_TOPIC).")
@click.option("--max-delivery-attempts", envvar="BOOKGEN_MAX_DELIVERY_ATTEMPTS", type=click.IntRange(5, 100),
              default=5, show_default=True,
              help="With --create: deliveries before a message is dead-lettered "
                   "(env BOOKGEN_MAX_DELIVERY_ATTEMPTS).")
@click.option("--ack-deadline", envvar="BOOKGEN_ACK_DEADLINE_S", type=click.IntRange(10, 600), default=60,
              show_default=True,
              help="With --create: the subscription's ack deadline in seconds (env BOOKGEN_ACK_DEADLINE_S).")
@click.option("--max-messages", envvar="BOOKGEN_WORKER_MAX_MESSAGES", type=click.IntRange(min=1),
              default=None,
              help="Stop after this many messages (env BOOKGEN_WORKER_MAX_MESSAGES; default: until stopped).")
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default=None,
              help="Storage root (env BOOKGEN_DATA_DIR).")
def worker(project: str | None, subscription: str, create: bool, topic: str, dead_letter_topic: str,
           max_delivery_attempts: int, ack_deadline: int, max_messages: int | None,
           data_dir: str | None) -> None:
    """Run the book requests published on Pub/Sub (PUBSUB_EMULATOR_HOST selects the emulator)."""
    from bookgen.cli.book import _fail, _services
    from bookgen.errors import ConfigError
    from bookgen.events.pubsub import ensure_subscription
    from bookgen.events.worker import run_worker

    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        _fail(2, "configuration: set --project (BOOKGEN_GCP_PROJECT or GOOGLE_CLOUD_PROJECT)")
    if create:
        path = ensure_subscription(project, subscription, topic, dead_letter_topic, max_delivery_attempts,
                                   ack_deadline)
        click.echo(f"subscription {path} ready (dead letters: {dead_letter_topic})", err=True)
    services = _services(data_dir)
    stop = threading.Event()
    previous = _install_stop_handlers(stop)
    try:
        stats = run_worker(services, project, subscription, max_messages=max_messages, stop_event=stop)
    except ConfigError as e:
        _fail(2, f"configuration: {e}")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(json.dumps(dataclasses.asdict(stats)))


def _install_stop_handlers(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM/SIGINT: finish the current book, then stop; a second SIGINT aborts. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        click.echo("stopping after the current message (Ctrl-C again to abort it)", err=True)

    return {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
