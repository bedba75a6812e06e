"""Throughput and latency of POST /v1/books on `bookgen serve`, driven from another process over loopback.

`bookgen serve --no-worker --no-notifier` runs as a subprocess (one uvicorn process, as in the product). This
process sends `--concurrency` POSTs at once, each a different book, and checks afterwards that every one was
answered 202 and is durable: its request.json and submission are on disk and its message is in the queue file.
Each POST fsyncs three objects and a queue line before it answers, so the baseline is the same number of
concurrent GET /healthz (no storage) in the same run: the ratio is what durability and validation cost.

Usage: python bench/api.py [--concurrency 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bookgen.api.keys import hash_key  # noqa: E402
from bookgen.events.local import LocalEvents  # noqa: E402
from tests.e2e.serve_process import ServeProcess, keys_json  # noqa: E402

KEY = "bk_bench-api-key-0123456789"


def book(n: int, round_: int) -> dict:
    return {"reader": {"name": f"Reader {round_}-{n}", "age": 8, "interests": ["owls", "kites"]},
            "genre": "adventure", "chapters": 3, "words_per_chapter": 300}


async def burst(url: str, method: str, bodies: list[dict | None]) -> tuple[float, list[float], list[httpx.Response]]:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(limits=limits, timeout=60, headers={"Authorization": f"Bearer {KEY}"}) as client:
        async def one(body: dict | None) -> tuple[float, httpx.Response]:
            start = time.perf_counter()
            response = await client.request(method, url, json=body)
            return time.perf_counter() - start, response

        start = time.perf_counter()
        results = await asyncio.gather(*(one(b) for b in bodies))
        wall = time.perf_counter() - start
    return wall, [r[0] for r in results], [r[1] for r in results]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bookgen-bench-api-") as tmp:
        data = Path(tmp) / "data"
        serve = ServeProcess(data, env={"BOOKGEN_API_KEYS": keys_json([{
            "name": "bench", "sha256": hash_key(KEY), "requests_per_minute": 1_000_000, "books_per_day": 1_000_000}]),
            "BOOKGEN_LLM_PROVIDER": "scripted"}, args=("--no-worker", "--no-notifier"))
        serve.start()
        try:
            asyncio.run(burst(f"{serve.url}/healthz", "GET", [None] * 20))  # warm up connections and imports
            print(f"{args.concurrency} concurrent requests per burst, {args.rounds} rounds, server: bookgen serve "
                  "(1 process) on loopback")
            accepted: list[str] = []
            for round_ in range(1, args.rounds + 1):
                h_wall, h_lat, _ = asyncio.run(burst(f"{serve.url}/healthz", "GET", [None] * args.concurrency))
                bodies = [book(n, round_) for n in range(args.concurrency)]
                p_wall, p_lat, responses = asyncio.run(burst(f"{serve.url}/v1/books", "POST", bodies))
                codes = sorted({r.status_code for r in responses})
                accepted += [r.json()["book_id"] for r in responses if r.status_code == 202]
                print(f"round {round_}: POST {args.concurrency / p_wall:7.1f} req/s  p50 {statistics.median(p_lat) * 1000:6.0f} ms"
                      f"  p95 {p95(p_lat) * 1000:6.0f} ms  statuses {codes} | GET /healthz "
                      f"{args.concurrency / h_wall:7.1f} req/s  p95 {p95(h_lat) * 1000:5.0f} ms | "
                      f"throughput ratio POST/healthz {h_wall / p_wall:.2f}")
        finally:
            serve.stop()
        stored = {p.parent.name for p in (data / "raw" / "books").glob("*/request.json")}
        enqueued = [e["data"]["book_id"] for e in LocalEvents(data).read("book-requests")]
        submitted = [json.loads(p.read_text()) for p in (data / "raw" / "books").glob("*/submission.json")]
        total = args.concurrency * args.rounds
        ok = (len(accepted) == total and set(accepted) == stored and sorted(enqueued) == sorted(accepted)
              and all("enqueued_at" in s for s in submitted))
        print(f"durable: {len(accepted)}/{total} answered 202, {len(stored)} request.json stored, "
              f"{len(enqueued)} queued ({len(set(enqueued))} distinct), "
              f"{sum('enqueued_at' in s for s in submitted)} submissions marked enqueued -> {'OK' if ok else 'MISMATCH'}")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
