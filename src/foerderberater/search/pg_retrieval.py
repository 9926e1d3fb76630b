"""Hybrid retrieval over a PostgreSQL version: pgvector HNSW + the in-memory BM25, fused by RRF.

``PgRetriever`` is a ``Retriever``: lexical search (the version's BM25 with the row masks of
``allowed_rows``), fusion and hit construction are inherited unchanged; only the dense
candidates come from the database. Filters become SQL over the typed filter columns
(``pg_filters``). A wide filter keeps the HNSW index with pgvector 0.8's iterative scan
(``hnsw.iterative_scan = relaxed_order``: the graph is scanned further until ``k`` rows pass);
a narrow one is searched exactly over the rows that pass (GIN bitmap scan), which is both
faster and exact there (bench/results/pg_scale_200k_final.json). A small version (at most
``EXACT_ROWS`` chunks) is always searched exactly, as the embedded flat index does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from foerderberater.core.settings import Settings
from foerderberater.core.types import Hit
from foerderberater.index.embedding import Embedder
from foerderberater.index.pg.db import Vector
from foerderberater.index.pg.version import PgVersion
from foerderberater.search.filters import Filters
from foerderberater.search.pg_filters import filter_sql, kreis_spellings
from foerderberater.search.retrieval import Retriever

# A version this small is always searched exactly, like the embedded flat index: measured on
# the shared 2-core machine (load ~11) exact 7.5 / 13 / 58 ms p50 at 4k / 8k / 20k chunks vs
# HNSW 3-10 ms; on the fake embedder's vectors HNSW (ef_search 100) missed candidates among the
# top 50 of 505 chunks, which an exact search never does.
EXACT_ROWS = 10_000
_EXACT = {"enable_indexscan": "off", "enable_bitmapscan": "on", "enable_seqscan": "on"}
_HNSW = {"enable_indexscan": "on", "enable_bitmapscan": "off", "enable_seqscan": "off"}


class PgRetriever(Retriever):
    def __init__(
        self,
        version: PgVersion,
        embedder: Embedder,
        settings: Settings,
        canon_kreis: Callable[[str], str] | None = None,
        *,
        ef_search: int | None = None,
        iterative_scan: str = "relaxed_order",
        exact: bool = False,
        exact_rows: int = EXACT_ROWS,
        exact_below: int = 20_000,
        exact_share: float = 0.2,
    ) -> None:
        super().__init__(version, embedder, settings, canon_kreis)  # type: ignore[arg-type]
        self.pg: PgVersion = version
        self.ef_search = ef_search or settings.hnsw_ef_search
        self.iterative_scan = iterative_scan
        self.exact = exact or len(version) <= exact_rows
        self.exact_below = exact_below
        self.exact_share = exact_share
        self._counts: dict[Filters, int] = {}  # rows passing each filter (immutable version)
        self._kreise = sorted({k for d in version.docs.values() for k in _kreise(d.meta)})

    def _where(self, filters: Filters | None) -> tuple[str, dict]:
        names = None
        if filters is not None and filters.kreis:
            names = kreis_spellings(filters.kreis, self._kreise, self.canon_kreis)
        return filter_sql(filters, names)

    def dense_vector(
        self, qvec: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """``(row, inner product)`` of the ``k`` nearest rows that pass ``filters``."""
        if len(self.pg) == 0:
            return []
        where, params = self._where(filters)
        params.update(q=Vector(qvec), k=int(k))
        exact = self.exact
        if not exact and filters is not None and filters.active():
            passing = self._passing(filters, where, params)
            exact = passing <= self.exact_below and passing < self.exact_share * len(self.pg)
        gucs = _EXACT if exact else _HNSW
        if not exact:  # our rule above decides the plan, not the planner's row estimates
            gucs = gucs | {
                "hnsw.ef_search": str(max(self.ef_search, k)),
                "hnsw.iterative_scan": self.iterative_scan,
            }
        with self.pg.db.reader(gucs) as conn:
            rows = conn.execute(
                f"SELECT pos, (embedding <#> %(q)s) * -1 AS s FROM {self.pg.table}"
                f" WHERE {where} ORDER BY embedding <#> %(q)s LIMIT %(k)s",
                params,
            ).fetchall()
        rows.sort(key=lambda r: (-r[1], r[0]))  # relaxed_order may be slightly out of order
        return [(int(r), float(s)) for r, s in rows]

    def _passing(self, filters: Filters, where: str, params: dict) -> int:
        """Rows passing ``filters`` (cached per filter: the version is immutable). At most
        ``exact_below`` rows and under ``exact_share`` of the version: exact search over them;
        wider: HNSW with iterative scan. bench/pg_scale.py, 200k chunks: a 1.4 % filter took
        ~0.6 s at recall 0.37 through HNSW, 74 ms exactly; 10k chunks with 80 % passing: HNSW
        12 ms at recall 0.99, exact 120 ms."""
        count = self._counts.get(filters)
        if count is None:
            with self.pg.db.reader() as conn:
                sql = f"SELECT count(*) FROM {self.pg.table} WHERE {where}"
                count = int(conn.execute(sql, params).fetchone()[0])
            if len(self._counts) >= 1024:
                self._counts.clear()
            self._counts[filters] = count
        return count

    def dense(
        self, query: str, k: int, mask: np.ndarray | None, vector: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """As ``Retriever.dense``: ``mask`` (rows allowed) is searched exactly in SQL."""
        if len(self.pg) == 0:
            return []
        vec = self.query_vector(query) if vector is None else vector
        if mask is None:
            return self.dense_vector(vec, k)
        rows = np.flatnonzero(mask).tolist()
        if not rows:
            return []
        with self.pg.db.reader(_EXACT) as conn:
            found = conn.execute(
                f"SELECT pos, (embedding <#> %(q)s) * -1 AS s FROM {self.pg.table}"
                " WHERE pos = ANY(%(rows)s) ORDER BY embedding <#> %(q)s LIMIT %(k)s",
                {"q": Vector(vec), "rows": rows, "k": int(k)},
            ).fetchall()
        return [(int(r), float(s)) for r, s in sorted(found, key=lambda r: (-r[1], r[0]))]

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        k: int | None = None,
        *,
        vector: np.ndarray | None = None,
        lexical_query: str | None = None,
    ) -> list[Hit]:
        """Hybrid search; ``lexical_query`` (default ``query``) is what BM25 sees."""
        s = self.settings
        k = k or s.candidate_k
        vec = self.query_vector(query) if vector is None else vector
        dense = self.dense_vector(vec, s.candidate_k, filters)
        lexical = self.lexical(lexical_query or query, s.candidate_k, self.allowed_rows(filters))
        return self.fuse(dense, lexical)[:k]


def _kreise(meta: object) -> list[str]:
    return [str(k) for k in getattr(meta, "landkreise", ()) or ()]
