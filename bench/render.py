"""Rendering speed on a 100,000-word book (30 chapters of deterministic generated prose), against pandoc.

Renders EPUB and PDF with bookgen's renderer, then gives pandoc the same book as Markdown (our own Markdown
output) with the commands the issue names, and prints seconds per format and the ratio ours / pandoc:

    epub: ours 0.12 s, pandoc 3.13 s, ratio 0.04  [wall: ...]
    pdf:  ours 20.1 s, pandoc 17.9 s, ratio 1.12  [wall: ...] (pandoc --pdf-engine=weasyprint)

Seconds are CPU seconds of the renderer (and of pandoc's processes): other work on a shared machine inflates
wall time, not CPU time. Wall seconds are printed alongside.

pandoc is Debian's package (`bash scripts/install-system-packages.sh`); its PDF engine is WeasyPrint (the
`weasyprint` command of this virtualenv, which pandoc runs on its own HTML), the one PDF engine available
offline here. A ratio below 1 means we are faster. Without pandoc the ours-only timings are still printed.

`--compare-engines` also measures WeasyPrint against Typst for our PDF (bench/render_engines.py).

Usage: python bench/render.py [--words 100000] [--chapters 30] [--page-size trade-6x9] [--repeat 1]
                              [--out DIR] [--compare-engines]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # render_engines, when run as a script

from bookgen.models import Manuscript, ManuscriptChapter  # noqa: E402
from bookgen.render import render  # noqa: E402
from bookgen.render.cover import cover_png  # noqa: E402

NAMES = ["Maya", "Tomas", "Ines", "Kofi", "Lena", "Arjun"]
SUBJECTS = [
    "the old lighthouse keeper",
    "a silver fox",
    "the harbour master",
    "the little dragon",
    "the wind",
    "a tired fisherman",
    "the cartographer",
    "her grandmother",
    "the ferry captain",
    "a curious gull",
]
VERBS = [
    "watched",
    "remembered",
    "followed",
    "carried",
    "mended",
    "counted",
    "painted",
    "whispered about",
    "searched for",
    "forgot",
    "understood",
    "described",
    "measured",
    "misplaced",
    "photographed",
]
OBJECTS = [
    "the lantern",
    "a bundle of letters",
    "the northern channel",
    "the broken compass",
    "an unfinished map",
    "the tide tables",
    "a handful of sea glass",
    "the weathervane",
    "the last ferry",
    "the winter storms",
]
PLACES = [
    "beyond the breakwater",
    "under the pier",
    "at the edge of the village",
    "behind the customs house",
    "along the shingle beach",
    "inside the boathouse",
    "near the signal tower",
    "across the estuary",
]
ADVERBS = [
    "quietly",
    "carefully",
    "without a word",
    "before dawn",
    "for the hundredth time",
    "reluctantly",
    "with unexpected tenderness",
    "almost by accident",
    "incomprehensibly slowly",
    "uncharacteristically",
]
LONG_WORDS = [
    "extraordinarily",
    "notwithstanding",
    "incomprehensible",
    "characteristically",
    "responsibilities",
    "circumnavigation",
    "disproportionately",
    "meteorological",
    "indistinguishable",
    "lighthousekeeping",
]
SAYINGS = [
    "We should go back before the tide turns",
    "Nobody has opened that door in forty years",
    "The map is wrong, and I think it is wrong on purpose",
    "Listen, the foghorn has stopped",
    "If the lantern goes out, the ships will not find the channel",
    "Tell me again how it ended",
]
TITLE_NOUNS = ["Lantern", "Channel", "Letters", "Compass", "Storm", "Ferry", "Keeper", "Signal", "Island"]
TITLE_TAILS = [
    "at Low Tide",
    "in the Fog",
    "Beyond the Pier",
    "of the North",
    "Nobody Read",
    "Before Dawn",
    "and the Gull",
    "Under Glass",
]
#: Chapter 1 carries one paragraph in three scripts and emoji, so the PDF must cover them (fonts, fallback).
SCRIPTS = (
    "On the lighthouse wall someone had painted, in three alphabets, the same old promise: "
    "«Ἡ θάλασσα θυμᾶται» in Greek, «Море всё помнит» in Russian, and then a row of small pictures, "
    "🐉 🌊 ⭐, that the children added later."
)


def sentence(rng: random.Random) -> str:
    """One sentence of plausible prose; dialogue now and then; a long word now and then (hyphenation)."""
    kind = rng.random()
    if kind < 0.15:
        return f"“{rng.choice(SAYINGS)},” said {rng.choice(NAMES)}."
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)}"
    if kind < 0.55:
        text += f", {rng.choice(ADVERBS)}"
    if kind > 0.8:
        text += f", and it was {rng.choice(LONG_WORDS)}"
    if kind > 0.9:
        text += f" that {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    return text[0].upper() + text[1:] + "."


def chapter_text(rng: random.Random, words: int) -> str:
    """Paragraphs of 1 to 9 sentences until `words` words are written (the last paragraph may run over)."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.choice([1, 2, 3, 4, 4, 5, 5, 6, 7, 9])))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


