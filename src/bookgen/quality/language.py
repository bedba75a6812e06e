"""Language gate: each chapter is written in the book's language.

A stopword profile: the share of a chapter's words that are among the most common function words of each
language we profile. The chapter fails when another language's share is clearly higher than the book's own.
Books in languages without a profile pass as "not checked". Measured on the 32 calibration samples of
`tests/quality/samples.py` (en, es, fr, de): own-language share 0.255–0.429, the best rival at most 0.198
(French on a Spanish sample: "de", "la", "en" are shared), so no sample comes within the margin. Chapters of
the bundled 135M model for a Spanish request: English 0.178 vs Spanish 0.062 and 0.333 vs 0.148 (caught),
0.147 vs 0.147 (mixed; passes).
"""

from __future__ import annotations

import re

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult

NAME = "language"
ADVICE = "Write the whole chapter in the book's language."
MARGIN = 0.08  # another language must lead the book's own by this share to fail
MIN_WORDS = 40
STOPWORDS = {
    "en": "the and to of a in was he she it that his her with for on as at but they had you i is not be".split(),
    "es": "de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya o "
          "fue este ha muy".split(),
    "fr": "de la le et les des en un une du que est pas pour qui dans il elle au sur se ne plus par avec".split(),
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an er "
          "sie war".split(),
    "it": "di e il la che in a per un una non è del le si da con i sono lo gli come ma".split(),
    "pt": "de a o que e do da em um para com não uma os no se na por mais as dos como mas foi ao ele".split(),
}
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def shares(text: str) -> dict[str, float]:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return {lang: 0.0 for lang in STOPWORDS}
    return {lang: round(sum(w in set(stop) for w in words) / len(words), 3) for lang, stop in STOPWORDS.items()}


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    own = request.language.split("-")[0].lower()
    findings = {}
    for chapter in chapters:
        finding = ChapterFinding()
        if own in STOPWORDS and len(chapter.text.split()) >= MIN_WORDS:
            scores = shares(chapter.text)
            finding.scores = {"own": scores[own], **{f"share_{k}": v for k, v in scores.items()}}
            rival, rival_share = max(((k, v) for k, v in scores.items() if k != own), key=lambda kv: kv[1])
            if rival_share - scores[own] > MARGIN:
                finding.problems.append(f"written in {NAMES[rival]}, not {NAMES[own]} "
                                        f"(stopword share {rival_share} vs {scores[own]})")
        else:
            finding.scores = {"checked": False}
        findings[chapter.number] = finding
    return GateResult.per_chapter(NAME, findings, margin=MARGIN)
