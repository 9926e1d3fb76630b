"""Heading- and paragraph-aware, token-bounded chunking with sentence overlap."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from foerderberater.core.text import split_sentences
from foerderberater.core.types import Chunk, Document
from foerderberater.index.limits import Limits, check_chunk_count

TokenCounter = Callable[[str], int]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
# "3. Zentrale Ergebnisse", "2.1 Methodik", "A. Bund" – short lines without final period
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-H]\.)\s+[A-ZÄÖÜ][^\n]{2,80}$")


@dataclass(frozen=True)
class ChunkerConfig:
    chunk_tokens: int
    overlap_tokens: int

    def as_dict(self) -> dict[str, object]:
        return {
            # v2: the one sentence splitter (core.text); v3: additive token counts (no per-call
            # overhead per line or word), so short lines fill a chunk up to its budget
            "strategy": "section-paragraph-token-v3",
            "chunk_tokens": self.chunk_tokens,
            "overlap_tokens": self.overlap_tokens,
        }


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int
    section: str


def _is_pdf_heading(line: str) -> bool:
    s = line.strip()
    return bool(_NUMBERED_HEADING.match(s)) and not s.endswith((".", ",", ";", ":")) and len(s) < 90


def _flush(buf: list[str], page: int, section: str) -> Iterator[_Unit]:
    text = " ".join(x.strip() for x in buf if x.strip())
    buf.clear()
    if text:
        yield _Unit(text, page, section)


def paragraph_units(doc: Document) -> Iterator[_Unit]:
    """Paragraphs, list items and table rows with their page and section, in reading order."""
    section = ""
    for page in doc.pages:
        buf: list[str] = []
        markdown = page.number == 0
        for line in page.text.split("\n"):
            md = _MD_HEADING.match(line) if markdown else None
            if md or (not markdown and _is_pdf_heading(line)):
                yield from _flush(buf, page.number, section)
                section = (md.group(2) if md else line).strip()
                continue
            if not line.strip():
                yield from _flush(buf, page.number, section)
                continue
            if markdown and (re.match(r"^\s*([-*+]|\d+\.)\s+", line) or line.lstrip()[:1] == "|"):
                yield from _flush(buf, page.number, section)  # list items/table rows: own units
            buf.append(line)
        yield from _flush(buf, page.number, section)


def additive_token_counter(count: TokenCounter, probe: str = "Haus") -> TokenCounter:
    """``count`` minus its constant per-call overhead, so counts of pieces add up.

    A model's counter adds its prefix and special tokens on every call (e5: about 4 tokens).
    Summed over many short lines or words (units, or the pieces of LangChain's splitter), that
    constant filled the budget with nothing and made small chunks. The overhead is measured
    once as ``2 * count(w) - count(w + " " + w)`` for a plain word (the empty string is no good
    probe: e5 counts a lone separator token for it).
    """
    overhead = max(0, 2 * count(probe) - count(f"{probe} {probe}"))

    def counted(text: str) -> int:
        return max(0, count(text) - overhead)

    return counted


class Chunker:
    """Packs paragraph units into chunks up to the token budget; long units are split.

    ``limits``: stop with ``DocumentTooLarge`` once a document needs more than
    ``max_chunks_per_doc`` chunks (so a huge file cannot hold the build for hours).
    """

    def __init__(
        self, config: ChunkerConfig, count_tokens: TokenCounter, limits: Limits | None = None
    ) -> None:
        self.config = config
        self._raw = count_tokens  # one call: with the model's prefix and special tokens
        self.count = additive_token_counter(count_tokens)
        self.limits = limits

    def chunk(self, doc: Document) -> list[Chunk]:
        pieces: list[tuple[str, tuple[int, ...], str]] = []
        cur: list[_Unit] = []
        cur_tokens = 0
        section = None
        budget = self._budget(doc.title, "")

        def emit(carry_overlap: bool) -> None:
            nonlocal cur, cur_tokens
            if not cur:
                return
            text = "\n".join(u.text for u in cur)
            pages = tuple(sorted({u.page for u in cur}))
            pieces.append((text, pages, cur[0].section))
            tail = self._overlap_tail(text) if carry_overlap else ""
            cur = [_Unit(tail, cur[-1].page, cur[-1].section)] if tail else []
            cur_tokens = self.count(tail) if tail else 0

        for unit in paragraph_units(doc):
            if unit.section != section:
                emit(carry_overlap=False)
                section = unit.section
                budget = self._budget(doc.title, section)
            if self.limits is not None:  # stop early: a huge document must not hold the build
                check_chunk_count(doc.doc_id, len(pieces), self.limits)
            n = self.count(unit.text)
            if n > budget:
                emit(carry_overlap=False)
                for part in self._splitter(budget).split_text(unit.text):
                    pieces.append((part, (unit.page,), unit.section))
                continue
            if cur_tokens + n > budget:
                emit(carry_overlap=True)
            cur.append(unit)
            cur_tokens += n
        emit(carry_overlap=False)
        if self.limits is not None:
            check_chunk_count(doc.doc_id, len(pieces), self.limits)

        chunks = []
        for ordinal, (text, pages, sec) in enumerate(pieces):
            cid = Chunk.make_id(doc.doc_id, ordinal, text)
            chunks.append(Chunk(cid, doc.doc_id, doc.slug, doc.title, sec, pages, ordinal, text))
        return chunks

    def _budget(self, title: str, section: str) -> int:
        head = self._raw(f"{title} – {section}" if section else title)  # overhead counted once
        return max(min(32, self.config.chunk_tokens // 4), self.config.chunk_tokens - head)

    def _splitter(self, budget: int) -> RecursiveCharacterTextSplitter:
        return RecursiveCharacterTextSplitter(
            chunk_size=budget,
            chunk_overlap=min(self.config.overlap_tokens, budget // 4),
            length_function=self.count,
            separators=["\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def _overlap_tail(self, text: str) -> str:
        if self.config.overlap_tokens <= 0:
            return ""
        tail: list[str] = []
        used = 0
        for sentence in reversed(split_sentences(text)):
            n = self.count(sentence)
            if used + n > self.config.overlap_tokens:
                break
            tail.insert(0, sentence)
            used += n
        return " ".join(tail)
