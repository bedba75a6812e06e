"""Names gate: the characters are the bible's, spelled the bible's way. A chapter fails when

- a bible character's (or the reader's) name is misspelled: a capitalized word that is not a known name but is
  one edit from a known name of 4+ letters, or two edits from one of 7+ letters, with the same first letter
  ("Mya"/"Mayya" for "Maya", "Sofia" for "Sofía"); plural/genitive forms ("Mayas Arme") and short names (3
  letters: "Pip" vs "Pop") are left alone;
- a name that is not in the bible looks like a character and recurs: 3+ times in the chapter (or 4+ times
  over 2+ chapters), used as a name at least once — mid-sentence capitalized, or next to a speech verb
  ("said Grizelda", "Grizelda asked", "dijo Grizelda").

A capitalized word is a name candidate when it is not sentence-initial (or it sits next to a speech verb);
sentence-initial words count once the word is known to be a name. Not characters: every capitalized word of
the bible and of the request (title, premise, setting, interests…), titles and kin words (Mom, Grandma, Mrs,
Captain, Abuela…), days and months, words the book also writes in lower case, all-caps words, and words that
mostly follow a place preposition ("in London", "en Madrid"). German capitalizes every noun, so there only
speech-verb neighbours make a candidate.

Measured: no finding on the storyteller's chapters or on any sample of tests/quality/samples.py (bible = the
sample's main characters; minor names such as "Mrs. Alvarez", "Route 9", "March" stay below the thresholds or
are excluded). On 22 chapters of the bundled 135M model, one finding: "David", a character it invented and
used twice in each of two chapters; its one-off names ("Lennox", "Willowbrook", "Captain Planet") pass.
"""

from __future__ import annotations

import re
from collections import Counter

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult
from bookgen.quality.text import base_name, fold, sentences, words

NAME = "names"
ADVICE = "Use only the story bible's characters, with their names spelled exactly as in the bible."
MIN_UNKNOWN = 3
MIN_UNKNOWN_BOOK = 4
NOT_NAMES = frozenset(fold(w) for w in """
I Mom Mum Mommy Mummy Dad Daddy Mama Papa Ma Pa Grandma Grandpa Granny Gran Nana Grandmother Grandfather
Auntie Aunt Uncle Mr Mrs Ms Miss Dr Sir Madam Lady Lord King Queen Prince Princess Captain Professor Doctor
Teacher Coach Officer Detective Inspector Sergeant Chief God Santa Mamá Papá Abuela Abuelo Abuelita Abuelito
Tía Tío Señor Señora Señorita Don Doña Profesor Profesora Maestra Maestro Monsieur Madame Mademoiselle Mamie
Papi Herr Frau Oma Opa Onkel Tante Dios Dieu Gott
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
September October November December Christmas Easter Halloween English Spanish French German OK Okay
""".split())
SPEECH = re.compile(r"^(?:said|asked|replied|shouted|whispered|cried|called|answered|laughed|yelled|added|"
                    r"dijo|preguntó|respondió|contestó|gritó|susurró|exclamó|añadió|dit|demanda|répondit|cria|"
                    r"murmura|sagte|fragte|rief|antwortete|flüsterte)$", re.IGNORECASE)
PLACE_WORDS = frozenset("in at to from into across near towards toward en a de desde hacia à dans vers nach "
                        "aus von".split())
_TITLE_ABBREVIATION = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Prof|Sr|Sra|Srta|Mme|Mlle)\.")
_OPENERS = "\"“”'‘«¿¡—–-:(["


def known_names(request: BookRequest, bible: StoryBible) -> tuple[set[str], dict[str, str]]:
    """(every folded capitalized word the bible and request use, {folded character-name word: spelling})."""
    cast = {fold(w): w for c in bible.characters for w in words(c.name) if w[:1].isupper()}
    cast.update({fold(w): w for w in words(request.reader.name) if w[:1].isupper()})
    sources = [bible.title, bible.premise, bible.setting, bible.style_guide, request.premise, request.title,
               request.dedication, request.genre, request.tone, *request.reader.interests,
               *(c.name + " " + c.role + " " + " ".join(c.traits) for c in bible.characters),
               *(" ".join([p.title, *p.beats, p.start_state, p.end_state]) for p in bible.chapters)]
    known = {fold(base_name(w)) for s in sources if s for w in words(s) if w[:1].isupper()} | set(cast)
    return known, cast


