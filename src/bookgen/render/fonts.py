"""The open fonts the printed book is set in, and a check (warned about once per process) that they are there.

| family            | covers                                      | Debian package            |
|-------------------|---------------------------------------------|---------------------------|
| DejaVu Serif      | body text: Latin, Greek, Cyrillic           | fonts-dejavu-core         |
| DejaVu Sans       | Hebrew, Arabic, symbols the serif lacks     | fonts-dejavu-core         |
| Noto Color Emoji  | emoji (colour bitmaps, drawn as images)     | fonts-noto-color-emoji    |

`scripts/install-system-packages.sh` installs them. The CSS names the two DejaVu families and ends with the
generic `serif`; emoji reach Noto Color Emoji through fontconfig's fallback (naming it in the CSS list makes
Pango measure digits and spaces in the emoji font, which breaks WeasyPrint's justification). A machine
without one of them still renders: fontconfig substitutes another font, and glyphs no installed font has are
drawn as empty boxes; `check_fonts` logs one warning naming what is missing. WeasyPrint embeds a subset of
every font it uses, so the PDF never depends on the reader's fonts.
"""

from __future__ import annotations

import functools
import logging

LOGGER = logging.getLogger(__name__)

BOOK_FONTS: dict[str, str] = {
    "DejaVu Serif": "Latin, Greek and Cyrillic body text",
    "DejaVu Sans": "Hebrew, Arabic and symbols",
    "Noto Color Emoji": "emoji",
}
INSTALL_HINT = "bash scripts/install-system-packages.sh"


@functools.cache
def installed_families() -> frozenset[str]:
    """The font families fontconfig knows on this machine (the fonts WeasyPrint can use), read once."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    families: set[str] = set()
    try:
        font_set = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        if font_set == ffi.NULL:
            return frozenset()
        value = ffi.new("FcChar8 **")
        for i in range(font_set.nfont):
            n = 0
            while fontconfig.FcPatternGetString(font_set.fonts[i], b"family", n, value) == 0:
                families.add(ffi.string(value[0]).decode("utf-8", "replace"))
                n += 1
    finally:
        fontconfig.FcConfigDestroy(config)
    return frozenset(families)


def missing_fonts(available: frozenset[str] | None = None) -> tuple[str, ...]:
    """The book's font families that are not installed, in `BOOK_FONTS` order."""
    have = {f.casefold() for f in (installed_families() if available is None else available)}
    return tuple(family for family in BOOK_FONTS if family.casefold() not in have)


@functools.cache
def check_fonts() -> tuple[str, ...]:
    """The missing book fonts. The first call logs one warning when any are missing; later calls are silent."""
    missing = missing_fonts()
    if missing:
        detail = "; ".join(f"{family} ({BOOK_FONTS[family]})" for family in missing)
        LOGGER.warning(
            "book fonts missing, falling back to other installed fonts: %s. Install them with `%s`.",
            detail,
            INSTALL_HINT,
        )
    return missing
