"""Manuscripts the rendering tests share (also imported by the subprocess in test_render.py)."""

from __future__ import annotations

from bookgen.models import Manuscript, ManuscriptChapter

SCRIPT = "<script>alert(1)</script>"
LONG_WORD = "Dragon" * 50  # 300 characters, no break opportunity
HEBREW = "שלום, דרקון קטן"
ARABIC = "مرحبا بالتنين"

# Paragraphs that would become markup if any format forgot to escape them.
HOSTILE_PARAGRAPHS = [
    f"She said \"hi\" & whispered 'bye' {SCRIPT} 🐉",
    f"{HEBREW} — {ARABIC} — mixed with English.",
    LONG_WORD,
    "# not a heading",
    "1. not a list",
    "- not a list either",
    "> not a quote",
    "```not code```",
    "[a link](javascript:alert(1)) and ![img](x.png)",
    "&amp; stays five characters, &copy; too, and &#60; as well",
    "<b>not bold</b> <img src=x onerror=alert(1)>",
    "*not emphasis* and _not either_ and \\backslash\\",
    "---",
    "| a | b |",
    "]]> <![CDATA[ x ]]> <!-- comment -->",
]
CHAPTER_TITLES = [
    f'The First Flight {SCRIPT} & "Quotes" 🐉',
    f"The Second Door {HEBREW}",
    "The Third Word",
]
# What the PDF test looks for: a plain-ASCII part of each title.
TITLE_MARKERS = ["The First Flight", "The Second Door", "The Third Word"]


def hostile(
    language: str = "en",
    dedication: str | None = None,
    book_id: str = "maya-fantasy-0123456789ab",
    control_chars: bool = True,
) -> Manuscript:
    """A 3-chapter manuscript whose every reader- or model-supplied field tries to inject markup."""
    paragraphs = list(HOSTILE_PARAGRAPHS)
    if control_chars:  # characters XML cannot carry: they must vanish, not break the EPUB
        paragraphs.append("bell\x07 nul\x00 vt\x0b del\x7f lone\ud800surrogate")
    text = "\n\n".join(paragraphs)
    return Manuscript(
        book_id=book_id,
        title=f"Maya & the <b>Dragon</b> {SCRIPT} 🐉",
        language=language,
        reader_name=f'Maya "M" <i>{HEBREW}</i>',
        genre="fantasy",
        description=f"A tale with {SCRIPT} & friends",
        dedication=dedication,
        author="bookgen",
        date="2026-03-04",
        chapters=[ManuscriptChapter(number=i + 1, title=t, text=text) for i, t in enumerate(CHAPTER_TITLES)],
    )


def long_book(chapters: int = 10, words: int = 6000, language: str = "en") -> Manuscript:
    """A plain manuscript of about `words` words, for timings."""
    sentence = "The little dragon looked at the sea and thought about the long way home tonight."
    per_chapter = words // chapters
    paragraph = " ".join([sentence] * 5)  # 75 words
    text = "\n\n".join([paragraph] * max(1, per_chapter // 75))
    return Manuscript(
        book_id="timing-book",
        title="A Long Way Home",
        language=language,
        reader_name="Maya",
        genre="adventure",
        description="Timing",
        dedication="For Maya, who reads every night.",
        chapters=[
            ManuscriptChapter(number=i, title=f"Chapter title {i}", text=text) for i in range(1, chapters + 1)
        ],
    )


GREEK = "Ἡ θάλασσα θυμᾶται"
CYRILLIC = "Море всё помнит"
EMOJI = "🐉🌊"
#: Long words of each language, so hyphenation has something to do in a narrow column.
LONG_WORDS = {
    "en": "Notwithstanding extraordinarily incomprehensible characteristically disproportionate",
    "de": "Donaudampfschifffahrtsgesellschaft Rindfleischetikettierungsüberwachungsaufgaben",
    "es": "Extraordinariamente incomprensible desafortunadamente responsabilidades internacionalización",
    "fr": "Anticonstitutionnellement extraordinairement incompréhensible responsabilités",
}


def multilingual(language: str = "en") -> Manuscript:
    """One chapter of long words in `language`, plus Greek, Cyrillic and emoji (fonts and hyphenation)."""
    words = LONG_WORDS.get(language, LONG_WORDS["en"])
    paragraph = " ".join([words] * 6)
    text = "\n\n".join([f"In three alphabets: {GREEK} — {CYRILLIC} — {EMOJI}", *([paragraph] * 4)])
    return Manuscript(
        book_id=f"words-{language}",
        title="Words",
        language=language,
        reader_name="Ana",
        genre="poetry",
        date="2026-03-04",
        chapters=[ManuscriptChapter(number=1, title="Long words", text=text)],
    )
