"""Page sizes of the printed book, and the paged-media stylesheet (`css/print.css`) written for one of them.

    page_size("a5") -> PageSize(...)           an unknown name is a ValueError that names it
    print_css(page_size("trade-6x9"), "ltr")   the @page rules, running headers, chapter openers, ...

The sizes are the ones a printer offers: `trade-6x9` (the default, a trade paperback), `square-8.5` (a picture
book: large type, generous margins), `a5`. Margins are mirrored: `inner` is the binding side of each spread.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

DEFAULT_PAGE_SIZE = "trade-6x9"
MM = 72 / 25.4  # points per millimetre
ASCENT, DESCENT, CAP_HEIGHT = 0.928, 0.236, 0.729  # DejaVu Serif, in ems (hhea ascent/descent, height of H)


@dataclass(frozen=True)
class PageSize:
    """One trim size and the typographic measures that go with it (lengths in PostScript points)."""

    name: str
    width: float
    height: float
    top: float  # margin above the text block (the running header sits in it)
    bottom: float  # margin below the text block (the folio sits in it)
    inner: float  # binding side
    outer: float
    font_size: float  # body text
    line_height: float  # as a multiple of the font size
    sink: float  # white space above a chapter title on its opening page

    @property
    def size_css(self) -> str:
        return f"{_pt(self.width)} {_pt(self.height)}"

    def drop_cap(self, lines: int = 2) -> dict[str, str]:
        """Font size, line height and top margin (in ems of the initial) of a drop cap `lines` deep: its cap
        height spans from the cap height of the first line to the baseline of line `lines`, and its float box
        stays shorter than those lines, so only they are indented (metrics of DejaVu Serif)."""
        leading = self.line_height
        first_baseline = (leading - ASCENT - DESCENT) / 2 + ASCENT  # from the top of a line box, in ems
        size = ((lines - 1) * leading + CAP_HEIGHT) / CAP_HEIGHT  # ems of the body text
        box = 0.9  # line height of the initial, in its own ems
        baseline = (box - ASCENT - DESCENT) / 2 + ASCENT  # from the top of its float box
        margin_top = ((lines - 1) * leading + first_baseline) / size - baseline
        return {"font_size": f"{size:.3f}em", "line_height": f"{box}", "margin_top": f"{margin_top:.3f}em"}


PAGE_SIZES: dict[str, PageSize] = {
    "trade-6x9": PageSize("trade-6x9", 432, 648, 54, 58, 54, 43, 10.5, 1.42, 110),
    "square-8.5": PageSize("square-8.5", 612, 612, 58, 62, 68, 54, 14, 1.5, 80),
    "a5": PageSize("a5", 148 * MM, 210 * MM, 15 * MM, 17 * MM, 19 * MM, 15 * MM, 10.5, 1.42, 105),
}


def page_size(name: str) -> PageSize:
    """The page size called `name`; ValueError naming it (and the known ones) otherwise."""
    try:
        return PAGE_SIZES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown page size {name!r}; expected one of {sorted(PAGE_SIZES)}") from None


def _pt(value: float) -> str:
    """A length in points, as CSS, with no float noise (`419.527559pt`, `54pt`)."""
    return f"{value:.6f}".rstrip("0").rstrip(".") + "pt"


@functools.cache
def print_css(name: str = DEFAULT_PAGE_SIZE, direction: Literal["ltr", "rtl"] = "ltr") -> str:
    """The paged-media rules for one page size and text direction (rendered from `css/print.css`).

    In a right-to-left book the recto (where chapters open and the chapter title runs) is the left page.
    """
    from bookgen.render.html import environment

    size = page_size(name)
    recto, verso = ("left", "right") if direction == "rtl" else ("right", "left")
    lengths = {
        key: _pt(getattr(size, key)) for key in ("top", "bottom", "inner", "outer", "font_size", "sink")
    }
    return (
        environment()
        .get_template("print.css")
        .render(
            size=size,
            length=lengths,
            recto=recto,
            verso=verso,
            drop_cap=size.drop_cap(),
        )
    )
