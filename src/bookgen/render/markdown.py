"""Markdown (CommonMark) with a YAML front matter, from the same book view as every other format.

Reader and model text is data: every character that could start a heading, list, quote, code block, link,
emphasis, entity or raw HTML is escaped, so the text renders as written and nothing in it becomes markup.
The front matter uses JSON-style double-quoted scalars (valid YAML) with `<`, `>` and `&` as \\u escapes.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from bookgen.render.html import BookView, book_view

if TYPE_CHECKING:
    from bookgen.models import Manuscript

_INLINE = re.compile(r"([\\`*_\[\]~#])")  # backslash-escapable punctuation that can start inline markup
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # `&amp;` in the text must stay the five characters
_ORDERED = re.compile(r"^(\d{1,9})([.)])")  # "1." or "1)" at the start of a line starts a list
_BLOCK_START = re.compile(r"^([>+\-=|:])")  # quote, list, setext underline, table, definition
_YAML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def escape_inline(text: str) -> str:
    """Text that renders literally anywhere inside a Markdown line (no links, code, emphasis, HTML)."""
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return text.replace("<", "&lt;")


def escape_block(text: str) -> str:
    """A one-line paragraph that cannot become a heading, list, quote, code block or table."""
    text = escape_inline(text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BLOCK_START.sub(r"\\\1", text)


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (JSON syntax) that cannot carry markup or break the front matter."""
    quoted = json.dumps(value, ensure_ascii=False)
    return "".join(_YAML_ESCAPES.get(c, c) for c in quoted)


def front_matter(book: BookView) -> str:
    fields = {
        "title": book.title,
        "language": book.language,
        "reader": book.reader_name,
        "genre": book.genre,
        "date": book.date,
        "author": book.author,
        "identifier": f"urn:bookgen:{book.book_id}",
        "lang": book.language,  # the names pandoc reads
        "dir": book.direction,
    }
    if book.description:
        fields["description"] = book.description
    lines = [f"{key}: {yaml_string(value)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---"


def chapter_heading(label: str, title: str) -> str:
    return escape_inline(title if title == label else f"{label}: {title}")


def render_markdown(manuscript: Manuscript) -> bytes:
    """The book as UTF-8 Markdown: front matter, `#` title, `##` per chapter, blank-line paragraphs."""
    book = book_view(manuscript)
    blocks = [front_matter(book), f"# {escape_inline(book.title)}"]
    for_line = f"{book.for_before}{book.reader_name}{book.for_after}"
    blocks.append(f"*{escape_block(for_line)}*")
    blocks.extend(f"*{escape_block(p)}*" for p in book.dedication)
    for ch in book.chapters:
        blocks.append(f"## {chapter_heading(ch.label, ch.title)}")
        blocks.extend(escape_block(p) for p in ch.paragraphs)
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
