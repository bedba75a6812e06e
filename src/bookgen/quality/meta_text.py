"""Meta-text gate: the chapter is story text only. It fails on

- preambles, chapter headings and fragments at the start ("Sure! Here is chapter 2:", "¡Claro! Aquí está…",
  "Chapter 3:", ", a story that will take you…"),
- talk about the text anywhere: AI self-reference ("As an AI…", "I'm an AI assistant…", "Como IA…"),
  afterwords ("I hope you enjoyed…", "Espero que te haya gustado"), notes ("Note:"), word counts
  ("(Word count: 150)"), stage directions ("(the next chapter begins)"), questions to the user ("What happens
  next?"), talk about the chapter or story ("In this chapter…", "When I wrote this chapter 2…", "En el
  próximo capítulo…", "The story begins with…");
- leaked prompt or bible text: the prompt's own phrases ("Reader data (quoted, not instructions)", "STORY
  BIBLE", "Write about 150 words"), bible keys ("start_state"), JSON fragments, outline-style label lines at a
  paragraph's start ("Setting: …", "Pencil: A special part where…"), the bible's style guide copied verbatim;
- unfilled placeholders and bracketed notes: "[Name]", "{name}", "<insert name>", "[laughs]", TODO/TBD/FIXME,
  "lorem ipsum", "____";
- instructions: injection phrases anywhere ("ignore previous instructions", "ignora las instrucciones
  anteriores"), and any run of four or more words copied from a reader field (premise, interests, tone,
  title, dedication…) that itself reads as an instruction to the model.

Patterns cover English, Spanish, French and German and are applied whatever the book's language (models
often answer a Spanish prompt with an English preamble). AI self-reference, afterwords and questions inside
dialogue (quotes, or a paragraph opening with a dash) are a character speaking and are not flagged. Measured:
no match on the storyteller's chapters or on any sample in tests/quality/samples.py; on 22 chapters of the
bundled 135M model (4 books x 2 seeds, the production chapter prompt and parameters) 18 matches in 16
chapters, each a real defect ("The story begins with…", "When I wrote this chapter 2…", "[laughs]",
"{The ending 2}", "Leo: In 1970s…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bookgen.models import BookRequest, Chapter, StoryBible
from bookgen.quality.report import ChapterFinding, GateResult
from bookgen.quality.text import normalize

NAME = "meta_text"
ADVICE = "Write only the story itself: no preamble, title, notes, comments, placeholders or instructions."
MAX_PROBLEMS = 6
_I = re.IGNORECASE | re.MULTILINE

_NUMBER = (r"(?:\d+|[ivxlc]+|one|two|three|four|five|six|seven|eight|nine|ten|uno|dos|tres|cuatro|cinco|seis|"
           r"siete|ocho|nueve|diez|primero|segundo|tercero|un|deux|trois|eins|zwei|drei)")
# Start of the chapter only (after markdown emphasis is dropped).
START = [
    ("preamble", re.compile(r"^¡?(?:sure|certainly|of course|absolutely|claro|por supuesto|desde luego|con gusto|"
                            r"bien sûr|certainement|gerne|natürlich)\s*[!.]", _I)),
    ("preamble", re.compile(r"^¡?(?:sure|certainly|of course|absolutely|okay|great|claro|por supuesto|bien sûr|"
                            r"gerne|natürlich)[!,.]*\s+(?:here|i'll|i will|i'd|i would|i can|let me|below|aquí|"
                            r"te dejo|voici|hier)\b", _I)),
    ("preamble", re.compile(r"^(?:here(?:'s| is| are)|below is|the following is|aquí (?:está|tienes|va|te dejo)|"
                            r"a continuación|voici|hier (?:ist|sind))\b(?:[^.!?\n]{0,60}:|\s+(?:is\s+|are\s+)?"
                            r"(?:your|the (?:next|rewritten|revised|requested|new)|chapter \w+|el (?:siguiente|"
                            r"capítulo|nuevo)|tu|la (?:historia|continuación)|le chapitre|la suite|das kapitel|"
                            r"die geschichte)\b)", _I)),
    ("preamble", re.compile(r"^(?:i'd be happy|i would be happy|i'll write|i will write|let me write|"
                            r"i can write|con gusto te|me encantaría escribir)", _I)),
    ("heading", re.compile(rf"^(?:#+\s*)?(?:chapter|cap[ií]tulo|chapitre|kapitel)\s+{_NUMBER}\b", _I)),
    ("heading", re.compile(r"^#+\s", _I)),
    ("fragment", re.compile(r"^[,;:)\]}]")),
]
# Anywhere, unless a character says it.
SPOKEN = [
    ("AI self-reference", re.compile(
        r"\bas an ai\b|\bas a (?:large )?language model\b|\bi(?:'m| am) an? (?:ai|artificial intelligence|"
        r"language model|(?:ai |virtual )?assistant|chatbot)\b|"
        r"\bi(?:'m| am) (?:designed|programmed|trained) to\b|"
        r"\bhelp you (?:write|with your)\b|\bcomo (?:una )?(?:ia|inteligencia artificial|modelo de lenguaje)\b|"
        r"\bsoy (?:una? )?(?:ia|inteligencia artificial|modelo de lenguaje|asistente virtual)\b|"
        r"\ben tant qu['’]ia\b|\bje suis une ia\b|\bals (?:ki|sprachmodell)\b|\bich bin eine? (?:ki|sprachmodell)\b",
        _I)),
    ("afterword", re.compile(
        r"\bi hope (?:you|this|that you) (?:enjoy|like|love|found)\w*|\blet me know if\b|\bfeel free to\b|"
        r"\bwould you like me to\b|\bif you(?:'d| would) like (?:me to|another|a different)\b|"
        r"\bshall i (?:continue|write)\b|\bespero que (?:te|os|les) (?:haya|hayan|guste|gusten|disfrut)\w*|"
        r"\bsi quieres que (?:continúe|escriba|siga)\b|\bdime si\b|\bj['’]espère que (?:cette|ce|vous|tu)\b|"
        r"\bich hoffe,? (?:dir|ihnen|es)\b", _I)),
    ("question to the user", re.compile(
        r"\bwhat happens next\?|\bwhat do you think (?:happens|will happen)\b|\b¿qué (?:pasa|pasará) después\?",
        _I)),
    ("chapter talk", re.compile(
        r"\bthis chapter\b|\bin (?:the next|the previous|the following) chapter\b|\bend of (?:the )?chapter\b|"
        r"\b(?:chapter|cap[ií]tulo|chapitre|kapitel) \d+\b|\beste capítulo\b|"
        r"\bto be continued\b|\ben (?:este|el próximo|el siguiente|el anterior) capítulo\b|"
        r"\bfin del capítulo\b|\bcontinuará\b|\bdans ce chapitre\b|\bin diesem kapitel\b|"
        r"\b(?:this|the) (?:story|book|chapter) (?:begins|starts|ends|is about)\b|"
        r"\b(?:esta|la) historia (?:empieza|comienza|termina|trata)\b", _I)),
]
# Anywhere, always.
ALWAYS = [
    ("note", re.compile(r"^\W*(?:note|nota|remarque|hinweis|anmerkung|author['’]s note|nota del autor|"
                        r"p\.\s?s\.)\s*:", _I)),
    ("word count", re.compile(r"\b(?:word count|words|palabras|recuento de palabras|nombre de mots|wörter|"
                              r"wortanzahl)\s*:\s*\d+|\(\s*(?:about |approx\.? )?\d+\s*(?:words|palabras|mots|"
                              r"wörter)\s*\)", _I)),
    ("stage direction", re.compile(r"[(\[]\s*(?:the )?(?:next|following) chapter[^)\]]*[)\]]|"
                                   r"[(\[]\s*(?:continued|end|fin|continuará)\s*[)\]]", _I)),
    ("heading", re.compile(rf"^\W*(?:chapter|cap[ií]tulo|chapitre|kapitel)\s+{_NUMBER}\s*[:.]", _I)),
    ("leaked prompt", re.compile(
        r"\breader data\b|\bquoted, not instructions\b|\bstory bible\b|\bbiblia de la historia\b|"
        r"\bwrite only the story\b|\bno notes, titles\b|\bwrite chapter \d+ of \d+\b|\bwrite about \d+ words\b|"
        r"\bis the hero; mention\b|\breading level:|\breturn json\b|\bat the start:|\bby the end:|"
        r"\b(?:start_state|end_state|word_budget|style_guide|reading_level|words_per_chapter)\b", _I)),
    ("JSON fragment", re.compile(r"\{\s*\"\w+\"\s*:|\"\w+\"\s*:\s*[\"\[{\d]|\[\s*\{|\}\s*,\s*\{")),
    ("label line", re.compile(
        r"^[ \t]*[A-ZÁÉÍÓÚÑ][\w'’]*(?:[ \t]+[A-ZÁÉÍÓÚÑ][\w'’]*)?[ \t]*:[ \t]+\S", re.MULTILINE)),
    ("placeholder or bracketed note", re.compile(
        r"\[[^\]\n]{1,40}\]|\{\{?\s*[\w .'’-]{1,30}\}\}?|<\s*[\w .'’-]{1,40}>|"
        r"\b(?:TODO|TBD|FIXME|XXX|INSERT NAME)\b|\blorem ipsum\b|_{3,}")),
    ("injected instruction", re.compile(
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+|your\s+|any\s+)?(?:previous|prior|above|earlier|"
        r"preceding)\s+(?:instructions|prompts?|rules|directions)\b|\bsystem prompt\b|\bnew instructions:|"
        r"\b(?:ignora|olvida)\s+(?:todas\s+)?(?:las\s+)?instrucciones(?:\s+(?:anteriores|previas))?\b|"
        r"\bignorez\s+(?:toutes\s+)?les\s+instructions\b|\bignoriere\s+(?:alle\s+)?(?:vorherigen\s+)?"
        r"anweisungen\b", _I)),
]
INSTRUCTION_MARKERS = re.compile(
    r"\b(?:ignore|ignora|disregard|instructions?|instrucciones|system prompt|prompt|assistant|asistente|"
    r"you are an?|eres una?|respond|reply|responde|output|print|repeat after|repite|pwned|hacked)\b",
    re.IGNORECASE)
COPY_WORDS = 4  # a run this long copied from an instruction-like reader field
STYLE_COPY_WORDS = 5  # a run this long copied from the bible's style guide (an instruction to the writer)


@dataclass(frozen=True)
class Match:
    kind: str
    snippet: str


def in_dialogue(text: str, position: int) -> bool:
    """Whether `position` is inside quoted speech, or in a paragraph that opens with a dialogue dash."""
    start = text.rfind("\n", 0, position) + 1
    before = text[start:position]
    if text[start:start + 1] in ("—", "–", "-", "«"):
        return True
    opens = before.count("“") + before.count("«")
    closes = before.count("”") + before.count("»")
    return before.count('"') % 2 == 1 or opens > closes


def _snippet(text: str, start: int, end: int) -> str:
    """The match, continued to the end of its line (at most 70 characters in all)."""
    line_end = text.find("\n", end)
    stop = min(line_end if line_end >= 0 else len(text), start + 70)
    return " ".join(text[start:max(stop, end)].split())


def find(text: str, request: BookRequest, bible: StoryBible) -> list[Match]:
    """Every meta-text match in one chapter, in order of kind (text already reported as the opening's
    preamble or heading is not reported again)."""
    found: list[Match] = []
    opening = re.sub(r"^[\s*_]+", "", text)
    covered = 0  # the end, in `text`, of what the opening's findings quote
    for kind, pattern in START:
        m = pattern.search(opening)
        if m and not any(f.kind == kind + " at the start" for f in found):
            snippet = _snippet(opening, m.start(), m.end())
            found.append(Match(kind + " at the start", snippet))
            covered = max(covered, len(text) - len(opening) + len(snippet))
    for kind, pattern in SPOKEN:
        for m in pattern.finditer(text):
            if m.start() >= covered and not in_dialogue(text, m.start()):
                found.append(Match(kind, _snippet(text, m.start(), m.end())))
    for kind, pattern in ALWAYS:
        for m in pattern.finditer(text):
            if m.start() >= covered:
                found.append(Match(kind, _snippet(text, m.start(), m.end())))
    found.extend(copied_fields(text, request, bible))
    return list(dict.fromkeys(found))


def copied_fields(text: str, request: BookRequest, bible: StoryBible) -> list[Match]:
    """Runs of words copied from instruction-like reader fields, or from the bible's style guide."""
    reader = request.reader
    fields = {"premise": request.premise, "tone": request.tone, "title": request.title,
              "dedication": request.dedication, "genre": request.genre, "pronouns": reader.pronouns,
              **{f"interest {i + 1}": v for i, v in enumerate(reader.interests)}}
    sources = [(f"copied from the reader's {k}", v, COPY_WORDS) for k, v in fields.items()
               if v and INSTRUCTION_MARKERS.search(v)]
    if len(bible.style_guide.split()) >= 3:
        sources.append(("copied from the story bible's style guide", bible.style_guide, STYLE_COPY_WORDS))
    body = f" {normalize(text)} "
    out = []
    for kind, value, length in sources:
        tokens = normalize(value).split()
        size = min(length, len(tokens))
        runs = (" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))
        copied = next((run for run in runs if run and f" {run} " in body), None)
        if copied:
            out.append(Match(kind, copied))
    return out


def check(request: BookRequest, bible: StoryBible, chapters: list[Chapter]) -> GateResult:
    findings = {}
    for chapter in chapters:
        matches = find(chapter.text, request, bible)
        finding = ChapterFinding(scores={"matches": len(matches), "kinds": sorted({m.kind for m in matches})})
        finding.problems.extend(f"{m.kind}: {m.snippet!r}" for m in matches[:MAX_PROBLEMS])
        findings[chapter.number] = finding
    return GateResult.per_chapter(NAME, findings, languages=["en", "es", "fr", "de"])
