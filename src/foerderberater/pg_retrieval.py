"""Hybrid retrieval over a PostgreSQL index version: pgvector HNSW + lexical, fused by RRF.

``PgRetriever`` is a ``Retriever``: fusion, hit construction and settings are inherited
unchanged, only the two candidate lists come from the database. Filters become SQL over the
typed filter columns (``pg_filters``); with a filter, pgvector 0.8's iterative index scan
(``hnsw.iterative_scan = relaxed_order``) keeps scanning the graph until ``k`` rows pass
instead of returning fewer than ``k`` (the rows are re-sorted by exact score afterwards).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from foerderberater.embedding import Embedder
from foerderberater.filters import Filters
from foerderberater.pg_db import Vector
from foerderberater.pg_filters import filter_sql, kreis_spellings
from foerderberater.pg_version import PgVersion
from foerderberater.retrieval import Retriever
from foerderberater.settings import Settings
from foerderberater.types import Hit


class PgRetriever(Retriever):
    def __init__(
        self,
        version: PgVersion,
        embedder: Embedder,
        settings: Settings,
        canon_kreis: Callable[[str], str] | None = None,
        *,
        ef_search: int = 100,
        iterative_scan: str = "relaxed_order",
        exact: bool = False,
        exact_below: int = 20_000,
        exact_share: float = 0.2,
    ) -> None:
        super().__init__(version, embedder, settings, canon_kreis)  # type: ignore[arg-type]
        self.pg: PgVersion = version
        self.ef_search = ef_search
        self.iterative_scan = iterative_scan
        self.exact = exact
        self.exact_below = exact_below
        self.exact_share = exact_share
        self._counts: dict[Filters, int] = {}  # rows passing each filter (immutable version)
        self._kreise = sorted({k for d in version.docs.values() for k in _kreise(d.metadata)})

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
        gucs = {"enable_indexscan": "off" if exact else "on"}
        if not exact:
            gucs["hnsw.ef_search"] = str(max(self.ef_search, k))
            gucs["hnsw.iterative_scan"] = self.iterative_scan
        with self.pg.db.reader(gucs) as conn:
            rows = conn.execute(
                f"SELECT pos, (embedding <#> %(q)s) * -1 AS s FROM {self.pg.table}"
                f" WHERE {where} ORDER BY embedding <#> %(q)s LIMIT %(k)s",
                params,
            ).fetchall()
        rows.sort(key=lambda r: (-r[1], r[0]))  # relaxed_order may be slightly out of order
        return [(int(r), float(s)) for r, s in rows]

    def _passing(self, filters: Filters, where: str, params: dict) -> int:
        """Rows passing ``filters`` (cached). A narrow filter (at most ``exact_below`` rows and
        under ``exact_share`` of the version): exact search over them (GIN bitmap scan); a wide
        one: HNSW with iterative scan. bench/pg_scale.py, 200k chunks: a 1.4 % filter took
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

    def dense(  # type: ignore[override]
        self, query: str, k: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        if len(self.pg) == 0:
            return []
        return self.dense_vector(self.embedder.embed_query(query), k, filters)

    def lexical(  # type: ignore[override]
        self, query: str, k: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        lex = self.pg.lexical
        if lex is None:
            raise ValueError("version opened without lexical search")
        if lex.mode == "memory":
            return lex.top(None, query, k, mask=self.allowed_rows(filters))
        where, params = self._where(filters)
        with self.pg.db.reader() as conn:
            return lex.top(conn, query, k, where, params)

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Hit]:
        s = self.settings
        k = k or s.candidate_k
        dense = self.dense(query, s.candidate_k, filters)
        lexical = self.lexical(query, s.candidate_k, filters)
        return self.fuse(dense, lexical)[:k]


def _kreise(meta: dict) -> list[str]:
    value = meta.get("landkreise") or []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
