"""`bookgen serve`: the REST API, a book worker and the notifier in one process, on one machine.

- Without PUBSUB_EMULATOR_HOST: requests queue in `<data_dir>/events/book-requests.jsonl` (durable, fsynced
  before the API answers) and `LocalQueueWorker` runs them; notifications are followed in
  `book-notifications.jsonl` and delivered in-process. A restart runs every accepted book without a finished
  manifest and delivers every notification without a final delivery record.
- With PUBSUB_EMULATOR_HOST: the same API publishes to the emulator's `book-requests`; the Pub/Sub worker
  (`bookgen worker`'s) runs them and the notifier pulls `book-notifications` — the cloud's topology locally.

`bookgen api-key create` makes keys; with no key configured, `serve` makes one named `local` and prints it once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

import click


@click.command()
@click.option("--host", envvar="BOOKGEN_SERVE_HOST", default="127.0.0.1", show_default=True,
              help="Address to listen on (env BOOKGEN_SERVE_HOST).")
@click.option("--port", envvar="BOOKGEN_SERVE_PORT", type=int, default=8080, show_default=True,
              help="Port (env BOOKGEN_SERVE_PORT).")
@click.option("--data-dir", envvar="BOOKGEN_DATA_DIR", default=None, help="Storage root (env BOOKGEN_DATA_DIR).")
@click.option("--no-worker", is_flag=True, help="Only the API: accept and queue books, run none.")
@click.option("--no-notifier", is_flag=True, help="Do not deliver webhooks from this process.")
@click.option("--workers", envvar="BOOKGEN_SERVE_WORKERS", type=click.IntRange(1, 64), default=None,
              help="Books run at once (env BOOKGEN_SERVE_WORKERS; default 1).")
def serve(host: str, port: int, data_dir: str | None, no_worker: bool, no_notifier: bool,
          workers: int | None) -> None:
    """Serve the REST API (docs at /docs) and run the books it accepts."""
    import uvicorn

    from bookgen.api.app import create_app
    from bookgen.api.keys import keys_file, load_keyring
    from bookgen.cli.book import _fail
    from bookgen.errors import ConfigError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = _settings(data_dir, workers)
        ring = load_keyring(settings)
        if not len(ring) and settings.api_keys is None:
            ring = _first_key(keys_file(settings))
        from bookgen.services import build_services

        services = build_services(settings)
        app = create_app(services, ring)
    except ConfigError as e:
        _fail(2, f"configuration: {e}")
    stop = threading.Event()
    threads = []
    if not no_worker:
        threads.append(threading.Thread(target=_worker(services, stop), name="worker", daemon=True))
    if not no_notifier:
        threads.append(threading.Thread(target=_notifier(services, ring, stop), name="notifier", daemon=True))
    config = uvicorn.Config(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)
    server = _server(config)
    for thread in threads:
        thread.start()
    mode = "Pub/Sub emulator" if settings.events == "pubsub" else "local queue"
    click.echo(f"bookgen API on http://{host}:{port} (docs /docs), {mode}, data in {settings.data_dir}"
               + ("" if no_worker else f", {settings.serve_workers} book(s) at a time"), err=True)
    previous = {signum: signal.signal(signum, server.handle_exit) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run()
    finally:
        stop.set()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        click.echo("stopped; books in progress resume on the next start", err=True)


def _server(config: Any) -> Any:
    """uvicorn's Server without its signal capture, which re-raises SIGTERM after shutting down (the process would
    then die by the signal instead of exiting 0 after a clean stop); `serve` routes the signals itself."""
    import contextlib

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:
            yield

    return Server(config)


def _settings(data_dir: str | None, workers: int | None) -> Any:
    from bookgen.settings import Settings

    overrides: dict[str, Any] = {}
    if data_dir:
        overrides["data_dir"] = data_dir
    if workers:
        overrides["serve_workers"] = workers
    if os.environ.get("PUBSUB_EMULATOR_HOST") and "BOOKGEN_EVENTS" not in os.environ:
        overrides["events"] = "pubsub"
    return Settings(**overrides)


def _first_key(path: Any) -> Any:
    from bookgen.api.keys import add_key, load_keyring

    key, entry = add_key(path, "local")
    click.echo(f"no API key was configured: created key '{entry.name}' (its hash is in {path}).\n"
               f"  API key (shown once): {key}\n  webhook secret: {entry.webhook_secret}\n"
               f"  more keys: bookgen api-key create --name NAME", err=True)
    from bookgen.settings import Settings

    return load_keyring(Settings(api_keys_file=path))


def _project(settings: Any) -> str:
    from bookgen.errors import ConfigError

    project = settings.gcp_project or os.environ.get("GOOGLE_CLOUD_PROJECT")
    if not project:
        raise ConfigError("with PUBSUB_EMULATOR_HOST, set BOOKGEN_GCP_PROJECT (or GOOGLE_CLOUD_PROJECT)")
    return project


def _worker(services: Any, stop: threading.Event) -> Any:
    settings = services.settings
    if settings.events == "pubsub":
        from bookgen.events.pubsub import ensure_subscription
        from bookgen.events.worker import run_worker

        project = _project(settings)
        subscription = ensure_subscription(project, "book-requests-worker", settings.requests_topic)
        return lambda: run_worker(services, project, subscription, stop_event=stop, wait_s=2.0)
    from bookgen.events.queue import LocalQueueWorker

    return LocalQueueWorker(services, stop, workers=settings.serve_workers).run


def _notifier(services: Any, ring: Any, stop: threading.Event) -> Any:
    from bookgen.api.owners import secret_resolver
    from bookgen.notifier.service import Notifier

    notifier = Notifier(services, secret_resolver(services, ring), sleep=stop.wait)  # a stop cuts backoffs short
    settings = services.settings
    if settings.events == "pubsub":
        from bookgen.events.pubsub import ensure_subscription
        from bookgen.notifier.local import run_pubsub_notifier

        project = _project(settings)
        subscription = ensure_subscription(project, "book-notifications-notifier", settings.notifications_topic,
                                           "book-notifications-dlq")
        return lambda: run_pubsub_notifier(notifier, project, subscription, stop, wait_s=2.0)
    from bookgen.notifier.local import LocalNotifierLoop

    return LocalNotifierLoop(notifier, services.events, stop).run


@click.group("api-key")
def api_key() -> None:
    """Manage the API keys of `bookgen serve` and the API service."""


@api_key.command("create")
@click.option("--name", required=True, help="The caller's name (lowercase letters, digits, '-'); an existing "
              "name gets a new key (rotation) and keeps its books and webhook secret.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None,
              help="Keys file (default BOOKGEN_API_KEYS_FILE, else <data_dir>/api-keys.json).")
@click.option("--requests-per-minute", type=click.IntRange(min=1), default=None, help="This key's request rate.")
@click.option("--books-per-day", type=click.IntRange(min=0), default=None, help="This key's new books per 24 h.")
def create(name: str, path: str | None, requests_per_minute: int | None, books_per_day: int | None) -> None:
    """Create (or rotate) a key; prints it once. Only its SHA-256 is stored."""
    from pathlib import Path

    from bookgen.api.keys import add_key, keys_file
    from bookgen.cli.book import _fail
    from bookgen.errors import ConfigError
    from bookgen.settings import get_settings

    target = Path(path) if path else keys_file(get_settings())
    try:
        key, entry = add_key(target, name, requests_per_minute, books_per_day)
    except ConfigError as e:
        _fail(2, str(e))
    click.echo(f"key for '{entry.name}' stored (hashed) in {target}; it is shown only now:", err=True)
    click.echo(key)
    click.echo(f"webhook secret (verify X-Bookgen-Signature with it): {entry.webhook_secret}", err=True)
