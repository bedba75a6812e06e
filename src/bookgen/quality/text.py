"""Text helpers shared by the gates: words, sentences, normalization, and plural- and case-tolerant matching.

Language-light on purpose: the gates must behave the same on English, Spanish, French and German drafts, so
words are Unicode word runs and sentences end at . ! ? … (with closing quotes), or at a line break.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+(?:['’]\w+)*")
_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’»)\]]*|$)", re.MULTILINE)

# Function words that never identify an interest on their own ("her cat Pixel", "los trenes", "le jazz").
STOPWORDS = frozenset("""
a an the and or of in on at to for with my his her their our your its about from by into
el la los las un una unos unas y o de del al en con por para mi mis su sus tu tus
le les des du et ou au aux mon ma mes son sa ses
der die das den dem des ein eine und oder mit von zu im am
""".split())


def words(text: str) -> list[str]:
    """The word tokens of `text` (apostrophes inside a word kept: "Maya's", "don't")."""
    return WORD.findall(text)


def sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order (a line break also ends a sentence)."""
    return [s.strip() for s in _SENTENCE.findall(text) if WORD.search(s)]


def fold(text: str) -> str:
    """Lowercase without accents: "Sofía" -> "sofia"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Folded words joined by single spaces: the form sentences are compared in."""
    return " ".join(words(fold(text)))


def base_name(token: str) -> str:
    """A token without a possessive ending: "Maya's" -> "Maya"."""
    return re.sub(r"['’]s?$", "", token)


def same_word(a: str, b: str) -> bool:
    """Equal after folding, allowing English/Spanish/French plurals: dinosaur ~ dinosaurs, tren ~ trenes,
    butterfly ~ butterflies, lápiz ~ lápices."""
    a, b = fold(a), fold(b)
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 3:
        return False
    suffix = long_[len(short):] if long_.startswith(short) else None
    if suffix in ("s", "es", "x"):
        return True
    return (short.endswith("y") and long_ == short[:-1] + "ies") or (
        short.endswith("z") and long_ == short[:-1] + "ces")


def content_words(phrase: str) -> list[str]:
    """The words of a phrase that can identify it: not function words, at least three letters (or the
    whole phrase when nothing else is left)."""
    found = [w for w in words(phrase) if len(w) >= 3 and fold(w) not in STOPWORDS]
    return found or words(phrase)


def mentions(text: str, phrase: str, known_words: set[str] | None = None) -> bool:
    """Whether `text` uses `phrase`: any of its content words appears, ignoring case, accents and plurals.
    Pass `known_words` (`vocabulary(text)`) when calling this many times on the same text."""
    vocab = known_words if known_words is not None else vocabulary(text)
    for word in content_words(phrase):
        target = fold(word)
        if target in vocab or any(same_word(target, v) for v in vocab if v[:2] == target[:2]):
            return True
    return False


def vocabulary(text: str) -> set[str]:
    """The folded words of `text`."""
    return {fold(w) for w in words(text)}
