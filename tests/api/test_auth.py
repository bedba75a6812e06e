"""Authentication, per-key isolation and the two rate limits."""

from __future__ import annotations

import pytest

from bookgen.api.keys import add_key, hash_key, load_keyring, parse_keys
from bookgen.errors import ConfigError
from bookgen.settings import Settings
from tests.api.conftest import ALICE, BOB, auth, request_data


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {ALICE}"},
                                     {"Authorization": ALICE}])
@pytest.mark.parametrize(("method", "path"), [("post", "/v1/books"), ("get", "/v1/books"),
                                              ("get", "/v1/books/some-book"),
                                              ("get", "/v1/books/some-book/files/epub")])
def test_every_book_route_needs_a_known_key(api, headers, method, path):
    client, services = api
    response = getattr(client, method)(path, headers=headers, **({"json": request_data()} if method == "post" else {}))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"
    assert services.storage.list("raw/") == []


def test_a_key_sees_only_its_own_books(api):
    client, _ = api
    book_id = client.post("/v1/books", json=request_data(), headers=auth(ALICE)).json()["book_id"]
    assert client.get(f"/v1/books/{book_id}", headers=auth(ALICE)).status_code == 200
    theirs = client.get(f"/v1/books/{book_id}", headers=auth(BOB))
    missing = client.get("/v1/books/no-such-book", headers=auth(BOB))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert client.get(f"/v1/books/{book_id}/files/epub", headers=auth(BOB)).status_code == 404
    assert client.get("/v1/books", headers=auth(BOB)).json()["books"] == []
    assert [b["book_id"] for b in client.get("/v1/books", headers=auth(ALICE)).json()["books"]] == [book_id]


def test_requests_per_minute_answer_429_with_retry_after(api):
    client, _ = api  # bob: 5 requests per minute
    statuses = [client.get("/v1/books", headers=auth(BOB)).status_code for _ in range(5)]
    limited = client.get("/v1/books", headers=auth(BOB))
    assert statuses == [200] * 5 and limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert client.get("/v1/books", headers=auth(ALICE)).status_code == 200  # other keys are not affected


def test_rate_window_slides():
    from bookgen.api.limits import RateLimiter

    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.check("k", 2) for _ in range(2)] == [0, 0]
    assert limiter.check("k", 2) == 60
    now[0] = 30.0
    assert limiter.check("k", 2) == 30
    now[0] = 60.5
    assert limiter.check("k", 2) == 0


def test_books_per_day_answer_429_until_a_day_has_passed(api, clock):
    client, services = api  # bob: 2 books per day
    for n in (1, 2):
        assert client.post("/v1/books", json=request_data(chapters=n), headers=auth(BOB)).status_code == 202
        clock.now += 600
    third = client.post("/v1/books", json=request_data(chapters=3), headers=auth(BOB))
    assert third.status_code == 429 and third.json()["error"]["code"] == "books_per_day"
    assert int(third.headers["Retry-After"]) == 86_400 - 1200 + 1
    replay = client.post("/v1/books", json=request_data(chapters=1), headers=auth(BOB))
    assert replay.status_code == 202 and replay.json()["created"] is False  # a replay is not a new book
    clock.now += 86_400 - 1200 + 1
    client.app.state.limiter = type(client.app.state.limiter)()  # a minute has passed as well
    assert client.post("/v1/books", json=request_data(chapters=3), headers=auth(BOB)).status_code == 202
    assert len(services.events.read("book-requests")) == 3


def test_keys_file_stores_only_hashes_and_rotation_keeps_the_name(tmp_path):
    path = tmp_path / "keys.json"
    key, entry = add_key(path, "acme", requests_per_minute=30)
    assert key.startswith("bk_") and key not in path.read_text() and hash_key(key) in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    ring = load_keyring(Settings(api_keys_file=path))
    assert ring.authenticate(key).name == "acme" and ring.authenticate(key).requests_per_minute == 30
    new_key, rotated = add_key(path, "acme")
    ring = load_keyring(Settings(api_keys_file=path))
    assert ring.authenticate(key) is None and ring.authenticate(new_key).name == "acme"
    assert rotated.webhook_secret == entry.webhook_secret


@pytest.mark.parametrize(("text", "fragment"), [
    ("{", "not valid JSON"),
    ('{"keys": [{"name": "Bad Name", "sha256": "' + "0" * 64 + '"}]}', "keys.0.name"),
    ('[{"name": "a", "sha256": "xyz"}]', "keys.0.sha256"),
    ('[{"name": "a", "sha256": "' + "0" * 64 + '"}, {"name": "a", "sha256": "' + "1" * 64 + '"}]', "used twice"),
])
def test_bad_key_configuration_is_a_clear_error(text, fragment):
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        parse_keys(text, "BOOKGEN_API_KEYS")


def test_the_daily_limit_reads_only_the_last_day_of_the_index(api, clock):
    client, services = api  # bob: 2 books per day
    for n in range(1, 9):  # eight books over eight days
        assert client.post("/v1/books", json=request_data(chapters=n), headers=auth(BOB)).status_code == 202
        clock.now += 86_400
        client.app.state.limiter = type(client.app.state.limiter)()
    listed = []
    real_list = services.storage.list

    def counting_list(prefix, **bounds):
        keys = real_list(prefix, **bounds)
        listed.extend(keys)
        return keys

    services.storage.list = counting_list
    assert client.post("/v1/books", json=request_data(chapters=9), headers=auth(BOB)).status_code == 202
    assert listed == []  # the newest book is a day old: nothing in the window, nothing read
    assert client.post("/v1/books", json=request_data(chapters=10), headers=auth(BOB)).status_code == 202
    assert len(listed) == 1
    assert len(client.get("/v1/books?limit=100", headers=auth(BOB)).json()["books"]) == 10
