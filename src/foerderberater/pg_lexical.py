"""Lexical search for the PostgreSQL backend, with today's German analysis.

``GermanAnalyzer`` (folding, stop words, Snowball stems, decompounding against the corpus
vocabulary) runs in Python, at write time over the chunks and at query time over the question;
the vocabulary of a version is stored with it, so every replica analyses queries the same way.
Three ways to rank were measured (bench/pg_parity.py -> bench/results/pg_parity.json):

- ``tsrank``: the terms as a ``tsvector`` (lexemes with positions, ``simple``: no further
  processing), GIN index, ``ts_rank_cd`` — no IDF, so weaker ranking;
- ``sqlbm25``: the same tsvector plus a per-version document-frequency table; BM25 (the Lucene
  variant bm25s uses, k1=1.2, b=0.75) computed in SQL over the GIN-matched rows;
- ``memory``: the bm25s index of ``LexicalIndex`` serialised into ``version_blobs`` and loaded
  into each replica's memory per version (identical scores to the embedded backend).
"""

from __future__ import annotations

import math
import struct
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from foerderberater.analysis import GermanAnalyzer, vocabulary_of
from foerderberater.lexical import ANALYZER_NAME, LexicalIndex

K1 = 1.2
B = 0.75
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions per lexeme
BLOB_PART = 32 * 1024 * 1024
LEXICAL_MODES = ("memory", "sqlbm25", "tsrank")
EMPTY = "\u2205"  # bm25s placeholder of a chunk without terms (document length 1)


@dataclass(frozen=True)
class LexicalPayload:
    """Everything the writer stores for lexical search of one version."""

    vocabulary: tuple[str, ...]
    tsvectors: list[bytes]  # binary tsvector per chunk
    lengths: list[int]  # BM25 document length per chunk
    df: dict[str, int]
    blobs: dict[str, bytes]  # file name -> content of the saved bm25s index (+ analyzer.json)


