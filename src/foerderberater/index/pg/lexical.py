"""The BM25 index of a PostgreSQL version: stored as blobs, loaded into each replica's memory.

Measured before choosing (phase 1, bench/results/pg_parity.json, GermanQuAD 1,773 chunks, and
pg_scale.json, up to 200k chunks): BM25 computed in SQL over a ``tsvector`` of the analyser's
terms had the same scores but took 13 ms p50 at 1.8k and 265 ms at 10k chunks; ``ts_rank_cd``
lost 0.16 lexical nDCG@10 (no IDF). The saved ``LexicalIndex`` (bm25s with the German
analyser) loaded per version gives identical scores to the embedded backend and sub-millisecond
scoring up to 200k chunks, at the cost of RAM per replica (186 MB at 200k) and a load per
published version (9 s at 200k). ``docs/scaling.md`` says when to revisit this.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from foerderberater.index.lexical import LexicalIndex

BLOB_PART = 32 * 1024 * 1024  # bytea values are split into parts of at most 32 MiB
PREFIX = "bm25/"


def lexical_blobs(lexical: LexicalIndex) -> dict[str, bytes]:
    """The files ``LexicalIndex.save`` writes, by name (``bm25/<file>``)."""
    with tempfile.TemporaryDirectory(prefix="fb-bm25-") as tmp:
        lexical.save(Path(tmp))
        return {PREFIX + p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}


def split_parts(data: bytes) -> list[bytes]:
    return [data[i : i + BLOB_PART] for i in range(0, len(data), BLOB_PART)] or [b""]


def load_lexical(conn: Any, version_id: int) -> LexicalIndex:
    """Rebuild the saved BM25 index of a version from ``version_blobs``."""
    rows = conn.execute(
        "SELECT name, data FROM version_blobs WHERE version_id = %s AND name LIKE 'bm25/%%'"
        " ORDER BY name, part",
        (version_id,),
    ).fetchall()
    files: dict[str, bytearray] = {}
    for name, data in rows:
        files.setdefault(name[len(PREFIX) :], bytearray()).extend(data)
    with tempfile.TemporaryDirectory(prefix="fb-bm25-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(bytes(data))
        return LexicalIndex.load(Path(tmp))
