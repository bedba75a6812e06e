"""Repetition gate: no degenerate loops. A chapter fails when any of these holds:

- a sentence of 6+ words occurs 4 or more times (`MAX_REPEATS`);
- a sentence of 15+ words occurs 3 or more times (`LONG_SENTENCE`, `MAX_LONG_REPEATS`): nobody writes a
  refrain that long, and the small model's loops are long sentences ("Pencil: A special part where Maya is
  saved from her own destiny by Pixel. …" 40 words, six times);
- a sentence of 5+ words follows itself directly (`BACK_TO_BACK_WORDS`): the loop signature of greedy decoding;
- 60 % or more of the chapter's word 4-grams repeat an earlier 4-gram of the chapter (`MAX_REPEATED_SHARE`):
  the backstop for loops that do not repeat whole sentences (a phrase looping inside one run-on sentence).

Measured (tests/quality): every hand-written sample (24 English/Spanish, 8 French/German, 100-130 words) has
no repeated sentence and a repeated-4-gram share of at most 0.010; 22 chapters of the bundled 135M model
with the adapter's repeat penalties score 0.000 with no sentence twice (its loops, like the one quoted above,
come when penalties are off or the context runs long). The scripted storyteller cycles through 8 fixed
sentences: at 100 words it scores 0.27 with sentences twice, at 150 words (the e2e tests' size) 0.52 with one
sentence three times, and passes; from about 200 words (0.64) it fails, as a chapter that is two thirds copies
should. Refrains of children's books ("But he was still hungry.", five words, five times a book) stay under every rule.
"""

from __future__ import annotations

from collections import Counter

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult
from bookgen.quality.text import fold, normalize, sentences, words

NAME = "repetition"
ADVICE = "Do not repeat sentences or phrases: every sentence should move the story on."
MIN_SENTENCE_WORDS = 6
MAX_REPEATS = 4
LONG_SENTENCE = 15
MAX_LONG_REPEATS = 3
BACK_TO_BACK_WORDS = 5
NGRAM = 4
MAX_REPEATED_SHARE = 0.60


def repeated_share(text: str, n: int = NGRAM) -> float:
    """The share of the text's word n-grams that already occurred earlier in it."""
    tokens = [fold(w) for w in words(text)]
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for gram in grams:
        repeats += gram in seen
        seen.add(gram)
    return repeats / len(grams)


def _quote(sentence: str, limit: int = 12) -> str:
    tokens = sentence.split()
    return " ".join(tokens[:limit]) + ("…" if len(tokens) > limit else "")


def measure(text: str) -> ChapterFinding:
    """The repetition scores of one chapter, with a problem for each rule it breaks."""
    normalized = [normalize(s) for s in sentences(text)]
    counts = Counter(s for s in normalized if len(s.split()) >= MIN_SENTENCE_WORDS)
    top, top_count = counts.most_common(1)[0] if counts else ("", 0)
    longs = Counter(s for s in normalized if len(s.split()) >= LONG_SENTENCE)
    long_top, long_count = longs.most_common(1)[0] if longs else ("", 0)
    doubled = next((a for a, b in zip(normalized, normalized[1:])
                    if a == b and len(a.split()) >= BACK_TO_BACK_WORDS), None)
    share = round(repeated_share(text), 3)
    finding = ChapterFinding(scores={"max_sentence_repeats": top_count, "max_long_sentence_repeats": long_count,
                                     "back_to_back": doubled is not None, "repeated_4gram_share": share})
    if top_count >= MAX_REPEATS:
        finding.problems.append(f"the sentence \"{_quote(top)}\" occurs {top_count} times")
    if long_count >= MAX_LONG_REPEATS and not (long_top == top and top_count >= MAX_REPEATS):
        finding.problems.append(f"the {len(long_top.split())}-word sentence \"{_quote(long_top)}\" occurs "
                                f"{long_count} times")
    if doubled is not None:
        finding.problems.append(f"the sentence \"{_quote(doubled)}\" is repeated straight after itself")
    if share >= MAX_REPEATED_SHARE:
        finding.problems.append(f"{share:.0%} of the chapter's word sequences are repeats (loop; limit "
                                f"{MAX_REPEATED_SHARE:.0%})")
    return finding


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    findings = {c.number: measure(c.text) for c in chapters}
    return GateResult.per_chapter(NAME, findings, max_sentence_repeats=MAX_REPEATS - 1,
                                  max_long_sentence_repeats=MAX_LONG_REPEATS - 1,
                                  max_repeated_4gram_share=MAX_REPEATED_SHARE)
