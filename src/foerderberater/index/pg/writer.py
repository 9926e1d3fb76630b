"""Write one index version into PostgreSQL (not yet published).

The ``building`` row of ``index_versions`` is committed first; everything else — the tables
``chunks_v<id>`` and ``sentences_v<id>`` (binary COPY), the HNSW index, the GIN filter indexes,
documents, skipped files, the BM25 blobs and ``state = 'ready'`` — is one transaction. A crash
or ``kill -9`` during the write rolls it back and leaves only the ``building`` row, which the
next locked build removes (``PgIndex.gc``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from foerderberater.index.backend import VersionData
from foerderberater.index.lexical import LexicalIndex
from foerderberater.index.pg.columns import FILTER_ARRAYS, FILTER_COLUMNS, filter_columns
from foerderberater.index.pg.db import HalfVector, PgDatabase, Vector
from foerderberater.index.pg.lexical import lexical_blobs, split_parts


@dataclass(frozen=True)
class HnswParams:
    m: int = 16
    ef_construction: int = 64


def chunk_table(version_id: int) -> str:
    return f"chunks_v{int(version_id)}"


def sentence_table(version_id: int) -> str:
    return f"sentences_v{int(version_id)}"


_CHUNK_COLUMNS = (
    ("pos", "integer", "int4"),
    ("chunk_id", "bigint", "int8"),
    ("doc_id", "text", "text"),
    ("slug", "text", "text"),
    ("title", "text", "text"),
    ("section", "text", "text"),
    ("pages", "integer[]", "int4[]"),
    ("ordinal", "integer", "int4"),
    ("text", "text", "text"),
) + tuple((n, t, t.replace("boolean", "bool")) for n, t in FILTER_COLUMNS)
_SENTENCE_COLUMNS = (
    ("row", "integer", "int4"),
    ("sentence_id", "bigint", "int8"),
    ("doc_id", "text", "text"),
    ("chunk_id", "bigint", "int8"),
    ("page", "integer", "int4"),
    ("section", "text", "text"),
    ("ordinal", "integer", "int4"),
    ("text", "text", "text"),
    ("boilerplate", "boolean", "bool"),
)


_NULLABLE = frozenset({"page"})  # front-matter sentences have no page


def _ddl(table: str, columns: tuple[tuple[str, str, str], ...], vector: str) -> str:
    cols = ", ".join(
        f"{name} {sql}" + ("" if name in _NULLABLE else " NOT NULL") for name, sql, _ in columns
    )
    return f"CREATE TABLE {table} ({cols}, embedding {vector} NOT NULL)"


def write_version(
    db: PgDatabase,
    data: VersionData,
    lexical: LexicalIndex | None = None,
    hnsw: HnswParams | None = None,
    timings: dict[str, float] | None = None,
) -> int:
    """Write a complete, unpublished version; returns its id. ``timings`` (optional) receives
    seconds per phase: lexical, copy, hnsw, indexes, rest."""
    hnsw = hnsw or HnswParams()
    clock = _Clock(timings)
    lexical = lexical or data.lexical()
    blobs = lexical_blobs(lexical)
    clock.lap("lexical")
    vectors = np.asarray(data.vectors, dtype=np.float32).reshape(len(data.chunks), data.dim)
    embedder = str(data.manifest.get("embedder", {}).get("name", ""))
    with db.connection() as conn:
        vid = int(
            conn.execute(
                "INSERT INTO index_versions (name, manifest, embedder, dim, chunks, sentences)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    data.name,
                    json.dumps(data.manifest, ensure_ascii=False),
                    embedder,
                    data.dim,
                    len(data.chunks),
                    len(data.sentences),
                ),
            ).fetchone()[0]
        )
    columns = {d.doc_id: filter_columns(d.meta) for d in data.docs}
    chunks, sentences = chunk_table(vid), sentence_table(vid)
    with db.connection() as conn:
        conn.execute(_ddl(chunks, _CHUNK_COLUMNS, f"vector({data.dim})"))
        conn.execute(_ddl(sentences, _SENTENCE_COLUMNS, f"halfvec({data.dim})"))
        with conn.cursor().copy(
            "COPY documents (version_id, doc_id, slug, title, sha256, n_pages, metadata) FROM STDIN"
        ) as copy:
            for d in data.docs:
                meta = json.dumps(d.meta.to_json(), ensure_ascii=False, default=str)
                copy.write_row((vid, d.doc_id, d.slug, d.title, d.sha256, d.n_pages, meta))
        names = ", ".join(c[0] for c in _CHUNK_COLUMNS) + ", embedding"
        with conn.cursor().copy(f"COPY {chunks} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([c[2] for c in _CHUNK_COLUMNS] + ["vector"])
            for row, c in enumerate(data.chunks):
                f = columns[c.doc_id]
                copy.write_row(
                    (row, c.chunk_id, c.doc_id, c.slug, c.title, c.section, list(c.pages))
                    + (c.ordinal, c.text)
                    + tuple(f[name] for name, _ in FILTER_COLUMNS)
                    + (Vector(vectors[row]),)
                )
        names = ", ".join(c[0] for c in _SENTENCE_COLUMNS) + ", embedding"
        svecs = np.asarray(data.sentence_vectors, dtype=np.float32)
        with conn.cursor().copy(f"COPY {sentences} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([c[2] for c in _SENTENCE_COLUMNS] + ["halfvec"])
            for row, s in enumerate(data.sentences):
                copy.write_row(
                    (row, s.sentence_id, s.doc_id, s.chunk_id, s.page, s.section, s.ordinal)
                    + (s.text, bool(s.boilerplate), HalfVector(svecs[row]))
                )
        clock.lap("copy")
        conn.execute(f"ALTER TABLE {chunks} ADD PRIMARY KEY (pos)")
        conn.execute(f"ALTER TABLE {sentences} ADD PRIMARY KEY (row)")
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        conn.execute(
            f"CREATE INDEX {chunks}_hnsw ON {chunks} USING hnsw (embedding vector_ip_ops)"
            f" WITH (m = {int(hnsw.m)}, ef_construction = {int(hnsw.ef_construction)})"
        )
        clock.lap("hnsw")
        conn.execute(f"CREATE INDEX {chunks}_doc ON {chunks} (doc_id, ordinal)")
        conn.execute(f"CREATE INDEX {sentences}_doc ON {sentences} (doc_id, row)")
        for col in FILTER_ARRAYS:  # selective filters: bitmap scan + exact distances
            conn.execute(f"CREATE INDEX {chunks}_{col} ON {chunks} USING gin ({col})")
        conn.execute(f"CREATE INDEX {chunks}_type ON {chunks} (dokumenttyp)")
        clock.lap("indexes")
        for blob_name, blob in blobs.items():
            for part, piece in enumerate(split_parts(blob)):
                conn.execute(
                    "INSERT INTO version_blobs (version_id, name, part, data)"
                    " VALUES (%s, %s, %s, %s)",
                    (vid, blob_name, part, piece),
                )
        conn.cursor().executemany(
            "INSERT INTO skipped_files VALUES (%s, %s, %s, %s)",
            [(vid, s.path, s.reason, s.kept_previous) for s in data.skipped],
        )
        conn.execute(
            "UPDATE index_versions SET state = 'ready', ready_at = now() WHERE id = %s", (vid,)
        )
        conn.execute(f"ANALYZE {chunks}")
        conn.execute(f"ANALYZE {sentences}")
    clock.lap("rest")
    return vid


class _Clock:
    def __init__(self, out: dict[str, Any] | None) -> None:
        self.out = out
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.out is not None:
            self.out[name] = round(now - self.t, 3)
        self.t = now
