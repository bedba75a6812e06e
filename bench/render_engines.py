"""PDF engine comparison: WeasyPrint (our HTML + print CSS) against Typst (PyPI `typst`) on the same book.

Both engines get the same book view, page geometry (bookgen.render.pages), fonts and typographic brief: a
table of contents with page numbers, running headers (book title on versos, chapter title on rectos, none on
openers and blank pages), chapters opening on a recto, widows/orphans control, hyphenation for the book's
language, embedded open fonts (DejaVu for Latin/Greek/Cyrillic, Noto Color Emoji as fallback), one bookmark
per chapter. Each resulting PDF is then measured the same way (`measure`): pages, seconds, outline entries,
TOC numbers against the outline's destinations, openers on rectos, body pages with a running header,
hyphenated line ends, widows and orphans (from glyph positions: a paragraph's first line is indented), fonts
embedded, and which font drew the Greek, Cyrillic and emoji sample of chapter 1.

The Typst side is a prototype written for this comparison only: the text reaches it as JSON data (never as
Typst markup), so reader text cannot inject markup. It has no drop cap (the `droplet` package lives on the
Typst Universe, which is not reachable offline) and no first-line styling (Typst has no ::first-line).

Usage: python bench/render.py --compare-engines   (or: python bench/render_engines.py [--words N])
"""

from __future__ import annotations

import calendar
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bookgen.models import Manuscript
from bookgen.render.html import book_datetime, book_view
from bookgen.render.pages import page_size as lookup_page_size
from bookgen.render.pdf import render_pdf

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/noto"]
SAMPLES = {"Greek": "θ", "Cyrillic": "М", "emoji": "🐉"}

TYPST_BOOK = r"""
#let book = json("book.json")
#let size = book.page
#let pt(v) = v * 1pt
#set document(title: book.title, author: book.author,
  date: datetime(year: book.year, month: book.month, day: book.day))
#set text(font: ("DejaVu Serif", "DejaVu Sans", "Noto Color Emoji"), size: pt(size.font_size),
  lang: book.lang, hyphenate: true, top-edge: 0.8em, bottom-edge: -0.2em,
  costs: (widow: 100%, orphan: 100%))
#set par(justify: true, first-line-indent: 1.5em, leading: (size.line_height - 1) * 1em,
  spacing: (size.line_height - 1) * 1em)
#set page(width: pt(size.width), height: pt(size.height),
  margin: (top: pt(size.top), bottom: pt(size.bottom), inside: pt(size.inner), outside: pt(size.outer)))

#show heading: set text(weight: "regular")
#let chapters() = query(heading.where(level: 1, outlined: true))
#let is-opener(p) = chapters().any(h => h.location().page() == p)
#let is-blank(p) = (is-opener(p + 1) and not is-opener(p)
  and not query(<chapter-end>).any(e => e.location().page() == p)
  and not query(<front-end>).any(e => e.location().page() == p))
#let in-body(p) = chapters().len() > 0 and p > chapters().first().location().page()
#let running(body) = align(center, text(size: 7pt, tracking: 0.12em, upper(body)))

#if book.cover {
  page(margin: 0pt, image("cover.png", width: 100%, height: 100%, fit: "contain"))
}
#page[
  #v(28%)
  #align(center)[
    #text(size: 2em, book.title) #v(1em)
    #emph(book.for_reader) #v(1em)
    #text(size: 0.9em, book.author)
  ]
]
#if book.dedication.len() > 0 {
  page[#v(32%) #align(center, emph(book.dedication.join("\n")))]
}
#page[
  #show outline.entry.where(level: 1): it => link(it.element.location(),
    it.indented(none, [#text(size: 0.75em, it.element.supplement) — #it.body() #box(width: 1fr, repeat[.]) #it.page()]))
  #outline(title: book.contents, target: heading.where(level: 1, outlined: true))
  #metadata("front-end") <front-end>
]

#set page(
  header: context {
    let p = here().page()
    if not in-body(p) or is-opener(p) or is-blank(p) { return none }
    if calc.rem(p, 2) == 0 { running(book.title) } else {
      running(chapters().filter(h => h.location().page() < p).last().body)
    }
  },
  footer: context {
    let p = here().page()
    if p < chapters().first().location().page() or is-blank(p) { return none }
    align(center, text(size: 8.5pt, str(p)))
  },
)
#show heading.where(level: 1): it => {
  if not it.outlined { return it }
  pagebreak(to: "odd", weak: true)
  v(pt(size.sink))
  set text(weight: "regular")
  align(center)[
    #text(size: 0.6em, tracking: 0.2em, smallcaps(it.supplement)) \
    #text(size: 1.5em, weight: "regular", it.body)
  ]
  v(2em)
}
#for ch in book.chapters {
  heading(level: 1, supplement: [#ch.label], ch.title)
  for p in ch.paragraphs { par(p) }
  [#metadata("chapter-end") <chapter-end>]
}
"""


