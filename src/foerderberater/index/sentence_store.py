"""Sentences of an index version: a SQLite table beside the chunks and their e5 vectors.

``sentences`` rows are in document order; ``sentence_vectors.npy`` (float16, L2-normalised) is
row-aligned with them. The reader loads one document's sentences on demand (indexed by
``doc_id``) and memory-maps the vectors, so a large index costs no start-up time.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from foerderberater.index.analysis import fold
from foerderberater.index.sentences import Sentence

SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCES_DDL = """
CREATE TABLE sentences (row INTEGER PRIMARY KEY, sentence_id INTEGER, doc_id TEXT,
                        chunk_id INTEGER, page INTEGER, section TEXT, ordinal INTEGER, text TEXT,
                        boilerplate INTEGER);
CREATE INDEX sentences_doc ON sentences(doc_id);
"""
_WORD = re.compile(r"[\w-]+")


def write_sentences(
    db: sqlite3.Connection, directory: Path, sentences: Sequence[Sentence], vectors: np.ndarray
) -> None:
    """Insert the rows (caller commits) and write the row-aligned vector file."""
    if len(sentences) != len(vectors):
        raise ValueError(f"{len(sentences)} sentences but {len(vectors)} vectors")
    db.executescript(SENTENCES_DDL)
    db.executemany(
        "INSERT INTO sentences VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                row,
                s.sentence_id,
                s.doc_id,
                s.chunk_id,
                s.page,
                s.section,
                s.ordinal,
                s.text,
                int(s.boilerplate),
            )
            for row, s in enumerate(sentences)
        ],
    )
    np.save(directory / SENTENCE_VECTORS, np.asarray(vectors, dtype=np.float16))


class SentenceTable:
    """Read side: sentences and vectors per document (thread-safe, cached per document)."""

    def __init__(self, db: sqlite3.Connection, directory: Path) -> None:
        self._db = db
        self._lock = threading.Lock()
        path = directory / SENTENCE_VECTORS
        self._vectors = np.load(path, mmap_mode="r") if path.exists() else None
        self._rows: dict[str, tuple[list[int], list[Sentence]]] = {}
        self._words: dict[str, frozenset[str]] = {}

    def _load(self, doc_id: str) -> tuple[list[int], list[Sentence]]:
        with self._lock:
            cached = self._rows.get(doc_id)
            if cached is None:
                rows = self._db.execute(
                    "SELECT row, sentence_id, doc_id, chunk_id, page, section, ordinal, text, "
                    "boilerplate FROM sentences WHERE doc_id=? ORDER BY row",
                    (doc_id,),
                ).fetchall()
                cached = (
                    [r[0] for r in rows],
                    [Sentence(r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8])) for r in rows],
                )
                if len(self._rows) > 4096:
                    self._rows.clear()
                self._rows[doc_id] = cached
            return cached

    def sentences_of(self, doc_id: str) -> list[Sentence]:
        return self._load(doc_id)[1]

    def sentence_vectors(self, doc_id: str) -> np.ndarray | None:
        """Vectors row-aligned with ``sentences_of(doc_id)`` (None for an index without them)."""
        rows = self._load(doc_id)[0]
        if self._vectors is None or not rows:
            return None
        return np.asarray(self._vectors[rows[0] : rows[-1] + 1], dtype=np.float32)

    def with_vectors(self, doc_id: str) -> list[tuple[Sentence, np.ndarray]]:
        """For incremental builds: the stored sentences of an unchanged document with vectors."""
        sentences = self.sentences_of(doc_id)
        vectors = self.sentence_vectors(doc_id)
        if vectors is None:
            return []
        return list(zip(sentences, vectors, strict=True))

    def doc_words(self, doc_id: str) -> frozenset[str]:
        """Folded words of a document's sentences and their section headings (does the study
        name "Besucher" at all? A table under "4. Fördersätze" names "Fördersätze")."""
        with self._lock:
            cached = self._words.get(doc_id)
        if cached is None:
            cached = words_of(self.sentences_of(doc_id))
            with self._lock:
                self._words[doc_id] = cached
        return cached


def words_of(sentences: Sequence[Sentence]) -> frozenset[str]:
    """The folded words of ``sentences`` (``doc_words`` of both index backends)."""
    return frozenset(fold(w) for s in sentences for w in _WORD.findall(f"{s.section} {s.text}"))
