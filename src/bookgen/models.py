"""The contracts: what a caller asks for, what the steps store, what a finished book records.

Every model forbids unknown fields. Steps exchange ids and URIs; these models live in storage.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Format = Literal["epub", "pdf", "html", "md"]
ReadingLevel = Literal["early-reader", "middle-grade", "young-adult", "adult"]
PageSize = Literal["trade-6x9", "square-8.5", "a5"]
FORMATS: tuple[Format, ...] = ("epub", "pdf", "html", "md")
BOOK_ID = r"^[a-z0-9-]{1,64}$"
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reader(Strict):
    name: Short = Field(description="The reader's name, as it should appear in the book.")
    age: int | None = Field(None, ge=2, le=120)
    pronouns: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = None
    interests: list[Short] = Field(default_factory=list, max_length=10)
    reading_level: ReadingLevel | None = Field(None, description="Derived from age when absent.")

    @property
    def level(self) -> ReadingLevel:
        if self.reading_level:
            return self.reading_level
        if self.age is None or self.age >= 18:
            return "adult"
        if self.age <= 7:
            return "early-reader"
        return "middle-grade" if self.age <= 12 else "young-adult"


class BookRequest(Strict):
    """One reader and the book they should get."""

    reader: Reader
    genre: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
    premise: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    tone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    dedication: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    language: str = Field("en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="BCP 47 tag.")
    chapters: int = Field(5, ge=1, le=50)
    words_per_chapter: int = Field(600, ge=100, le=5000)
    formats: list[Format] = Field(default_factory=lambda: list(FORMATS), min_length=1)
    page_size: PageSize | None = Field(None, description="PDF page size; the setting BOOKGEN_PAGE_SIZE when absent.")
    book_id: str | None = Field(None, pattern=BOOK_ID, description="Derived from the request when absent.")
    callback_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$")] | None = None

    @field_validator("formats")
    @classmethod
    def _unique_formats(cls, v: list[Format]) -> list[Format]:
        return [f for f in FORMATS if f in v]

    @model_validator(mode="after")
    def _settings_limits(self) -> BookRequest:
        from bookgen.settings import get_settings

        s = get_settings()
        if self.chapters > s.max_chapters:
            raise ValueError(f"chapters: at most {s.max_chapters} (setting BOOKGEN_MAX_CHAPTERS)")
        if self.words_per_chapter > s.max_words_per_chapter:
            raise ValueError(f"words_per_chapter: at most {s.max_words_per_chapter}")
        return self

    def normalized(self) -> dict:
        """The request as it determines the book (no delivery details), in canonical form."""
        return self.model_dump(mode="json", exclude={"book_id", "callback_url"})

    def derived_book_id(self) -> str:
        if self.book_id:
            return self.book_id
        digest = hashlib.sha256(json.dumps(self.normalized(), sort_keys=True).encode()).hexdigest()[:12]
        return f"{slug(self.reader.name)[:24]}-{slug(self.genre)[:20]}-{digest}".strip("-")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "book"


# ---- the story bible (structured output of `outline`) ---------------------------------------------------------
Phrase = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Character(Strict):
    name: str = Field(min_length=1, max_length=60)
    role: str = Field(min_length=1, max_length=80)
    traits: list[Phrase] = Field(max_length=4)


class ChapterPlan(Strict):
    number: int = Field(ge=1)
    title: str = Field(max_length=120)
    beats: list[str] = Field(min_length=1, max_length=8)
    start_state: str = Field(max_length=300)
    end_state: str = Field(max_length=300)
    word_budget: int = Field(ge=50)


class ChapterDraft(Strict):
    """What the model plans per chapter; numbering and word budgets come from the request."""

    title: str = Field(min_length=1, max_length=120)
    beats: list[Phrase] = Field(min_length=1, max_length=4)
    start_state: str = Field(min_length=1, max_length=300)
    end_state: str = Field(min_length=1, max_length=300)


class BibleDraft(Strict):
    """The structured output `outline` asks the model for (turned into a StoryBible by `outline.normalize`)."""

    title: str = Field(min_length=1, max_length=200)
    premise: str = Field(min_length=1, max_length=1200)
    characters: list[Character] = Field(min_length=1, max_length=6)
    setting: str = Field(min_length=1, max_length=600)
    style_guide: str = Field(min_length=1, max_length=600)
    chapters: list[ChapterDraft] = Field(min_length=1)


class StoryBible(Strict):
    title: str = Field(max_length=200)
    premise: str = Field(max_length=1200)
    characters: list[Character] = Field(min_length=1, max_length=12)
    setting: str = Field(max_length=600)
    style_guide: str = Field(max_length=600)
    chapters: list[ChapterPlan] = Field(min_length=1)


class Usage(Strict):
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


class Chapter(Strict):
    """A chapter draft as `chapters` stores it: raw/books/{id}/chapters/{nn}.json."""

    number: int
    title: str
    text: str
    words: int
    model: str
    provider: str
    usage: Usage
    cost_usd: float = 0.0


class FileInfo(Strict):
    format: str
    key: str
    uri: str
    bytes: int
    sha256: str


class Manifest(Strict):
    """processed/books/{id}/manifest.json: what was made, from what, at what cost."""

    book_id: str
    status: Literal["running", "ready", "failed"]
    title: str | None = None
    language: str | None = None
    reader_name: str | None = None
    chapters: int = 0
    words: int = 0
    files: list[FileInfo] = Field(default_factory=list)
    cost_usd: float = 0.0
    tokens: Usage = Field(default_factory=Usage)
    quality: dict = Field(default_factory=dict)
    quality_passed: bool | None = None
    execution_id: str | None = None
    requested_at: str | None = None
    completed_at: str | None = None
    error: dict | None = None


class ManuscriptChapter(Strict):
    number: int
    title: str
    text: str  # plain text; paragraphs separated by blank lines


class Manuscript(Strict):
    """The one canonical form every format is rendered from."""

    book_id: str
    title: str
    language: str
    reader_name: str
    genre: str
    description: str = ""
    dedication: str | None = None
    author: str = "bookgen"
    date: str = "2026-01-01"  # ISO date of the book's request (rendering is deterministic: no clock reads)
    chapters: list[ManuscriptChapter]
