"""A simple cover, drawn locally with Pillow: title and the reader's name over a gradient in the genre's palette.

Deterministic: no clock, no randomness; the palette for an unknown genre is chosen by a hash of its name
(sha256, not Python's salted `hash`). Text is laid out with Pillow's Raqm engine when it is available, which
shapes Arabic and orders right-to-left text; DejaVu fonts when installed, Pillow's own font otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookgen.render.html import book_view

if TYPE_CHECKING:
    from bookgen.models import Manuscript

WIDTH, HEIGHT = 1600, 2400  # 2:3, the shape of a 6 x 9 in page
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
TITLE_FONT, NAME_FONT = "DejaVuSerif-Bold.ttf", "DejaVuSans.ttf"

Palette = tuple[str, str, str, str]  # top, bottom, text, accent
PALETTES: dict[str, Palette] = {  # first keyword found in the genre wins, so specific names come first
    "fairy": ("#3d2c8d", "#c779d0", "#fffaf0", "#ffd6e8"),
    "space": ("#0b0c2a", "#3a1c71", "#f5f5ff", "#ffd166"),
    "sci": ("#0f2027", "#2c5364", "#e8f6ff", "#7fdbff"),
    "horror": ("#0d0d0d", "#5c0a0a", "#f0e6e6", "#b3001b"),
    "mystery": ("#1c1c1c", "#4a4e69", "#f2e9e4", "#c9ada7"),
    "detective": ("#1c1c1c", "#4a4e69", "#f2e9e4", "#c9ada7"),
    "romance": ("#7b2d42", "#e07a8f", "#fff5f7", "#ffd1dc"),
    "bedtime": ("#14213d", "#4b5d8a", "#fdf0d5", "#fca311"),
    "fantasy": ("#2b1055", "#7597de", "#fdf6e3", "#f9d976"),
    "dragon": ("#2b1055", "#7597de", "#fdf6e3", "#f9d976"),
    "adventure": ("#0b3d2e", "#3f8f5f", "#fff8e7", "#f4d35e"),
    "animal": ("#283618", "#606c38", "#fefae0", "#dda15e"),
    "nature": ("#283618", "#606c38", "#fefae0", "#dda15e"),
    "histor": ("#5e3023", "#c08552", "#fff3e0", "#f3d5b5"),
    "comedy": ("#e76f51", "#f4a261", "#1d3557", "#264653"),
    "funny": ("#e76f51", "#f4a261", "#1d3557", "#264653"),
    "sport": ("#023e8a", "#0096c7", "#f1faee", "#ffb703"),
}
FALLBACK: tuple[Palette, ...] = (
    ("#22313f", "#4b77be", "#fdfdfd", "#f5d76e"),
    ("#4a1942", "#c64191", "#fff0f6", "#ffd6a5"),
    ("#0d3b66", "#3e7cb1", "#faf0ca", "#f4d35e"),
    ("#3c1518", "#a44200", "#fff8f0", "#f2f3ae"),
    ("#1b4332", "#52b788", "#f1faee", "#d8f3dc"),
)


def palette_for(genre: str) -> Palette:
    """The palette of the first keyword in the genre, else one picked by a stable hash of the genre."""
    name = genre.strip().lower()
    for keyword, palette in PALETTES.items():
        if keyword in name:
            return palette
    return FALLBACK[hashlib.sha256(name.encode()).digest()[0] % len(FALLBACK)]


@functools.cache
def _font(name: str, size: int) -> Any:
    """A DejaVu font from the system when present, else Pillow's bundled font at that size."""
    from PIL import ImageFont

    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def _shapes_text(font: Any) -> bool:
    """Whether the font lays text out with Raqm (bidi, shaping, language) rather than Pillow's basic engine."""
    from PIL import ImageFont

    return getattr(font, "layout_engine", None) == ImageFont.Layout.RAQM


def _length(font: Any, text: str) -> float:
    return float(font.getlength(text)) if text else 0.0


def wrap(text: str, font: Any, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _length(font, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and _length(font, line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def fit(text: str, font_name: str, width: float, height: float, sizes: range) -> tuple[Any, list[str]]:
    """The largest font size (from `sizes`, descending) at which the wrapped text fits the box."""
    font, lines = _font(font_name, sizes[-1]), [text]
    for size in sizes:
        font = _font(font_name, size)
        lines = wrap(text, font, width)
        if len(lines) * size * 1.25 <= height:
            break
    return font, lines


def _draw_lines(draw: Any, lines: list[str], font: Any, top: float, color: str, language: str) -> None:
    """Centred lines from `top`, one line-height (1.25 x size) apart."""
    size = font.size
    for i, line in enumerate(lines):
        x = (WIDTH - _length(font, line)) / 2
        y = top + i * size * 1.25
        if _shapes_text(font):
            draw.text((x, y), line, font=font, fill=color, language=language or None)
        else:
            draw.text((x, y), line, font=font, fill=color)


def cover_png(manuscript: Manuscript) -> bytes:
    """A 1600 x 2400 PNG cover: the same manuscript always gives the same bytes."""
    from PIL import Image, ImageDraw

    book = book_view(manuscript)
    top, bottom, ink, accent = palette_for(book.genre)

    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), bottom), Image.new("RGB", (WIDTH, HEIGHT), top), gradient
    )
    draw = ImageDraw.Draw(image)
    margin = WIDTH // 16
    draw.rectangle((margin, margin, WIDTH - margin, HEIGHT - margin), outline=accent, width=6)
    draw.ellipse(
        (WIDTH // 2 - 170, HEIGHT // 8 - 20, WIDTH // 2 + 170, HEIGHT // 8 + 320), outline=accent, width=10
    )
    primary = book.language.split("-")[0].lower()
    language = primary if primary.isascii() and primary.isalpha() and len(primary) in (2, 3) else ""

    box = WIDTH - 4 * margin
    font, lines = fit(book.title, TITLE_FONT, box, HEIGHT * 0.34, range(150, 39, -6))
    block = len(lines) * font.size * 1.25
    _draw_lines(draw, lines, font, HEIGHT * 0.5 - block / 2, ink, language)

    line_y = HEIGHT * 0.5 + block / 2 + 60
    draw.line((WIDTH // 2 - 160, line_y, WIDTH // 2 + 160, line_y), fill=accent, width=4)
    dedication = f"{book.for_before}{book.reader_name}{book.for_after}"
    font, lines = fit(dedication, NAME_FONT, box, HEIGHT * 0.12, range(72, 29, -4))
    _draw_lines(draw, lines, font, line_y + 70, ink, language)

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()
