"""Reading-level gate: each chapter's Flesch reading ease, in the book's language, inside the band of the
reader's level (`request.reader.level`).

The score is textstat's language-adapted Flesch reading ease: the formula's constants come from textstat's
per-language table (English: Flesch; Spanish: Fernández Huerta; French: Kandel & Moles; German: Amstad), words
and sentences are counted by textstat, syllables by pyphen (textstat's own hyphenation fallback). Two reasons
not to call `textstat.flesch_reading_ease`: `textstat.set_lang` is process-global state (a Spanish book
scored in one thread would change the English book's score in another), and for English textstat (0.7.13)
looks words up in NLTK's cmudict, downloading it on first use — that fails offline and costs a download on
every cold start of a Cloud Function. Everything here takes the language as an argument: no global state, no
network, the same numbers everywhere.

Bands were chosen by scoring hand-written samples (`tests/quality/samples.py`, ~100-130 words each, the size
of a short chapter) and the scripted storyteller's chapters:

    level / sample          en (Flesch)           es (F. Huerta)       fr      de
    early-reader            114.5 107.6 108.1     105.0 102.6 107.3    107.0   99.9
    middle-grade             79.7  74.0  60.2      77.5  78.5  70.7     85.7   74.4
    young-adult              68.4  64.5  51.4      81.0  65.9  65.0     82.6   64.1
    adult                    59.5  48.5  58.4      54.4  53.1  54.4     51.0   27.3
    storyteller (e2e, age 7) 88.3-90.9            114.6 (400 words)

    band (min, max)         en           es            fr            de
    early-reader            80, -        85, -         90, -         80, -
    middle-grade            50, -        50, -         50, -         50, -
    young-adult             40, 100      40, 100       40, 100       40, 95
    adult                   20, 100      20, 100       20, 100       20, 95

Every sample lies inside its own level's band; every young-adult and adult sample fails the early-reader band
and every early-reader sample fails the adult band (the gate separates the ends of the scale, which is what a
reader notices; neighbouring levels overlap in real books and are not policed). The early-reader minimum is
language-specific because the Spanish and French formulas score adult-ish prose higher (es young-adult 81.0,
fr middle-grade 85.7); German's maximum for older readers is lower because Amstad's formula scores easy text
lower (de early-reader 99.9). The bundled 135M model's chapters (22, production prompt) score 64-88 for an
early reader in English (3 of 6 fail), 66-78 middle-grade, 68-77 adult, and 61-101 middle-grade in Spanish.
Chapters under 40 words are not scored (the length gate catches them). Languages without a calibrated band
(textstat also adapts Flesch to it, nl, ru and hu, but we have no samples for them) report "not scored" and
pass.
"""

from __future__ import annotations

from typing import Any

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult

NAME = "reading_level"
MIN_WORDS = 40
ADVICE = "Match the reader's reading level."

Band = tuple[float, float | None]
BANDS: dict[str, dict[str, Band]] = {
    "en": {"early-reader": (80, None), "middle-grade": (50, None), "young-adult": (40, 100), "adult": (20, 100)},
    "es": {"early-reader": (85, None), "middle-grade": (50, None), "young-adult": (40, 100), "adult": (20, 100)},
    "fr": {"early-reader": (90, None), "middle-grade": (50, None), "young-adult": (40, 100), "adult": (20, 100)},
    "de": {"early-reader": (80, None), "middle-grade": (50, None), "young-adult": (40, 95), "adult": (20, 95)},
}
# The pyphen dictionary per language (fixed, so en-GB and en-US books are scored alike).
HYPHENATION = {"en": "en_US", "es": "es", "fr": "fr", "de": "de_DE"}


def language_root(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def flesch(text: str, language: str) -> dict[str, float] | None:
    """textstat's Flesch reading ease for `language` (a root: "en", "es"), with the averages behind it;
    None when there are no words. Thread-safe: no textstat global state is read or written."""
    from textstat.backend import counts, selections, utils

    tokens = selections.list_words(text, lowercase=True)
    if not tokens:
        return None
    hyphenator = utils.get_pyphen(HYPHENATION.get(language, language))
    syllables = sum(len(hyphenator.positions(w)) + 1 for w in tokens)
    per_sentence = len(tokens) / max(1, counts.count_sentences(text))
    per_word = syllables / len(tokens)

    def cfg(key: str) -> float:
        return float(utils.get_lang_cfg(language, key))

    score = cfg("fre_base") - cfg("fre_sentence_length") * per_sentence - cfg("fre_syll_per_word") * per_word
    return {"flesch": round(score, 1), "words_per_sentence": round(per_sentence, 1),
            "syllables_per_word": round(per_word, 2)}


READER = {"early-reader": "an early reader", "middle-grade": "a middle-grade reader",
          "young-adult": "a young-adult reader", "adult": "an adult reader"}


def describe(band: Band) -> str:
    low, high = band
    return f"{low:g}-{high:g}" if high is not None else f"at least {low:g}"


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    level = request.reader.level
    language = language_root(request.language)
    bands = BANDS.get(language)
    details: dict[str, Any] = {"level": level, "language": language, "metric": "flesch_reading_ease"}
    if bands is None:
        findings = {c.number: ChapterFinding(scores={"flesch": None, "status": "not scored"}) for c in chapters}
        return GateResult(NAME, True, findings, details | {
            "scored": False, "reason": f"not scored: no calibrated reading-level band for {language!r}"})
    band = bands[level]
    findings = {}
    for chapter in chapters:
        finding = ChapterFinding()
        measured = flesch(chapter.text, language) if len(chapter.text.split()) >= MIN_WORDS else None
        if measured is None:
            finding.scores = {"flesch": None, "status": f"not scored: under {MIN_WORDS} words"}
        else:
            finding.scores = measured
            low, high = band
            if measured["flesch"] < low:
                finding.problems.append(
                    f"reading ease {measured['flesch']:g} is too hard for {READER[level]} (wanted "
                    f"{describe(band)}; {measured['words_per_sentence']:g} words per sentence): use shorter "
                    "sentences and simpler words")
            elif high is not None and measured["flesch"] > high:
                finding.problems.append(
                    f"reading ease {measured['flesch']:g} is too simple for {READER[level]} (wanted "
                    f"{describe(band)}): use fuller sentences and a richer vocabulary")
        findings[chapter.number] = finding
    return GateResult.per_chapter(NAME, findings, **details, scored=True, band=list(band))
