"""Reading a rendered PDF the way a reviewer would (with pypdf): pages, outline, TOC numbers, margins, fonts."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pypdf

from bookgen.render.pages import PageSize


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def pages_text(data: bytes) -> list[str]:
    # pypdf decodes a font whose ToUnicode map holds a surrogate pair (the 🐉) as UTF-16, leaving NULs
    # between the letters of every string in that font; the map in the PDF itself is correct.
    return [(page.extract_text() or "").replace("\x00", "") for page in reader(data).pages]


def outline(data: bytes) -> list[tuple[str, int]]:
    """(title, 0-based page index) of each top-level bookmark."""
    pdf = reader(data)
    return [(o.title, pdf.get_destination_page_number(o)) for o in pdf.outline if not isinstance(o, list)]


def toc_numbers(texts: list[str], first_opener: int) -> list[int]:
    """The page numbers printed in the table of contents (the pages before the first chapter with leaders)."""
    return [
        int(n)
        for text in texts[:first_opener]
        if re.search(r"\.{4,}", text)
        for n in re.findall(r"\.{3,}\s*(\d+)", text)
    ]


@dataclass(frozen=True)
class Run:
    """A piece of text as drawn: position in PDF user space (y grows upwards), font size and font."""

    x: float
    y: float
    text: str
    size: float
    font: str


def runs(page: Any) -> list[Run]:
    found: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1) * size
            name = str((font or {}).get("/BaseFont", ""))
            found.append(Run(x, y, text.replace("\x00", ""), scale, name))

    page.extract_text(visitor_text=visit)
    return found


def margin_text(page: Any, size: PageSize, where: str) -> str:
    """The text drawn in the top ("top") or bottom ("bottom") page margin, whitespace removed."""
    if where == "top":
        parts = [r.text for r in runs(page) if r.y > size.height - size.top + 1]
    else:
        parts = [r.text for r in runs(page) if r.y < size.bottom - 1]
    return re.sub(r"\s+", "", "".join(parts))


def fonts(data: bytes) -> dict[str, dict[str, bool]]:
    """Every font in the pages' resources: name -> which of FontFile, FontFile2, FontFile3, Type3 it has."""
    out: dict[str, dict[str, bool]] = {}
    for page in reader(data).pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            name = str(font.get("/BaseFont") or font.get("/Name"))
            out[name] = {key: key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")}
            out[name]["Type3"] = font.get("/Subtype") == "/Type3" and "/CharProcs" in font
    return out


def squash(text: str) -> str:
    """Text compared the way a running header shows it: upper case, no whitespace."""
    return re.sub(r"\s+", "", text).upper()
