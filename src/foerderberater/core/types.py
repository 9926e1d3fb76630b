"""Frozen value types passed between the layers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from foerderberater.core.schema import Meta, TextMeta


def content_hash(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class Page:
    number: int  # 1-based page number; 0 for documents without pages
    text: str


@dataclass(frozen=True)
class Document:
    doc_id: str  # file path relative to the corpus, POSIX style
    slug: str  # file stem
    title: str
    pages: tuple[Page, ...]
    meta: Meta = field(default_factory=TextMeta, hash=False, compare=False)
    sha256: str = ""

    @property
    def kind(self) -> str:
        """The document type: "Programm" | "Studie" | "Text" (``core.vocab.DOKUMENTTYP``)."""
        return self.meta.dokumenttyp

    @property
    def has_pages(self) -> bool:
        return any(p.number > 0 for p in self.pages)


@dataclass(frozen=True)
class Chunk:
    chunk_id: int  # 63-bit id derived from the content hash; the FAISS id
    doc_id: str
    slug: str
    title: str
    section: str
    pages: tuple[int, ...]
    ordinal: int
    text: str

    @staticmethod
    def make_id(doc_id: str, ordinal: int, text: str) -> int:
        return int(content_hash(doc_id, str(ordinal), text)[:16], 16) & 0x7FFF_FFFF_FFFF_FFFF

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages and self.pages[0] > 0 else None

    def embedding_text(self) -> str:
        """Text given to the embedder: title and section give the passage its context."""
        head = self.title if not self.section else f"{self.title} – {self.section}"
        return f"{head}\n{self.text}"


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str
    kept_previous: bool = False  # an older indexed version of the file is still served


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score used for ranking
    dense_score: float | None = None
    lexical_score: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    meta: Meta = field(default_factory=TextMeta, hash=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """One hit of ``search --json``."""
        return {
            "doc_id": self.chunk.slug,
            "path": self.chunk.doc_id,
            "title": self.chunk.title,
            "section": self.chunk.section,
            "page": self.chunk.page,
            "score": round(self.score, 6),
            "dense_score": self.dense_score,
            "lexical_score": self.lexical_score,
            "text": self.chunk.text,
        }


@dataclass(frozen=True)
class Source:
    """One cited document with its best passages; ``number`` is the [n] in the answer."""

    number: int
    doc_id: str
    slug: str
    title: str
    page: int | None
    score: float
    snippet: str
    url: str | None
    meta: Meta = field(default_factory=TextMeta, hash=False, compare=False)
    hits: tuple[Hit, ...] = ()

    @property
    def kind(self) -> str:
        return self.meta.dokumenttyp


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    sources: tuple[Source, ...]
    warnings: tuple[str, ...] = ()
    region: str | None = None
    standalone_query: str = ""
    filters: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    hits: tuple[Hit, ...] = ()
    index_version: str = ""  # the index version that produced this answer
    partial: bool = False  # the corpus covers only part of the question (see ``gaps``)
    gaps: tuple[str, ...] = ()  # what the corpus does not cover, worded for the user
    intents: tuple[str, ...] = ()  # what the question asks: rate, amount, deadline, …
    generator: str = "extractive"  # "extractive" | "llm:<model>"

    def to_json(self) -> dict[str, Any]:
        """The machine-readable contract of ``ask --json``."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "sources": [
                {
                    "doc_id": s.slug,
                    "title": s.title,
                    "page": s.page,
                    "score": round(float(s.score), 6),
                    "snippet": s.snippet,
                    "url": s.url,
                }
                for s in self.sources
            ],
            "warnings": list(self.warnings),
            "region": self.region,
            "partial": self.partial,
            "gaps": list(self.gaps),
            "intents": list(self.intents),
            "generator": self.generator,
        }
