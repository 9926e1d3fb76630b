"""A published index version read from PostgreSQL (the interface of ``store.IndexVersion``
that Advisor, Retriever and the incremental builder use, without FAISS)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from foerderberater.errors import IndexCorruptError
from foerderberater.pg_db import PgDatabase
from foerderberater.pg_lexical import PgLexicalSearch
from foerderberater.pg_schema import EMBEDDING_DIM
from foerderberater.store import DocRecord
from foerderberater.types import Chunk, SkippedFile


def table_of(version_id: int) -> str:
    return f"chunks_v{int(version_id)}"


class PgVersion:
    """A read-only, published version (interface of ``store.IndexVersion`` minus FAISS)."""

    def __init__(
        self, db: PgDatabase, version_id: int, lexical_mode: str | None = "memory"
    ) -> None:
        """``lexical_mode=None`` skips loading lexical search (builder's incremental reuse)."""
        self.db = db
        self.id = int(version_id)
        self.table = table_of(version_id)
        with db.connection() as conn:
            row = conn.execute(
                "SELECT name, manifest, chunks, avg_terms FROM index_versions WHERE id = %s",
                (self.id,),
            ).fetchone()
            if row is None:
                raise IndexCorruptError(f"postgresql: version {version_id} fehlt")
            docs = conn.execute(
                "SELECT doc_id, slug, title, kind, sha256, n_pages, metadata FROM documents"
                " WHERE version_id = %s",
                (self.id,),
            ).fetchall()
        self.name, self.manifest, self.n, self.avg_terms = row[0], row[1], int(row[2]), row[3]
        self.docs = {d[0]: DocRecord(*d) for d in docs}
        self.lexical: PgLexicalSearch | None = None
        if lexical_mode is not None:
            with db.connection() as conn:
                self.lexical = PgLexicalSearch(
                    conn, self.id, self.table, self.n, self.avg_terms, lexical_mode
                )

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

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, np.ndarray]]:
        with self.db.connection() as conn:
            cur = conn.cursor(binary=True)
            rows = cur.execute(
                "SELECT chunk_id, doc_id, slug, title, section, pages, ordinal, text, embedding"
                f" FROM {self.table} WHERE doc_id = %s ORDER BY ordinal",
                (doc_id,),
            ).fetchall()
        return [(Chunk(*r[:5], tuple(r[5]), r[6], r[7]), r[8]) for r in rows]

    def vectors(self) -> np.ndarray:
        """All vectors in row order (exact search in benchmarks and recall checks)."""
        with self.db.connection() as conn:
            cur = conn.cursor(binary=True)
            rows = cur.execute(f"SELECT embedding FROM {self.table} ORDER BY pos").fetchall()
        return np.vstack([r[0] for r in rows]) if rows else np.zeros((0, EMBEDDING_DIM), "f4")

    def row_doc_ids(self) -> list[str]:
        with self.db.connection() as conn:
            return [r[0] for r in conn.execute(f"SELECT doc_id FROM {self.table} ORDER BY pos")]

    def skipped(self) -> list[SkippedFile]:
        with self.db.connection() as conn:
            return [
                SkippedFile(p, r, bool(k))
                for p, r, k in conn.execute(
                    "SELECT path, reason, kept_previous FROM skipped_files WHERE version_id = %s",
                    (self.id,),
                )
            ]

    def close(self) -> None:
        """Nothing to release: connections belong to the ``PgDatabase`` pool."""
