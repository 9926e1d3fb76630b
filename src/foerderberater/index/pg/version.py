"""A published index version read from PostgreSQL: the reading surface of ``IndexVersion``
(documents, chunks, vectors, sentences, BM25) that search, answers, the Projekt-Check and the
incremental builder use. Dense search itself lives in ``search.pg_retrieval``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from foerderberater.core.errors import IndexCorruptError
from foerderberater.core.schema import load_meta
from foerderberater.core.types import Chunk, SkippedFile
from foerderberater.index.lexical import LexicalIndex
from foerderberater.index.pg.db import PgDatabase
from foerderberater.index.pg.lexical import load_lexical
from foerderberater.index.pg.writer import chunk_table, sentence_table
from foerderberater.index.sentence_store import words_of
from foerderberater.index.sentences import Sentence
from foerderberater.index.store import DocRecord

SENTENCE_CACHE_DOCS = 1024  # documents whose sentences (+ float16 vectors) stay in memory


class PgVersion:
    """A read-only, published version (``IndexVersion`` without FAISS files)."""

    backend = "postgresql"

    def __init__(self, db: PgDatabase, version_id: int) -> None:
        self.db = db
        self.id = int(version_id)
        self.table = chunk_table(self.id)
        with db.connection() as conn:
            row = conn.execute(
                "SELECT name, manifest, chunks, dim FROM index_versions"
                " WHERE id = %s AND state = 'ready'",
                (self.id,),
            ).fetchone()
            if row is None:
                raise IndexCorruptError(f"{db.label}: Indexversion {version_id} fehlt")
            docs = conn.execute(
                "SELECT doc_id, slug, title, sha256, n_pages, metadata FROM documents"
                " WHERE version_id = %s",
                (self.id,),
            ).fetchall()
        self.name: str = row[0]
        self.manifest: dict[str, Any] = row[1]
        self.n, self.dim = int(row[2]), int(row[3])
        where = f"{db.label}: {self.name}"
        self.docs = {
            d[0]: DocRecord(d[0], d[1], d[2], d[3], d[4], load_meta(d[5], f"{where}: {d[0]}"))
            for d in docs
        }
        self.sentences = PgSentenceTable(db, sentence_table(self.id))
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self.db.label

    @property
    def lexical(self) -> LexicalIndex:
        """The version's BM25 index, loaded into memory on first use (not for builder reuse)."""
        with self._lock:
            if self._lexical is None:
                with self.db.connection() as conn:
                    lexical = load_lexical(conn, self.id)
                if lexical.size != self.n:
                    raise IndexCorruptError(f"{self.location}: BM25 und Abschnitte passen nicht")
                self._lexical = lexical
            return self._lexical

    def __len__(self) -> int:
        return self.n

    def chunks_by_rows(self, rows: Sequence[int]) -> list[Chunk]:
        if not len(rows):
            return []
        with self.db.reader() as conn:
            found = {
                r[0]: Chunk(r[1], r[2], r[3], r[4], r[5], tuple(r[6]), r[7], r[8])
                for r in conn.execute(
                    "SELECT pos, chunk_id, doc_id, slug, title, section, pages, ordinal, text"
                    f" FROM {self.table} WHERE pos = ANY(%s)",
                    ([int(x) for x in rows],),
                )
            }
        return [found[int(r)] for r in rows]

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of a document in text order."""
        return [c for c, _ in self._doc_rows(doc_id, with_vectors=False)]

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, np.ndarray]]:
        """All chunks of a document with their stored vectors (for incremental reuse)."""
        return self._doc_rows(doc_id, with_vectors=True)

    def _doc_rows(self, doc_id: str, *, with_vectors: bool) -> list[tuple[Chunk, Any]]:
        vector = ", embedding" if with_vectors else ""
        with self.db.reader() as conn:
            rows = (
                conn.cursor(binary=True)
                .execute(
                    "SELECT chunk_id, doc_id, slug, title, section, pages, ordinal, text"
                    f"{vector} FROM {self.table} WHERE doc_id = %s ORDER BY ordinal",
                    (doc_id,),
                )
                .fetchall()
            )
        return [
            (Chunk(*r[:5], tuple(r[5]), r[6], r[7]), r[8] if with_vectors else None) for r in rows
        ]

    def vectors(self) -> np.ndarray:
        """All chunk vectors in row order (exact search in benchmarks and recall checks)."""
        with self.db.reader() as conn:
            cur = conn.cursor(binary=True)
            rows = cur.execute(f"SELECT embedding FROM {self.table} ORDER BY pos").fetchall()
        return np.vstack([r[0] for r in rows]) if rows else np.zeros((0, self.dim), np.float32)

    def row_doc_ids(self) -> list[str]:
        with self.db.reader() as conn:
            return [r[0] for r in conn.execute(f"SELECT doc_id FROM {self.table} ORDER BY pos")]

    def skipped(self) -> list[SkippedFile]:
        with self.db.reader() as conn:
            return [
                SkippedFile(p, r, bool(k))
                for p, r, k in conn.execute(
                    "SELECT path, reason, kept_previous FROM skipped_files WHERE version_id = %s",
                    (self.id,),
                )
            ]

    def close(self) -> None:
        """Nothing to release: connections belong to the ``PgDatabase`` pool."""


class PgSentenceTable:
    """Sentences and their vectors per document (the ``SentenceStore`` of answer.engine);
    the last ``SENTENCE_CACHE_DOCS`` documents read stay cached (vectors as float16)."""

    def __init__(self, db: PgDatabase, table: str) -> None:
        self.db = db
        self.table = table
        self._lock = threading.Lock()
        self._docs: OrderedDict[str, tuple[list[Sentence], np.ndarray]] = OrderedDict()
        self._words: dict[str, frozenset[str]] = {}

    def _load(self, doc_id: str) -> tuple[list[Sentence], np.ndarray]:
        with self._lock:
            cached = self._docs.get(doc_id)
            if cached is not None:
                self._docs.move_to_end(doc_id)
                return cached
        with self.db.reader() as conn:
            rows = (
                conn.cursor(binary=True)
                .execute(
                    "SELECT sentence_id, doc_id, chunk_id, page, section, ordinal, text,"
                    f" boilerplate, embedding FROM {self.table} WHERE doc_id = %s ORDER BY row",
                    (doc_id,),
                )
                .fetchall()
            )
        sentences = [Sentence(*r[:7], bool(r[7])) for r in rows]
        vectors = (
            np.vstack([r[8] for r in rows]).astype(np.float16)
            if rows
            else np.zeros((0, 0), np.float16)
        )
        with self._lock:
            self._docs[doc_id] = (sentences, vectors)
            while len(self._docs) > SENTENCE_CACHE_DOCS:
                self._docs.popitem(last=False)
        return sentences, vectors

    def sentences_of(self, doc_id: str) -> list[Sentence]:
        return self._load(doc_id)[0]

    def sentence_vectors(self, doc_id: str) -> np.ndarray | None:
        """Vectors row-aligned with ``sentences_of(doc_id)`` (None for a document without)."""
        sentences, vectors = self._load(doc_id)
        return np.asarray(vectors, dtype=np.float32) if sentences else None

    def with_vectors(self, doc_id: str) -> list[tuple[Sentence, np.ndarray]]:
        """For incremental builds: the stored sentences of an unchanged document with vectors."""
        sentences, vectors = self._load(doc_id)
        return list(zip(sentences, np.asarray(vectors, dtype=np.float32), strict=True))

    def doc_words(self, doc_id: str) -> frozenset[str]:
        """Folded words of a document's sentences (as ``SentenceTable.doc_words``)."""
        with self._lock:
            cached = self._words.get(doc_id)
        if cached is None:
            cached = words_of(self.sentences_of(doc_id))
            with self._lock:
                if len(self._words) > SENTENCE_CACHE_DOCS:
                    self._words.clear()
                self._words[doc_id] = cached
        return cached