def occurrences(text: str, nouns_capitalized: bool) -> list[tuple[str, bool, bool, bool]]:
    """Capitalized words as (word, sentence_initial, next_to_speech_verb, after_place_preposition)."""
    found = []
    text = _TITLE_ABBREVIATION.sub(r"\1", text)  # "Mrs. Alvarez" does not start a sentence
    for sentence in sentences(text):
        tokens = list(re.finditer(r"\w+(?:['’]\w+)*", sentence))
        for i, m in enumerate(tokens):
            word = base_name(m.group())
            if not word[:1].isupper() or (len(word) > 1 and word.isupper()) or not word.isalpha():
                continue
            before = sentence[tokens[i - 1].end():m.start()] if i else sentence[:m.start()]
            initial = i == 0 or any(ch in _OPENERS for ch in before) or bool(re.search(r"[.!?…]", before))
            near = [t.group() for t in tokens[max(0, i - 1):i + 2] if t is not m]
            speech = any(SPEECH.match(w) for w in near)
            place = i > 0 and tokens[i - 1].group().lower() in PLACE_WORDS
            if nouns_capitalized and not speech:
                continue
            found.append((word, initial, speech, place))
    return found


def edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def misspelling_of(word: str, cast: dict[str, str]) -> str | None:
    """The cast name `word` looks like a misspelling of, if any."""
    folded = fold(word)
    for key, spelling in cast.items():
        if word == spelling or folded in (key + "s", key + "es"):
            continue
        if folded == key:
            return spelling  # differs only in accents or case: "Sofia" for "Sofía"
        if folded[:1] != key[:1] or len(key) < 4:
            continue
        if edits(folded, key) <= (2 if len(key) >= 7 else 1):
            return spelling
    return None


def chapter_candidates(text: str, language: str, known: set[str], cast: dict[str, str],
                       lower: set[str]) -> dict[str, dict[str, int]]:
    """Per capitalized word that is not a known name (or is a cast name spelled with other accents): how
    often it is used, next to a speech verb, after a place preposition."""
    occ = occurrences(text, nouns_capitalized=language == "de")
    named = {fold(w) for w, initial, speech, _ in occ if not initial or speech}
    stats: dict[str, dict[str, int]] = {}
    for word, _initial, speech, place in occ:
        key = fold(word)
        respelled = key in cast and word != cast[key]
        if (key in known and not respelled) or key in NOT_NAMES or key in lower or key not in named:
            continue
        entry = stats.setdefault(word, Counter())
        entry["count"] += 1
        entry["speech"] += speech
        entry["place"] += place
    return stats


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    known, cast = known_names(request, bible)
    language = request.language.split("-")[0].lower()
    lower = {w for c in chapters for w in words(c.text) if w.islower()}
    per_chapter = {c.number: chapter_candidates(c.text, language, known, cast, {fold(w) for w in lower})
                   for c in chapters}
    totals: Counter[str] = Counter()
    spread: Counter[str] = Counter()
    for stats in per_chapter.values():
        for word, entry in stats.items():
            if 2 * entry["place"] <= entry["count"]:
                totals[word] += entry["count"]
                spread[word] += 1
    cast_list = ", ".join(sorted({c.name for c in bible.characters}))
    findings = {}
    for chapter in chapters:
        stats = per_chapter[chapter.number]
        misspelled = {w: m for w in stats if (m := misspelling_of(w, cast))}
        unknown = {w: e["count"] for w, e in stats.items() if w not in misspelled and 2 * e["place"] <= e["count"]
                   and (e["count"] >= MIN_UNKNOWN or (spread[w] >= 2 and totals[w] >= MIN_UNKNOWN_BOOK))}
        finding = ChapterFinding(scores={"misspelled": misspelled, "unknown_names": unknown})
        finding.problems.extend(f"\"{w}\" looks like a misspelling of \"{m}\"" for w, m in misspelled.items())
        finding.problems.extend(f"\"{w}\" ({n} times) is not a character of the story bible ({cast_list})"
                                for w, n in unknown.items())
        findings[chapter.number] = finding
    return GateResult.per_chapter(NAME, findings, characters=sorted(cast.values()),
                                  min_unknown_repeats=MIN_UNKNOWN)
