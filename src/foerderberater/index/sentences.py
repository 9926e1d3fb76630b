"""Sentence records for answer evidence: split at build time, with page, section and chunk.

An answer quotes the one sentence (or two adjacent sentences) that states the asked fact, so the
index keeps every sentence of a document with the page it stands on. Title blocks of PDFs (the
text before the first heading on page 1) and boilerplate repeated across several documents
(disclaimers, "Digest erstellt für …") are flagged and never quoted. Front-matter text fields
("Antragsstelle: …") become quotable sentences of the section ``STECKBRIEF`` without a page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from foerderberater.core.text import split_sentences
from foerderberater.core.types import Chunk, Document, content_hash
from foerderberater.index.chunking import paragraph_units

STECKBRIEF = "Steckbrief"
MIN_CHARS = 20
ROW_SEP = " | "  # between the cells of a table row unit (index.pdf.tables, Markdown tables)
MAX_ROW_CHARS = 420  # the answer's quote limit: a longer row is quoted cell by cell
BOILERPLATE_MIN_DOCS = 3
# Front-matter text fields worth quoting, with the label shown before the value.
META_LABELS = {
    "antragsstelle": "Antragsstelle",
    "rechtsgrundlage": "Rechtsgrundlage",
    "frist_hinweis": "Hinweis zur Frist",
    "kumulierung_hinweis": "Kombination mit anderen Förderungen",
    "vorhabenbeginn_hinweis": "Vorhabenbeginn",
    "foerdergeber": "Fördergeber",
    "auftraggeber": "Auftraggeber",
}

_MD_NOISE = re.compile(r"(\*\*|__|`|^#+\s*|^\s*[-*+•]\s+|^\s*\|)", re.M)
_BULLET = re.compile(r"\s•\s")
_URL = re.compile(r"https?://|www\.", re.I)
_RULE = re.compile(r":?-{3,}:?")  # the |---|---| line under a Markdown table header
_DIGITS = re.compile(r"\d+")
_ABBREV_TAIL = re.compile(
    r"\b(rd|ca|bzw|vgl|gem|inkl|zzgl|ggf|evtl|sog|Mio|Mrd|Tsd|Nr|Abs|Art|S|u|z|d|k)\.$", re.I
)


@dataclass(frozen=True)
class Sentence:
    """One quotable sentence; ``ordinal`` orders the sentences of a document (metadata < 0)."""

    sentence_id: int
    doc_id: str
    chunk_id: int  # the chunk that contains the sentence (0 for front-matter sentences)
    page: int | None
    section: str
    ordinal: int
    text: str
    boilerplate: bool = False

    @staticmethod
    def make_id(doc_id: str, ordinal: int, text: str) -> int:
        return int(content_hash("sentence", doc_id, str(ordinal), text)[:16], 16) >> 1


def clean(text: str) -> str:
    """Markdown markers and table pipes out, whitespace collapsed."""
    text = _MD_NOISE.sub("", text).replace(" | ", " · ").strip(" |")
    return re.sub(r"\s+", " ", text).strip()


def table_row(line: str) -> list[str] | None:
    """A table row as quotable sentences, or None for other text.

    A row unit of a PDF table ("Größe: Kleine Unternehmen | C-Fördergebiet: 35 %") or a
    Markdown table row is never split at sentence ends inside its cells: it is one sentence
    ("Größe: Kleine Unternehmen · C-Fördergebiet: 35 %"), so a quote keeps the row label with
    its cells. A row longer than ``MAX_ROW_CHARS`` becomes one sentence per cell, each led by
    the row label.
    """
    if ROW_SEP not in line and not line.lstrip().startswith("|"):
        return None
    cells = [clean(c) for c in line.strip().strip("|").split("|")]
    cells = [c for c in cells if c and not _RULE.fullmatch(c)]
    if len(cells) < 2:
        return None
    joined = " · ".join(cells)
    if len(joined) <= MAX_ROW_CHARS:
        return [joined]
    return [f"{cells[0]} · {cell}" for cell in cells[1:]]


def _merge_abbreviations(parts: Sequence[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if out and _ABBREV_TAIL.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _chunk_of(text: str, chunks: Sequence[Chunk], cleaned: Sequence[str]) -> int:
    """The first chunk holding the sentence (a table-cell sentence: its row label)."""
    for probe in dict.fromkeys((text[:80], text.split(" · ", 1)[0][:80])):
        for chunk, chunk_text in zip(chunks, cleaned, strict=True):
            if probe in chunk_text:
                return chunk.chunk_id
    return chunks[0].chunk_id if chunks else 0


def document_sentences(doc: Document, chunks: Sequence[Chunk] = ()) -> list[Sentence]:
    """Front-matter sentences, then the body's sentences in reading order."""
    out: list[Sentence] = []
    for i, (key, label) in enumerate(META_LABELS.items()):
        value = doc.meta.json_value(key)
        if isinstance(value, str) and value.strip():
            text = f"{label}: {value.strip()}"
            ordinal = i - len(META_LABELS)
            out.append(
                Sentence(
                    Sentence.make_id(doc.doc_id, ordinal, text),
                    doc.doc_id,
                    0,
                    None,
                    STECKBRIEF,
                    ordinal,
                    text,
                )
            )
    units = list(paragraph_units(doc))
    has_sections = any(u.section for u in units)
    ordinal = 0
    pending: tuple[str, int, str] | None = None  # paragraph continued on the next page

    cleaned = [" ".join(clean(line) for line in c.text.split("\n")) for c in chunks]

    def sentences_of(raw: str) -> list[str]:
        row = table_row(raw)
        if row is not None:
            return row
        parts = _BULLET.split(raw)
        return [s for part in parts for s in _merge_abbreviations(split_sentences(clean(part)))]

    def emit(text: str, page: int, section: str) -> None:
        nonlocal ordinal
        for raw in text.split("\n"):
            for sentence in sentences_of(raw):
                if len(sentence) < MIN_CHARS or _URL.search(sentence):
                    continue
                sid = Sentence.make_id(doc.doc_id, ordinal, sentence)
                out.append(
                    Sentence(
                        sid,
                        doc.doc_id,
                        _chunk_of(sentence, chunks, cleaned),
                        page if page > 0 else None,
                        section,
                        ordinal,
                        sentence,
                    )
                )
                ordinal += 1

    for unit in units:
        title_block = has_sections and doc.has_pages and not unit.section and unit.page <= 1
        if title_block:
            continue
        if pending and unit.page != pending[1] and unit.text[:1].islower():
            # a paragraph running over a page break stays one text, cited with its first page
            pending = (f"{pending[0]} {unit.text}", pending[1], pending[2])
            continue
        if pending:
            emit(*pending)
        pending = (unit.text, unit.page, unit.section)
    if pending:
        emit(*pending)
    return out


