"""The book view every format is built from, and the single-file HTML rendering.

`book_view` turns a `Manuscript` into the one canonical, already-cleaned form the templates read: text with
characters that XML cannot carry removed, paragraphs split, direction and localized labels resolved. HTML,
EPUB and PDF render it through the Jinja2 templates in `templates/` (autoescape on: every string the reader
or the model supplied is data); Markdown renders it with its own escaping.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bookgen.render.pages import DEFAULT_PAGE_SIZE

if TYPE_CHECKING:
    import jinja2

    from bookgen.models import Manuscript

HERE = Path(__file__).parent
Direction = Literal["ltr", "rtl"]

# Languages written right to left, and the script subtags that make any language tag right to left.
RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})
RTL_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg", "mand", "samr"})

# Anything XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/F) plus C1 controls and DEL.
_INVALID_CHARS = re.compile("[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\v]*\n")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


@dataclass(frozen=True)
class Labels:
    """The few words the book itself prints, in the book's language."""

    contents: str
    chapter: str  # "Chapter {n}"
    for_reader: str  # "For {name}"
    cover: str
    title_page: str

    def chapter_label(self, number: int) -> str:
        return self.chapter.format(n=number)

    def for_parts(self) -> tuple[str, str]:
        """The text before and after the reader's name (which the templates isolate with <bdi>)."""
        before, _, after = self.for_reader.partition("{name}")
        return before, after


LABELS: dict[str, Labels] = {
    "en": Labels("Contents", "Chapter {n}", "For {name}", "Cover", "Title page"),
    "es": Labels("Índice", "Capítulo {n}", "Para {name}", "Cubierta", "Portada"),
    "fr": Labels("Table des matières", "Chapitre {n}", "Pour {name}", "Couverture", "Page de titre"),
    "de": Labels("Inhalt", "Kapitel {n}", "Für {name}", "Umschlag", "Titelseite"),
    "it": Labels("Indice", "Capitolo {n}", "Per {name}", "Copertina", "Frontespizio"),
    "pt": Labels("Sumário", "Capítulo {n}", "Para {name}", "Capa", "Folha de rosto"),
    "nl": Labels("Inhoud", "Hoofdstuk {n}", "Voor {name}", "Omslag", "Titelpagina"),
    "he": Labels("תוכן העניינים", "פרק {n}", "עבור {name}", "כריכה", "עמוד שער"),
    "ar": Labels("المحتويات", "الفصل {n}", "إلى {name}", "الغلاف", "صفحة العنوان"),
    "fa": Labels("فهرست", "فصل {n}", "برای {name}", "جلد", "صفحهٔ عنوان"),
}


@dataclass(frozen=True)
class ChapterView:
    """One chapter as the templates see it. `anchor` and `file_name` come from its position, so are unique."""

    number: int
    title: str
    label: str
    anchor: str
    file_name: str
    paragraphs: tuple[str, ...]
    initial: str = ""  # the opening letter the print rules set as a drop cap ("" when there is none)


@dataclass(frozen=True)
class BookView:
    """The canonical, cleaned book: every format reads this and nothing else."""

    book_id: str
    title: str
    language: str
    direction: Direction
    reader_name: str
    genre: str
    description: str
    dedication: tuple[str, ...]
    author: str
    date: str
    chapters: tuple[ChapterView, ...]
    labels: Labels

    @property
    def for_before(self) -> str:
        return self.labels.for_parts()[0]

    @property
    def for_after(self) -> str:
        return self.labels.for_parts()[1]


