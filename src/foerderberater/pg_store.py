"""Index versions in PostgreSQL: write, publish atomically, open, garbage-collect, build lock.

A version is written in one transaction (partition ``chunks_v<id>`` with its HNSW and GIN
indexes, documents, lexical statistics and blobs); a crash or ``kill -9`` during the write
rolls it back, leaving only a ``building`` row that the next locked build removes. Publishing
updates the single row of ``current_index`` in one transaction, so every replica sees either
the old or the new version.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foerderberater.errors import (
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)
from foerderberater.pg_db import PgDatabase, TsVector, Vector, redact
from foerderberater.pg_filters import filter_columns
from foerderberater.pg_lexical import build_payload, split_parts
from foerderberater.pg_schema import EMBEDDING_DIM, LOCK_APP, LOCK_BUILD, migrate
from foerderberater.pg_version import PgVersion, table_of
from foerderberater.store import SCHEMA_VERSION, DocRecord
from foerderberater.types import Chunk, SkippedFile


@dataclass(frozen=True)
class HnswParams:
    m: int = 16
    ef_construction: int = 64


class DatabaseLockedError(IndexLockedError):
    """Another process holds the build lock (a PostgreSQL advisory lock)."""

    def __init__(self, url: str) -> None:
        super().__init__(Path(f"advisory-lock:{redact(url)}"))


def new_version_name() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


_CHUNK_COLUMNS = (
    "version_id, pos, chunk_id, doc_id, slug, title, section, pages, ordinal, text, kind,"
    " dokumenttyp, foerdergebiet, laender, kreise, foerderberechtigte, foerderart,"
    " technologiefelder, vorhabenart, embedding, terms, n_terms"
)
_CHUNK_TYPES = [
    "int8",
    "int4",
    "int8",
    "text",
    "text",
    "text",
    "text",
    "int4[]",
    "int4",
    "text",
    "text",
    "text",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "text[]",
    "vector",
    "tsvector",
    "int4",
]


_FILTER_ARRAYS = (
    "laender",
    "kreise",
    "foerderberechtigte",
    "foerderart",
    "technologiefelder",
    "vorhabenart",
)


class PgIndex:
    """The versioned index in one database (many readers, one writer at a time)."""

    def __init__(self, db: PgDatabase, hnsw: HnswParams | None = None) -> None:
        self.db = db
        self.hnsw = hnsw or HnswParams()

    def migrate(self) -> list[int]:
        conn = self.db.new_connection()
        try:
            return migrate(conn)
        finally:
            conn.close()

    # ------------------------------------------------------------------ build lock
    @contextmanager
    def build_lock(self) -> Iterator[Any]:
        """Hold the session advisory lock on a dedicated connection; it dies with the process."""
        conn = self.db.new_connection(autocommit=True)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_APP, LOCK_BUILD))
            if not got.fetchone()[0]:
                raise DatabaseLockedError(self.db.url)
            yield conn
        finally:
            conn.close()  # closing the session releases the lock

    # ------------------------------------------------------------------ write / publish
    def write_version(
        self,
        manifest: dict[str, Any],
        docs: Sequence[DocRecord],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        skipped: Iterable[SkippedFile] = (),
        name: str | None = None,
        timings: dict[str, float] | None = None,
    ) -> str:
        """Write a complete, unpublished version; returns its name.

        ``timings`` (optional) receives seconds per phase: lexical, copy, hnsw, gin, rest.
        """
        clock = _Clock(timings)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), -1)
        if len(chunks) and vectors.shape[1] != EMBEDDING_DIM:
            raise IndexMismatchError(Path("postgresql"), "dim", vectors.shape[1], EMBEDDING_DIM)
        name = name or new_version_name()
        texts = [c.embedding_text() for c in chunks]
        lexical = build_payload(texts)
        avg = float(np.mean(lexical.lengths)) if chunks else 0.0
        clock.lap("lexical")
        embedder = str(manifest.get("embedder", {}).get("name", ""))
        with self.db.connection() as conn:
            vid = conn.execute(
                "INSERT INTO index_versions (name, manifest, embedder, dim, chunks, avg_terms)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (name, json.dumps(manifest), embedder, EMBEDDING_DIM, len(chunks), avg),
            ).fetchone()[0]
        by_doc = {d.doc_id: filter_columns(d.kind, d.metadata) for d in docs}
        table = table_of(vid)
        with self.db.connection() as conn:
            conn.execute(
                f"CREATE TABLE {table} (LIKE chunks INCLUDING DEFAULTS,"
                f" CHECK (version_id = {int(vid)}))"
            )
            with conn.cursor().copy(
                "COPY documents (version_id, doc_id, slug, title, kind, sha256, n_pages,"
                " metadata) FROM STDIN"
            ) as copy:
                for d in docs:
                    copy.write_row(
                        (
                            vid,
                            d.doc_id,
                            d.slug,
                            d.title,
                            d.kind,
                            d.sha256,
                            d.n_pages,
                            json.dumps(d.metadata, ensure_ascii=False, default=str),
                        )
                    )
            copy_sql = f"COPY {table} ({_CHUNK_COLUMNS}) FROM STDIN (FORMAT BINARY)"
            with conn.cursor().copy(copy_sql) as copy:
                copy.set_types(_CHUNK_TYPES)
                for row, c in enumerate(chunks):
                    f = by_doc[c.doc_id]
                    copy.write_row(
                        (
                            vid,
                            row,
                            c.chunk_id,
                            c.doc_id,
                            c.slug,
                            c.title,
                            c.section,
                            list(c.pages),
                            c.ordinal,
                            c.text,
                            f["kind"],
                            f["dokumenttyp"],
                            f["foerdergebiet"],
                            f["laender"],
                            f["kreise"],
                            f["foerderberechtigte"],
                            f["foerderart"],
                            f["technologiefelder"],
                            f["vorhabenart"],
                            Vector(vectors[row]),
                            TsVector(lexical.tsvectors[row]),
                            lexical.lengths[row],
                        )
                    )
            conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (version_id, pos)")
            clock.lap("copy")
            conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
            conn.execute(
                f"CREATE INDEX {table}_hnsw ON {table} USING hnsw (embedding vector_ip_ops)"
                f" WITH (m = {int(self.hnsw.m)},"
                f" ef_construction = {int(self.hnsw.ef_construction)})"
            )
            clock.lap("hnsw")
            conn.execute(f"CREATE INDEX {table}_terms ON {table} USING gin (terms)")
            clock.lap("gin")
            conn.execute(f"CREATE INDEX {table}_doc ON {table} (doc_id, ordinal)")
            for col in _FILTER_ARRAYS:  # selective filters: bitmap scan + exact distances
                conn.execute(f"CREATE INDEX {table}_{col} ON {table} USING gin ({col})")
            clock.lap("filter_indexes")
            with conn.cursor().copy("COPY lexical_terms (version_id, term, df) FROM STDIN") as copy:
                for term, df in lexical.df.items():
                    copy.write_row((vid, term, df))
            blobs = {"vocabulary": "\n".join(lexical.vocabulary).encode("utf-8")}
            blobs.update({f"bm25/{k}": v for k, v in lexical.blobs.items()})
            for blob_name, data in blobs.items():
                for part, piece in enumerate(split_parts(data)):
                    conn.execute(
                        "INSERT INTO version_blobs (version_id, name, part, data)"
                        " VALUES (%s, %s, %s, %s)",
                        (vid, blob_name, part, piece),
                    )
            conn.cursor().executemany(
                "INSERT INTO skipped_files VALUES (%s, %s, %s, %s)",
                [(vid, s.path, s.reason, s.kept_previous) for s in skipped],
            )
            conn.execute(f"ALTER TABLE chunks ATTACH PARTITION {table} FOR VALUES IN ({int(vid)})")
            conn.execute(
                "UPDATE index_versions SET state = 'ready', ready_at = now() WHERE id = %s", (vid,)
            )
            conn.execute(f"ANALYZE {table}")
        clock.lap("rest")
        return name

    def publish(self, name: str) -> None:
        """Flip the single-row pointer to ``name`` (a ``ready`` version) in one transaction."""
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT id FROM index_versions WHERE name = %s AND state <> 'building' FOR UPDATE",
                (name,),
            ).fetchone()
            if row is None:
                raise IndexNotFoundError(Path(f"postgresql:{name}"))
            conn.execute(
                "INSERT INTO current_index (only_row, version_id) VALUES (true, %s)"
                " ON CONFLICT (only_row) DO UPDATE SET version_id = EXCLUDED.version_id,"
                " flipped_at = now()",
                (row[0],),
            )
            conn.execute(
                "UPDATE index_versions SET state = 'ready', published_at = now() WHERE id = %s",
                (row[0],),
            )

    def gc(self, keep: int = 2) -> list[str]:
        """Drop versions other than the live one and the ``keep - 1`` newest ready ones, and
        leftovers of killed builds. Call while holding ``build_lock`` (no build in flight)."""
        with self.db.connection() as conn:
            cur = conn.execute("SELECT version_id FROM current_index").fetchone()
            live = cur[0] if cur else None
            rows = conn.execute(
                "SELECT id, name, state FROM index_versions ORDER BY id DESC"
            ).fetchall()
        ready = [i for i, _, s in rows if s == "ready" and i != live][: max(0, keep - 1)]
        keep_ids = {live, *ready}
        dropped = []
        for vid, name, _state in rows:
            if vid in keep_ids:
                continue
            with self.db.connection() as conn:
                attached = conn.execute(
                    "SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)", (table_of(vid),)
                ).fetchone()
                if attached:
                    conn.execute(f"ALTER TABLE chunks DETACH PARTITION {table_of(vid)}")
                conn.execute(f"DROP TABLE IF EXISTS {table_of(vid)}")
                conn.execute("DELETE FROM index_versions WHERE id = %s", (vid,))
            dropped.append(name)
        return dropped

    # ------------------------------------------------------------------ read
    def current(self) -> tuple[int, str] | None:
        """The live version (one cheap query: replicas call it before every question)."""
        with self.db.reader() as conn:
            row = conn.execute(
                "SELECT v.id, v.name FROM current_index c JOIN index_versions v"
                " ON v.id = c.version_id"
            ).fetchone()
        return (int(row[0]), row[1]) if row else None

    def open_current(
        self, embedder_name: str | None = None, lexical_mode: str = "memory"
    ) -> PgVersion:
        cur = self.current()
        if cur is None:
            raise IndexNotFoundError(Path(f"postgresql:{redact(self.db.url)}"))
        version = PgVersion(self.db, cur[0], lexical_mode)
        if version.manifest.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise IndexMismatchError(
                Path("postgresql"),
                "schema_version",
                version.manifest.get("schema_version"),
                SCHEMA_VERSION,
            )
        found = version.manifest.get("embedder", {}).get("name")
        if embedder_name is not None and found != embedder_name:
            raise IndexMismatchError(Path("postgresql"), "embedder", found, embedder_name)
        return version


class _Clock:
    def __init__(self, out: dict[str, float] | None) -> None:
        self.out = out
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.out is not None:
            self.out[name] = round(now - self.t, 3)
        self.t = now