def _key(text: str) -> str:
    return _DIGITS.sub("#", text.casefold())


def flag_boilerplate(
    per_doc: Mapping[str, Sequence[Sentence]], min_docs: int = BOILERPLATE_MIN_DOCS
) -> dict[str, list[Sentence]]:
    """Mark sentences whose text (digits ignored) stands in ``min_docs`` or more documents."""
    docs_of: dict[str, set[str]] = defaultdict(set)
    for doc_id, sentences in per_doc.items():
        for s in sentences:
            if s.section != STECKBRIEF:
                docs_of[_key(s.text)].add(doc_id)
    repeated = {k for k, docs in docs_of.items() if len(docs) >= min_docs}
    return {
        doc_id: [
            replace(s, boilerplate=_key(s.text) in repeated) if s.section != STECKBRIEF else s
            for s in sentences
        ]
        for doc_id, sentences in per_doc.items()
    }


def quotable(sentences: Iterable[Sentence]) -> list[Sentence]:
    return [s for s in sentences if not s.boilerplate]


class SentenceSet:
    """Collects a build's sentences: reused ones with their vectors, new ones to embed."""

    def __init__(self) -> None:
        self._by_doc: dict[str, list[Sentence]] = {}
        self._vectors: dict[int, np.ndarray] = {}
        self._missing: list[Sentence] = []

    def keep(self, doc_id: str, stored: Sequence[tuple[Sentence, np.ndarray]]) -> None:
        """An unchanged document: its stored sentences and vectors are reused as they are."""
        self._by_doc[doc_id] = [s for s, _ in stored]
        self._vectors.update({s.sentence_id: v for s, v in stored})

    def add(self, doc_id: str, sentences: Sequence[Sentence]) -> None:
        self._by_doc[doc_id] = list(sentences)
        self._missing.extend(sentences)

    def missing_texts(self) -> list[str]:
        """Texts still to embed, in the order ``set_vectors`` expects their vectors."""
        return [s.text for s in self._missing]

    def set_vectors(self, vectors: np.ndarray) -> None:
        if len(vectors) != len(self._missing):
            raise ValueError(f"{len(self._missing)} sentences but {len(vectors)} vectors")
        pairs = zip(self._missing, vectors, strict=True)
        self._vectors.update({s.sentence_id: v for s, v in pairs})
        self._missing = []

    def ordered(self, doc_ids: Iterable[str], dim: int) -> tuple[list[Sentence], np.ndarray]:
        """All sentences of ``doc_ids`` (boilerplate flagged) and their row-aligned vectors."""
        flagged = flag_boilerplate({d: self._by_doc.get(d, []) for d in doc_ids})
        sentences = [s for d in doc_ids for s in flagged[d]]
        if not sentences:
            return [], np.zeros((0, dim), dtype=np.float32)
        return sentences, np.vstack([self._vectors[s.sentence_id] for s in sentences])
