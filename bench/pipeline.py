"""Orchestration overhead of the book pipeline on the local engine.

A 10-chapter book runs through workflows/book.yaml with a latency-modelled model: every call sleeps a fixed
time per generated token and uses no CPU, so chapters can overlap fully. The overhead ratio is the wall time
of the whole execution divided by its critical path — outline + slowest chapter + assemble + publish, each
measured from the steps' own `step_runs` rows in the same run. 1.00 means the orchestration adds nothing.
Target: ≤ 1.10.

Usage: python bench/pipeline.py [--chapters 10] [--ms-per-token 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bookgen.llm import Generation, TokenUsage
from bookgen.llm.storyteller import story_responder
from bookgen.runner import run_book
from bookgen.services import build_services
from bookgen.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


class LatencyModel:
    """Answers like the storyteller, after sleeping `seconds_per_token` for each output token."""

    provider, model = "latency", "latency-model"

    def __init__(self, seconds_per_token: float):
        self.seconds_per_token = seconds_per_token

    def generate(self, messages, schema, params) -> Generation:
        answer = story_responder(messages, schema, params)
        text = answer if isinstance(answer, str) else __import__("json").dumps(answer)
        tokens = int(len(text.split()) * 1.3)
        time.sleep(tokens * self.seconds_per_token)
        return Generation(text=text, parsed=None if isinstance(answer, str) else answer,
                          usage=TokenUsage(prompt_tokens=500, completion_tokens=tokens), model=self.model,
                          provider=self.provider, latency_ms=int(tokens * self.seconds_per_token * 1000))


def one_run(chapters: int, seconds_per_token: float, data_dir: Path) -> tuple[float, float, dict[str, float]]:
    settings = Settings(data_dir=data_dir, workflow_file=ROOT / "workflows" / "book.yaml",
                        chapter_concurrency=chapters, llm_provider="scripted",
                        quality_regenerations=0)  # measure orchestration, not rewrites of scripted prose
    services = build_services(settings, llm=LatencyModel(seconds_per_token))
    request = {"reader": {"name": "Maya", "age": 9, "interests": ["dinosaurs", "rockets"]},
               "genre": "adventure", "chapters": chapters, "words_per_chapter": 600, "formats": ["epub", "html",
                                                                                                 "md", "pdf"]}
    t0 = time.perf_counter()
    execution = run_book(services, {"request": request})
    wall = time.perf_counter() - t0
    if execution.state != "SUCCEEDED":
        raise SystemExit(f"the book failed: {execution.error}")
    rows = services.analytics.query("SELECT step, duration_ms FROM step_runs WHERE execution_id = @e",
                                    {"e": execution.execution_id})
    by_step: dict[str, list[float]] = {}
    for row in rows:
        by_step.setdefault(row["step"], []).append(row["duration_ms"] / 1000)
    parts = {"outline": max(by_step["outline"]), "slowest chapter": max(by_step["chapters"]),
             "assemble": max(by_step["assemble"]), "publish": max(by_step["publish"])}
    return wall, sum(parts.values()), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapters", type=int, default=10)
    parser.add_argument("--ms-per-token", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ratios = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            wall, critical, parts = one_run(args.chapters, args.ms_per_token / 1000, Path(tmp))
        ratios.append(wall / critical)
        detail = ", ".join(f"{k} {v:.2f}s" for k, v in parts.items())
        print(f"run {i + 1}: wall {wall:.2f}s, critical path {critical:.2f}s ({detail}), ratio {wall / critical:.3f}")
    print(f"orchestration overhead (wall / critical path), median of {args.repeat}: "
          f"{statistics.median(ratios):.3f}  (target <= 1.10)")


if __name__ == "__main__":
    main()