def build_manuscript(words: int = 100_000, chapters: int = 30, language: str = "en") -> Manuscript:
    """A deterministic manuscript of about `words` words (seeded generator: same arguments, same book)."""
    rng = random.Random(f"bookgen-bench-{words}-{chapters}")
    per_chapter = words // chapters
    chapter_list = []
    for n in range(1, chapters + 1):
        budget = per_chapter - (len(SCRIPTS.split()) if n == 1 else 0)
        text = chapter_text(rng, budget)
        if n == 1:
            text = f"{SCRIPTS}\n\n{text}"
        title = f"The {rng.choice(TITLE_NOUNS)} {rng.choice(TITLE_TAILS)}"
        chapter_list.append(ManuscriptChapter(number=n, title=title, text=text))
    return Manuscript(
        book_id="bench-lighthouse",
        title="The Lighthouse at Kestrel Bay",
        language=language,
        reader_name="Maya",
        genre="adventure",
        description="A benchmark book",
        dedication="For everyone who keeps a light on.",
        chapters=chapter_list,
    )


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of `repeat` calls. CPU time counts this process and the
    subprocesses it waited for (pandoc, and the weasyprint pandoc runs): on a shared machine it is the
    steadier measure, so the ratios use it."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = cpu_seconds(), time.perf_counter()
        function()
        cpu.append(cpu_seconds() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished child processes."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def pandoc_env() -> dict[str, str]:
    """The environment for pandoc: this virtualenv's `weasyprint` first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_pandoc(args: list[str], cwd: Path) -> None:
    result = subprocess.run(
        ["pandoc", *args],
        cwd=cwd,
        env=pandoc_env(),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pandoc {' '.join(args)} failed: {result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--page-size", default="trade-6x9")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temporary directory)")
    parser.add_argument("--compare-engines", action="store_true", help="also WeasyPrint against Typst")
    args = parser.parse_args()

    manuscript = build_manuscript(args.words, args.chapters)
    words = sum(len(ch.text.split()) for ch in manuscript.chapters)
    cover = cover_png(manuscript)
    print(f"book: {words} words, {len(manuscript.chapters)} chapters, page size {args.page_size}")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        files = render(manuscript, ["epub", "pdf", "md"], cover_png=cover, page_size=args.page_size)
        for fmt, data in files.items():
            (out / f"book.{fmt}").write_bytes(data)
        ours = {
            fmt: timed(
                lambda fmt=fmt: render(manuscript, [fmt], cover_png=cover, page_size=args.page_size),
                args.repeat,
            )
            for fmt in ("epub", "pdf")
        }
        theirs: dict[str, tuple[float, float] | None] = {"epub": None, "pdf": None}
        if shutil.which("pandoc"):
            theirs["epub"] = timed(lambda: run_pandoc(["book.md", "-o", "pandoc.epub"], out), args.repeat)
            theirs["pdf"] = timed(
                lambda: run_pandoc(["book.md", "-o", "pandoc.pdf", "--pdf-engine=weasyprint"], out),
                args.repeat,
            )
        else:
            print("pandoc not found: install it with `bash scripts/install-system-packages.sh`")
        print("seconds are CPU seconds (wall seconds in brackets); ratio = ours / pandoc, below 1 is faster")
        for fmt in ("epub", "pdf"):
            (cpu, wall), other = ours[fmt], theirs[fmt]
            line = f"{fmt + ':':5} ours {cpu:.2f} s"
            if other is None:
                print(f"{line} [{wall:.2f} s]")
                continue
            engine = " (pandoc --pdf-engine=weasyprint)" if fmt == "pdf" else ""
            print(
                f"{line}, pandoc {other[0]:.2f} s, ratio {cpu / other[0]:.2f}"
                f"  [wall: ours {wall:.2f} s, pandoc {other[1]:.2f} s]{engine}"
            )
        if args.compare_engines:
            from render_engines import compare_engines

            compare_engines(manuscript, args.words, args.chapters, args.page_size, out, max(2, args.repeat))


if __name__ == "__main__":
    main()