def tsvector_binary(terms: Sequence[str]) -> bytes:
    """PostgreSQL's binary ``tsvector`` (as ``tsvectorsend`` writes it): count, then per lexeme
    a NUL-terminated string, the number of positions and the positions (ascending, weight D)."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(terms, 1):
        slot = positions.setdefault(term, [])
        if len(slot) < MAX_POSITIONS:
            slot.append(min(i, 16383))
    out = [struct.pack(">i", len(positions))]
    for term in sorted(positions, key=lambda t: (len(t.encode()), t.encode())):
        pos = positions[term]
        out.append(term.encode("utf-8") + b"\0" + struct.pack(f">H{len(pos)}H", len(pos), *pos))
    return b"".join(out)


def tsquery_literal(terms: Sequence[str]) -> str:
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in set(terms))


def build_payload(texts: Sequence[str], *, with_blobs: bool = True) -> LexicalPayload:
    analyzer = GermanAnalyzer(vocabulary_of(texts))
    all_terms = [analyzer.terms(t) for t in texts]
    df: Counter[str] = Counter()
    for terms in all_terms:
        df.update(set(terms))
    blobs: dict[str, bytes] = {}
    if with_blobs:
        # exactly what LexicalIndex.build does, reusing the terms computed above
        bm25 = None
        if texts:
            bm25 = bm25s.BM25(k1=K1, b=B)
            bm25.index([t or [EMPTY] for t in all_terms], show_progress=False)
        with tempfile.TemporaryDirectory() as tmp:
            LexicalIndex(bm25, analyzer, len(texts)).save(Path(tmp))
            blobs = {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir()) if p.is_file()}
    return LexicalPayload(
        vocabulary=tuple(sorted(analyzer.vocabulary)),
        tsvectors=[tsvector_binary(t) for t in all_terms],
        lengths=[len(t) or 1 for t in all_terms],
        df=dict(df),
        blobs=blobs,
    )


def split_parts(data: bytes) -> list[bytes]:
    return [data[i : i + BLOB_PART] for i in range(0, len(data), BLOB_PART)] or [b""]


def load_memory_index(conn: Any, version_id: int) -> LexicalIndex:
    """Rebuild the saved bm25s index of a version from ``version_blobs``."""
    rows = conn.execute(
        "SELECT name, data FROM version_blobs WHERE version_id = %s AND name LIKE 'bm25/%%'"
        " ORDER BY name, part",
        (version_id,),
    ).fetchall()
    files: dict[str, bytearray] = {}
    for name, data in rows:
        files.setdefault(name[len("bm25/") :], bytearray()).extend(data)
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(bytes(data))
        return LexicalIndex.load(Path(tmp))


def load_vocabulary(conn: Any, version_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT data FROM version_blobs WHERE version_id = %s AND name = 'vocabulary'"
        " ORDER BY part",
        (version_id,),
    ).fetchall()
    text = b"".join(bytes(r[0]) for r in rows).decode("utf-8")
    return text.split("\n") if text else []


class PgLexicalSearch:
    """Top-k lexical rows of one version by the chosen mode (see module doc)."""

    def __init__(
        self,
        conn: Any,
        version_id: int,
        table: str,
        n_chunks: int,
        avg_len: float,
        mode: str = "memory",
    ) -> None:
        if mode not in LEXICAL_MODES:
            raise ValueError(f"unknown lexical mode {mode!r}")
        self.mode = mode
        self.version_id = version_id
        self.table = table
        self.n = n_chunks
        self.avg_len = avg_len or 1.0
        self._memory: LexicalIndex | None = None
        if mode == "memory":
            self._memory = load_memory_index(conn, version_id)
            self.analyzer = self._memory.analyzer
        else:
            self.analyzer = GermanAnalyzer(load_vocabulary(conn, version_id))

    @staticmethod
    def analyzer_name() -> str:
        return ANALYZER_NAME

    def top(
        self,
        conn: Any,
        query: str,
        k: int,
        where: str = "TRUE",
        params: dict | None = None,
        mask: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """``(row, score)`` best first, only rows with a positive score.

        SQL modes use ``where``/``params`` (from ``pg_filters.filter_sql``); the memory mode
        uses ``mask`` (boolean per row, or None for no filter).
        """
        terms = self.analyzer.terms(query)
        if not terms or not self.n:
            return []
        if self._memory is not None:
            scores = self._memory.scores(query)
            if mask is not None:
                scores = np.where(mask, scores, 0.0)
            k = min(k, len(scores))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(int(r), float(scores[r])) for r in top if scores[r] > 0]
        args = dict(params or {})
        args.update(q=tsquery_literal(terms), k=k)
        if self.mode == "tsrank":
            sql = (
                f"SELECT pos, ts_rank_cd(terms, %(q)s::tsquery) AS s FROM {self.table}"
                f" WHERE terms @@ %(q)s::tsquery AND {where} ORDER BY s DESC, pos LIMIT %(k)s"
            )
            return [(int(r), float(s)) for r, s in conn.execute(sql, args)]
        qtf = Counter(terms)
        df = dict(
            conn.execute(
                "SELECT term, df FROM lexical_terms WHERE version_id = %s AND term = ANY(%s)",
                (self.version_id, list(qtf)),
            ).fetchall()
        )
        known = [t for t in qtf if t in df]
        if not known:
            return []
        weights = [qtf[t] * math.log(1 + (self.n - df[t] + 0.5) / (df[t] + 0.5)) for t in known]
        args.update(terms=known, weights=weights, k1=K1, b=B, avgdl=float(self.avg_len))
        sql = f"""
            WITH q AS (SELECT * FROM unnest(%(terms)s::text[], %(weights)s::float8[]) AS q(t, w))
            SELECT c.pos, SUM(q.w * u.tf / (u.tf + %(k1)s * (1 - %(b)s
                                + %(b)s * c.n_terms / %(avgdl)s))) AS s
            FROM {self.table} c
            CROSS JOIN LATERAL (SELECT lexeme, cardinality(positions)::float8 AS tf
                                FROM unnest(c.terms)) u
            JOIN q ON q.t = u.lexeme
            WHERE c.terms @@ %(q)s::tsquery AND {where}
            GROUP BY c.pos ORDER BY s DESC, c.pos LIMIT %(k)s"""
        return [(int(r), float(s)) for r, s in conn.execute(sql, args)]
