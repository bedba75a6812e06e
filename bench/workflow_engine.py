"""Benchmark of the local Workflows engine. Prints ratios measured in this one run.

1. Simple assign steps per second: a `for` loop over range(1, N) whose body is five assign steps.
2. Parallel efficiency: time of one 200 ms HTTP call ÷ time of 20 such calls in a `parallel for`
   (1.0 = perfect overlap; the issue's target is ≥ 0.66), against a real local threaded HTTP server.

Usage: python bench/workflow_engine.py [--iterations N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bookgen.workflow import Engine
from bookgen.workflow.loader import loads

ASSIGNS = """
main:
  params: [n]
  steps:
    - init:
        assign:
          - x: 0
          - s: ""
    - loop:
        for:
          value: i
          range: ${[1, n]}
          steps:
            - a1:
                assign:
                  - x: ${x + i}
            - a2:
                assign:
                  - y: ${x * 2}
            - a3:
                assign:
                  - z: ${y - x}
            - a4:
                assign:
                  - x: ${x + z - y}
            - a5:
                assign:
                  - flag: ${x > 10 and i % 2 == 0}
    - done:
        return: ${x}
"""

PARALLEL = """
main:
  params: [args]
  steps:
    - fan_out:
        parallel:
          for:
            value: i
            range: ${[1, args.n]}
            steps:
              - get:
                  call: http.get
                  args:
                    url: ${args.url}
                  result: r
    - done:
        return: ok
"""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default listen backlog of 5 would queue the 20 connections


class Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real service

    def do_GET(self):
        time.sleep(0.2)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def assign_rate(n: int, repeat: int) -> float:
    definition = loads(ASSIGNS, "assigns.yaml")
    engine = Engine()
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        execution = engine.run(definition, n)
        elapsed = time.perf_counter() - t0
        assert execution.state == "SUCCEEDED", execution.error
        steps = sum(1 for e in execution.entries if e.step_type == "STEP_ASSIGN")
        rates.append(steps / elapsed)
    return statistics.median(rates)


def parallel_efficiency(repeat: int) -> tuple[float, float, float]:
    server = Server(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    definition = loads(PARALLEL, "parallel.yaml")
    engine = Engine()
    engine.run(definition, {"n": 1, "url": url})  # warm the connection pool
    ones, twenties = [], []
    for _ in range(repeat):
        for n, bucket in ((1, ones), (20, twenties)):
            t0 = time.perf_counter()
            execution = engine.run(definition, {"n": n, "url": url})
            bucket.append(time.perf_counter() - t0)
            assert execution.state == "SUCCEEDED", execution.error
    server.shutdown()
    one, twenty = statistics.median(ones), statistics.median(twenties)
    return one, twenty, one / twenty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=10_000, help="loop iterations (5 assigns each)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rate = assign_rate(args.iterations, args.repeat)
    print(f"assign steps per second: {rate:,.0f}  (target >= 20,000)")
    one, twenty, eff = parallel_efficiency(args.repeat)
    print(f"one 200 ms call: {one * 1000:.0f} ms; 20 in a parallel for: {twenty * 1000:.0f} ms")
    print(f"parallel efficiency (one / twenty): {eff:.2f}  (target >= 0.66)")


if __name__ == "__main__":
    main()