def typst_pdf(manuscript: Manuscript, cover_png: bytes | None, page_size: str) -> bytes:
    """The book as a PDF made by Typst, from the same book view and page geometry as ours."""
    import typst

    book = book_view(manuscript)
    when = book_datetime(book.date)
    data = {
        "title": book.title,
        "author": book.author,
        "lang": book.language.split("-")[0],
        "year": when.year,
        "month": when.month,
        "day": when.day,
        "cover": bool(cover_png),
        "for_reader": f"{book.for_before}{book.reader_name}{book.for_after}",
        "contents": book.labels.contents,
        "dedication": list(book.dedication),
        "page": asdict(lookup_page_size(page_size)),
        "chapters": [
            {"label": c.label, "title": c.title, "paragraphs": list(c.paragraphs)} for c in book.chapters
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "book.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (root / "book.typ").write_text(TYPST_BOOK, encoding="utf-8")
        if cover_png:
            (root / "cover.png").write_bytes(cover_png)
        epoch = calendar.timegm(when.timetuple())
        pdf = typst.compile(str(root / "book.typ"), root=str(root), font_paths=FONT_DIRS, timestamp=epoch)
    if not isinstance(pdf, bytes):
        raise TypeError("typst returned no bytes")
    return pdf


def _lines(page: Any) -> list[tuple[float, float, str, str]]:
    """(y, x, text, font) of each text line on a page, top first (PDF user space, y grows upwards)."""
    fragments: list[tuple[float, float, str, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = (font or {}).get("/BaseFont") or ("Type3" if (font or {}).get("/Subtype") == "/Type3" else "?")
        fragments.append((round(y, 1), x, text, re.sub(r"^/?[A-Z]{6}\+", "", str(name))))

    page.extract_text(visitor_text=visit)
    lines: dict[float, list[tuple[float, str, str]]] = {}
    for y, x, text, font in fragments:
        key = next((k for k in lines if abs(k - y) < 2), y)
        lines.setdefault(key, []).append((x, text, font))
    out = []
    for y, parts in lines.items():
        parts.sort()
        out.append((y, parts[0][0], "".join(p[1] for p in parts), ",".join(sorted({p[2] for p in parts}))))
    return sorted(out, key=lambda line: -line[0])


def _has_drop_cap(page: Any, body_size: float) -> bool:
    """Whether a page draws a letter or two at more than 2.5 times the body size (an initial)."""
    found = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1
        if 0 < len(text.strip()) <= 2 and scale * size > 2.5 * body_size:
            found.append(text)

    page.extract_text(visitor_text=visit)
    return bool(found)


def measure(pdf: bytes, manuscript: Manuscript, page_size: str) -> dict[str, Any]:
    """The typographic facts of a book PDF (see the module docstring), engine-independent."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    size = lookup_page_size(page_size)
    book = book_view(manuscript)
    texts = [(p.extract_text() or "").replace("\x00", "") for p in reader.pages]
    outline = [o for o in reader.outline if not isinstance(o, list)]
    openers = [reader.get_destination_page_number(o) for o in outline]
    toc_pages = [i for i, t in enumerate(texts[: openers[0] if openers else 0]) if re.search(r"\.{4,}", t)]
    toc_numbers = [int(n) for i in toc_pages for n in re.findall(r"\.{3,}\s*(\d+)", texts[i])]
    lines = [_lines(p) for p in reader.pages]
    body_top, body_bottom = size.height - size.top, size.bottom
    body = [[ln for ln in page if body_bottom - 2 < ln[0] < body_top + 2] for page in lines]
    first, last = (openers[0], len(texts)) if openers else (0, 0)
    blank = {i for i in range(first, last) if not texts[i].strip()}
    running = [i for i in range(first, last) if i not in openers and i not in blank]
    titles = {i: book.chapters[max(j for j, o in enumerate(openers) if o <= i)].title for i in running}
    headed = [
        i for i in running if book.title.upper() in texts[i].upper() or titles[i].upper() in texts[i].upper()
    ]
    widows = orphans = 0
    for i in running:
        if i + 1 in openers or i + 1 in blank or i + 1 >= last or not body[i] or not body[i + 1]:
            continue
        left, next_left = min(ln[1] for ln in body[i]), min(ln[1] for ln in body[i + 1])
        indented = [ln[1] > left + 4 for ln in body[i]]
        next_indented = [ln[1] > next_left + 4 for ln in body[i + 1]]
        if indented[-1] and not next_indented[0]:
            orphans += 1
        if not next_indented[0] and (len(next_indented) == 1 or next_indented[1]):
            widows += 1
    hyphenated = sum(1 for i in running for ln in body[i] if ln[2].rstrip().endswith(("-", "\u2010", "\xad")))
    fonts = _fonts(reader)
    sample_fonts = {
        name: sorted({ln[3] for page in lines for ln in page if char in ln[2]})
        for name, char in SAMPLES.items()
    }
    return {
        "pages": len(texts),
        "outline entries": len(outline),
        "TOC numbers match outline": bool(openers) and toc_numbers == [o + 1 for o in openers],
        "openers on rectos": bool(openers) and all(o % 2 == 0 for o in openers),
        "openers with a drop cap": sum(_has_drop_cap(reader.pages[o], size.font_size) for o in openers),
        "body pages with running header": f"{len(headed)}/{len(running)}",
        "hyphenated line ends": hyphenated,
        "widows": widows,
        "orphans": orphans,
        "fonts (all embedded)": f"{', '.join(sorted(fonts))} ({all(fonts.values())})",
        "sample fonts": sample_fonts,
    }


def _fonts(reader: Any) -> dict[str, bool]:
    """Every font of every page: base name -> embedded (a font file, or Type 3 glyph procedures)."""
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = font.get("/Subtype") == "/Type3" or any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            name = str(font.get("/BaseFont") or f"Type3 {font.get('/Name', '')}").lstrip("/")
            name = re.sub(r"^[A-Z]{6}\+", "", name)
            fonts[name] = fonts.get(name, True) and embedded
    return fonts


ENGINES = {
    "weasyprint": lambda m, cover, size: render_pdf(m, cover, page_size=size),
    "typst": typst_pdf,
}


def render_once(engine: str, words: int, chapters: int, page_size: str, target: Path) -> dict[str, float]:
    """One timed render of the bench book by `engine`, written to `target`: {"cpu": s, "wall": s}.

    Run in a fresh process each time (`--render-once`): Typst memoizes whole compilations in-process, so a
    second render of the same book in one process would measure its cache, not its typesetting. A tiny book
    is rendered first, untimed, so font discovery is not counted against either engine.
    """
    from render import build_manuscript

    from bookgen.render.cover import cover_png

    make = ENGINES[engine]
    manuscript = build_manuscript(words, chapters)
    cover = cover_png(manuscript)
    make(build_manuscript(200, 1), None, page_size)  # warm up: imports, fontconfig, font files
    c0, w0 = time.process_time(), time.perf_counter()
    pdf = make(manuscript, cover, page_size)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    target.write_bytes(pdf)
    return {"cpu": cpu, "wall": wall}


def _render_in_subprocess(engine: str, words: int, chapters: int, page_size: str, target: Path) -> dict:
    command = [sys.executable, __file__, "--render-once", engine, "--words", str(words)]
    command += ["--chapters", str(chapters), "--page-size", page_size, "--target", str(target)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{engine} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def compare_engines(
    manuscript: Manuscript, words: int, chapters: int, page_size: str, out: Path, repeat: int = 2
) -> None:
    """Render the bench book with both engines, each run in a fresh process (at least two runs, to check that
    re-renders are byte-identical), measure both PDFs and print a comparison table."""
    results: dict[str, dict[str, Any]] = {}
    for engine in ENGINES:
        targets = [out / f"engine-{engine}-{i}.pdf" for i in range(max(2, repeat))]
        times = [_render_in_subprocess(engine, words, chapters, page_size, t) for t in targets]
        pdfs = [t.read_bytes() for t in targets]
        results[engine] = {
            "CPU seconds (median)": round(statistics.median(t["cpu"] for t in times), 2),
            "wall seconds (median)": round(statistics.median(t["wall"] for t in times), 2),
            "byte-identical re-render": all(pdf == pdfs[0] for pdf in pdfs),
            **measure(pdfs[0], manuscript, page_size),
        }
    print(f"\nPDF engines on this book ({page_size}); files in {out}")
    print(f"| measure | {' | '.join(results)} |\n|---|{'---|' * len(results)}")
    for key in results["weasyprint"]:
        print(f"| {key} | {' | '.join(str(r[key]) for r in results.values())} |")


def main() -> None:
    import argparse

    from render import build_manuscript

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--page-size", default="trade-6x9")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "bookgen-engines")
    parser.add_argument("--render-once", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render_once:
        timing = render_once(args.render_once, args.words, args.chapters, args.page_size, args.target)
        print(json.dumps(timing))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    manuscript = build_manuscript(args.words, args.chapters)
    compare_engines(manuscript, args.words, args.chapters, args.page_size, args.out, args.repeat)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
