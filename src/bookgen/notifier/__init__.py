"""The notifier: delivers the `book-notifications` events to the callback URL of each book, signed.

    targets.py   the SSRF guard: which callback URLs may be called, and at which checked addresses
    signing.py   HMAC-SHA256 signatures of a delivery (and `verify`, for receivers)
    delivery.py  one webhook delivery: pinned to the checked address, bounded retries with backoff
    service.py   `Notifier.handle(event_id, event)`: idempotent per event, records every outcome
    app.py       the Cloud Run service: a Pub/Sub push endpoint
    local.py     the in-process consumers of `bookgen serve` (the JSON-lines topic, or a Pub/Sub pull)

The notifier owns the retries of a delivery (`webhook_max_attempts`); Pub/Sub only redelivers when the
notifier itself failed before recording an outcome (DESIGN: one retry owner per failure class).
"""