def clean(text: str) -> str:
    """NFC text without characters XML cannot carry; line endings normalized to \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _INVALID_CHARS.sub("", text))


def one_line(text: str) -> str:
    """A cleaned string with runs of ASCII whitespace collapsed (non-breaking spaces are kept)."""
    return _SPACES.sub(" ", clean(text)).strip()


def paragraphs(text: str) -> tuple[str, ...]:
    """Paragraphs separated by blank lines; single line breaks inside a paragraph become spaces."""
    parts = (one_line(p) for p in _PARAGRAPH_BREAK.split(clean(text)))
    return tuple(p for p in parts if p)


def initial_letter(paragraph: str) -> str:
    """The first letter of a paragraph with the punctuation before it (what CSS calls ::first-letter), for a
    drop cap: "" unless that letter is a left-to-right letter or digit (no drop cap for "# ...", emoji, or
    Hebrew and Arabic, whose letters must not be cut from their words). Combining marks stay with it.

    WeasyPrint does not move the rest of the first line aside for a floated `::first-letter`, so the print
    rules float a real element holding these characters instead.
    """
    i = 0
    while i < min(len(paragraph), 3) and unicodedata.category(paragraph[i])[0] == "P":
        i += 1  # at most three: an opening quote or two, not a line of dots
    if i >= len(paragraph) or unicodedata.bidirectional(paragraph[i]) not in ("L", "EN"):
        return ""
    if unicodedata.category(paragraph[i])[0] not in "LN":
        return ""
    i += 1
    while i < len(paragraph) and unicodedata.category(paragraph[i])[0] == "M":
        i += 1
    return paragraph[:i]


EPOCH = dt.datetime(1980, 1, 1)  # the earliest time a zip entry can carry


def book_datetime(date: str) -> dt.datetime:
    """The manuscript's date at midnight UTC (naive), or 1980-01-01 when it is not an ISO date. Never the clock."""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", date)
    if not match:
        return EPOCH
    try:
        year, month, day = (int(g) for g in match.groups())
        value = dt.datetime(year, month, day)
    except ValueError:
        return EPOCH
    return max(value, EPOCH)


def text_direction(language: str) -> Direction:
    """'rtl' for right-to-left languages (ar, he, fa, ur, ...) or script subtags (e.g. az-Arab)."""
    subtags = language.strip().lower().replace("_", "-").split("-")
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():
            return "rtl" if subtag in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0] in RTL_LANGUAGES else "ltr"


def labels_for(language: str) -> Labels:
    """Labels for the language's primary subtag, English when we have none."""
    primary = language.strip().lower().replace("_", "-").split("-")[0]
    return LABELS.get("he" if primary == "iw" else primary, LABELS["en"])


def book_view(manuscript: Manuscript) -> BookView:
    """The canonical view of a manuscript (pure: the same manuscript always gives the same view)."""
    language = one_line(manuscript.language) or "en"
    labels = labels_for(language)
    direction = text_direction(language)
    chapters = []
    for i, ch in enumerate(manuscript.chapters, start=1):
        texts = paragraphs(ch.text)
        chapters.append(
            ChapterView(
                number=ch.number,
                title=one_line(ch.title) or labels.chapter_label(ch.number),
                label=labels.chapter_label(ch.number),
                anchor=f"ch-{i:02d}",
                file_name=f"chapter-{i:02d}.xhtml",
                paragraphs=texts,
                initial=initial_letter(texts[0]) if texts and direction == "ltr" else "",
            )
        )
    return BookView(
        book_id=one_line(manuscript.book_id),
        title=one_line(manuscript.title) or one_line(manuscript.book_id),
        language=language,
        direction=direction,
        reader_name=one_line(manuscript.reader_name),
        genre=one_line(manuscript.genre),
        description=one_line(manuscript.description),
        dedication=paragraphs(manuscript.dedication or ""),
        author=one_line(manuscript.author),
        date=one_line(manuscript.date),
        chapters=tuple(chapters),
        labels=labels,
    )


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment for every template (and `css/print.css`): autoescape always on, undefined names
    are errors."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([HERE / "templates", HERE / "css"]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def stylesheet(paged: bool = True, page_size: str = DEFAULT_PAGE_SIZE, direction: Direction = "ltr") -> str:
    """The book's CSS: `css/book.css` (shared by HTML, EPUB and PDF), then, when `paged`, the paged-media
    rules of `css/print.css` for one page size and direction (@page with margin boxes, running strings, @media
    print). EPUB takes `paged=False`: reading systems and epubcheck's CSS parser do not take page-margin
    boxes.
    """
    css = (HERE / "css" / "book.css").read_text(encoding="utf-8")
    if not paged:
        return css
    from bookgen.render.pages import print_css

    return css.rstrip() + "\n\n" + print_css(page_size, direction)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(
    manuscript: Manuscript, cover_png: bytes | None = None, *, page_size: str = DEFAULT_PAGE_SIZE
) -> bytes:
    """One self-contained HTML file: inline CSS, cover as a data URI, no script, UTF-8.

    Its print rules are those of `page_size` (the PDF renders this very file).
    """
    from markupsafe import Markup

    book = book_view(manuscript)
    css = stylesheet(True, page_size, book.direction)
    if "</" in css:  # our own files, but inlining them must never be able to close the <style> element
        raise ValueError("the book's CSS must not contain '</'")
    template = environment().get_template("book.html")
    text = template.render(
        book=book,
        css=Markup(css),
        cover_src=data_uri(cover_png) if cover_png else None,
    )
    return text.encode("utf-8")
